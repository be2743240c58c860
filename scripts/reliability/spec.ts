/** What a reliability server process is asked to be, and the figures it reports. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  BinaryProtocol,
  CompactProtocol,
  connect,
  connectTls,
  FRAMINGS,
  Header,
  headerFraming,
  JSONProtocol,
  zlibFraming,
  type Connection,
  type Framing,
  type FramingOutput,
  type Protocol,
  type TlsConnectionOptions,
} from "../../runtime/index.js";
import { makeTestKeys, projectRoot } from "../make-test-keys.js";

export type ProtocolName = "binary" | "compact" | "json";
/** A transport's name in TRANSPORTS. */
export type TransportName = string;
export type Fault = "garbage" | "wrong-seqid" | "half-frame";

export interface PeerSpec {
  kind: "tcp" | "http";
  protocol: ProtocolName;
  /** TCP only: a name in TRANSPORTS (a framing, perhaps in the zlib transport, perhaps over TLS). */
  transport: TransportName;
  /** Default: any free port. */
  port?: number | undefined;
  /** Server options (timeouts, limits, connection caps): numbers only. */
  options?: Record<string, number> | undefined;
  /** TLS servers: the handshake timeout (default the runtime's, 10 s). */
  handshakeTimeoutMs?: number | undefined;
  /** Play this broken server on connections (TCP) or requests (HTTP) that start with testI32(BREAK). */
  fault?: Fault | undefined;
}

export interface PeerStats {
  type: "stats";
  rss: number;
  heapUsed: number;
  external: number;
  arrayBuffers: number;
  connections: number;
  handled: number;
  events: Record<string, number>;
}

/** Every protocol the runtime has (a new one is added here, and every scenario then covers it). */
export const PROTOCOLS: Readonly<Record<ProtocolName, Protocol>> = { binary: BinaryProtocol, compact: CompactProtocol, json: JSONProtocol };
export const PROTOCOL_NAMES = Object.keys(PROTOCOLS) as ProtocolName[];

/**
 * A transport of the stream server and client: a framing (`transport`), perhaps inside the zlib
 * transport (`zlib: true`), perhaps over TLS (`createTlsServer` / `connectTls`).
 */
export interface Transport {
  /** The framing inside (the `transport` option). */
  readonly framing: Framing;
  /** The zlib transport around it (the `zlib: true` option). */
  readonly zlib: boolean;
  readonly tls: boolean;
}

/** THeader with the zlib transform on every payload the client sends (the server answers in kind). */
const HeaderZlib = headerFraming({ transforms: ["zlib"] });

/**
 * Every transport the stream server has: each framing of the runtime's own table (a new one is
 * covered as it lands), THeader (plain, and with its zlib transform), the zlib transport (buffered
 * inside, as Apache's cross test composes it) and TLS (framed inside). A new transport is added here,
 * and every scenario then covers it.
 */
export const TRANSPORT_TABLE: Readonly<Record<TransportName, Transport>> = {
  ...Object.fromEntries(Object.entries(FRAMINGS).map(([name, framing]) => [name, { framing, zlib: false, tls: false }])),
  header: { framing: Header, zlib: false, tls: false },
  "header+zlib": { framing: HeaderZlib, zlib: false, tls: false },
  zlib: { framing: FRAMINGS["buffered"]!, zlib: true, tls: false },
  tls: { framing: FRAMINGS["framed"]!, zlib: false, tls: true },
};
export const TRANSPORTS: readonly TransportName[] = Object.keys(TRANSPORT_TABLE);

export function transportOf(name: TransportName): Transport {
  const transport = TRANSPORT_TABLE[name];
  if (transport === undefined) throw new Error(`no transport '${name}' (${TRANSPORTS.join(", ")})`);
  return transport;
}

/** The framing a raw socket speaks to this transport's server (the zlib transport's included; TLS is below it). */
export function framingOf(name: TransportName): Framing {
  const t = transportOf(name);
  return t.zlib ? zlibFraming(t.framing) : t.framing;
}

/** The `transport` and `zlib` options of a server or client of this transport. */
export function transportOptions(name: TransportName): { transport: Framing; zlib?: boolean } {
  const t = transportOf(name);
  return t.zlib ? { transport: t.framing, zlib: true } : { transport: t.framing };
}

/** Test keys (made with openssl when missing, in the project's .tmp/keys; never committed). */
export interface TestTls {
  key: Buffer;
  cert: Buffer;
  ca: Buffer;
}

let tlsKeys: TestTls | undefined;
export function testTls(): TestTls {
  if (tlsKeys === undefined) {
    const keys = makeTestKeys(join(projectRoot(), ".tmp/keys"));
    tlsKeys = { key: readFileSync(keys.serverKey), cert: readFileSync(keys.serverCert), ca: readFileSync(keys.ca) };
  }
  return tlsKeys;
}

/** A client connection to a stream server of this spec (TLS verified against the test CA). */
export function connectTo(spec: PeerSpec, port: number, options: Omit<TlsConnectionOptions, "protocol" | "transport" | "zlib" | "tls"> = {}): Promise<Connection> {
  const all = { ...options, protocol: PROTOCOLS[spec.protocol], ...transportOptions(spec.transport) };
  const target = { host: "127.0.0.1", port };
  return transportOf(spec.transport).tls ? connectTls(target, { ...all, tls: { ca: testTls().ca } }) : connect(target, all);
}

/** What `out` holds, as the bytes a socket would be given (any framing's output). */
export function outputBytes(out: FramingOutput): Uint8Array {
  const parts: Uint8Array[] = [];
  out.flushTo({ write: (data) => (parts.push(data.slice()), true), writableLength: 0 });
  return Buffer.concat(parts);
}

/** The stream server for every protocol × transport. */
export function streamSpecs(): PeerSpec[] {
  return PROTOCOL_NAMES.flatMap((protocol) => TRANSPORTS.map((transport): PeerSpec => ({ kind: "tcp", protocol, transport })));
}

/** The testI32 argument that makes a broken server (`fault`) misbehave on its connection or request. */
export const BREAK = -1;

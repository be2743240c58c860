/** What a reliability server process is asked to be, and the figures it reports. */
import { BinaryProtocol, CompactProtocol, FRAMINGS, JSONProtocol, type Framing, type FramingOutput, type Protocol } from "../../runtime/index.js";

export type ProtocolName = "binary" | "compact" | "json";
/** A framing's name in the runtime's FRAMINGS. */
export type TransportName = string;
export type Fault = "garbage" | "wrong-seqid" | "half-frame";

export interface PeerSpec {
  kind: "tcp" | "http";
  protocol: ProtocolName;
  /** TCP only. */
  transport: TransportName;
  /** Default: any free port. */
  port?: number | undefined;
  /** Server options (timeouts, limits, connection caps): numbers only. */
  options?: Record<string, number> | undefined;
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

/** Every framing the stream transport has, from the runtime's own table (a new one is covered as it lands). */
export const TRANSPORTS: readonly TransportName[] = Object.keys(FRAMINGS);

export function framingOf(name: TransportName): Framing {
  const framing = FRAMINGS[name];
  if (framing === undefined) throw new Error(`no framing '${name}' (${TRANSPORTS.join(", ")})`);
  return framing;
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

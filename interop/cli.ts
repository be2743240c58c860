/**
 * What rpcgen's ThriftTest server and client share: Apache's cross-test protocol and transport names,
 * and a small command-line parser for Apache's flag style (`--name=value`, `--name value`, `-n 5`).
 */
import { BinaryProtocol, CompactProtocol, headerFraming, JSONProtocol, type Protocol, type TransportOptions } from "rpcgen/runtime";

/** `multi*` are the multiplexed variants of binary, compact, json and header (THeader, binary inside). */
export const PROTOCOLS = ["binary", "compact", "json", "header", "multi", "multic", "multij", "multih"] as const;
export type ProtocolName = (typeof PROTOCOLS)[number];
/**
 * `http`: each message is one POST (Apache's THttpServer / THttpClient), buffered inside. `zlib` is
 * buffered inside one zlib stream per connection (Apache's runner also passes `--zlib`).
 */
export const TRANSPORTS = ["buffered", "framed", "http", "zlib"] as const;
export type TransportName = (typeof TRANSPORTS)[number];

const BASE: Record<ProtocolName, Protocol> = {
  binary: BinaryProtocol,
  multi: BinaryProtocol,
  compact: CompactProtocol,
  multic: CompactProtocol,
  json: JSONProtocol,
  multij: JSONProtocol,
  header: BinaryProtocol,
  multih: BinaryProtocol,
};

/** The protocol of the messages (inside the THeader frames, for header and multih). */
export function baseProtocol(name: ProtocolName): Protocol {
  return BASE[name];
}

export function isMultiplexed(name: ProtocolName): boolean {
  return name.startsWith("multi");
}

export function isHeader(name: ProtocolName): boolean {
  return name === "header" || name === "multih";
}

/** The transports over a byte stream (TCP or a Unix socket), where a framing applies. */
export type StreamTransportName = Exclude<TransportName, "http">;

/**
 * The runtime's transport options for Apache's cross-test names, composed as Apache's test programs
 * compose them: header is a protocol over the transport, so header over framed puts each THeader frame
 * in a frame (two length prefixes); `zlib` (or `--zlib` with another transport) wraps the whole stream.
 */
export function transportOptions(protocol: ProtocolName, transport: StreamTransportName, zlib: boolean): Pick<TransportOptions, "transport" | "zlib"> {
  const framed = transport === "framed";
  return {
    transport: isHeader(protocol) ? (framed ? headerFraming({ framed: true }) : "header") : framed ? "framed" : "buffered",
    ...((zlib || transport === "zlib") && { zlib: true }),
  };
}

export class UsageError extends Error {}

/**
 * Refuses what rpcgen's HTTP transport does not carry: THeader (its server and client take binary,
 * compact and JSON bodies, the protocol told by the content type) and zlib (Apache's zlib transport wraps
 * a byte stream; HTTP bodies are one message each).
 */
export function checkHttpSupports(protocol: ProtocolName, zlib: boolean): void {
  if (isHeader(protocol)) throw new UsageError(`--protocol=${protocol} is not supported with --transport=http: rpcgen's HTTP server and client carry binary, compact and JSON, not THeader`);
  if (zlib) throw new UsageError("--zlib is not supported with --transport=http: rpcgen's HTTP server and client carry plain bodies");
}

export interface OptionSpec {
  /** Takes a value (`--port=9090` or `--port 9090`); otherwise a flag. */
  value?: boolean;
  /** Other spellings, e.g. `-n` for `--testloops`. */
  aliases?: readonly string[];
}

export interface Parsed {
  values: Map<string, string>;
  flags: Set<string>;
  positionals: string[];
}

/**
 * Parses `argv` against `spec` (keys are long option names with their dashes). Unknown options throw a
 * UsageError, so a typo never passes silently.
 */
export function parseCommandLine(argv: readonly string[], spec: Readonly<Record<string, OptionSpec>>): Parsed {
  const byName = new Map<string, [string, OptionSpec]>();
  for (const [name, s] of Object.entries(spec)) {
    byName.set(name, [name, s]);
    for (const a of s.aliases ?? []) byName.set(a, [name, s]);
  }
  const out: Parsed = { values: new Map(), flags: new Set(), positionals: [] };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--") {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("-") || arg === "-") {
      out.positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    let key = eq > 0 ? arg.slice(0, eq) : arg;
    let inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    // -n5 as well as -n 5
    if (!byName.has(key) && /^-[a-zA-Z]./.test(key) && !key.startsWith("--") && byName.get(key.slice(0, 2))?.[1].value) {
      inline = key.slice(2);
      key = key.slice(0, 2);
    }
    const entry = byName.get(key);
    if (entry === undefined) throw new UsageError(`unknown option ${key}`);
    const [name, s] = entry;
    if (s.value) {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new UsageError(`${key} needs a value`);
      out.values.set(name, v);
    } else {
      if (inline !== undefined) throw new UsageError(`${key} takes no value`);
      out.flags.add(name);
    }
  }
  return out;
}

export function oneOf<T extends string>(what: string, value: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(value)) throw new UsageError(`${what} must be one of ${allowed.join(", ")} (got '${value}')`);
  return value as T;
}

export function integer(what: string, value: string, min: number, max: number): number {
  const n = Number(value);
  if (!/^\s*-?\d+\s*$/.test(value) || !Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`${what} must be an integer from ${min} to ${max} (got '${value}')`);
  }
  return n;
}

export function positiveNumber(what: string, value: string): number {
  const n = Number(value);
  if (!(n > 0) || !Number.isFinite(n)) throw new UsageError(`${what} must be a positive number (got '${value}')`);
  return n;
}



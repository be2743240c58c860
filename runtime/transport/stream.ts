/** What the client and the server share: transport options, limits, and the per-connection input. */
import { BinaryProtocol } from "../protocol/binary.js";
import type { Protocol, ProtocolReader, ReaderInput, ReaderLimits } from "../protocol/protocol.js";
import { DEFAULT_READER_LIMITS } from "../protocol/protocol.js";
import { ReaderBase } from "../protocol/reader-base.js";
import { BufferedDecoder, FramedDecoder, type MessageDecoder, type MessageHandler } from "./decoder.js";
import { MessageOutput } from "./output.js";
import { createScanner, DEFAULT_MAX_FRAME_SIZE } from "./scanner.js";

/** `framed`: a 4-byte big-endian length before each message (the default). `buffered`: no framing. */
export type TransportKind = "framed" | "buffered";

/** Limits on what a peer may send, checked before anything is allocated for it. */
export interface TransportLimits {
  /** Largest message (framed: frame length; buffered: message size). Default 16 MiB. */
  maxFrameSize?: number;
  /** Longest string or binary value. Default 16 MiB. */
  maxStringLength?: number;
  /** Most elements (or map entries) in one container. Default 1,000,000. */
  maxContainerElements?: number;
  /** Deepest nesting of structs and containers. Default 64. */
  maxDepth?: number;
  /**
   * Decode budget: a message whose values would take more than an estimated `decodeBudgetRatio` bytes
   * of memory per byte of it (and more than `decodeBudgetFloor` bytes) is refused. Defaults 48 and
   * 1 MiB; `Infinity` turns it off.
   */
  decodeBudgetRatio?: number;
  decodeBudgetFloor?: number;
}

export interface TransportOptions extends TransportLimits {
  /** Default BinaryProtocol. */
  protocol?: Protocol;
  /** Default `framed`. */
  transport?: TransportKind;
}

/** Resolved transport settings. */
export interface StreamSettings {
  readonly protocol: Protocol;
  readonly framed: boolean;
  readonly maxFrameSize: number;
  readonly limits: ReaderLimits;
}

export function streamSettings(options: TransportOptions): StreamSettings {
  const transport = options.transport ?? "framed";
  if (transport !== "framed" && transport !== "buffered") throw new Error(`unknown transport '${String(transport)}' (framed or buffered)`);
  const maxFrameSize = positive(options.maxFrameSize, DEFAULT_MAX_FRAME_SIZE, "maxFrameSize");
  if (maxFrameSize > 0x7fffffff) throw new Error("maxFrameSize must fit in an i32");
  return {
    protocol: options.protocol ?? BinaryProtocol,
    framed: transport === "framed",
    maxFrameSize,
    limits: {
      maxStringLength: positive(options.maxStringLength, DEFAULT_READER_LIMITS.maxStringLength, "maxStringLength"),
      maxContainerElements: positive(options.maxContainerElements, DEFAULT_READER_LIMITS.maxContainerElements, "maxContainerElements"),
      maxDepth: positive(options.maxDepth, DEFAULT_READER_LIMITS.maxDepth, "maxDepth"),
      decodeBudgetRatio: budgetSetting(options.decodeBudgetRatio, DEFAULT_READER_LIMITS.decodeBudgetRatio, "decodeBudgetRatio"),
      decodeBudgetFloor: budgetSetting(options.decodeBudgetFloor, DEFAULT_READER_LIMITS.decodeBudgetFloor, "decodeBudgetFloor"),
    },
  };
}

function positive(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isInteger(value)) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** A decode budget setting: a positive number, or Infinity (no budget). */
function budgetSetting(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new Error(`${name} must be a positive number (or Infinity), got ${value}`);
  return value;
}

export type StreamReader = ProtocolReader & ReaderInput;

/** One connection's codec state: the input decoder, the reader it decodes with, and the output. */
export class MessageStream {
  readonly reader: StreamReader;
  readonly decoder: MessageDecoder;
  readonly output: MessageOutput;
  private readonly ranged: boolean;

  constructor(settings: StreamSettings, onMessage: MessageHandler) {
    const { protocol, limits } = settings;
    this.reader = protocol.createReader(new Uint8Array(0), limits);
    this.ranged = this.reader instanceof ReaderBase;
    this.decoder = settings.framed
      ? new FramedDecoder(onMessage, settings.maxFrameSize)
      : new BufferedDecoder(onMessage, createScanner(protocol.name, { ...limits, maxMessageSize: settings.maxFrameSize }), settings.maxFrameSize);
    this.output = new MessageOutput(protocol, settings.framed);
  }

  /** Points the reader at one message, `bytes[start, end)` (without copying when the reader allows it). */
  load(bytes: Uint8Array, start: number, end: number): StreamReader {
    const r = this.reader;
    if (this.ranged) {
      const base = r as unknown as ReaderBase;
      // reset() costs ~100 ns (DataView getters); skip it for the next message of the same chunk when
      // the reader is at rest (depth 0: every struct it entered was left, so no per-struct state remains).
      if (base.bytes !== bytes || base.depth !== 0) r.reset(bytes);
      base.pos = start;
      base.end = end;
      base.armBudget();
    } else {
      r.reset(start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end));
    }
    return r;
  }
}

/** `host:port` (IPv6 hosts in brackets) or the socket path. */
export function formatAddress(host: string | undefined, port: number | undefined, path?: string): string {
  if (path !== undefined) return path;
  const h = host ?? "localhost";
  return `${h.includes(":") ? `[${h}]` : h}:${port ?? 0}`;
}

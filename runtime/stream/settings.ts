/** What stream clients and servers share: transport options, limits, and the per-connection codec state. */
import { FRAMINGS, type FrameLimits, type Framing } from "../framing/framing.js";
import type { MessageDecoder, MessageHandler } from "../framing/decoder.js";
import type { FramingOutput } from "../framing/output.js";
import { DEFAULT_MAX_FRAME_SIZE } from "../framing/scanner.js";
import { Header } from "../header/framing.js";
import { BinaryProtocol } from "../protocol/binary.js";
import type { Protocol, ProtocolReader, ReaderInput } from "../protocol/protocol.js";
import { ReaderBase } from "../protocol/reader-base.js";
import { positiveInteger, readerLimits } from "../limits.js";
import { zlibFraming, type ZlibOptions } from "../zlib/framing.js";

/**
 * `framed`: a 4-byte big-endian length before each message (the default). `buffered`: no framing.
 * `header`: THeader frames (headers and deadlines travel; servers also answer framed and unframed
 * binary and compact clients in kind); `headerFraming(options)` for transforms and the framed form.
 */
export type TransportKind = "framed" | "buffered" | "header";

/** The framings `transport` names. */
const STREAM_FRAMINGS: Readonly<Record<string, Framing>> = { ...FRAMINGS, header: Header };

/** Limits on what a peer may send, checked before anything is allocated for it. */
export interface TransportLimits {
  /** Largest message (framed: frame length; buffered: message size). Default 16 MiB. */
  maxFrameSize?: number | undefined;
  /** Longest string or binary value. Default 16 MiB. */
  maxStringLength?: number | undefined;
  /** Most elements (or map entries) in one container. Default 1,000,000. */
  maxContainerElements?: number | undefined;
  /** Deepest nesting of structs and containers. Default 64. */
  maxDepth?: number | undefined;
  /**
   * Decode budget: a message whose values would take more than an estimated `decodeBudgetRatio` bytes
   * of memory per byte of it (and more than `decodeBudgetFloor` bytes) is refused. Defaults 48 and
   * 1 MiB; `Infinity` turns it off.
   */
  decodeBudgetRatio?: number | undefined;
  decodeBudgetFloor?: number | undefined;
}

export interface TransportOptions extends TransportLimits {
  /** Default BinaryProtocol. */
  protocol?: Protocol | undefined;
  /** `framed` (default), `buffered`, `header`, or a Framing (`headerFraming(...)`, one's own). */
  transport?: TransportKind | Framing | undefined;
  /**
   * The zlib transport: the connection's whole byte stream, both ways, is one zlib stream (a sync flush
   * per batch written), with the `transport` framing inside. `true` or `{ level }`. Default off.
   */
  zlib?: boolean | ZlibOptions | undefined;
}

/** Resolved transport settings. */
export interface StreamSettings {
  readonly protocol: Protocol;
  readonly framing: Framing;
  readonly limits: FrameLimits;
}

export function streamSettings(options: TransportOptions): StreamSettings {
  const transport = options.transport ?? "framed";
  let framing = typeof transport === "string" ? STREAM_FRAMINGS[transport] : transport;
  if (framing === undefined) {
    const hint = (transport as string) === "zlib" ? "; zlib is the `zlib: true` option, around a framing" : "";
    throw new Error(`unknown transport '${String(transport)}' (framed, buffered or header, or a Framing${hint})`);
  }
  if (options.zlib !== undefined && options.zlib !== false) framing = zlibFraming(framing, options.zlib === true ? {} : options.zlib);
  const maxFrameSize = positiveInteger(options.maxFrameSize, DEFAULT_MAX_FRAME_SIZE, "maxFrameSize");
  if (maxFrameSize > 0x7fffffff) throw new Error("maxFrameSize must fit in an i32");
  const settings: StreamSettings = {
    protocol: options.protocol ?? BinaryProtocol,
    framing,
    limits: { maxFrameSize, ...readerLimits(options) },
  };
  // A framing that cannot carry this protocol (unframed without a scanner) says so now, not per connection.
  framing.createDecoder(settings.protocol, settings.limits, () => {});
  return settings;
}

export type StreamReader = ProtocolReader & ReaderInput;

/**
 * One connection's codec state: the input decoder, the reader it decodes with, and the output. Each is
 * made on first use and can be dropped while the connection is quiet (`release`), so an idle
 * connection holds no buffers: a server with thousands of them spends memory only on the busy ones.
 */
export class MessageStream {
  private readonly settings: StreamSettings;
  private readonly onMessage: MessageHandler;
  private decoderState: MessageDecoder | undefined = undefined;
  private outputState: FramingOutput | undefined = undefined;
  private readerState: StreamReader | undefined = undefined;
  private ranged = false;
  /** Readers of protocols other than the connection's, for framings that tell the protocol per message. */
  private others: Map<Protocol, StreamReader> | undefined = undefined;

  constructor(settings: StreamSettings, onMessage: MessageHandler) {
    this.settings = settings;
    this.onMessage = onMessage;
  }

  get decoder(): MessageDecoder {
    const { protocol, limits, framing } = this.settings;
    return (this.decoderState ??= framing.createDecoder(protocol, limits, this.onMessage));
  }

  get output(): FramingOutput {
    return (this.outputState ??= this.settings.framing.createOutput(this.settings.protocol));
  }

  /** Bytes of an incomplete message received (0 at a message boundary). */
  get partial(): number {
    return this.decoderState === undefined ? 0 : this.decoderState.partial;
  }

  /** Bytes of encoded messages not flushed yet. */
  get unflushed(): number {
    return this.outputState === undefined ? 0 : this.outputState.length;
  }

  /** Forgets partial input and unflushed output. */
  reset(): void {
    this.decoderState?.reset();
    this.outputState?.discard();
  }

  /** Forgets partial input (the stream it came from is gone; output waiting for the next one stays). */
  resetInput(): void {
    this.decoderState?.reset();
  }

  /**
   * Drops the decoder, readers and output (their buffers) when they hold nothing; they are made again
   * when needed. A framing whose codecs carry state across messages (`streamState`: a zlib stream) keeps
   * its decoder and output.
   */
  release(): void {
    if (this.settings.framing.streamState !== true) {
      if (this.decoderState !== undefined && this.decoderState.partial === 0) this.decoderState = undefined;
      if (this.outputState !== undefined && this.outputState.length === 0) this.outputState = undefined;
    }
    this.readerState = undefined;
    this.others = undefined;
  }

  /**
   * Points a reader at one message, `bytes[start, end)` (without copying when the reader allows it):
   * the connection's, or one of `protocol` when the framing said the message is in another.
   */
  load(bytes: Uint8Array, start: number, end: number, protocol?: Protocol): StreamReader {
    if (protocol !== undefined && protocol !== this.settings.protocol) return this.loadOther(protocol, bytes, start, end);
    let r = this.readerState;
    if (r === undefined) {
      const { protocol, limits } = this.settings;
      r = protocol.createReader(bytes, limits);
      this.readerState = r;
      this.ranged = r instanceof ReaderBase;
    }
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

  private loadOther(protocol: Protocol, bytes: Uint8Array, start: number, end: number): StreamReader {
    if (this.others === undefined) this.others = new Map();
    let r = this.others.get(protocol);
    if (r === undefined) {
      r = protocol.createReader(new Uint8Array(0), this.settings.limits);
      this.others.set(protocol, r);
    }
    if (r instanceof ReaderBase) {
      r.reset(bytes);
      r.pos = start;
      r.end = end;
      r.armBudget();
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

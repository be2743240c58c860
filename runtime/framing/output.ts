/**
 * The output side of a connection: one WriteBuffer that every message of a batch is encoded into, back
 * to back, each behind a 4-byte length reserved up front and patched in afterwards when framed (no copy
 * to prepend it). A flush hands the whole batch to the socket in a single write.
 *
 * After the write, the buffer's storage is reused for the next batch when the socket already passed
 * the bytes to the kernel (the usual case), and replaced by fresh storage when the socket still holds on
 * to them (backpressure): the bytes handed out are never overwritten.
 */
import type { Protocol, ProtocolWriter } from "../protocol/protocol.js";
import { WriteBuffer } from "../protocol/write-buffer.js";
import type { MessageMeta } from "./decoder.js";

/** What the output needs of a socket. */
export interface ByteSink {
  write(data: Uint8Array, callback?: (error?: Error | null) => void): boolean;
  readonly writableLength: number;
}

/**
 * What the writer of a message tells the framing about it, for framings that carry metadata (THeader);
 * framed and buffered ignore it, and callers pass none to them.
 */
export interface OutgoingMeta {
  /** The message's seqid (THeader repeats it in its frame header). */
  readonly seqid: number;
  /** Headers to send with the message, as name/value pairs (a `Headers` is one). */
  readonly headers?: Iterable<readonly [string, string]> | undefined;
  /** The received message this one answers: the reply goes out in the dialect that message came in. */
  readonly replyTo?: MessageMeta | undefined;
}

/** The output side of one connection, as a Framing makes it: messages encoded back to back, flushed in batches. */
export interface FramingOutput {
  /** The protocol writer to encode the message with, between `begin()` and `end()` (`begin` may change it). */
  readonly writer: ProtocolWriter;
  /** Bytes waiting to be flushed. */
  readonly length: number;
  /**
   * Starts a message and returns its mark (for `end` / `abort`). May throw for metadata the framing
   * cannot carry, before anything was written.
   */
  begin(meta?: OutgoingMeta): number;
  /** Ends the message started at `mark`; returns its size as the peer checks it against its frame limit. */
  end(mark: number): number;
  /** Drops the message started at `mark` (a failed encode). */
  abort(mark: number): void;
  /** Drops everything not flushed (the stream is gone: the next one starts afresh). */
  discard(): void;
  /** Writes every queued message to `sink` in one write; returns what `sink.write` returned. */
  flushTo(sink: ByteSink, callback?: (error?: Error | null) => void): boolean;
}

const INITIAL_CAPACITY = 16 * 1024;
/** Storage larger than this is not kept after a flush (one huge message must not pin memory forever). */
const KEEP_CAPACITY = 1024 * 1024;

/** A fresh output buffer of the size outputs start with. */
export function outputBuffer(): WriteBuffer {
  return new WriteBuffer(INITIAL_CAPACITY);
}

/**
 * Writes `buffer[0, pos)` to `sink` in one write and empties the buffer; its storage is kept for the next
 * batch unless the sink still holds the bytes (or the storage is too big to keep).
 */
export function flushBuffer(b: WriteBuffer, sink: ByteSink, callback?: (error?: Error | null) => void): boolean {
  const n = b.pos;
  if (n === 0) {
    callback?.(null);
    return true;
  }
  const data = b.bytes.subarray(0, n);
  b.pos = 0;
  const ok = sink.write(data, callback);
  if (sink.writableLength !== 0 || b.bytes.length > KEEP_CAPACITY) {
    // The sink still references `data` (or the storage is too big to keep): start on fresh storage.
    const cap = b.bytes.length > KEEP_CAPACITY ? INITIAL_CAPACITY : b.bytes.length;
    b.bytes = new Uint8Array(cap);
    b.view = new DataView(b.bytes.buffer, 0, cap);
  }
  return ok;
}

/** The framed and buffered output (metadata given to `begin` is ignored: these framings carry none). */
export class MessageOutput implements FramingOutput {
  readonly buffer: WriteBuffer;
  /** The protocol writer to encode messages with, between `begin()` and `end()`. */
  writer: ProtocolWriter;
  readonly framed: boolean;
  private readonly protocol: Protocol;

  constructor(protocol: Protocol, framed: boolean) {
    this.protocol = protocol;
    this.framed = framed;
    this.buffer = outputBuffer();
    this.writer = protocol.createWriter(this.buffer);
  }

  /** Bytes waiting to be flushed. */
  get length(): number {
    return this.buffer.pos;
  }

  /** Starts a message; returns its mark (for `end` / `abort`). Framed: reserves the length. */
  begin(): number {
    const b = this.buffer;
    const mark = b.pos;
    if (this.framed) {
      b.ensure(4);
      b.pos = mark + 4;
    }
    return mark;
  }

  /** Ends the message started at `mark` (framed: patches its length in); returns its size without the length. */
  end(mark: number): number {
    const b = this.buffer;
    if (!this.framed) return b.pos - mark;
    const size = b.pos - mark - 4;
    b.patchI32BE(mark, size);
    return size;
  }

  /** Drops the message started at `mark`; the writer is replaced (a failed encode may leave it mid-struct). */
  abort(mark: number): void {
    this.buffer.pos = mark;
    this.writer = this.protocol.createWriter(this.buffer);
  }

  /** Drops everything not flushed. */
  discard(): void {
    this.buffer.pos = 0;
  }

  /** Writes every queued message to `sink` in one write; returns what `sink.write` returned. */
  flushTo(sink: ByteSink, callback?: (error?: Error | null) => void): boolean {
    return flushBuffer(this.buffer, sink, callback);
  }
}

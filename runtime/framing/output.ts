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

/** What the output needs of a socket. */
export interface ByteSink {
  write(data: Uint8Array, callback?: (error?: Error | null) => void): boolean;
  readonly writableLength: number;
}

const INITIAL_CAPACITY = 16 * 1024;
/** Storage larger than this is not kept after a flush (one huge message must not pin memory forever). */
const KEEP_CAPACITY = 1024 * 1024;

export class MessageOutput {
  readonly buffer: WriteBuffer;
  /** The protocol writer to encode messages with, between `begin()` and `end()`. */
  writer: ProtocolWriter;
  readonly framed: boolean;
  private readonly protocol: Protocol;

  constructor(protocol: Protocol, framed: boolean) {
    this.protocol = protocol;
    this.framed = framed;
    this.buffer = new WriteBuffer(INITIAL_CAPACITY);
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
    const b = this.buffer;
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
}

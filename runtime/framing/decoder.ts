/**
 * Turning a byte stream into messages: framed (a 4-byte big-endian length before each message) or
 * buffered (no lengths; a resumable scanner finds where each message ends).
 *
 * Both hand out each complete message exactly once, as `(bytes, start, end)` (with no metadata: a
 * framing that carries some, THeader's, passes a MessageMeta as a fourth argument):
 * - a message that lies inside one received chunk is handed out in place (no copy);
 * - a message spread over several chunks is gathered into one accumulation buffer (each received byte is
 *   copied in once, plus at most one more time when the buffer doubles) and handed out from there.
 *
 * The accumulation buffer grows with the bytes actually received, never with what a length prefix or a
 * string length claims, so a peer cannot make us allocate memory it has not sent. Messages are decoded
 * synchronously by the callee, so the buffer is reused for the next message.
 */
import { TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import type { Protocol } from "../protocol/protocol.js";
import { DEFAULT_MAX_FRAME_SIZE, type MessageScanner } from "./scanner.js";

/**
 * What a framing tells of one received message besides its bytes. Framed and buffered tell nothing
 * (undefined); THeader tells the message's protocol and headers, and which dialect it came in, so a
 * reply can go out in the same one (`OutgoingMeta.replyTo`).
 */
export interface MessageMeta {
  /** The protocol the message is encoded in, when the framing decides it per message; else the connection's. */
  readonly protocol?: Protocol | undefined;
  /**
   * The message's headers, when the framing carries headers (empty when the message had none; undefined
   * for a message in a dialect without headers). May be made on demand: `header(name)` is cheaper.
   */
  readonly headers?: Headers | undefined;
  /** One header's value (names compared case-insensitively), without making `headers`. */
  header?(name: string): string | undefined;
}

/** Receives one complete message: `bytes[start, end)`, valid only during the call. */
export type MessageHandler = (bytes: Uint8Array, start: number, end: number, meta?: MessageMeta) => void;

export interface MessageDecoder {
  /** Feeds received bytes; calls the handler for each message they complete. Throws on bad input. */
  push(chunk: Uint8Array): void;
  /** Bytes of an incomplete message held (0 when the stream is at a message boundary). */
  readonly partial: number;
  /** Memory reserved for the incomplete message (grows with the bytes received, never with claimed sizes). */
  readonly capacity: number;
  /** Drops any incomplete message. */
  reset(): void;
}

/** Accumulation buffers up to this size are kept for the next message; larger ones are dropped. */
const KEEP_CAPACITY = 64 * 1024;
const MIN_CAPACITY = 4 * 1024;
const EMPTY = new Uint8Array(0);

/** A growable buffer for a message spread over several chunks (for decoders of other framings too). */
export class Accumulator {
  bytes: Uint8Array = EMPTY;
  length = 0;

  /** Appends `src[start, end)`, growing by doubling; `limit` caps the capacity (the message size, when known). */
  append(src: Uint8Array, start: number, end: number, limit: number): void {
    const n = end - start;
    const need = this.length + n;
    if (need > this.bytes.length) {
      // A small claimed size is cheap to trust; a large one grows only with the bytes received.
      let cap = limit <= KEEP_CAPACITY ? limit : Math.max(MIN_CAPACITY, this.bytes.length * 2, need);
      if (cap > limit) cap = limit;
      if (cap < need) cap = need;
      const next = new Uint8Array(cap);
      if (this.length !== 0) next.set(this.bytes.subarray(0, this.length));
      this.bytes = next;
    }
    this.bytes.set(start === 0 && end === src.length ? src : src.subarray(start, end), this.length);
    this.length = need;
  }

  clear(): void {
    this.length = 0;
    if (this.bytes.length > KEEP_CAPACITY) this.bytes = EMPTY;
  }
}

/** A plain Uint8Array over the chunk's memory (Node's Buffer subclass makes element access polymorphic). */
export function plain(chunk: Uint8Array): Uint8Array {
  return chunk.constructor === Uint8Array ? chunk : new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

/** Framed transport input: `[i32 length][message]...`, lengths checked against maxFrameSize first. */
export class FramedDecoder implements MessageDecoder {
  private readonly onMessage: MessageHandler;
  private readonly maxFrameSize: number;
  /** A length prefix cut by the end of a chunk: its bytes so far, big-endian (no buffer per connection). */
  private head = 0;
  private headLen = 0;
  /** Length of the frame being gathered, or -1 while reading a length prefix. */
  private frameLen = -1;
  private readonly acc = new Accumulator();

  constructor(onMessage: MessageHandler, maxFrameSize = DEFAULT_MAX_FRAME_SIZE) {
    this.onMessage = onMessage;
    this.maxFrameSize = maxFrameSize;
  }

  get partial(): number {
    return this.frameLen < 0 ? this.headLen : 4 + this.acc.length;
  }

  get capacity(): number {
    return this.acc.bytes.length;
  }

  reset(): void {
    this.head = 0;
    this.headLen = 0;
    this.frameLen = -1;
    this.acc.clear();
  }

  push(input: Uint8Array): void {
    const chunk = plain(input);
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      if (this.frameLen < 0) {
        let len: number;
        if (this.headLen === 0 && end - pos >= 4) {
          len = (chunk[pos]! << 24) | (chunk[pos + 1]! << 16) | (chunk[pos + 2]! << 8) | chunk[pos + 3]!;
          pos += 4;
        } else {
          let head = this.head;
          while (this.headLen < 4 && pos < end) {
            head = (head << 8) | chunk[pos++]!;
            this.headLen++;
          }
          if (this.headLen < 4) {
            this.head = head;
            return;
          }
          this.head = 0;
          this.headLen = 0;
          len = head | 0;
        }
        this.checkLength(len);
        if (end - pos >= len) {
          // The whole frame is in this chunk: hand it out in place.
          const at = pos;
          pos += len;
          this.onMessage(chunk, at, pos);
          continue;
        }
        this.frameLen = len;
        this.acc.append(chunk, pos, end, len);
        return;
      }
      const want = this.frameLen - this.acc.length;
      if (end - pos < want) {
        this.acc.append(chunk, pos, end, this.frameLen);
        return;
      }
      this.acc.append(chunk, pos, pos + want, this.frameLen);
      pos += want;
      const frame = this.acc.bytes;
      const len = this.frameLen;
      this.frameLen = -1;
      try {
        this.onMessage(frame, 0, len);
      } finally {
        this.acc.clear();
      }
    }
  }

  private checkLength(len: number): void {
    if (len > 0 && len <= this.maxFrameSize) return;
    refuseFrameLength(len, this.maxFrameSize);
  }
}

/** Throws the error for a frame length that is not in 1..maxFrameSize. */
export function refuseFrameLength(len: number, maxFrameSize: number): never {
  if (len < 0) {
    throw new TTransportException(TTransportExceptionType.NEGATIVE_SIZE, `negative frame length ${len}`);
  }
  if (len === 0) throw new TTransportException(TTransportExceptionType.CORRUPTED_DATA, "empty frame (length 0)");
  throw new TTransportException(TTransportExceptionType.SIZE_LIMIT, `frame length ${len} exceeds the maximum frame size of ${maxFrameSize} bytes`);
}

/**
 * Buffered (unframed) transport input. The scanner walks each message's structure as bytes arrive and
 * resumes where it stopped; the message is decoded once, when complete. No byte is scanned twice.
 */
export class BufferedDecoder implements MessageDecoder {
  private readonly onMessage: MessageHandler;
  readonly scanner: MessageScanner;
  private readonly acc = new Accumulator();
  private readonly maxMessageSize: number;

  constructor(onMessage: MessageHandler, scanner: MessageScanner, maxMessageSize = DEFAULT_MAX_FRAME_SIZE) {
    this.onMessage = onMessage;
    this.scanner = scanner;
    this.maxMessageSize = maxMessageSize;
  }

  get partial(): number {
    return this.acc.length;
  }

  get capacity(): number {
    return this.acc.bytes.length;
  }

  reset(): void {
    this.scanner.reset();
    this.acc.clear();
  }

  push(input: Uint8Array): void {
    const chunk = plain(input);
    const end = chunk.length;
    let pos = 0;
    while (pos < end) {
      const stop = this.scanner.scan(chunk, pos, end);
      if (stop < 0) {
        // Incomplete: keep the bytes (the scanner has checked them against the size limit).
        this.acc.append(chunk, pos, end, this.maxMessageSize);
        return;
      }
      if (this.acc.length === 0) {
        const at = pos;
        pos = stop;
        this.onMessage(chunk, at, stop);
        continue;
      }
      this.acc.append(chunk, pos, stop, this.maxMessageSize);
      pos = stop;
      const len = this.acc.length;
      try {
        this.onMessage(this.acc.bytes, 0, len);
      } finally {
        this.acc.clear();
      }
    }
  }
}

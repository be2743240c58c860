/**
 * THeader as a Framing: each message in a THeader frame that also carries its protocol id, its
 * headers (call metadata both ways) and payload transforms (zlib).
 *
 * Input: like Apache's header servers, the decoder tells each message's dialect from its first bytes:
 * THeader frames, framed binary or compact (a length, then `80 01` or `82`), or unframed binary or
 * compact (`80` or `82` where a length would be). Each message is handed out with a HeaderMeta: its
 * protocol, headers and dialect. Output: a client writes THeader frames in its protocol with its
 * transforms; a server answers each request in the dialect, protocol, transforms and flags it came with
 * (`OutgoingMeta.replyTo`), so a framed-binary client gets framed binary back.
 *
 * With `framed: true` every message also sits in a frame of the framed transport (a second length
 * prefix), which is how Apache's cross test composes `--protocol=header --transport=framed`.
 */
import { Accumulator, FramedDecoder, plain, refuseFrameLength, type MessageDecoder, type MessageHandler } from "../framing/decoder.js";
import type { FrameLimits, Framing } from "../framing/framing.js";
import { flushBuffer, outputBuffer, type ByteSink, type FramingOutput, type OutgoingMeta } from "../framing/output.js";
import { createScanner, type MessageScanner } from "../framing/scanner.js";
import { BinaryProtocol } from "../protocol/binary.js";
import { CompactProtocol } from "../protocol/compact.js";
import { TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import type { Protocol, ProtocolWriter } from "../protocol/protocol.js";
import type { WriteBuffer } from "../protocol/write-buffer.js";
import { Dialect, HeaderMeta, plainMeta, protocolId, readHeader, TRANSFORM_IDS, writeHeader, type HeaderTransform } from "./codec.js";
import { deflatePayload, inflatePayload } from "./transforms.js";

export interface HeaderOptions {
  /**
   * Transforms applied to the payload of each message this side starts (a server answers each request
   * with the transforms the request came with). Default none.
   */
  transforms?: readonly HeaderTransform[] | undefined;
  /** zlib level (0-9) of the zlib transform. Default 6, zlib's default (Python's `zlib.compress`). */
  zlibLevel?: number | undefined;
  /**
   * Put every message in a frame of the framed transport too, as Apache's cross test does for
   * `--protocol=header --transport=framed` (a THeader frame then has two length prefixes). Default false.
   */
  framed?: boolean | undefined;
}

interface Settings {
  readonly transforms: readonly number[];
  readonly zlibLevel: number;
  readonly framed: boolean;
}

/** A THeader framing with these options; `transport: "header"` is `headerFraming()`. */
export function headerFraming(options: HeaderOptions = {}): Framing {
  const transforms = (options.transforms ?? []).map((t) => {
    const id = (TRANSFORM_IDS as Record<string, number>)[t];
    if (id === undefined) throw new Error(`unknown THeader transform '${String(t)}' (supported: ${Object.keys(TRANSFORM_IDS).join(", ")})`);
    return id;
  });
  const zlibLevel = options.zlibLevel ?? 6;
  if (!Number.isInteger(zlibLevel) || zlibLevel < 0 || zlibLevel > 9) throw new Error(`zlibLevel must be an integer from 0 to 9, got ${zlibLevel}`);
  const settings: Settings = { transforms, zlibLevel, framed: options.framed ?? false };
  return {
    name: settings.framed ? "header (framed)" : "header",
    carriesHeaders: true,
    createOutput: (protocol) => new HeaderOutput(protocol, settings),
    createDecoder: (protocol, limits, onMessage) => {
      protocolId(protocol); // a protocol THeader has no id for is refused when the transport is set up
      return new HeaderDecoder(protocol, limits, onMessage, settings.framed);
    },
  };
}

/** THeader frames directly on the stream, no transforms: `transport: "header"`. */
export const Header: Framing = headerFraming();

/** The protocol of a bare binary (strict) or compact message starting at `at`, or undefined for anything else. */
function messageProtocol(bytes: Uint8Array, at: number, end: number): Protocol | undefined {
  const b0 = bytes[at];
  if (b0 === 0x80) return at + 1 >= end || bytes[at + 1] === 0x01 ? BinaryProtocol : undefined;
  if (b0 === 0x82) return at + 1 >= end || (bytes[at + 1]! & 0x1f) === 0x01 ? CompactProtocol : undefined;
  return undefined;
}

/** The first bytes of a frame, for error messages. */
function hexStart(bytes: Uint8Array, start: number, end: number): string {
  return Array.from(bytes.subarray(start, Math.min(end, start + 8)), (b) => b.toString(16).padStart(2, "0")).join(" ");
}

/** Where a HeaderDecoder is in its input. */
const AT_BOUNDARY = 0;
/** Gathering a length-prefixed frame (THeader or framed). */
const IN_FRAME = 1;
/** Scanning a bare (unframed) message. */
const IN_MESSAGE = 2;

/**
 * The input side. As Apache's header transports do, it tells each message's dialect from its first
 * byte: `80` or `82` starts a bare binary or compact message (found by the protocol's scanner), anything
 * else a length-prefixed frame (classified once complete). With the framed option every message is in a
 * frame of the framed transport and is classified inside it.
 */
class HeaderDecoder implements MessageDecoder {
  private readonly onFrame: MessageHandler = (bytes, start, end) => this.frame(bytes, start, end);
  /** With the framed option: the framed transport's decoder, whose frames are classified one by one. */
  private readonly outer: FramedDecoder | undefined;
  /** Metadata of framed and unframed (non-THeader) messages: one object per dialect and protocol. */
  private readonly plain = new Map<Protocol, [HeaderMeta, HeaderMeta]>();
  private readonly scanners = new Map<Protocol, MessageScanner>();
  private readonly acc = new Accumulator();
  private state = AT_BOUNDARY;
  // IN_FRAME: the length prefix as it arrives, then the frame's length.
  private readonly head = new Uint8Array(4);
  private headLen = 0;
  private frameLen = -1;
  // IN_MESSAGE: the message's scanner and metadata.
  private scanner: MessageScanner | undefined = undefined;
  private meta: HeaderMeta | undefined = undefined;

  constructor(
    private readonly protocol: Protocol,
    private readonly limits: FrameLimits,
    private readonly onMessage: MessageHandler,
    framed: boolean,
  ) {
    this.outer = framed ? new FramedDecoder(this.onFrame, limits.maxFrameSize) : undefined;
  }

  get partial(): number {
    if (this.outer !== undefined) return this.outer.partial;
    if (this.state === IN_FRAME) return this.frameLen < 0 ? this.headLen : 4 + this.acc.length;
    return this.acc.length;
  }

  get capacity(): number {
    return this.outer !== undefined ? this.outer.capacity : this.acc.bytes.length;
  }

  reset(): void {
    this.outer?.reset();
    this.scanner?.reset();
    this.state = AT_BOUNDARY;
    this.headLen = 0;
    this.frameLen = -1;
    this.acc.clear();
  }

  push(input: Uint8Array): void {
    if (this.outer !== undefined) {
      this.outer.push(input);
      return;
    }
    const chunk = plain(input);
    const end = chunk.length;
    const max = this.limits.maxFrameSize;
    let pos = 0;
    while (pos < end) {
      if (this.state === AT_BOUNDARY) {
        const protocol = messageProtocol(chunk, pos, end);
        if (protocol === undefined) {
          this.state = IN_FRAME;
        } else {
          this.state = IN_MESSAGE;
          this.scanner = this.scannerFor(protocol);
          this.meta = this.metaOf(Dialect.Unframed, protocol);
        }
      }
      if (this.state === IN_MESSAGE) {
        const stop = this.scanner!.scan(chunk, pos, end);
        if (stop < 0) {
          this.acc.append(chunk, pos, end, max);
          return;
        }
        this.state = AT_BOUNDARY;
        if (this.acc.length === 0) {
          const at = pos;
          pos = stop;
          this.onMessage(chunk, at, stop, this.meta);
          continue;
        }
        this.acc.append(chunk, pos, stop, max);
        pos = stop;
        try {
          this.onMessage(this.acc.bytes, 0, this.acc.length, this.meta);
        } finally {
          this.acc.clear();
        }
        continue;
      }
      // IN_FRAME
      if (this.frameLen < 0) {
        const head = this.head;
        while (this.headLen < 4 && pos < end) head[this.headLen++] = chunk[pos++]!;
        if (this.headLen < 4) return;
        this.headLen = 0;
        const len = (head[0]! << 24) | (head[1]! << 16) | (head[2]! << 8) | head[3]!;
        if (!(len > 0 && len <= max)) refuseFrameLength(len, max);
        this.frameLen = len;
      }
      const want = this.frameLen - this.acc.length;
      if (this.acc.length === 0 && end - pos >= want) {
        // The whole frame is in this chunk: hand it out in place.
        const at = pos;
        pos += want;
        this.frameLen = -1;
        this.state = AT_BOUNDARY;
        this.frame(chunk, at, pos);
        continue;
      }
      if (end - pos < want) {
        this.acc.append(chunk, pos, end, this.frameLen);
        return;
      }
      this.acc.append(chunk, pos, pos + want, this.frameLen);
      pos += want;
      this.frameLen = -1;
      this.state = AT_BOUNDARY;
      try {
        this.frame(this.acc.bytes, 0, this.acc.length);
      } finally {
        this.acc.clear();
      }
    }
  }

  private scannerFor(protocol: Protocol): MessageScanner {
    let scanner = this.scanners.get(protocol);
    if (scanner === undefined) {
      scanner = createScanner(protocol, { ...this.limits, maxMessageSize: this.limits.maxFrameSize });
      this.scanners.set(protocol, scanner);
    }
    return scanner;
  }

  private metaOf(dialect: typeof Dialect.Framed | typeof Dialect.Unframed, builtin: Protocol): HeaderMeta {
    let metas = this.plain.get(builtin);
    if (metas === undefined) {
      const protocol = this.protocol.name === builtin.name ? this.protocol : builtin;
      metas = [plainMeta(Dialect.Framed, protocol), plainMeta(Dialect.Unframed, protocol)];
      this.plain.set(builtin, metas);
    }
    return metas[dialect - 1]!;
  }

  /** One length-prefixed frame: a THeader frame, a framed message, or (framed option) either inside another frame. */
  private frame(bytes: Uint8Array, start: number, end: number): void {
    if (this.outer !== undefined) {
      // The outer frame holds a bare message (a plain framed client) or a length-prefixed one.
      const protocol = messageProtocol(bytes, start, end);
      if (protocol !== undefined) {
        this.onMessage(bytes, start, end, this.metaOf(Dialect.Unframed, protocol));
        return;
      }
      const size = end - start - 4;
      if (size < 0 || ((bytes[start]! << 24) | (bytes[start + 1]! << 16) | (bytes[start + 2]! << 8) | bytes[start + 3]!) !== size) {
        throw new TTransportException(
          TTransportExceptionType.CORRUPTED_DATA,
          `a frame of ${end - start} bytes should hold one THeader frame or message, but starts with ${hexStart(bytes, start, end)}`,
        );
      }
      start += 4;
    }
    if (end - start >= 2 && bytes[start] === 0x0f && bytes[start + 1] === 0xff) {
      const { meta, payloadStart } = readHeader(bytes, start, end, this.protocol);
      if (meta.transforms.length === 0) {
        this.onMessage(bytes, payloadStart, end, meta);
        return;
      }
      // Transforms were applied in order, so they are undone in reverse; zlib is the only one.
      let payload = bytes.subarray(payloadStart, end);
      for (let i = meta.transforms.length - 1; i >= 0; i--) payload = inflatePayload(payload, 0, payload.length, this.limits.maxFrameSize);
      this.onMessage(payload, 0, payload.length, meta);
      return;
    }
    const protocol = messageProtocol(bytes, start, end);
    if (protocol === undefined) {
      throw new TTransportException(
        TTransportExceptionType.INVALID_CLIENT_TYPE,
        `cannot tell the client type from a frame starting with ${hexStart(bytes, start, end)}: expected a THeader frame (0f ff) or a binary (80 01) or compact (82) message`,
      );
    }
    this.onMessage(bytes, start, end, this.metaOf(Dialect.Framed, protocol));
  }
}

/** One connection's THeader output: every message of a batch back to back in one buffer. */
class HeaderOutput implements FramingOutput {
  readonly buffer: WriteBuffer = outputBuffer();
  writer: ProtocolWriter;
  private readonly writers = new Map<Protocol, ProtocolWriter>();
  private readonly protocolId: number;
  // The message being written (begin() and end() alternate).
  private dialect: Dialect = Dialect.Header;
  private protocol: Protocol;
  private transforms: readonly number[] = [];
  /** Where the length of the message's frame is (-1: unframed). */
  private lengthAt = -1;
  private payloadStart = 0;

  constructor(
    private readonly defaultProtocol: Protocol,
    private readonly settings: Settings,
  ) {
    this.protocolId = protocolId(defaultProtocol);
    this.protocol = defaultProtocol;
    this.writer = this.writerFor(defaultProtocol);
  }

  get length(): number {
    return this.buffer.pos;
  }

  begin(meta?: OutgoingMeta): number {
    const b = this.buffer;
    const mark = b.pos;
    const request = meta?.replyTo instanceof HeaderMeta ? meta.replyTo : undefined;
    const dialect = request === undefined ? Dialect.Header : request.dialect;
    const protocol = request === undefined ? this.defaultProtocol : request.protocol;
    if (this.settings.framed) b.reserve(4);
    let lengthAt = -1;
    if (dialect !== Dialect.Unframed) lengthAt = b.reserve(4);
    if (dialect === Dialect.Header) {
      const transforms = request === undefined ? this.settings.transforms : request.transforms;
      try {
        writeHeader(b, request?.flags ?? 0, meta?.seqid ?? 0, request === undefined ? this.protocolId : protocolId(protocol), transforms, meta?.headers);
      } catch (error) {
        b.pos = mark;
        throw error;
      }
      this.transforms = transforms;
    }
    this.dialect = dialect;
    this.lengthAt = lengthAt;
    this.payloadStart = b.pos;
    if (protocol !== this.protocol) {
      this.protocol = protocol;
      this.writer = this.writerFor(protocol);
    }
    return mark;
  }

  end(mark: number): number {
    const b = this.buffer;
    if (this.dialect === Dialect.Header && this.transforms.length !== 0) {
      let payload: Uint8Array = b.bytes.slice(this.payloadStart, b.pos);
      for (let i = 0; i < this.transforms.length; i++) payload = deflatePayload(payload, this.settings.zlibLevel);
      b.pos = this.payloadStart;
      b.ensure(payload.length);
      b.bytes.set(payload, b.pos);
      b.pos += payload.length;
    }
    let size = b.pos - mark;
    if (this.lengthAt >= 0) {
      size = b.pos - this.lengthAt - 4;
      b.patchI32BE(this.lengthAt, size);
    }
    if (this.settings.framed) {
      size = b.pos - mark - 4;
      b.patchI32BE(mark, size);
    }
    return size;
  }

  abort(mark: number): void {
    this.buffer.pos = mark;
    // A failed encode may leave the writer mid-struct: replace it.
    this.writers.delete(this.protocol);
    this.writer = this.writerFor(this.protocol);
  }

  discard(): void {
    this.buffer.pos = 0;
  }

  flushTo(sink: ByteSink, callback?: (error?: Error | null) => void): boolean {
    return flushBuffer(this.buffer, sink, callback);
  }

  private writerFor(protocol: Protocol): ProtocolWriter {
    let w = this.writers.get(protocol);
    if (w === undefined) {
      w = protocol.createWriter(this.buffer);
      this.writers.set(protocol, w);
    }
    return w;
  }
}

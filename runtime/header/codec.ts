/**
 * THeader's frame header (Apache's doc/specs/HeaderFormat.md), read and written:
 *
 *   i32 length (of what follows) | u16 0x0FFF | u16 flags | i32 seqid | u16 header size / 4 |
 *   varint protocol id | varint transform count, varint ids | info blocks | zero padding to 4 | payload
 *
 * Info blocks of type KEYVALUE (1) carry `count` pairs of varint-length strings; other info types are
 * skipped (reading stops at the first one, as Apache's libraries do). Transforms cannot be skipped: an
 * unknown one refuses the frame with INVALID_TRANSFORM.
 */
import { BinaryProtocol } from "../protocol/binary.js";
import { CompactProtocol } from "../protocol/compact.js";
import { TApplicationException, TApplicationExceptionType, TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import { JSONProtocol } from "../protocol/json.js";
import type { Protocol } from "../protocol/protocol.js";
import { decodeUtf8, utf8Length } from "../protocol/utf8.js";
import type { WriteBuffer } from "../protocol/write-buffer.js";
import type { MessageMeta } from "../framing/decoder.js";

/** The two bytes after a THeader frame's length. */
export const HEADER_MAGIC = 0x0fff;
/** Bytes from the magic to the header proper: magic, flags, seqid, header size. */
export const FIXED_HEADER_SIZE = 10;
/** The header size field counts 4-byte words in a u16. */
export const MAX_HEADER_SIZE = 0xffff * 4;

/** Protocol ids: the payload's encoding. */
export const PROTOCOL_IDS: Readonly<Record<string, number>> = { binary: 0, json: 1, compact: 2 };
const PROTOCOLS_BY_ID: readonly Protocol[] = [BinaryProtocol, JSONProtocol, CompactProtocol];

/** Transform ids (HMAC = 2 and SNAPPY = 3 are defined by the spec and implemented by no Apache library). */
export const TRANSFORM_IDS = { zlib: 1 } as const;
export type HeaderTransform = keyof typeof TRANSFORM_IDS;
const TRANSFORM_NAMES: Readonly<Record<number, string>> = { 1: "zlib", 2: "hmac", 3: "snappy", 5: "zstd" };

const INFO_KEYVALUE = 1;

/** How a message sat in the stream (inside the outer frame, when the framing has one). */
export const Dialect = {
  /** A THeader frame: `[length][0FFF ...]`. */
  Header: 0,
  /** A length-prefixed message without a THeader (a framed client). */
  Framed: 1,
  /** A bare message (an unframed client). */
  Unframed: 2,
} as const;
export type Dialect = (typeof Dialect)[keyof typeof Dialect];

/** The metadata of a message received by a THeader framing: its dialect, protocol, and (THeader) its header. */
export class HeaderMeta implements MessageMeta {
  private headersValue: Headers | undefined = undefined;

  constructor(
    readonly dialect: Dialect,
    readonly protocol: Protocol,
    /** The frame header's seqid and flags (0 outside THeader frames). */
    readonly seqid: number,
    readonly flags: number,
    /** Transform ids, in the order they were applied by the sender. */
    readonly transforms: readonly number[],
    /** The info headers as sent (names in the sender's case, in its order). */
    readonly entries: readonly (readonly [string, string])[],
  ) {}

  /** The last value sent under `name` (given in lower case; names compared case-insensitively). */
  header(name: string): string | undefined {
    const entries = this.entries;
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, value] = entries[i]!;
      if (key.length === name.length && (key === name || key.toLowerCase() === name)) return value;
    }
    return undefined;
  }

  /**
   * The info headers as `Headers` (undefined outside THeader frames), made when first asked for. Names
   * are case-insensitive; an entry a `Headers` cannot hold (a name that is not an HTTP token, a value
   * with control characters or characters beyond U+00FF) is left out, and is still in `entries`.
   */
  get headers(): Headers | undefined {
    if (this.dialect !== Dialect.Header) return undefined;
    if (this.headersValue === undefined) {
      const headers = new Headers();
      for (const [name, value] of this.entries) {
        try {
          headers.set(name, value);
        } catch {
          // Not representable as an HTTP header: only in `entries`.
        }
      }
      this.headersValue = headers;
    }
    return this.headersValue;
  }
}

const NO_TRANSFORMS: readonly number[] = Object.freeze([]);
const NO_ENTRIES: readonly (readonly [string, string])[] = Object.freeze([]);

/** The metadata of a message in another dialect than THeader's (no header, no headers). */
export function plainMeta(dialect: Dialect, protocol: Protocol): HeaderMeta {
  return new HeaderMeta(dialect, protocol, 0, 0, NO_TRANSFORMS, NO_ENTRIES);
}

/** The protocol for a protocol id: the configured one when it is that protocol (it keeps its options), else the built-in. */
export function protocolOfId(id: number, configured: Protocol): Protocol {
  const builtin = PROTOCOLS_BY_ID[id];
  if (builtin === undefined) {
    throw new TApplicationException(
      TApplicationExceptionType.INVALID_PROTOCOL,
      `THeader frame uses protocol id ${id}; binary (0), json (1) and compact (2) are supported`,
    );
  }
  return configured.name === builtin.name ? configured : builtin;
}

/** The protocol id to send for `protocol`; throws for a protocol THeader has no id for. */
export function protocolId(protocol: Protocol): number {
  const id = PROTOCOL_IDS[protocol.name];
  if (id === undefined) throw new Error(`THeader carries the binary, compact or json protocol, not '${protocol.name}'`);
  return id;
}

/** What `readHeader` found: the message's metadata and where its (still transformed) payload lies. */
export interface ReadHeader {
  readonly meta: HeaderMeta;
  readonly payloadStart: number;
}

/**
 * Reads the THeader frame `bytes[start, end)` (from the magic on: the length was read by the framing)
 * up to its payload. Throws a TTransportException for a malformed header, a TApplicationException
 * (INVALID_PROTOCOL, INVALID_TRANSFORM) for a protocol or transform this side does not implement.
 */
export function readHeader(bytes: Uint8Array, start: number, end: number, configured: Protocol): ReadHeader {
  const size = end - start;
  if (size < FIXED_HEADER_SIZE) throw corrupt(`THeader frame of ${size} bytes is shorter than its fixed ${FIXED_HEADER_SIZE}-byte header`);
  if (bytes[start] !== 0x0f || bytes[start + 1] !== 0xff) throw corrupt("THeader frame does not start with the magic 0FFF");
  const flags = (bytes[start + 2]! << 8) | bytes[start + 3]!;
  const seqid = (bytes[start + 4]! << 24) | (bytes[start + 5]! << 16) | (bytes[start + 6]! << 8) | bytes[start + 7]!;
  const headerSize = ((bytes[start + 8]! << 8) | bytes[start + 9]!) * 4;
  const headerStart = start + FIXED_HEADER_SIZE;
  const headerEnd = headerStart + headerSize;
  if (headerEnd > end) {
    throw corrupt(`THeader header of ${headerSize} bytes does not fit in its ${size}-byte frame`);
  }
  const cursor = new Cursor(bytes, headerStart, headerEnd);
  const protocol = protocolOfId(cursor.varint("protocol id"), configured);
  const transformCount = cursor.count("transform count", 1);
  let transforms = NO_TRANSFORMS;
  if (transformCount > 0) {
    const ids: number[] = [];
    for (let i = 0; i < transformCount; i++) {
      const id = cursor.varint("transform id");
      if (id !== TRANSFORM_IDS.zlib) {
        const name = TRANSFORM_NAMES[id];
        throw new TApplicationException(
          TApplicationExceptionType.INVALID_TRANSFORM,
          `THeader frame (seqid ${seqid}) uses transform ${id}${name === undefined ? "" : ` (${name})`}, which this side does not implement; it supports zlib (1)`,
        );
      }
      ids.push(id);
    }
    transforms = ids;
  }
  let entries = NO_ENTRIES;
  while (cursor.pos < headerEnd) {
    const type = cursor.varint("info header type");
    if (type !== INFO_KEYVALUE) break; // padding (0) or an info type we do not know: the rest is skipped
    const count = cursor.count("info header count", 2);
    const pairs: [string, string][] = entries === NO_ENTRIES ? [] : (entries as [string, string][]);
    for (let i = 0; i < count; i++) pairs.push([cursor.string("info header name"), cursor.string("info header value")]);
    entries = pairs;
  }
  return { meta: new HeaderMeta(Dialect.Header, protocol, seqid, flags, transforms, entries), payloadStart: headerEnd };
}

/** The header bytes' reader: varints and strings, each checked against the end of the header. */
class Cursor {
  constructor(
    readonly bytes: Uint8Array,
    public pos: number,
    readonly end: number,
  ) {}

  /** An unsigned varint of at most 32 bits. */
  varint(what: string): number {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= this.end) throw corrupt(`THeader header ends inside its ${what}`);
      const b = this.bytes[this.pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) {
        if (result > 0xffffffff) break;
        return result;
      }
    }
    throw corrupt(`THeader ${what} is not a 32-bit varint`);
  }

  /** A count of items that take at least `minBytes` each, checked against the bytes left. */
  count(what: string, minBytes: number): number {
    const n = this.varint(what);
    if (n * minBytes > this.end - this.pos) throw corrupt(`THeader ${what} of ${n} is more than its header holds`);
    return n;
  }

  string(what: string): string {
    const n = this.varint(`${what} length`);
    if (n > this.end - this.pos) throw corrupt(`THeader ${what} of ${n} bytes runs past the end of its header`);
    const s = decodeUtf8(this.bytes, this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
}

/**
 * Writes a THeader frame's fixed part and header (not its length, which the caller reserves and patches)
 * for a payload in `protocol`, with `transforms` applied and `headers` as one KEYVALUE block. Throws,
 * with `b` as it was, when the header does not fit in the header size field.
 */
export function writeHeader(
  b: WriteBuffer,
  flags: number,
  seqid: number,
  protocol: number,
  transforms: readonly number[],
  headers: Iterable<readonly [string, string]> | undefined,
): void {
  const start = b.pos;
  b.writeI16BE(HEADER_MAGIC);
  b.writeI16BE(flags);
  b.writeI32BE(seqid);
  const sizeAt = b.reserve(2);
  const headerStart = b.pos;
  b.writeVarint32(protocol);
  b.writeVarint32(transforms.length);
  for (const t of transforms) b.writeVarint32(t);
  if (headers !== undefined) {
    const pairs = Array.isArray(headers) ? (headers as readonly (readonly [string, string])[]) : [...headers];
    if (pairs.length > 0) {
      b.writeVarint32(INFO_KEYVALUE);
      b.writeVarint32(pairs.length);
      for (const [name, value] of pairs) {
        writeString(b, name);
        writeString(b, value);
      }
    }
  }
  const padding = (4 - ((b.pos - headerStart) & 3)) & 3;
  if (padding !== 0) b.reserve(padding);
  const size = b.pos - headerStart;
  if (size > MAX_HEADER_SIZE) {
    b.pos = start;
    throw new TTransportException(
      TTransportExceptionType.SIZE_LIMIT,
      `THeader headers take ${size} bytes; a THeader frame holds at most ${MAX_HEADER_SIZE}`,
    );
  }
  b.view.setUint16(sizeAt, size / 4);
}

function writeString(b: WriteBuffer, s: string): void {
  b.writeVarint32(utf8Length(s));
  b.writeUtf8(s);
}

function corrupt(message: string): TTransportException {
  return new TTransportException(TTransportExceptionType.CORRUPTED_DATA, message);
}

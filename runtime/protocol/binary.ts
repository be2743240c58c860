/**
 * TBinaryProtocol (notes 2.2): big-endian fixed-width values, i32 length prefixes, strict
 * `0x8001000t` message headers on write, strict or old headers accepted on read.
 */
import { withOptions } from "../options.js";
import { TProtocolException, TProtocolExceptionType } from "./errors.js";
import type { MessageHeader, Protocol, ProtocolReader, ProtocolWriter } from "./protocol.js";
import { BINARY_COST } from "./decode-cost.js";
import { ReaderBase, typeName, type ReaderOptions } from "./reader-base.js";
import { TType, type MessageType } from "./ttype.js";
import { decodeUtf8 } from "./utf8.js";
import { I64_MAX, I64_MIN, formatUuid, i64OutOfRange, writeUuidBytes } from "./values.js";
import { WriteBuffer } from "./write-buffer.js";

const VERSION_1 = 0x80010000 | 0;
const VERSION_MASK = 0xffff0000 | 0;

export interface BinaryWriterOptions {
  /** Write strict (versioned) message headers. Default true; false writes the old header. */
  strictWrite?: boolean | undefined;
}

export interface BinaryReaderOptions extends ReaderOptions {
  /** Reject old (unversioned) message headers. Default false: accept both. */
  strictRead?: boolean | undefined;
}

/** Minimum encoded size of one value of each TType (-1: not a valid value type). */
const MIN_SIZE = new Int8Array(256).fill(-1);
/** Encoded size of fixed-width TTypes (0: variable or invalid). */
const FIXED_SIZE = new Int8Array(256);
{
  const set = (t: number, min: number, fixed: number): void => {
    MIN_SIZE[t] = min;
    FIXED_SIZE[t] = fixed;
  };
  set(TType.BOOL, 1, 1);
  set(TType.BYTE, 1, 1);
  set(TType.DOUBLE, 8, 8);
  set(TType.I16, 2, 2);
  set(TType.I32, 4, 4);
  set(TType.I64, 8, 8);
  set(TType.STRING, 4, 0);
  set(TType.STRUCT, 1, 0);
  set(TType.MAP, 6, 0);
  set(TType.SET, 5, 0);
  set(TType.LIST, 5, 0);
  set(TType.UUID, 16, 16);
  set(TType.FLOAT, 4, 4);
}

export class BinaryWriter implements ProtocolWriter {
  readonly buffer: WriteBuffer;
  readonly strictWrite: boolean;

  constructor(out?: WriteBuffer, options?: BinaryWriterOptions) {
    this.buffer = out ?? new WriteBuffer();
    this.strictWrite = options?.strictWrite ?? true;
  }

  /** Clears the buffer so the writer can encode the next message. */
  reset(): void {
    this.buffer.reset();
  }

  writeMessageBegin(name: string, type: MessageType, seqid: number): void {
    const b = this.buffer;
    if (this.strictWrite) {
      b.writeI32BE(VERSION_1 | type);
      this.writeString(name);
      b.writeI32BE(seqid);
    } else {
      this.writeString(name);
      b.writeI8(type);
      b.writeI32BE(seqid);
    }
  }

  writeMessageEnd(): void {}

  writeStructBegin(_name: string): void {}

  writeStructEnd(): void {}

  writeFieldBegin(_name: string, type: number, id: number): void {
    const b = this.buffer;
    const p = b.pos;
    if (p + 3 > b.bytes.length) b.ensure(3);
    b.bytes[p] = type;
    b.view.setInt16(p + 1, id);
    b.pos = p + 3;
  }

  writeFieldEnd(): void {}

  writeFieldStop(): void {
    this.buffer.writeU8(TType.STOP);
  }

  writeMapBegin(keyType: number, valueType: number, size: number): void {
    const b = this.buffer;
    const p = b.pos;
    if (p + 6 > b.bytes.length) b.ensure(6);
    const bytes = b.bytes;
    bytes[p] = keyType;
    bytes[p + 1] = valueType;
    b.view.setInt32(p + 2, size);
    b.pos = p + 6;
  }

  writeMapEnd(): void {}

  writeListBegin(elemType: number, size: number): void {
    const b = this.buffer;
    const p = b.pos;
    if (p + 5 > b.bytes.length) b.ensure(5);
    b.bytes[p] = elemType;
    b.view.setInt32(p + 1, size);
    b.pos = p + 5;
  }

  writeListEnd(): void {}

  writeSetBegin(elemType: number, size: number): void {
    this.writeListBegin(elemType, size);
  }

  writeSetEnd(): void {}

  writeBool(value: boolean): void {
    this.buffer.writeU8(value ? 1 : 0);
  }

  writeByte(value: number): void {
    this.buffer.writeI8(value);
  }

  writeI16(value: number): void {
    this.buffer.writeI16BE(value);
  }

  writeI32(value: number): void {
    this.buffer.writeI32BE(value);
  }

  writeI64(value: bigint | number): void {
    if (typeof value === "number") {
      // Lossless numbers skip bigint arithmetic entirely.
      if (!Number.isSafeInteger(value)) throw i64OutOfRange(value);
      const hi = Math.floor(value / 4294967296);
      this.buffer.writeI32BE(hi);
      this.buffer.writeI32BE((value - hi * 4294967296) | 0);
      return;
    }
    if (typeof value !== "bigint" || value < I64_MIN || value > I64_MAX) throw i64OutOfRange(value);
    this.buffer.writeI64BE(value);
  }

  writeDouble(value: number): void {
    this.buffer.writeF64BE(value);
  }

  writeFloat(value: number): void {
    this.buffer.writeF32BE(value);
  }

  writeString(value: string): void {
    const b = this.buffer;
    b.ensure(4);
    const at = b.pos;
    b.pos = at + 4;
    const n = b.writeUtf8(value);
    b.view.setInt32(at, n);
  }

  writeBinary(value: Uint8Array): void {
    const b = this.buffer;
    b.writeI32BE(value.length);
    b.writeBytes(value);
  }

  writeUuid(value: string): void {
    const b = this.buffer;
    b.ensure(16);
    writeUuidBytes(value, b.bytes, b.pos);
    b.pos += 16;
  }
}

export class BinaryReader extends ReaderBase implements ProtocolReader {
  readonly strictRead: boolean;

  constructor(bytes: Uint8Array, options?: BinaryReaderOptions) {
    super(bytes, options);
    this.strictRead = options?.strictRead ?? false;
  }

  readMessageBegin(): MessageHeader {
    const sz = this.readI32();
    if (sz < 0) {
      if ((sz & VERSION_MASK) !== VERSION_1) {
        this.pos -= 4;
        throw new TProtocolException(
          TProtocolExceptionType.BAD_VERSION,
          `bad binary protocol version 0x${(sz >>> 0).toString(16).padStart(8, "0")} in message header at offset ${this.pos} (expected 0x8001000t)`,
        );
      }
      const name = this.readString();
      const seqid = this.readI32();
      return { name, type: (sz & 0xff) as MessageType, seqid };
    }
    if (this.strictRead) {
      this.pos -= 4;
      throw new TProtocolException(
        TProtocolExceptionType.BAD_VERSION,
        `missing version in message header at offset ${this.pos} (old-style header rejected by strictRead)`,
      );
    }
    // Old header: sz is the name length.
    const name = this.readStringBody(sz, "message name");
    const type = this.readByte() as MessageType;
    const seqid = this.readI32();
    return { name, type, seqid };
  }

  readMessageEnd(): void {}

  readStructBegin(cost?: number): void {
    // Without a cost the difference is NaN, which fails the check too: structLimit then charges a typical struct.
    const budget = this.budget - cost!;
    if (++this.depth > this.maxDepth || !(budget >= 0)) this.structLimit(cost);
    else this.budget = budget;
  }

  readStructEnd(): void {
    this.depth--;
  }

  readFieldBegin(): number {
    const p = this.pos;
    if (p >= this.end) this.truncated(1, "field header");
    const t = this.bytes[p]!;
    if (t === TType.STOP) {
      this.pos = p + 1;
      this.fieldId = 0;
      return TType.STOP;
    }
    if (p + 3 > this.end) this.truncated(3, "field header");
    this.fieldId = this.i16(p + 1);
    this.pos = p + 3;
    return t;
  }

  readFieldEnd(): void {}

  readMapBegin(): number {
    const p = this.pos;
    if (p + 6 > this.end) this.truncated(6, "map header");
    const bytes = this.bytes;
    const k = bytes[p]!;
    const v = bytes[p + 1]!;
    const size = this.i32(p + 2);
    this.pos = p + 6;
    this.keyType = k;
    this.valueType = v;
    if (size !== 0)
      this.checkCount(size, MIN_SIZE[k]! < 0 || MIN_SIZE[v]! < 0 ? -1 : MIN_SIZE[k]! + MIN_SIZE[v]!, "map");
    this.enterMap(size);
    return size;
  }

  protected readCollectionBegin(what: string): number {
    const p = this.pos;
    if (p + 5 > this.end) this.truncated(5, `${what} header`);
    const t = this.bytes[p]!;
    const size = this.i32(p + 1);
    this.pos = p + 5;
    this.elemType = t;
    if (size !== 0) this.checkCount(size, MIN_SIZE[t]!, what);
    return size;
  }

  readBool(): boolean {
    const p = this.pos;
    if (p >= this.end) this.truncated(1, "bool");
    this.pos = p + 1;
    return this.bytes[p] !== 0;
  }

  readByte(): number {
    const p = this.pos;
    if (p >= this.end) this.truncated(1, "byte");
    this.pos = p + 1;
    return (this.bytes[p]! << 24) >> 24;
  }

  readI16(): number {
    const p = this.pos;
    if (p + 2 > this.end) this.truncated(2, "i16");
    this.pos = p + 2;
    return this.i16(p);
  }

  readI32(): number {
    const p = this.pos;
    if (p + 4 > this.end) this.truncated(4, "i32");
    this.pos = p + 4;
    return this.i32(p);
  }

  readI64(): bigint {
    const p = this.pos;
    if (p + 8 > this.end) this.truncated(8, "i64");
    this.pos = p + 8;
    return this.scratch8(p).getBigInt64(0);
  }

  readDouble(): number {
    const p = this.pos;
    if (p + 8 > this.end) this.truncated(8, "double");
    this.pos = p + 8;
    return this.scratch8(p).getFloat64(0);
  }

  readFloat(): number {
    const p = this.pos;
    if (p + 4 > this.end) this.truncated(4, "float");
    this.pos = p + 4;
    return this.scratch4(p).getFloat32(0);
  }

  readString(): string {
    const p = this.pos;
    if (p + 4 > this.end) this.truncated(4, "string length");
    const len = this.i32(p);
    const start = p + 4;
    this.pos = start;
    if (len < 0 || len > this.maxStringLength || len > this.end - start) this.badLength(len, "string");
    this.pos = start + len;
    return decodeUtf8(this.bytes, start, start + len);
  }

  private readStringBody(len: number, what: string): string {
    const start = this.pos;
    if (len < 0 || len > this.maxStringLength || len > this.end - start) this.badLength(len, what);
    this.pos = start + len;
    return decodeUtf8(this.bytes, start, start + len);
  }

  /** Returns a copy of the bytes (the input buffer may be reused by the transport). */
  readBinary(): Uint8Array {
    const p = this.pos;
    if (p + 4 > this.end) this.truncated(4, "binary length");
    const len = this.i32(p);
    const start = p + 4;
    this.pos = start;
    if (len < 0 || len > this.maxStringLength || len > this.end - start) this.badLength(len, "binary");
    if ((this.budget -= BINARY_COST) < 0) this.overBudget(0, "binary", 1);
    this.pos = start + len;
    return this.bytes.slice(start, start + len);
  }

  readUuid(): string {
    const p = this.pos;
    if (p + 16 > this.end) this.truncated(16, "uuid");
    this.pos = p + 16;
    return formatUuid(this.bytes, p);
  }

  protected skipValue(type: number): void {
    switch (type) {
      case TType.BOOL:
      case TType.BYTE:
      case TType.I16:
      case TType.I32:
      case TType.I64:
      case TType.DOUBLE:
      case TType.FLOAT:
      case TType.UUID: {
        const n = FIXED_SIZE[type]!;
        if (this.pos + n > this.end) this.truncated(n, typeName(type));
        this.pos += n;
        return;
      }
      case TType.STRING: {
        const p = this.pos;
        if (p + 4 > this.end) this.truncated(4, "string length");
        const len = this.i32(p);
        const start = p + 4;
        this.pos = start;
        if (len < 0 || len > this.maxStringLength || len > this.end - start) this.badLength(len, "string");
        this.pos = start + len;
        return;
      }
      case TType.STRUCT: {
        this.readStructBegin();
        for (;;) {
          const t = this.readFieldBegin();
          if (t === TType.STOP) break;
          this.skipValue(t);
        }
        this.readStructEnd();
        return;
      }
      case TType.MAP: {
        const n = this.readMapBegin();
        const k = this.keyType;
        const v = this.valueType;
        const fixed = FIXED_SIZE[k]! !== 0 && FIXED_SIZE[v]! !== 0;
        if (fixed) {
          // checkCount already verified that n * (k + v) bytes remain.
          this.pos += n * (FIXED_SIZE[k]! + FIXED_SIZE[v]!);
        } else {
          for (let i = 0; i < n; i++) {
            this.skipValue(k);
            this.skipValue(v);
          }
        }
        this.readMapEnd();
        return;
      }
      case TType.SET:
      case TType.LIST: {
        const n = type === TType.LIST ? this.readListBegin() : this.readSetBegin();
        const t = this.elemType;
        const fixed = FIXED_SIZE[t]!;
        if (fixed !== 0) {
          this.pos += n * fixed;
        } else {
          for (let i = 0; i < n; i++) this.skipValue(t);
        }
        this.depth--;
        return;
      }
      default:
        this.cannotSkip(type);
    }
  }
}

export interface BinaryProtocolOptions extends BinaryWriterOptions, BinaryReaderOptions {}

/** The binary protocol as a {@link Protocol}; options given here are the defaults of every writer/reader it makes. */
export class BinaryProtocolFactory implements Protocol {
  readonly name = "binary" as const;
  readonly options: Readonly<BinaryProtocolOptions>;

  constructor(options: BinaryProtocolOptions = {}) {
    this.options = Object.freeze({ ...options });
  }

  createWriter(out?: WriteBuffer, options?: BinaryWriterOptions): BinaryWriter {
    return new BinaryWriter(out, options === undefined ? this.options : withOptions(this.options, options));
  }

  createReader(bytes: Uint8Array, options?: BinaryReaderOptions): BinaryReader {
    return new BinaryReader(bytes, options === undefined ? this.options : withOptions(this.options, options));
  }
}

/** Binary protocol with the defaults: strict write, non-strict read, DEFAULT_READER_LIMITS. */
export const BinaryProtocol = new BinaryProtocolFactory();

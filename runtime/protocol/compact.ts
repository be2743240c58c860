/**
 * TCompactProtocol (notes 2.3): zigzag varints, field-id deltas, bools packed into field headers,
 * little-endian doubles. Float (TType.FLOAT) is an rpcgen extension: compact type 14, 4 bytes LE.
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

/** Shared 8-byte scratch for i64 conversions: used synchronously, never across calls. */
const SCRATCH = new DataView(new ArrayBuffer(8));

const PROTOCOL_ID = 0x82;
const VERSION = 1;
const VERSION_MASK = 0x1f;
const TYPE_SHIFT = 5;

/** Compact type ids. */
export const CompactType = {
  STOP: 0,
  BOOLEAN_TRUE: 1,
  BOOLEAN_FALSE: 2,
  BYTE: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
  UUID: 13,
  /** rpcgen extension; Apache Thrift's compact protocol has no float. */
  FLOAT: 14,
} as const;

/** TType -> compact type id (-1: no compact encoding). BOOL maps to BOOLEAN_TRUE (element type of bool lists). */
const TO_COMPACT = new Int8Array(256).fill(-1);
/** Compact type id -> TType (-1: invalid). */
const FROM_COMPACT = new Int8Array(16).fill(-1);
/** Minimum encoded size of one value, by TType (-1: not a value type). */
const MIN_SIZE = new Int8Array(256).fill(-1);
/** Encoded size of fixed-width values by TType (0: variable or invalid). */
const FIXED_SIZE = new Int8Array(256);
{
  const set = (t: number, c: number, min: number, fixed: number): void => {
    TO_COMPACT[t] = c;
    FROM_COMPACT[c] = t;
    MIN_SIZE[t] = min;
    FIXED_SIZE[t] = fixed;
  };
  set(TType.BYTE, CompactType.BYTE, 1, 1);
  set(TType.I16, CompactType.I16, 1, 0);
  set(TType.I32, CompactType.I32, 1, 0);
  set(TType.I64, CompactType.I64, 1, 0);
  set(TType.DOUBLE, CompactType.DOUBLE, 8, 8);
  set(TType.STRING, CompactType.BINARY, 1, 0);
  set(TType.LIST, CompactType.LIST, 1, 0);
  set(TType.SET, CompactType.SET, 1, 0);
  set(TType.MAP, CompactType.MAP, 1, 0);
  set(TType.STRUCT, CompactType.STRUCT, 1, 0);
  set(TType.UUID, CompactType.UUID, 16, 16);
  set(TType.FLOAT, CompactType.FLOAT, 4, 4);
  set(TType.BOOL, CompactType.BOOLEAN_FALSE, 1, 1);
  set(TType.BOOL, CompactType.BOOLEAN_TRUE, 1, 1);
  FROM_COMPACT[CompactType.STOP] = TType.STOP;
}

const I32_MIN_N = -(1n << 31n);
const I32_MAX_N = (1n << 31n) - 1n;

function invalidWriteType(type: number): TProtocolException {
  return new TProtocolException(
    TProtocolExceptionType.INVALID_DATA,
    `compact protocol cannot write a value of ${typeName(type)}`,
  );
}

export class CompactWriter implements ProtocolWriter {
  readonly buffer: WriteBuffer;
  /** Id of the previous field in the current struct. */
  private lastFieldId: number;
  /** Saved `lastFieldId` of the enclosing structs. */
  private readonly idStack: number[];
  private sp: number;
  /** A bool field header waits for writeBool (its value goes into the header). */
  private boolFieldPending: boolean;
  private boolFieldId: number;
  private readonly scratch: DataView;

  constructor(out?: WriteBuffer) {
    this.buffer = out ?? new WriteBuffer();
    this.lastFieldId = 0;
    this.idStack = [];
    this.sp = 0;
    this.boolFieldPending = false;
    this.boolFieldId = 0;
    this.scratch = SCRATCH;
  }

  /** Clears the buffer and the struct state so the writer can encode the next message. */
  reset(): void {
    this.buffer.reset();
    this.lastFieldId = 0;
    this.sp = 0;
    this.boolFieldPending = false;
  }

  writeMessageBegin(name: string, type: MessageType, seqid: number): void {
    const b = this.buffer;
    b.ensure(2);
    const p = b.pos;
    b.bytes[p] = PROTOCOL_ID;
    b.bytes[p + 1] = ((type << TYPE_SHIFT) & 0xe0) | VERSION;
    b.pos = p + 2;
    b.writeVarint32(seqid);
    this.writeString(name);
  }

  writeMessageEnd(): void {}

  writeStructBegin(_name: string): void {
    this.idStack[this.sp++] = this.lastFieldId;
    this.lastFieldId = 0;
  }

  writeStructEnd(): void {
    this.lastFieldId = this.sp > 0 ? this.idStack[--this.sp]! : 0;
  }

  writeFieldBegin(_name: string, type: number, id: number): void {
    if (type === TType.BOOL) {
      this.boolFieldId = id;
      this.boolFieldPending = true;
      return;
    }
    const c = TO_COMPACT[type & 0xff]!;
    if (c < 0 || type !== (type & 0xff)) throw invalidWriteType(type);
    this.writeFieldHeader(c, id);
  }

  private writeFieldHeader(compactType: number, id: number): void {
    const delta = id - this.lastFieldId;
    const b = this.buffer;
    if (delta > 0 && delta <= 15) {
      b.writeU8((delta << 4) | compactType);
    } else {
      b.writeU8(compactType);
      b.writeVarint32((id << 1) ^ (id >> 31));
    }
    this.lastFieldId = id;
  }

  writeFieldEnd(): void {}

  writeFieldStop(): void {
    this.buffer.writeU8(CompactType.STOP);
  }

  writeMapBegin(keyType: number, valueType: number, size: number): void {
    const b = this.buffer;
    if (size === 0) {
      b.writeU8(0);
      return;
    }
    const k = TO_COMPACT[keyType & 0xff]!;
    const v = TO_COMPACT[valueType & 0xff]!;
    if (k < 0 || keyType !== (keyType & 0xff)) throw invalidWriteType(keyType);
    if (v < 0 || valueType !== (valueType & 0xff)) throw invalidWriteType(valueType);
    b.writeVarint32(size);
    b.writeU8((k << 4) | v);
  }

  writeMapEnd(): void {}

  writeListBegin(elemType: number, size: number): void {
    const c = TO_COMPACT[elemType & 0xff]!;
    if (c < 0 || elemType !== (elemType & 0xff)) throw invalidWriteType(elemType);
    const b = this.buffer;
    if (size >= 0 && size <= 14) {
      b.writeU8((size << 4) | c);
    } else {
      b.writeU8(0xf0 | c);
      b.writeVarint32(size);
    }
  }

  writeListEnd(): void {}

  writeSetBegin(elemType: number, size: number): void {
    this.writeListBegin(elemType, size);
  }

  writeSetEnd(): void {}

  writeBool(value: boolean): void {
    const c = value ? CompactType.BOOLEAN_TRUE : CompactType.BOOLEAN_FALSE;
    if (this.boolFieldPending) {
      this.boolFieldPending = false;
      this.writeFieldHeader(c, this.boolFieldId);
    } else {
      this.buffer.writeU8(c);
    }
  }

  writeByte(value: number): void {
    this.buffer.writeI8(value);
  }

  writeI16(value: number): void {
    this.buffer.writeVarint32((value << 1) ^ (value >> 31));
  }

  writeI32(value: number): void {
    this.buffer.writeVarint32((value << 1) ^ (value >> 31));
  }

  writeI64(value: bigint | number): void {
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value)) throw i64OutOfRange(value);
      if ((value | 0) === value) {
        this.buffer.writeVarint32((value << 1) ^ (value >> 31));
        return;
      }
      value = BigInt(value);
    }
    if (typeof value !== "bigint") throw i64OutOfRange(value);
    if (value >= I32_MIN_N && value <= I32_MAX_N) {
      // Zigzag of a value in int32 range fits in 32 bits.
      const n = Number(value);
      this.buffer.writeVarint32((n << 1) ^ (n >> 31));
      return;
    }
    if (value < I64_MIN || value > I64_MAX) throw i64OutOfRange(value);
    const s = this.scratch;
    s.setBigInt64(0, value);
    const hi = s.getInt32(0);
    const lo = s.getInt32(4);
    const sign = hi >> 31;
    this.buffer.writeVarint64((lo << 1) ^ sign, ((hi << 1) | (lo >>> 31)) ^ sign);
  }

  writeDouble(value: number): void {
    this.buffer.writeF64LE(value);
  }

  writeFloat(value: number): void {
    this.buffer.writeF32LE(value);
  }

  writeString(value: string): void {
    const b = this.buffer;
    const len = value.length;
    if (len < 43) {
      // At most 3 bytes per UTF-16 unit: <= 126 bytes, so the length varint is one byte.
      b.ensure(1);
      const at = b.pos;
      b.pos = at + 1;
      const n = b.writeUtf8(value); // may grow the buffer: read b.bytes afterwards
      b.bytes[at] = n;
      return;
    }
    this.writeLongString(value);
  }

  private writeLongString(value: string): void {
    const b = this.buffer;
    const max = value.length * 3;
    const reserved = varintSize(max);
    b.ensure(reserved);
    const at = b.pos;
    b.pos = at + reserved;
    const n = b.writeUtf8(value);
    const used = varintSize(n);
    const bytes = b.bytes;
    if (used < reserved) bytes.copyWithin(at + used, at + reserved, at + reserved + n);
    let p = at;
    let v = n;
    while (v > 0x7f) {
      bytes[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    bytes[p] = v;
    b.pos = at + used + n;
  }

  writeBinary(value: Uint8Array): void {
    const b = this.buffer;
    b.writeVarint32(value.length);
    b.writeBytes(value);
  }

  writeUuid(value: string): void {
    const b = this.buffer;
    b.ensure(16);
    writeUuidBytes(value, b.bytes, b.pos);
    b.pos += 16;
  }
}

function varintSize(n: number): number {
  return n < 0x80 ? 1 : n < 0x4000 ? 2 : n < 0x200000 ? 3 : n < 0x10000000 ? 4 : 5;
}

export class CompactReader extends ReaderBase implements ProtocolReader {
  private lastFieldId: number;
  private readonly idStack: number[];
  private sp: number;
  /** readFieldBegin saw a bool field; its value (from the header) is `boolValue`. */
  private boolPending: boolean;
  private boolValue: boolean;
  /** Halves of the last 64-bit varint read (uint32 each). */
  private vlo: number;
  private vhi: number;
  private readonly scratch: DataView;

  constructor(bytes: Uint8Array, options?: ReaderOptions) {
    super(bytes, options);
    this.lastFieldId = 0;
    this.idStack = [];
    this.sp = 0;
    this.boolPending = false;
    this.boolValue = false;
    this.vlo = 0;
    this.vhi = 0;
    this.scratch = SCRATCH;
  }

  override reset(bytes: Uint8Array): void {
    super.reset(bytes);
    this.lastFieldId = 0;
    this.sp = 0;
    this.boolPending = false;
  }

  readMessageBegin(): MessageHeader {
    const p = this.pos;
    if (p + 2 > this.end) this.truncated(2, "message header");
    const id = this.bytes[p]!;
    if (id !== PROTOCOL_ID) {
      throw new TProtocolException(
        TProtocolExceptionType.BAD_VERSION,
        `bad compact protocol id 0x${hex2(id)} in message header at offset ${p} (expected 0x82)`,
      );
    }
    const vt = this.bytes[p + 1]!;
    if ((vt & VERSION_MASK) !== VERSION) {
      throw new TProtocolException(
        TProtocolExceptionType.BAD_VERSION,
        `bad compact protocol version ${vt & VERSION_MASK} in message header at offset ${p + 1} (expected 1)`,
      );
    }
    this.pos = p + 2;
    const seqid = this.readVarint32();
    const name = this.readString();
    return { name, type: ((vt >> TYPE_SHIFT) & 0x07) as MessageType, seqid };
  }

  readMessageEnd(): void {}

  readStructBegin(cost?: number): void {
    // Without a cost the difference is NaN, which fails the check too: structLimit then charges a typical struct.
    const budget = this.budget - cost!;
    if (++this.depth > this.maxDepth || !(budget >= 0)) this.structLimit(cost);
    else this.budget = budget;
    this.idStack[this.sp++] = this.lastFieldId;
    this.lastFieldId = 0;
  }

  readStructEnd(): void {
    this.depth--;
    this.lastFieldId = this.sp > 0 ? this.idStack[--this.sp]! : 0;
  }

  readFieldBegin(): number {
    const p = this.pos;
    if (p >= this.end) this.truncated(1, "field header");
    const b = this.bytes[p]!;
    this.pos = p + 1;
    const c = b & 0x0f;
    if (c === CompactType.STOP) {
      this.fieldId = 0;
      return TType.STOP;
    }
    const t = FROM_COMPACT[c]!;
    if (t < 0) {
      this.pos = p;
      throw new TProtocolException(
        TProtocolExceptionType.INVALID_DATA,
        `invalid compact field type ${c} at offset ${p}`,
      );
    }
    const delta = b >> 4;
    let id: number;
    if (delta !== 0) {
      id = ((this.lastFieldId + delta) << 16) >> 16;
    } else {
      const z = this.readVarint32();
      id = (((z >>> 1) ^ -(z & 1)) << 16) >> 16;
    }
    this.fieldId = id;
    this.lastFieldId = id;
    // Always (re)set, so a bool field the caller never read cannot leak into a later readBool.
    this.boolPending = t === TType.BOOL;
    this.boolValue = c === CompactType.BOOLEAN_TRUE;
    return t;
  }

  readFieldEnd(): void {}

  readMapBegin(): number {
    const size = this.readVarint32();
    if (size === 0) {
      this.keyType = TType.STOP;
      this.valueType = TType.STOP;
    } else {
      if (size < 0 || size > this.maxContainerElements) this.checkCount(size, 1, "map"); // throws
      const p = this.pos;
      if (p >= this.end) this.truncated(1, "map key/value types");
      const kv = this.bytes[p]!;
      const k = FROM_COMPACT[kv >> 4]!;
      const v = FROM_COMPACT[kv & 0x0f]!;
      const mk = k < 0 ? -1 : MIN_SIZE[k]!;
      const mv = v < 0 ? -1 : MIN_SIZE[v]!;
      if (mk < 0 || mv < 0) {
        this.keyType = TType.STOP;
        this.valueType = TType.STOP;
        this.invalidElementType(kv, "map key/value");
      }
      this.pos = p + 1;
      this.keyType = k;
      this.valueType = v;
      this.checkCount(size, mk + mv, "map");
    }
    this.enterMap(size);
    return size;
  }

  protected readCollectionBegin(what: string): number {
    const p = this.pos;
    if (p >= this.end) this.truncated(1, `${what} header`);
    const b = this.bytes[p]!;
    this.pos = p + 1;
    let size = b >> 4;
    if (size === 15) size = this.readVarint32();
    const c = b & 0x0f;
    const t = FROM_COMPACT[c]!;
    if (size !== 0) {
      if (size < 0 || size > this.maxContainerElements) this.checkCount(size, 1, what); // throws
      if (t < 0 || MIN_SIZE[t]! < 0) {
        this.elemType = TType.STOP;
        this.pos = p;
        this.invalidElementType(c, what + " element");
      }
      this.elemType = t;
      this.checkCount(size, MIN_SIZE[t]!, what);
    } else {
      this.elemType = t < 0 ? TType.STOP : t;
    }
    return size;
  }

  readBool(): boolean {
    if (this.boolPending) {
      this.boolPending = false;
      return this.boolValue;
    }
    const p = this.pos;
    if (p >= this.end) this.truncated(1, "bool");
    this.pos = p + 1;
    return this.bytes[p] === CompactType.BOOLEAN_TRUE;
  }

  readByte(): number {
    const p = this.pos;
    if (p >= this.end) this.truncated(1, "byte");
    this.pos = p + 1;
    return (this.bytes[p]! << 24) >> 24;
  }

  readI16(): number {
    const z = this.readVarint32();
    return (((z >>> 1) ^ -(z & 1)) << 16) >> 16;
  }

  readI32(): number {
    const z = this.readVarint32();
    return (z >>> 1) ^ -(z & 1);
  }

  readI64(): bigint {
    this.readVarint64();
    const lo = this.vlo;
    const hi = this.vhi;
    const sign = -(lo & 1);
    const rlo = (((lo >>> 1) | (hi << 31)) ^ sign) >>> 0;
    const rhi = ((hi >>> 1) ^ sign) | 0;
    // Small values: BigInt of a small integer is cheap; anything else goes through the DataView, which
    // is faster than BigInt() of a heap number.
    if (rhi === 0 && rlo <= 0x3fffffff) return BigInt(rlo);
    if (rhi === -1 && rlo >= 0xc0000000) return BigInt(rlo - 4294967296);
    const s = this.scratch;
    s.setInt32(0, rhi);
    s.setUint32(4, rlo);
    return s.getBigInt64(0);
  }

  readDouble(): number {
    const p = this.pos;
    if (p + 8 > this.end) this.truncated(8, "double");
    this.pos = p + 8;
    return this.scratch8(p).getFloat64(0, true);
  }

  readFloat(): number {
    const p = this.pos;
    if (p + 4 > this.end) this.truncated(4, "float");
    this.pos = p + 4;
    return this.scratch4(p).getFloat32(0, true);
  }

  readString(): string {
    const len = this.readVarint32();
    const start = this.pos;
    if (len < 0 || len > this.maxStringLength || len > this.end - start) this.badLength(len, "string");
    this.pos = start + len;
    return decodeUtf8(this.bytes, start, start + len);
  }

  /** Returns a copy of the bytes (the input buffer may be reused by the transport). */
  readBinary(): Uint8Array {
    const len = this.readVarint32();
    const start = this.pos;
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
        this.readBool();
        return;
      case TType.I16:
      case TType.I32:
        this.readVarint32();
        return;
      case TType.I64:
        this.readVarint64();
        return;
      case TType.BYTE:
      case TType.DOUBLE:
      case TType.FLOAT:
      case TType.UUID: {
        const n = FIXED_SIZE[type]!;
        if (this.pos + n > this.end) this.truncated(n, typeName(type));
        this.pos += n;
        return;
      }
      case TType.STRING: {
        const len = this.readVarint32();
        const start = this.pos;
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
        const fk = FIXED_SIZE[k]!;
        const fv = FIXED_SIZE[v]!;
        if (fk !== 0 && fv !== 0) {
          this.pos += n * (fk + fv); // checkCount verified these bytes remain
        } else {
          for (let i = 0; i < n; i++) {
            this.skipValue(k);
            this.skipValue(v);
          }
        }
        this.depth--;
        return;
      }
      case TType.SET:
      case TType.LIST: {
        const n = type === TType.LIST ? this.readListBegin() : this.readSetBegin();
        const t = this.elemType;
        const f = FIXED_SIZE[t]!;
        if (f !== 0) {
          this.pos += n * f;
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

  /** Reads an unsigned LEB128 of at most 5 bytes; returns its low 32 bits as a signed int32. */
  private readVarint32(): number {
    const bytes = this.bytes;
    let p = this.pos;
    if (this.end - p < 5) return this.readVarint32Checked();
    let b = bytes[p++]!;
    let r = b & 0x7f;
    if (b < 0x80) {
      this.pos = p;
      return r;
    }
    b = bytes[p++]!;
    r |= (b & 0x7f) << 7;
    if (b < 0x80) {
      this.pos = p;
      return r;
    }
    b = bytes[p++]!;
    r |= (b & 0x7f) << 14;
    if (b < 0x80) {
      this.pos = p;
      return r;
    }
    b = bytes[p++]!;
    r |= (b & 0x7f) << 21;
    if (b < 0x80) {
      this.pos = p;
      return r;
    }
    b = bytes[p++]!;
    r |= b << 28;
    if (b < 0x80) {
      this.pos = p;
      return r;
    }
    return this.overlongVarint(5, 32);
  }

  private readVarint32Checked(): number {
    const bytes = this.bytes;
    const end = this.end;
    let p = this.pos;
    let r = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (p >= end) this.truncated(1, "varint");
      const b = bytes[p++]!;
      r |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = p;
        return r;
      }
    }
    return this.overlongVarint(5, 32);
  }

  /** Reads an unsigned LEB128 of at most 10 bytes into `vlo` / `vhi`. */
  private readVarint64(): void {
    const bytes = this.bytes;
    const end = this.end;
    let p = this.pos;
    let lo = 0;
    let hi = 0;
    let b = 0;
    for (let i = 0; i < 4; i++) {
      if (p >= end) this.truncated(1, "varint");
      b = bytes[p++]!;
      lo |= (b & 0x7f) << (i * 7);
      if (b < 0x80) {
        this.pos = p;
        this.vlo = lo >>> 0;
        this.vhi = 0;
        return;
      }
    }
    if (p >= end) this.truncated(1, "varint");
    b = bytes[p++]!;
    lo |= (b & 0x7f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b < 0x80) {
      this.pos = p;
      this.vlo = lo >>> 0;
      this.vhi = hi;
      return;
    }
    for (let i = 0; i < 5; i++) {
      if (p >= end) this.truncated(1, "varint");
      b = bytes[p++]!;
      hi |= (b & 0x7f) << (i * 7 + 3);
      if (b < 0x80) {
        this.pos = p;
        this.vlo = lo >>> 0;
        this.vhi = hi >>> 0;
        return;
      }
    }
    this.overlongVarint(10, 64);
  }

  private invalidElementType(typeBits: number, what: string): never {
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `invalid compact ${what} type 0x${hex2(typeBits)} at offset ${this.pos}`,
    );
  }

  private overlongVarint(maxBytes: number, bits: number): never {
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `varint at offset ${this.pos} is longer than ${maxBytes} bytes (the most a ${bits}-bit value takes)`,
    );
  }
}

function hex2(n: number): string {
  return (n < 16 ? "0" : "") + n.toString(16);
}

/** The compact protocol as a {@link Protocol}; options given here are the defaults of every reader it makes. */
export class CompactProtocolFactory implements Protocol {
  readonly name = "compact" as const;
  readonly options: Readonly<ReaderOptions>;

  constructor(options: ReaderOptions = {}) {
    this.options = Object.freeze({ ...options });
  }

  createWriter(out?: WriteBuffer): CompactWriter {
    return new CompactWriter(out);
  }

  createReader(bytes: Uint8Array, options?: ReaderOptions): CompactReader {
    return new CompactReader(bytes, options === undefined ? this.options : withOptions(this.options, options));
  }
}

/** Compact protocol with DEFAULT_READER_LIMITS. */
export const CompactProtocol = new CompactProtocolFactory();

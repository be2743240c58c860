/**
 * Resumable message-boundary scanners for the buffered (unframed) transport.
 *
 * An unframed stream carries no lengths, so the only way to know where a message ends is to walk its
 * structure. A scanner does that walk without decoding anything: it reads type bytes, lengths and
 * counts, and skips over payloads. It is fed the stream chunk by chunk and keeps its place (an explicit
 * stack of open structs and containers, a pending skip count, and at most a few bytes of a length or
 * varint cut in two), so when bytes run short it returns and later resumes exactly where it stopped.
 * Every byte is examined at most once, and payload bytes (strings, fixed-width values and containers of
 * them) are not examined at all. Once a message is complete the transport decodes it once, with the
 * ordinary protocol reader.
 *
 * The scanner applies the reader limits as it goes (string length, container elements, nesting depth)
 * plus a maximum message size, so hostile input is rejected as soon as it is seen, before its bytes
 * arrive and before anything is allocated for it.
 */
import { TProtocolException, TProtocolExceptionType, TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import { DEFAULT_READER_LIMITS, type Protocol, type ReaderLimits } from "../protocol/protocol.js";
import { typeName } from "../protocol/reader-base.js";
import { TType } from "../protocol/ttype.js";


/**
 * The reader limits a scanner applies, and the message size. The decode budget is left to the reader:
 * the scanner allocates nothing per value, its work is linear in the bytes, and the budget depends on
 * the size of the whole message, which the reader knows when it starts.
 */
export interface ScannerLimits extends Pick<ReaderLimits, "maxStringLength" | "maxContainerElements" | "maxDepth"> {
  /** Largest message, in bytes; a message that grows past it without completing is rejected. */
  maxMessageSize: number;
}

export const DEFAULT_MAX_FRAME_SIZE = 16 * 1024 * 1024;

/** Finds where each message of an unframed stream ends. */
export interface MessageScanner {
  /**
   * Scans `bytes[start, end)` as the continuation of the current message. Returns the offset just past
   * the message's last byte when the message completes in this range (the scanner is then ready for the
   * next message), or -1 when every byte was consumed and the message is still incomplete. Throws a
   * TProtocolException (garbage, a limit) or a TTransportException (SIZE_LIMIT) for bad input.
   */
  scan(bytes: Uint8Array, start: number, end: number): number;
  /** Forgets the current message. */
  reset(): void;
  /** Bytes of the current (incomplete) message consumed so far. */
  readonly consumed: number;
  /** Bytes examined since the scanner was made (skipped payload bytes are not examined): a work counter. */
  readonly examined: number;
}

function resolveLimits(limits?: Partial<ScannerLimits>): ScannerLimits {
  return {
    maxStringLength: limits?.maxStringLength ?? DEFAULT_READER_LIMITS.maxStringLength,
    maxContainerElements: limits?.maxContainerElements ?? DEFAULT_READER_LIMITS.maxContainerElements,
    maxDepth: limits?.maxDepth ?? DEFAULT_READER_LIMITS.maxDepth,
    maxMessageSize: limits?.maxMessageSize ?? DEFAULT_MAX_FRAME_SIZE,
  };
}

/** The scanner of one of the built-in protocols (by `Protocol.name`), or the protocol's own `createScanner`. */
export function createScanner(protocol: string | Protocol, limits?: Partial<ScannerLimits>): MessageScanner {
  const name = typeof protocol === "string" ? protocol : protocol.name;
  switch (name) {
    case "binary":
      return new BinaryScanner(limits);
    case "compact":
      return new CompactScanner(limits);
    case "json":
      return new JsonScanner(limits);
  }
  if (typeof protocol !== "string" && protocol.createScanner !== undefined) return protocol.createScanner(resolveLimits(limits));
  throw new Error(`protocol '${name}' has no message scanner, so it cannot be used unframed: use the framed transport`);
}

// Frame kinds on the scanner stack.
const K_STRUCT = 0;
const K_LIST = 1;
const K_MAP = 2;

/** State shared by the binary and compact scanners: skip count, token scratch, the stack, limits. */
abstract class StructureScanner implements MessageScanner {
  protected readonly limits: ScannerLimits;
  /** Current state (scanner-specific numbering). */
  protected state = 0;
  /** Payload bytes still to skip before the state runs. */
  protected skip = 0;
  /** Bytes of the current message consumed in earlier `scan` calls. */
  protected base = 0;
  /** A fixed-width token cut by the end of a chunk: its bytes so far. */
  protected readonly tok: Uint8Array = new Uint8Array(16);
  protected tokLen = 0;
  /** Type of the value to scan next (binary TType or compact type id). */
  protected vtype = 0;
  // The stack of open structs and containers.
  protected sp = 0;
  protected kinds: number[] = [];
  /** Items left: elements of a list/set, keys plus values of a map. */
  protected left: number[] = [];
  protected ktypes: number[] = [];
  protected vtypes: number[] = [];
  examined = 0;

  constructor(limits?: Partial<ScannerLimits>) {
    this.limits = resolveLimits(limits);
  }

  get consumed(): number {
    return this.base;
  }

  reset(): void {
    this.state = 0;
    this.skip = 0;
    this.base = 0;
    this.tokLen = 0;
    this.sp = 0;
  }

  abstract scan(bytes: Uint8Array, start: number, end: number): number;

  /**
   * Copies up to `n - tokLen` bytes of a token into the scratch; returns the new position. The token
   * is complete when `tokLen === n` afterwards.
   */
  protected take(bytes: Uint8Array, pos: number, end: number, n: number): number {
    let t = this.tokLen;
    const tok = this.tok;
    while (t < n && pos < end) tok[t++] = bytes[pos++]!;
    this.examined += t - this.tokLen;
    this.tokLen = t;
    return pos;
  }

  /** Ends a `scan` call that ran out of bytes. */
  protected suspend(start: number, end: number): number {
    this.base += end - start;
    if (this.base > this.limits.maxMessageSize) this.tooLarge(this.base);
    return -1;
  }

  /** Ends the message at `pos`. */
  protected complete(pos: number): number {
    this.reset();
    return pos;
  }

  /** Schedules a skip of `n` payload bytes, checking the message size first. */
  protected skipBytes(n: number, start: number, pos: number): void {
    const at = this.base + (pos - start) + this.skip + n;
    if (at > this.limits.maxMessageSize) this.tooLarge(at);
    this.skip += n;
  }

  protected push(kind: number, left: number, ktype: number, vtype: number): void {
    const sp = this.sp;
    if (sp >= this.limits.maxDepth) {
      throw new TProtocolException(
        TProtocolExceptionType.DEPTH_LIMIT,
        `nesting depth ${sp + 1} exceeds the limit of ${this.limits.maxDepth}`,
      );
    }
    this.kinds[sp] = kind;
    this.left[sp] = left;
    this.ktypes[sp] = ktype;
    this.vtypes[sp] = vtype;
    this.sp = sp + 1;
  }

  protected checkLength(len: number, what: string): void {
    if (len < 0) throw new TProtocolException(TProtocolExceptionType.NEGATIVE_SIZE, `negative ${what} length ${len}`);
    if (len > this.limits.maxStringLength) {
      throw new TProtocolException(
        TProtocolExceptionType.SIZE_LIMIT,
        `${what} length ${len} exceeds the limit of ${this.limits.maxStringLength} bytes`,
      );
    }
  }

  protected checkCount(count: number, what: string): void {
    if (count < 0) throw new TProtocolException(TProtocolExceptionType.NEGATIVE_SIZE, `negative ${what} size ${count}`);
    if (count > this.limits.maxContainerElements) {
      throw new TProtocolException(
        TProtocolExceptionType.SIZE_LIMIT,
        `${what} size ${count} exceeds the limit of ${this.limits.maxContainerElements} elements`,
      );
    }
  }

  protected tooLarge(size: number): never {
    throw new TTransportException(
      TTransportExceptionType.SIZE_LIMIT,
      `message of at least ${size} bytes exceeds the maximum of ${this.limits.maxMessageSize} bytes`,
    );
  }
}

// ---------------------------------------------------------------------------------------------------
// Binary protocol

/** Encoded size of fixed-width TTypes; 0 for variable-width, -1 for invalid. */
const B_FIXED = new Int8Array(256).fill(-1);
B_FIXED[TType.BOOL] = 1;
B_FIXED[TType.BYTE] = 1;
B_FIXED[TType.DOUBLE] = 8;
B_FIXED[TType.I16] = 2;
B_FIXED[TType.I32] = 4;
B_FIXED[TType.I64] = 8;
B_FIXED[TType.UUID] = 16;
B_FIXED[TType.FLOAT] = 4;
B_FIXED[TType.STRING] = 0;
B_FIXED[TType.STRUCT] = 0;
B_FIXED[TType.MAP] = 0;
B_FIXED[TType.SET] = 0;
B_FIXED[TType.LIST] = 0;

const VERSION_1 = 0x80010000 | 0;
const VERSION_MASK = 0xffff0000 | 0;

// Binary scanner states.
const B_HEADER = 0; // first i32 of the message: version word or (old header) name length
const B_NAME_LEN = 1; // strict header: i32 name length
const B_FIELD = 2; // field type byte (+ skip the i16 id)
const B_VALUE = 3; // a value of type `vtype`
const B_STRING_LEN = 4; // i32 string length
const B_MAP_HEADER = 5; // key type, value type, i32 count
const B_LIST_HEADER = 6; // element type, i32 count
const B_NEXT = 7; // the next item of the innermost open struct/container

function be32(b: Uint8Array, p: number): number {
  return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
}

function invalidType(type: number, what: string): never {
  throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `invalid ${what} type ${typeName(type)}`);
}

/** Message boundaries of TBinaryProtocol (strict or old headers). */
export class BinaryScanner extends StructureScanner {
  scan(bytes: Uint8Array, start: number, end: number): number {
    let pos = start;
    for (;;) {
      if (this.skip !== 0) {
        const avail = end - pos;
        if (avail < this.skip) {
          this.skip -= avail;
          return this.suspend(start, end);
        }
        pos += this.skip;
        this.skip = 0;
      }
      switch (this.state) {
        case B_HEADER: {
          let v: number;
          if (this.tokLen === 0 && end - pos >= 4) {
            v = be32(bytes, pos);
            pos += 4;
            this.examined += 4;
          } else {
            pos = this.take(bytes, pos, end, 4);
            if (this.tokLen < 4) return this.suspend(start, end);
            v = be32(this.tok, 0);
            this.tokLen = 0;
          }
          if (v < 0) {
            if ((v & VERSION_MASK) !== VERSION_1) {
              throw new TProtocolException(
                TProtocolExceptionType.BAD_VERSION,
                `bad binary protocol version 0x${(v >>> 0).toString(16).padStart(8, "0")} in message header`,
              );
            }
            this.state = B_NAME_LEN;
          } else {
            // Old header: name, then an i8 type and the i32 seqid.
            this.checkLength(v, "message name");
            this.skipBytes(v + 5, start, pos);
            this.push(K_STRUCT, 0, 0, 0);
            this.state = B_FIELD;
          }
          break;
        }
        case B_NAME_LEN: {
          let v: number;
          if (this.tokLen === 0 && end - pos >= 4) {
            v = be32(bytes, pos);
            pos += 4;
            this.examined += 4;
          } else {
            pos = this.take(bytes, pos, end, 4);
            if (this.tokLen < 4) return this.suspend(start, end);
            v = be32(this.tok, 0);
            this.tokLen = 0;
          }
          this.checkLength(v, "message name");
          this.skipBytes(v + 4, start, pos); // name and seqid
          this.push(K_STRUCT, 0, 0, 0);
          this.state = B_FIELD;
          break;
        }
        case B_FIELD: {
          if (pos >= end) return this.suspend(start, end);
          const t = bytes[pos++]!;
          this.examined++;
          if (t === TType.STOP) {
            this.sp--;
            this.state = B_NEXT;
            break;
          }
          if (B_FIXED[t]! < 0) invalidType(t, "field");
          this.skipBytes(2, start, pos); // field id
          this.vtype = t;
          this.state = B_VALUE;
          break;
        }
        case B_VALUE: {
          const t = this.vtype;
          const fixed = B_FIXED[t]!;
          if (fixed > 0) {
            this.skipBytes(fixed, start, pos);
            this.state = B_NEXT;
          } else if (t === TType.STRING) {
            this.state = B_STRING_LEN;
          } else if (t === TType.STRUCT) {
            this.push(K_STRUCT, 0, 0, 0);
            this.state = B_FIELD;
          } else if (t === TType.MAP) {
            this.state = B_MAP_HEADER;
          } else if (t === TType.LIST || t === TType.SET) {
            this.state = B_LIST_HEADER;
          } else {
            invalidType(t, "value");
          }
          break;
        }
        case B_STRING_LEN: {
          let v: number;
          if (this.tokLen === 0 && end - pos >= 4) {
            v = be32(bytes, pos);
            pos += 4;
            this.examined += 4;
          } else {
            pos = this.take(bytes, pos, end, 4);
            if (this.tokLen < 4) return this.suspend(start, end);
            v = be32(this.tok, 0);
            this.tokLen = 0;
          }
          this.checkLength(v, "string");
          this.skipBytes(v, start, pos);
          this.state = B_NEXT;
          break;
        }
        case B_MAP_HEADER: {
          let k: number, v: number, n: number;
          if (this.tokLen === 0 && end - pos >= 6) {
            k = bytes[pos]!;
            v = bytes[pos + 1]!;
            n = be32(bytes, pos + 2);
            pos += 6;
            this.examined += 6;
          } else {
            pos = this.take(bytes, pos, end, 6);
            if (this.tokLen < 6) return this.suspend(start, end);
            k = this.tok[0]!;
            v = this.tok[1]!;
            n = be32(this.tok, 2);
            this.tokLen = 0;
          }
          this.checkCount(n, "map");
          this.state = B_NEXT;
          if (n === 0) break;
          const fk = B_FIXED[k]!;
          const fv = B_FIXED[v]!;
          if (fk < 0) invalidType(k, "map key");
          if (fv < 0) invalidType(v, "map value");
          if (fk > 0 && fv > 0) {
            this.push(K_MAP, 0, k, v); // depth check, as the reader does
            this.sp--;
            this.skipBytes(n * (fk + fv), start, pos);
          } else {
            this.push(K_MAP, 2 * n, k, v);
          }
          break;
        }
        case B_LIST_HEADER: {
          let t: number, n: number;
          if (this.tokLen === 0 && end - pos >= 5) {
            t = bytes[pos]!;
            n = be32(bytes, pos + 1);
            pos += 5;
            this.examined += 5;
          } else {
            pos = this.take(bytes, pos, end, 5);
            if (this.tokLen < 5) return this.suspend(start, end);
            t = this.tok[0]!;
            n = be32(this.tok, 1);
            this.tokLen = 0;
          }
          this.checkCount(n, "list");
          this.state = B_NEXT;
          if (n === 0) break;
          const f = B_FIXED[t]!;
          if (f < 0) invalidType(t, "list element");
          if (f > 0) {
            this.push(K_LIST, 0, 0, t);
            this.sp--;
            this.skipBytes(n * f, start, pos);
          } else {
            this.push(K_LIST, n, 0, t);
          }
          break;
        }
        case B_NEXT: {
          const sp = this.sp;
          if (sp === 0) return this.complete(pos);
          const top = sp - 1;
          const kind = this.kinds[top]!;
          if (kind === K_STRUCT) {
            this.state = B_FIELD;
          } else {
            const left = this.left[top]!;
            if (left === 0) {
              this.sp = top;
            } else {
              this.left[top] = left - 1;
              // Map items alternate key, value: an even count left means a key comes next.
              this.vtype = kind === K_MAP && (left & 1) === 0 ? this.ktypes[top]! : this.vtypes[top]!;
              this.state = B_VALUE;
            }
          }
          break;
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Compact protocol

const C_BOOL_TRUE = 1;
const C_BOOL_FALSE = 2;
const C_BYTE = 3;
const C_I16 = 4;
const C_I32 = 5;
const C_I64 = 6;
const C_DOUBLE = 7;
const C_BINARY = 8;
const C_LIST = 9;
const C_SET = 10;
const C_MAP = 11;
const C_STRUCT = 12;
const C_UUID = 13;
const C_FLOAT = 14;

/** Encoded size of fixed-width compact types as container elements; 0 variable; -1 invalid. */
const C_FIXED = new Int8Array(16).fill(-1);
C_FIXED[C_BOOL_TRUE] = 1;
C_FIXED[C_BOOL_FALSE] = 1;
C_FIXED[C_BYTE] = 1;
C_FIXED[C_DOUBLE] = 8;
C_FIXED[C_UUID] = 16;
C_FIXED[C_FLOAT] = 4;
C_FIXED[C_I16] = 0;
C_FIXED[C_I32] = 0;
C_FIXED[C_I64] = 0;
C_FIXED[C_BINARY] = 0;
C_FIXED[C_LIST] = 0;
C_FIXED[C_SET] = 0;
C_FIXED[C_MAP] = 0;
C_FIXED[C_STRUCT] = 0;

// Compact scanner states.
const C_HEADER = 0; // protocol id, version/type byte
const C_VARINT = 1; // a varint; `after` says what it was
const C_FIELD = 2; // field header byte
const C_VALUE = 3; // a value of compact type `vtype`
const C_LIST_HEADER = 4; // size/type byte
const C_MAP_TYPES = 5; // key/value type byte of a non-empty map
const C_NEXT = 6;

// What a varint was, i.e. what to do with its value.
const V_SEQID = 0;
const V_NAME_LEN = 1;
const V_FIELD_ID = 2;
const V_VALUE = 3;
const V_BINARY_LEN = 4;
const V_LIST_SIZE = 5;
const V_MAP_SIZE = 6;

/** Message boundaries of TCompactProtocol. */
export class CompactScanner extends StructureScanner {
  private after = 0;
  /** Low 32 bits of the varint being read, its shift, and the most bytes it may take. */
  private vAcc = 0;
  private vShift = 0;
  private vMax = 5;
  /** Element type of the list whose long-form size is being read; the map size just read. */
  private pendingType = 0;
  private pendingCount = 0;

  private startVarint(after: number, maxBytes: number): void {
    this.after = after;
    this.vAcc = 0;
    this.vShift = 0;
    this.vMax = maxBytes;
    this.state = C_VARINT;
  }

  scan(bytes: Uint8Array, start: number, end: number): number {
    let pos = start;
    for (;;) {
      if (this.skip !== 0) {
        const avail = end - pos;
        if (avail < this.skip) {
          this.skip -= avail;
          return this.suspend(start, end);
        }
        pos += this.skip;
        this.skip = 0;
      }
      switch (this.state) {
        case C_HEADER: {
          let id: number, vt: number;
          if (this.tokLen === 0 && end - pos >= 2) {
            id = bytes[pos]!;
            vt = bytes[pos + 1]!;
            pos += 2;
            this.examined += 2;
          } else {
            pos = this.take(bytes, pos, end, 2);
            if (this.tokLen < 2) {
              if (this.tokLen === 1 && this.tok[0] !== 0x82) badCompactId(this.tok[0]!);
              return this.suspend(start, end);
            }
            id = this.tok[0]!;
            vt = this.tok[1]!;
            this.tokLen = 0;
          }
          if (id !== 0x82) badCompactId(id);
          if ((vt & 0x1f) !== 1) {
            throw new TProtocolException(
              TProtocolExceptionType.BAD_VERSION,
              `bad compact protocol version ${vt & 0x1f} in message header (expected 1)`,
            );
          }
          this.startVarint(V_SEQID, 5);
          break;
        }
        case C_VARINT: {
          let acc = this.vAcc;
          let shift = this.vShift;
          let done = false;
          const first = pos;
          while (pos < end) {
            const b = bytes[pos++]!;
            if (shift < 32) acc |= (b & 0x7f) << shift;
            shift += 7;
            if (b < 0x80) {
              done = true;
              break;
            }
            if (shift >= this.vMax * 7) {
              throw new TProtocolException(
                TProtocolExceptionType.INVALID_DATA,
                `varint is longer than ${this.vMax} bytes (the most a ${this.vMax === 5 ? 32 : 64}-bit value takes)`,
              );
            }
          }
          this.examined += pos - first;
          if (!done) {
            this.vAcc = acc;
            this.vShift = shift;
            return this.suspend(start, end);
          }
          pos = this.afterVarint(acc | 0, start, pos);
          break;
        }
        case C_FIELD: {
          if (pos >= end) return this.suspend(start, end);
          const b = bytes[pos++]!;
          this.examined++;
          const c = b & 0x0f;
          if (c === 0) {
            this.sp--;
            this.state = C_NEXT;
            break;
          }
          if (C_FIXED[c]! < 0) {
            throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `invalid compact field type ${c}`);
          }
          // A bool field's value is its type; anything else is followed by its value.
          this.vtype = c === C_BOOL_TRUE || c === C_BOOL_FALSE ? -1 : c;
          if (b >> 4 === 0) {
            this.startVarint(V_FIELD_ID, 5);
          } else {
            this.state = this.vtype < 0 ? C_NEXT : C_VALUE;
          }
          break;
        }
        case C_VALUE: {
          const c = this.vtype;
          switch (c) {
            case C_BOOL_TRUE:
            case C_BOOL_FALSE:
            case C_BYTE:
              this.skipBytes(1, start, pos);
              this.state = C_NEXT;
              break;
            case C_DOUBLE:
              this.skipBytes(8, start, pos);
              this.state = C_NEXT;
              break;
            case C_FLOAT:
              this.skipBytes(4, start, pos);
              this.state = C_NEXT;
              break;
            case C_UUID:
              this.skipBytes(16, start, pos);
              this.state = C_NEXT;
              break;
            case C_I16:
            case C_I32:
              this.startVarint(V_VALUE, 5);
              break;
            case C_I64:
              this.startVarint(V_VALUE, 10);
              break;
            case C_BINARY:
              this.startVarint(V_BINARY_LEN, 5);
              break;
            case C_STRUCT:
              this.push(K_STRUCT, 0, 0, 0);
              this.state = C_FIELD;
              break;
            case C_LIST:
            case C_SET:
              this.state = C_LIST_HEADER;
              break;
            case C_MAP:
              this.startVarint(V_MAP_SIZE, 5);
              break;
            default:
              throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `invalid compact value type ${c}`);
          }
          break;
        }
        case C_LIST_HEADER: {
          if (pos >= end) return this.suspend(start, end);
          const b = bytes[pos++]!;
          this.examined++;
          const n = b >> 4;
          this.pendingType = b & 0x0f;
          if (n === 15) {
            this.startVarint(V_LIST_SIZE, 5);
          } else {
            this.listBody(n, start, pos);
          }
          break;
        }
        case C_MAP_TYPES: {
          if (pos >= end) return this.suspend(start, end);
          const kv = bytes[pos++]!;
          this.examined++;
          const k = kv >> 4;
          const v = kv & 0x0f;
          const fk = C_FIXED[k]!;
          const fv = C_FIXED[v]!;
          if (fk < 0 || fv < 0) {
            throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `invalid compact map key/value type 0x${kv.toString(16)}`);
          }
          const n = this.pendingCount;
          this.state = C_NEXT;
          if (fk > 0 && fv > 0) {
            this.push(K_MAP, 0, k, v);
            this.sp--;
            this.skipBytes(n * (fk + fv), start, pos);
          } else {
            this.push(K_MAP, 2 * n, k, v);
          }
          break;
        }
        case C_NEXT: {
          const sp = this.sp;
          if (sp === 0) return this.complete(pos);
          const top = sp - 1;
          const kind = this.kinds[top]!;
          if (kind === K_STRUCT) {
            this.state = C_FIELD;
          } else {
            const left = this.left[top]!;
            if (left === 0) {
              this.sp = top;
            } else {
              this.left[top] = left - 1;
              this.vtype = kind === K_MAP && (left & 1) === 0 ? this.ktypes[top]! : this.vtypes[top]!;
              this.state = C_VALUE;
            }
          }
          break;
        }
      }
    }
  }

  /** Acts on a varint's value; returns the position (unchanged). */
  private afterVarint(v: number, start: number, pos: number): number {
    switch (this.after) {
      case V_SEQID:
        this.startVarint(V_NAME_LEN, 5);
        break;
      case V_NAME_LEN:
        this.checkLength(v, "message name");
        this.skipBytes(v, start, pos);
        this.push(K_STRUCT, 0, 0, 0);
        this.state = C_FIELD;
        break;
      case V_FIELD_ID:
        this.state = this.vtype < 0 ? C_NEXT : C_VALUE;
        break;
      case V_VALUE:
        this.state = C_NEXT;
        break;
      case V_BINARY_LEN:
        this.checkLength(v, "string");
        this.skipBytes(v, start, pos);
        this.state = C_NEXT;
        break;
      case V_LIST_SIZE:
        this.listBody(v, start, pos);
        break;
      case V_MAP_SIZE:
        this.checkCount(v, "map");
        if (v === 0) {
          this.state = C_NEXT;
        } else {
          this.pendingCount = v;
          this.state = C_MAP_TYPES;
        }
        break;
    }
    return pos;
  }

  private listBody(n: number, start: number, pos: number): void {
    this.checkCount(n, "list");
    this.state = C_NEXT;
    if (n === 0) return;
    const t = this.pendingType;
    const f = C_FIXED[t]!;
    if (f < 0) throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `invalid compact list element type ${t}`);
    if (f > 0) {
      this.push(K_LIST, 0, 0, t);
      this.sp--;
      this.skipBytes(n * f, start, pos);
    } else {
      this.push(K_LIST, n, 0, t);
    }
  }
}

function badCompactId(id: number): never {
  throw new TProtocolException(
    TProtocolExceptionType.BAD_VERSION,
    `bad compact protocol id 0x${id.toString(16).padStart(2, "0")} in message header (expected 0x82)`,
  );
}

// ---------------------------------------------------------------------------------------------------
// JSON protocol

const J_START = 0;
const J_BODY = 1;
const J_STRING = 2;
const J_ESCAPE = 3;

/**
 * Message boundaries of TJSONProtocol: a message is one JSON array, so it ends where the bracket depth
 * returns to zero outside strings. Whitespace before the `[` belongs to the message.
 */
export class JsonScanner implements MessageScanner {
  private readonly limits: ScannerLimits;
  private state = J_START;
  private depth = 0;
  private base = 0;
  examined = 0;

  constructor(limits?: Partial<ScannerLimits>) {
    this.limits = resolveLimits(limits);
  }

  get consumed(): number {
    return this.base;
  }

  reset(): void {
    this.state = J_START;
    this.depth = 0;
    this.base = 0;
  }

  scan(bytes: Uint8Array, start: number, end: number): number {
    let pos = start;
    let state = this.state;
    let depth = this.depth;
    // Two JSON levels per Thrift level (a field object and its type wrapper), plus the message array.
    const maxDepth = 2 * this.limits.maxDepth + 2;
    while (pos < end) {
      const b = bytes[pos++]!;
      switch (state) {
        case J_START:
          if (b === 0x5b /* [ */) {
            state = J_BODY;
            depth = 1;
          } else if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) {
            throw new TProtocolException(
              TProtocolExceptionType.INVALID_DATA,
              `expected '[' at the start of a JSON message but got 0x${b.toString(16).padStart(2, "0")}`,
            );
          }
          break;
        case J_BODY:
          if (b === 0x22 /* " */) {
            state = J_STRING;
          } else if (b === 0x5b || b === 0x7b /* [ { */) {
            if (++depth > maxDepth) {
              throw new TProtocolException(TProtocolExceptionType.DEPTH_LIMIT, `JSON nesting deeper than ${maxDepth}`);
            }
          } else if (b === 0x5d || b === 0x7d /* ] } */) {
            if (--depth === 0) {
              this.examined += pos - start;
              this.reset();
              return pos;
            }
          }
          break;
        case J_STRING:
          if (b === 0x5c /* \ */) state = J_ESCAPE;
          else if (b === 0x22) state = J_BODY;
          break;
        case J_ESCAPE:
          state = J_STRING;
          break;
      }
    }
    this.examined += end - start;
    this.state = state;
    this.depth = depth;
    this.base += end - start;
    if (this.base > this.limits.maxMessageSize) {
      throw new TTransportException(
        TTransportExceptionType.SIZE_LIMIT,
        `message of at least ${this.base} bytes exceeds the maximum of ${this.limits.maxMessageSize} bytes`,
      );
    }
    return -1;
  }
}

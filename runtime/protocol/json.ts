/**
 * TJSONProtocol (notes 2.4), byte-compatible with Apache Thrift's Python writer
 * (`lib/py/src/protocol/TJSONProtocol.py`, 0.17):
 *
 *   message      [1,"name",type,seqid,{struct}]
 *   struct       {"<id>":{"<tname>":value},...}          (no field: {})
 *   list / set   ["<tname>",count,v1,v2,...]
 *   map          ["<ktname>","<vtname>",count,{k:v,...}]  keys always quoted ("1":..., "1.5":...)
 *   bool         1 / 0
 *   binary       base64 with padding (the reader also takes it without)
 *   i64          exact decimal
 *   double       `%.17g` (C printf / Python `'{0:.17g}'`, ties to even); NaN and infinities as the
 *                quoted strings "NaN", "Infinity", "-Infinity" (C++ convention; Python writes a bare
 *                `nan` / `inf` that no Apache reader accepts)
 *   uuid         canonical lowercase string (type name "uid")
 *   string       UTF-8; `" \ \b \f \n \r \t` escaped as such, the other control characters as `\u00xx`
 *                (as C++ and Go write them; JSON allows no raw control character, and Go's reader
 *                refuses one), everything else raw
 *
 * Separators follow Apache's context machine exactly: a list context writes `,` between items; a
 * pair (object) context alternates `:` and `,`, and a number written in key position is quoted.
 *
 * The reader accepts what Apache's writers produce (Python, C++, Java, Node): `\uXXXX` escapes and
 * surrogate pairs, `\/`, unpadded base64, quoted doubles anywhere, the special doubles quoted or bare
 * (`NaN`, `Infinity`, `-Infinity`, and Python's `nan`, `inf`, `-inf`), and JSON whitespace between
 * tokens. Every error is a TProtocolException; input that ends early is reported with
 * `truncated = true`. Limits (string bytes, container counts, nesting depth) are checked before
 * anything is allocated. No Node-only API is used.
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

const VERSION = 1;

// Character codes.
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const LBRACE = 0x7b;
const RBRACE = 0x7d;
const LBRACKET = 0x5b;
const RBRACKET = 0x5d;
const MINUS = 0x2d;

// Contexts (Apache's JSONBaseContext, JSONListContext, JSONPairContext).
const BASE = 0;
const LIST = 1;
const PAIR = 2;

/** JSON type names by TType. */
const NAME_OF_TYPE: Record<number, string> = {
  [TType.BOOL]: "tf",
  [TType.BYTE]: "i8",
  [TType.I16]: "i16",
  [TType.I32]: "i32",
  [TType.I64]: "i64",
  [TType.DOUBLE]: "dbl",
  [TType.STRING]: "str",
  [TType.STRUCT]: "rec",
  [TType.MAP]: "map",
  [TType.SET]: "set",
  [TType.LIST]: "lst",
  [TType.UUID]: "uid",
  /** fbthrift's name; Apache Thrift has no float type. */
  [TType.FLOAT]: "flt",
};

/** The quoted type name as bytes, by TType (undefined: no JSON name). */
const QUOTED_NAME: (Uint8Array | undefined)[] = [];
for (const [t, name] of Object.entries(NAME_OF_TYPE)) {
  QUOTED_NAME[Number(t)] = Uint8Array.from(`"${name}"`, (c) => c.charCodeAt(0));
}

/** The JSON type name of a TType (for tests and error messages); undefined when it has none. */
export function jsonTypeName(type: number): string | undefined {
  return NAME_OF_TYPE[type];
}

/**
 * Fewest bytes one value of each TType takes, separators excluded (-1: not a value type): a number
 * digit, `""`, `{}`, `["tf",0]`, `["tf","tf",0,{}]`, a quoted uuid.
 */
const MIN_SIZE = new Int8Array(256).fill(-1);
MIN_SIZE[TType.BOOL] = 1;
MIN_SIZE[TType.BYTE] = 1;
MIN_SIZE[TType.I16] = 1;
MIN_SIZE[TType.I32] = 1;
MIN_SIZE[TType.I64] = 1;
MIN_SIZE[TType.DOUBLE] = 1;
MIN_SIZE[TType.STRING] = 2;
MIN_SIZE[TType.STRUCT] = 2;
MIN_SIZE[TType.LIST] = 8;
MIN_SIZE[TType.SET] = 8;
MIN_SIZE[TType.MAP] = 16;
MIN_SIZE[TType.UUID] = 38;
MIN_SIZE[TType.FLOAT] = 1;

/** Characters Python's reader collects as "numeric": `+-.0123456789Ee`. */
const NUMERIC = new Uint8Array(128);
for (const c of "+-.0123456789Ee") NUMERIC[c.charCodeAt(0)] = 1;

/** Escape sequence written for a character: the seven short escapes, `\u00xx` for other control characters. */
const ESCAPE_OUT: (string | undefined)[] = [];
for (let c = 0; c < 0x20; c++) ESCAPE_OUT[c] = `\\u00${c.toString(16).padStart(2, "0")}`;
ESCAPE_OUT[0x22] = '\\"';
ESCAPE_OUT[0x5c] = "\\\\";
ESCAPE_OUT[0x08] = "\\b";
ESCAPE_OUT[0x0c] = "\\f";
ESCAPE_OUT[0x0a] = "\\n";
ESCAPE_OUT[0x0d] = "\\r";
ESCAPE_OUT[0x09] = "\\t";

/** Character a simple escape `\x` stands for, by the code of x (-1: not a simple escape). */
const ESCAPE_IN = new Int16Array(128).fill(-1);
ESCAPE_IN[0x22] = 0x22;
ESCAPE_IN[0x5c] = 0x5c;
ESCAPE_IN[0x2f] = 0x2f; // \/
ESCAPE_IN[0x62] = 0x08; // \b
ESCAPE_IN[0x66] = 0x0c; // \f
ESCAPE_IN[0x6e] = 0x0a; // \n
ESCAPE_IN[0x72] = 0x0d; // \r
ESCAPE_IN[0x74] = 0x09; // \t

/** Hex digit values by char code (-1: not hex). */
const HEX = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX[0x30 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX[0x41 + i] = 10 + i;
  HEX[0x61 + i] = 10 + i;
}

const B64_CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_ENC = Uint8Array.from(B64_CHARS, (c) => c.charCodeAt(0));
const B64_DEC = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_DEC[B64_CHARS.charCodeAt(i)] = i;

// ------------------------------------------------------------------------------------------------
// doubles

const f64 = new Float64Array(1);
const u32 = new Uint32Array(f64.buffer);
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Exact value of a finite double as `m * 2^e` (m a non-negative bigint). */
function exactParts(x: number): [bigint, number] {
  f64[0] = Math.abs(x);
  const hi = u32[LITTLE_ENDIAN ? 1 : 0]!;
  const lo = u32[LITTLE_ENDIAN ? 0 : 1]!;
  const biased = (hi >>> 20) & 0x7ff;
  let m = (BigInt(hi & 0xfffff) << 32n) | BigInt(lo);
  if (biased === 0) return [m, -1074];
  m |= 1n << 52n;
  return [m, biased - 1075];
}

/** True when the decimal `digits * 10^exp10` equals |x| exactly. */
function decimalEquals(x: number, digits: bigint, exp10: number): boolean {
  const [m, e2] = exactParts(x);
  let lhs = digits;
  let rhs = m;
  if (exp10 >= 0) lhs *= 10n ** BigInt(exp10);
  else rhs *= 10n ** BigInt(-exp10);
  if (e2 >= 0) rhs <<= BigInt(e2);
  else lhs <<= BigInt(-e2);
  return lhs === rhs;
}

/**
 * A finite double formatted like C's `printf("%.17g")` (Python's `'{0:.17g}'.format`): 17
 * significant digits rounded half to even from the exact binary value, trailing zeros removed,
 * exponent form when the decimal exponent is below -4 or above 16 (`e+21`, `e-08`).
 */
export function formatDouble17g(x: number): string {
  if (x === 0) return Object.is(x, -0) ? "-0" : "0";
  const neg = x < 0;
  // toExponential rounds ties away from zero; C rounds them to even. A tie at 17 digits means the
  // exact value has exactly 18 significant digits, the last a 5: check those cases exactly.
  let s = x.toExponential(16);
  const s18 = x.toExponential(17);
  const o = neg ? 1 : 0;
  if (s18.charCodeAt(o + 18) === 0x35 /* 5 */) {
    const ePos = s18.indexOf("e");
    const exp = Number(s18.slice(ePos + 1));
    const digits18 = s18.slice(o, o + 1) + s18.slice(o + 2, ePos);
    if (decimalEquals(x, BigInt(digits18), exp - 17) && (s18.charCodeAt(o + 17) - 0x30) % 2 === 0) {
      // Exact tie and the 17th digit is even: round down (drop the 5), same exponent.
      s = s18.slice(0, o + 18) + s18.slice(ePos);
    }
  }
  const ePos = s.indexOf("e");
  const exp = Number(s.slice(ePos + 1));
  const digits = s.slice(o, o + 1) + s.slice(o + 2, ePos); // 17 digits, no point
  const sign = neg ? "-" : "";
  if (exp < -4 || exp >= 17) {
    let frac = digits.slice(1);
    let end = frac.length;
    while (end > 0 && frac.charCodeAt(end - 1) === 0x30) end--;
    frac = frac.slice(0, end);
    const ae = Math.abs(exp);
    return `${sign}${digits[0]}${frac ? "." + frac : ""}e${exp < 0 ? "-" : "+"}${ae < 10 ? "0" : ""}${ae}`;
  }
  let intPart: string;
  let frac: string;
  if (exp >= 0) {
    intPart = digits.slice(0, exp + 1);
    frac = digits.slice(exp + 1);
  } else {
    intPart = "0";
    frac = "0".repeat(-exp - 1) + digits;
  }
  let end = frac.length;
  while (end > 0 && frac.charCodeAt(end - 1) === 0x30) end--;
  frac = frac.slice(0, end);
  return sign + intPart + (frac ? "." + frac : "");
}

/** A special double's text (quoted or bare), any case: NaN, Infinity, inf, with an optional sign. */
function specialDouble(text: string): number | undefined {
  const t = text.toLowerCase();
  switch (t) {
    case "nan":
    case "+nan":
    case "-nan":
      return NaN;
    case "infinity":
    case "+infinity":
    case "inf":
    case "+inf":
      return Infinity;
    case "-infinity":
    case "-inf":
      return -Infinity;
  }
  return undefined;
}

/** A JSON-ish number (what Python's float() takes from the numeric characters); undefined if not one. */
function parseDoubleText(text: string): number | undefined {
  // Number("") is 0 and Number() accepts forms float() rejects only with letters we never collect;
  // require at least one digit and the shape sign? digits [. digits] [e sign? digits].
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

// ------------------------------------------------------------------------------------------------
// writer

export class JSONWriter implements ProtocolWriter {
  readonly buffer: WriteBuffer;
  /** Current context: kind, whether nothing was written in it yet, and (pair) whether a key is next-but-one. */
  private kind: number;
  private first: boolean;
  private colon: boolean;
  /** Saved outer contexts, packed as `kind | first << 2 | colon << 3`. */
  private readonly stack: number[];
  private readonly scratch: Uint8Array;

  constructor(out?: WriteBuffer) {
    this.buffer = out ?? new WriteBuffer();
    this.kind = BASE;
    this.first = true;
    this.colon = true;
    this.stack = [];
    this.scratch = new Uint8Array(16);
  }

  /** Clears the buffer and the context so the writer can encode the next message. */
  reset(): void {
    this.buffer.reset();
    this.resetContext();
  }

  private resetContext(): void {
    this.kind = BASE;
    this.first = true;
    this.colon = true;
    this.stack.length = 0;
  }

  private push(kind: number): void {
    this.stack.push(this.kind | (this.first ? 4 : 0) | (this.colon ? 8 : 0));
    this.kind = kind;
    this.first = true;
    this.colon = true;
  }

  private pop(): void {
    const s = this.stack.pop();
    if (s === undefined) {
      this.kind = BASE;
      this.first = true;
      this.colon = true;
    } else {
      this.kind = s & 3;
      this.first = (s & 4) !== 0;
      this.colon = (s & 8) !== 0;
    }
  }

  /** Writes the separator the context wants before the next value. */
  private sep(): void {
    const k = this.kind;
    if (k === LIST) {
      if (this.first) this.first = false;
      else this.buffer.writeU8(COMMA);
    } else if (k === PAIR) {
      if (this.first) {
        this.first = false;
        this.colon = true;
      } else {
        this.buffer.writeU8(this.colon ? COLON : COMMA);
        this.colon = !this.colon;
      }
    }
  }

  /** Writes an ASCII number token, quoted when it is an object key. */
  private number(text: string): void {
    this.sep();
    const quote = this.kind === PAIR && this.colon;
    const b = this.buffer;
    const n = text.length;
    b.ensure(n + 2);
    const bytes = b.bytes;
    let p = b.pos;
    if (quote) bytes[p++] = QUOTE;
    for (let i = 0; i < n; i++) bytes[p++] = text.charCodeAt(i);
    if (quote) bytes[p++] = QUOTE;
    b.pos = p;
  }

  private typeName(type: number): void {
    const q = QUOTED_NAME[type];
    if (q === undefined) {
      throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `${typeName(type)} has no JSON protocol type name`);
    }
    this.sep();
    this.buffer.writeBytes(q);
  }

  private objectStart(): void {
    this.sep();
    this.buffer.writeU8(LBRACE);
    this.push(PAIR);
  }

  private objectEnd(): void {
    this.pop();
    this.buffer.writeU8(RBRACE);
  }

  private arrayStart(): void {
    this.sep();
    this.buffer.writeU8(LBRACKET);
    this.push(LIST);
  }

  private arrayEnd(): void {
    this.pop();
    this.buffer.writeU8(RBRACKET);
  }

  writeMessageBegin(name: string, type: MessageType, seqid: number): void {
    this.resetContext();
    this.arrayStart();
    this.number("1");
    this.writeString(name);
    this.number(String(type | 0));
    this.number(String(seqid | 0));
  }

  writeMessageEnd(): void {
    this.arrayEnd();
  }

  writeStructBegin(_name: string): void {
    this.objectStart();
  }

  writeStructEnd(): void {
    this.objectEnd();
  }

  writeFieldBegin(_name: string, type: number, id: number): void {
    this.number(String((id << 16) >> 16));
    this.objectStart();
    this.typeName(type);
  }

  writeFieldEnd(): void {
    this.objectEnd();
  }

  writeFieldStop(): void {}

  writeMapBegin(keyType: number, valueType: number, size: number): void {
    this.arrayStart();
    this.typeName(keyType);
    this.typeName(valueType);
    this.number(String(size | 0));
    this.objectStart();
  }

  writeMapEnd(): void {
    this.objectEnd();
    this.arrayEnd();
  }

  writeListBegin(elemType: number, size: number): void {
    this.arrayStart();
    this.typeName(elemType);
    this.number(String(size | 0));
  }

  writeListEnd(): void {
    this.arrayEnd();
  }

  writeSetBegin(elemType: number, size: number): void {
    this.writeListBegin(elemType, size);
  }

  writeSetEnd(): void {
    this.arrayEnd();
  }

  writeBool(value: boolean): void {
    this.number(value ? "1" : "0");
  }

  /** The low 8 bits as a signed number, as the binary protocol would carry them. */
  writeByte(value: number): void {
    this.number(String((value << 24) >> 24));
  }

  writeI16(value: number): void {
    this.number(String((value << 16) >> 16));
  }

  writeI32(value: number): void {
    this.number(String(value | 0));
  }

  writeI64(value: bigint | number): void {
    if (typeof value === "number") {
      if (!Number.isSafeInteger(value)) throw i64OutOfRange(value);
    } else if (typeof value !== "bigint" || value < I64_MIN || value > I64_MAX) {
      throw i64OutOfRange(value);
    }
    this.number(String(value));
  }

  writeDouble(value: number): void {
    if (value - value !== 0) {
      // NaN or an infinity: always a quoted string (C++ convention), also in key position.
      this.sep();
      this.quotedAscii(value !== value ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
      return;
    }
    this.number(formatDouble17g(value));
  }

  /** Written as the double nearest to the float value (JSON has no float type name). */
  writeFloat(value: number): void {
    this.writeDouble(Math.fround(value));
  }

  writeString(value: string): void {
    this.sep();
    const b = this.buffer;
    b.writeU8(QUOTE);
    const n = value.length;
    let last = 0;
    for (let i = 0; i < n; i++) {
      const c = value.charCodeAt(i);
      if (c < 0x80 && ESCAPE_OUT[c] !== undefined) {
        if (i > last) b.writeUtf8(value.slice(last, i));
        const e = ESCAPE_OUT[c]!;
        for (let k = 0; k < e.length; k++) b.writeU8(e.charCodeAt(k));
        last = i + 1;
      }
    }
    if (last === 0) b.writeUtf8(value);
    else if (last < n) b.writeUtf8(value.slice(last));
    b.writeU8(QUOTE);
  }

  writeBinary(value: Uint8Array): void {
    this.sep();
    const b = this.buffer;
    const n = value.length;
    const out = 4 * Math.ceil(n / 3) + 2;
    b.ensure(out);
    const bytes = b.bytes;
    let p = b.pos;
    bytes[p++] = QUOTE;
    let i = 0;
    for (; i + 3 <= n; i += 3) {
      const v = (value[i]! << 16) | (value[i + 1]! << 8) | value[i + 2]!;
      bytes[p++] = B64_ENC[v >> 18]!;
      bytes[p++] = B64_ENC[(v >> 12) & 63]!;
      bytes[p++] = B64_ENC[(v >> 6) & 63]!;
      bytes[p++] = B64_ENC[v & 63]!;
    }
    const rest = n - i;
    if (rest === 1) {
      const v = value[i]! << 16;
      bytes[p++] = B64_ENC[v >> 18]!;
      bytes[p++] = B64_ENC[(v >> 12) & 63]!;
      bytes[p++] = 0x3d;
      bytes[p++] = 0x3d;
    } else if (rest === 2) {
      const v = (value[i]! << 16) | (value[i + 1]! << 8);
      bytes[p++] = B64_ENC[v >> 18]!;
      bytes[p++] = B64_ENC[(v >> 12) & 63]!;
      bytes[p++] = B64_ENC[(v >> 6) & 63]!;
      bytes[p++] = 0x3d;
    }
    bytes[p++] = QUOTE;
    b.pos = p;
  }

  writeUuid(value: string): void {
    writeUuidBytes(value, this.scratch, 0);
    this.sep();
    this.quotedAscii(formatUuid(this.scratch, 0));
  }

  private quotedAscii(s: string): void {
    const b = this.buffer;
    const n = s.length;
    b.ensure(n + 2);
    const bytes = b.bytes;
    let p = b.pos;
    bytes[p++] = QUOTE;
    for (let i = 0; i < n; i++) bytes[p++] = s.charCodeAt(i);
    bytes[p++] = QUOTE;
    b.pos = p;
  }
}

// ------------------------------------------------------------------------------------------------
// reader

/** Longest run of numeric characters accepted for an integer (leading zeros included). */
const MAX_INT_CHARS = 40;
/** Longest run accepted for a double (any double fits in far fewer; this bounds the work). */
const MAX_DOUBLE_CHARS = 1100;

export class JSONReader extends ReaderBase implements ProtocolReader {
  private kind: number;
  private first: boolean;
  private colon: boolean;
  private readonly stack: number[];
  private readonly scratch: Uint8Array;
  /** Set by scanString: the end of the string body (offset of the closing quote). */
  private strEnd: number;
  /** Set by scanString: the body has escapes. */
  private strEscaped: boolean;

  constructor(bytes: Uint8Array, options?: ReaderOptions) {
    super(bytes, options);
    this.kind = BASE;
    this.first = true;
    this.colon = true;
    this.stack = [];
    this.scratch = new Uint8Array(16);
    this.strEnd = 0;
    this.strEscaped = false;
  }

  override reset(bytes: Uint8Array): void {
    super.reset(bytes);
    this.resetContext();
  }

  private resetContext(): void {
    this.kind = BASE;
    this.first = true;
    this.colon = true;
    this.stack.length = 0;
  }

  private push(kind: number): void {
    this.stack.push(this.kind | (this.first ? 4 : 0) | (this.colon ? 8 : 0));
    this.kind = kind;
    this.first = true;
    this.colon = true;
  }

  private pop(): void {
    const s = this.stack.pop();
    if (s === undefined) {
      this.kind = BASE;
      this.first = true;
      this.colon = true;
    } else {
      this.kind = s & 3;
      this.first = (s & 4) !== 0;
      this.colon = (s & 8) !== 0;
    }
  }

  // -- low level ----------------------------------------------------------------------------------

  /** Skips JSON whitespace; returns the next byte (not consumed), or -1 at the end of the input. */
  private peek(): number {
    let p = this.pos;
    const end = this.end;
    const bytes = this.bytes;
    while (p < end) {
      const c = bytes[p]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) {
        this.pos = p;
        return c;
      }
      p++;
    }
    this.pos = p;
    return -1;
  }

  /** Consumes the syntax character `c` (after whitespace). */
  private expect(c: number, what: string): void {
    const got = this.peek();
    if (got === c) {
      this.pos++;
      return;
    }
    if (got < 0) this.truncated(1, `'${String.fromCharCode(c)}' (${what})`);
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `expected '${String.fromCharCode(c)}' (${what}) at offset ${this.pos}, found ${showByte(got)}`,
    );
  }

  /** Reads the separator the context wants before the next value. */
  private sep(): void {
    const k = this.kind;
    if (k === LIST) {
      if (this.first) this.first = false;
      else this.expect(COMMA, "list separator");
    } else if (k === PAIR) {
      if (this.first) {
        this.first = false;
        this.colon = true;
      } else {
        this.expect(this.colon ? COLON : COMMA, this.colon ? "key/value separator" : "object separator");
        this.colon = !this.colon;
      }
    }
  }

  private objectStart(): void {
    this.sep();
    this.expect(LBRACE, "object start");
    this.push(PAIR);
  }

  private objectEnd(): void {
    this.expect(RBRACE, "object end");
    this.pop();
  }

  private arrayStart(): void {
    this.sep();
    this.expect(LBRACKET, "array start");
    this.push(LIST);
  }

  private arrayEnd(): void {
    this.expect(RBRACKET, "array end");
    this.pop();
  }

  /**
   * Consumes a run of numeric characters (`+-.0-9Ee`) starting at `pos` and returns its end. The run
   * must be followed by a byte (a number at the very end of the input may be incomplete).
   */
  private numericRun(max: number, what: string): number {
    const bytes = this.bytes;
    const end = this.end;
    const start = this.pos;
    let p = start;
    while (p < end) {
      const c = bytes[p]!;
      if (c >= 128 || NUMERIC[c] === 0) break;
      p++;
      if (p - start > max) {
        throw new TProtocolException(
          TProtocolExceptionType.INVALID_DATA,
          `${what} at offset ${start} is longer than ${max} characters`,
        );
      }
    }
    // A number ends at the next non-numeric byte. Only a top-level value (not inside a message or
    // any JSON structure) may also end with the input.
    if (p >= end && this.kind !== BASE) this.truncated(p - start + 1, what);
    return p;
  }

  /**
   * Reads an integer token (quoted in key position) and returns it as a number if it fits in
   * [lo, hi] (both within the safe range); for i64 use readInteger64.
   */
  private readInteger(lo: number, hi: number, what: string): number {
    this.sep();
    const quoted = this.kind === PAIR && this.colon;
    if (quoted) this.expect(QUOTE, `quoted ${what}`);
    else this.peek();
    const start = this.pos;
    const stop = this.numericRun(MAX_INT_CHARS, what);
    const bytes = this.bytes;
    let p = start;
    let neg = false;
    const c0 = bytes[p];
    if (c0 === MINUS || c0 === 0x2b /* + */) {
      neg = c0 === MINUS;
      p++;
    }
    if (p === stop) this.badNumber(start, stop, what);
    let v = 0;
    for (; p < stop; p++) {
      const d = bytes[p]! - 0x30;
      if (d < 0 || d > 9) this.badNumber(start, stop, what);
      v = v * 10 + d;
    }
    if (neg) v = -v;
    if (v < lo || v > hi) {
      throw new TProtocolException(
        TProtocolExceptionType.INVALID_DATA,
        `${what} ${decodeUtf8(bytes, start, stop)} at offset ${start} is outside [${lo}, ${hi}]`,
      );
    }
    this.pos = stop;
    if (quoted) this.expect(QUOTE, `quoted ${what}`);
    return v === 0 ? 0 : v; // no -0
  }

  private readInteger64(): bigint {
    this.sep();
    const quoted = this.kind === PAIR && this.colon;
    if (quoted) this.expect(QUOTE, "quoted i64");
    else this.peek();
    const start = this.pos;
    const stop = this.numericRun(MAX_INT_CHARS, "i64");
    const text = decodeUtf8(this.bytes, start, stop);
    if (!/^[+-]?\d+$/.test(text)) this.badNumber(start, stop, "i64");
    const v = BigInt(text);
    if (v < I64_MIN || v > I64_MAX) {
      throw new TProtocolException(
        TProtocolExceptionType.INVALID_DATA,
        `i64 ${text} at offset ${start} is outside the signed 64-bit range`,
      );
    }
    this.pos = stop;
    if (quoted) this.expect(QUOTE, "quoted i64");
    return v;
  }

  private badNumber(start: number, stop: number, what: string): never {
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `bad ${what} ${JSON.stringify(decodeUtf8(this.bytes, start, stop))} at offset ${start}`,
    );
  }

  /**
   * Scans a string body starting after its opening quote at `pos`: finds the closing quote (left in
   * `strEnd`), validates escapes and surrogate pairs, and checks the decoded UTF-8 length against
   * maxStringLength as it goes. Allocates nothing. Returns the decoded length in bytes.
   */
  private scanString(what: string): number {
    const bytes = this.bytes;
    const end = this.end;
    const limit = this.maxStringLength;
    const start = this.pos;
    let p = start;
    let n = 0;
    let escaped = false;
    let highPending = false;
    for (;;) {
      if (p >= end) this.truncatedString(start, what);
      const c = bytes[p]!;
      if (c === QUOTE) {
        if (highPending) this.badString(p, "expected a low surrogate escape");
        break;
      }
      if (c === BACKSLASH) {
        escaped = true;
        if (p + 1 >= end) this.truncatedString(start, what);
        const e = bytes[p + 1]!;
        if (e === 0x75 /* u */) {
          if (p + 6 > end) this.truncatedString(start, what);
          const h0 = hexAt(bytes, p + 2);
          const h1 = hexAt(bytes, p + 3);
          const h2 = hexAt(bytes, p + 4);
          const h3 = hexAt(bytes, p + 5);
          if ((h0 | h1 | h2 | h3) < 0) this.badString(p, "bad \\u escape");
          const u = (h0 << 12) | (h1 << 8) | (h2 << 4) | h3;
          if (u >= 0xd800 && u <= 0xdbff) {
            if (highPending) this.badString(p, "expected a low surrogate escape");
            highPending = true;
          } else if (u >= 0xdc00 && u <= 0xdfff) {
            if (!highPending) this.badString(p, "low surrogate escape without a high surrogate");
            highPending = false;
            n += 4;
          } else {
            if (highPending) this.badString(p, "expected a low surrogate escape");
            n += u < 0x80 ? 1 : u < 0x800 ? 2 : 3;
          }
          p += 6;
        } else {
          if (e >= 128 || ESCAPE_IN[e]! < 0) this.badString(p, `bad escape \\${String.fromCharCode(e)}`);
          if (highPending) this.badString(p, "expected a low surrogate escape");
          n += 1;
          p += 2;
        }
      } else {
        if (highPending) this.badString(p, "expected a low surrogate escape");
        n += 1;
        p += 1;
      }
      if (n > limit) {
        throw new TProtocolException(
          TProtocolExceptionType.SIZE_LIMIT,
          `${what} at offset ${start} exceeds the limit of ${limit} bytes`,
        );
      }
    }
    this.strEnd = p;
    this.strEscaped = escaped;
    return n;
  }

  private truncatedString(start: number, what: string): never {
    this.pos = start;
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `truncated: ${what} starting at offset ${start} has no closing quote before the end of the input`,
      true,
    );
  }

  private badString(at: number, why: string): never {
    throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `invalid string: ${why} at offset ${at}`);
  }

  /** Decodes the string body [pos, strEnd) scanned by scanString (which validated it). */
  private decodeScanned(): string {
    const bytes = this.bytes;
    const start = this.pos;
    const stop = this.strEnd;
    if (!this.strEscaped) return decodeUtf8(bytes, start, stop);
    let s = "";
    let seg = start;
    let p = start;
    while (p < stop) {
      if (bytes[p] !== BACKSLASH) {
        p++;
        continue;
      }
      if (p > seg) s += decodeUtf8(bytes, seg, p);
      const e = bytes[p + 1]!;
      if (e === 0x75) {
        const u = (hexAt(bytes, p + 2) << 12) | (hexAt(bytes, p + 3) << 8) | (hexAt(bytes, p + 4) << 4) | hexAt(bytes, p + 5);
        s += String.fromCharCode(u);
        p += 6;
      } else {
        s += String.fromCharCode(ESCAPE_IN[e]!);
        p += 2;
      }
      seg = p;
    }
    if (stop > seg) s += decodeUtf8(bytes, seg, stop);
    return s;
  }

  /** Reads a quoted string (the context separator already read). */
  private stringBody(what: string): string {
    this.expect(QUOTE, what);
    this.scanString(what);
    const s = this.decodeScanned();
    this.pos = this.strEnd + 1;
    return s;
  }

  /** Reads a type name string and returns its TType. */
  private readTypeName(): number {
    this.sep();
    this.expect(QUOTE, "type name");
    const bytes = this.bytes;
    const p = this.pos;
    // Fast path: the names are 2-3 ASCII letters/digits without escapes.
    if (p + 4 <= this.end) {
      const a = bytes[p]!;
      const b = bytes[p + 1]!;
      const c = bytes[p + 2]!;
      let t = -1;
      if (c === QUOTE) {
        if (a === 0x74 && b === 0x66) t = TType.BOOL; // tf
        else if (a === 0x69 && b === 0x38) t = TType.BYTE; // i8
        if (t >= 0) {
          this.pos = p + 3;
          return t;
        }
      } else if (bytes[p + 3] === QUOTE) {
        t = typeOfName3(a, b, c);
        if (t >= 0) {
          this.pos = p + 4;
          return t;
        }
      }
    }
    const start = this.pos;
    this.scanString("type name");
    const name = this.decodeScanned();
    this.pos = this.strEnd + 1;
    const t = typeOfName(name);
    if (t < 0) {
      throw new TProtocolException(
        TProtocolExceptionType.INVALID_DATA,
        `unknown JSON type name ${JSON.stringify(name.length > 20 ? name.slice(0, 20) + "..." : name)} at offset ${start - 1}`,
      );
    }
    return t;
  }

  // -- ProtocolReader -----------------------------------------------------------------------------

  readMessageBegin(): MessageHeader {
    this.resetContext();
    this.arrayStart();
    this.peek();
    const at = this.pos;
    const version = this.readInteger(-0x80000000, 0x7fffffff, "message version");
    if (version !== VERSION) {
      throw new TProtocolException(
        TProtocolExceptionType.BAD_VERSION,
        `bad JSON protocol version ${version} in message header at offset ${at} (expected 1)`,
      );
    }
    this.sep();
    const name = this.stringBody("message name");
    const type = this.readInteger(-0x80000000, 0x7fffffff, "message type") as MessageType;
    const seqid = this.readInteger(-0x80000000, 0x7fffffff, "seqid");
    return { name, type, seqid };
  }

  readMessageEnd(): void {
    this.arrayEnd();
  }

  readStructBegin(cost?: number): void {
    // Without a cost the difference is NaN, which fails the check too: structLimit then charges a typical struct.
    const budget = this.budget - cost!;
    if (++this.depth > this.maxDepth || !(budget >= 0)) this.structLimit(cost);
    else this.budget = budget;
    this.objectStart();
  }

  readStructEnd(): void {
    this.objectEnd();
    this.depth--;
  }

  readFieldBegin(): number {
    const c = this.peek();
    if (c === RBRACE) {
      this.fieldId = 0;
      return TType.STOP;
    }
    if (c < 0) this.truncated(1, "field or '}'");
    this.fieldId = this.readInteger(-0x8000, 0x7fff, "field id");
    this.objectStart();
    return this.readTypeName();
  }

  readFieldEnd(): void {
    this.objectEnd();
  }

  readMapBegin(): number {
    this.arrayStart();
    const k = this.readTypeName();
    const v = this.readTypeName();
    const size = this.readInteger(-0x80000000, 0x7fffffff, "map size");
    this.keyType = k;
    this.valueType = v;
    // Per entry at least: key, ':', value, ',' or '}'.
    if (size !== 0) this.checkCount(size, MIN_SIZE[k]! < 0 || MIN_SIZE[v]! < 0 ? -1 : MIN_SIZE[k]! + MIN_SIZE[v]! + 2, "map");
    this.objectStart();
    this.enterMap(size);
    return size;
  }

  override readMapEnd(): void {
    this.objectEnd();
    this.arrayEnd();
    this.depth--;
  }

  override readListEnd(): void {
    this.arrayEnd();
    this.depth--;
  }

  override readSetEnd(): void {
    this.arrayEnd();
    this.depth--;
  }

  protected readCollectionBegin(what: string): number {
    this.arrayStart();
    const t = this.readTypeName();
    const size = this.readInteger(-0x80000000, 0x7fffffff, `${what} size`);
    this.elemType = t;
    // Per element at least: the value, then ',' or ']'.
    if (size !== 0) this.checkCount(size, MIN_SIZE[t]! < 0 ? -1 : MIN_SIZE[t]! + 1, what);
    return size;
  }

  /** Any integer: 0 is false, anything else true (as Apache's readers do). */
  readBool(): boolean {
    return this.readInteger(-Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, "bool") !== 0;
  }

  readByte(): number {
    return this.readInteger(-0x80, 0x7f, "byte");
  }

  readI16(): number {
    return this.readInteger(-0x8000, 0x7fff, "i16");
  }

  readI32(): number {
    return this.readInteger(-0x80000000, 0x7fffffff, "i32");
  }

  readI64(): bigint {
    return this.readInteger64();
  }

  readDouble(): number {
    this.sep();
    const c = this.peek();
    if (c === QUOTE) {
      // Quoted: the special values, or a number (Apache's readers take quoted numbers too).
      this.pos++;
      const start = this.pos;
      this.scanString("double");
      if (this.strEnd - start > MAX_DOUBLE_CHARS) this.badNumber(start, this.strEnd, "double");
      const text = this.decodeScanned();
      const v = specialDouble(text) ?? parseDoubleText(text);
      if (v === undefined) this.badNumber(start, this.strEnd, "double");
      this.pos = this.strEnd + 1;
      return v;
    }
    if (c < 0) this.truncated(1, "double");
    if (this.kind === PAIR && this.colon) this.expect(QUOTE, "quoted double key");
    const start = this.pos;
    let stop = this.numericRun(MAX_DOUBLE_CHARS, "double");
    const bytes = this.bytes;
    if (isLetter(bytes[stop]!)) {
      // A bare special value: NaN, Infinity, -Infinity (JavaScript), nan, inf, -inf (Python).
      while (stop < this.end && stop - start < 12 && isLetter(bytes[stop]!)) stop++;
      if (stop >= this.end) this.truncated(1, "double");
      const v = specialDouble(decodeUtf8(bytes, start, stop));
      if (v === undefined) this.badNumber(start, stop, "double");
      this.pos = stop;
      return v;
    }
    const v = parseDoubleText(decodeUtf8(bytes, start, stop));
    if (v === undefined) this.badNumber(start, stop, "double");
    this.pos = stop;
    return v;
  }

  readFloat(): number {
    return Math.fround(this.readDouble());
  }

  readString(): string {
    this.sep();
    return this.stringBody("string");
  }

  /** Base64 (standard alphabet; padding optional). Returns a fresh array. */
  readBinary(): Uint8Array {
    this.sep();
    this.expect(QUOTE, "binary");
    const start = this.pos;
    const bytes = this.bytes;
    const end = this.end;
    let p = start;
    while (p < end) {
      const c = bytes[p]!;
      if (c === QUOTE || c === BACKSLASH) break;
      p++;
    }
    if (p >= end) this.truncatedString(start, "binary");
    if (bytes[p] === BACKSLASH) {
      // Escaped characters (e.g. "\/" from some JSON encoders): decode the string, then the base64.
      this.scanString("binary");
      const s = this.decodeScanned();
      const ascii = new Uint8Array(s.length);
      for (let i = 0; i < s.length; i++) {
        const ch = s.charCodeAt(i);
        if (ch > 0xff) this.badBase64(start);
        ascii[i] = ch;
      }
      const out = this.decodeBase64(ascii, 0, ascii.length, start);
      this.pos = this.strEnd + 1;
      return out;
    }
    const out = this.decodeBase64(bytes, start, p, start);
    this.pos = p + 1;
    return out;
  }

  private decodeBase64(src: Uint8Array, start: number, stop: number, at: number): Uint8Array {
    let n = stop - start;
    // Up to two '=' of padding at the end, complete or not (Python pads what is missing).
    if (n > 0 && src[start + n - 1] === 0x3d) n--;
    if (n > 0 && src[start + n - 1] === 0x3d) n--;
    const rem = n & 3;
    if (rem === 1) this.badBase64(at);
    const len = (n >> 2) * 3 + (rem === 0 ? 0 : rem - 1);
    if (len > this.maxStringLength) {
      throw new TProtocolException(
        TProtocolExceptionType.SIZE_LIMIT,
        `binary length ${len} exceeds the limit of ${this.maxStringLength} bytes at offset ${at}`,
      );
    }
    if ((this.budget -= BINARY_COST) < 0) this.overBudget(0, "binary", 1);
    const out = new Uint8Array(len);
    let o = 0;
    let i = start;
    const full = start + (n & ~3);
    for (; i < full; i += 4) {
      const a = B64_DEC[src[i]!]!;
      const b = B64_DEC[src[i + 1]!]!;
      const c = B64_DEC[src[i + 2]!]!;
      const d = B64_DEC[src[i + 3]!]!;
      if ((a | b | c | d) < 0) this.badBase64(at);
      const v = (a << 18) | (b << 12) | (c << 6) | d;
      out[o++] = v >> 16;
      out[o++] = (v >> 8) & 0xff;
      out[o++] = v & 0xff;
    }
    if (rem >= 2) {
      const a = B64_DEC[src[i]!]!;
      const b = B64_DEC[src[i + 1]!]!;
      const c = rem === 3 ? B64_DEC[src[i + 2]!]! : 0;
      if ((a | b | c) < 0) this.badBase64(at);
      const v = (a << 18) | (b << 12) | (c << 6);
      out[o++] = v >> 16;
      if (rem === 3) out[o++] = (v >> 8) & 0xff;
    }
    return out;
  }

  private badBase64(at: number): never {
    throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `invalid base64 in binary value at offset ${at}`);
  }

  readUuid(): string {
    this.sep();
    this.expect(QUOTE, "uuid");
    const start = this.pos;
    this.scanString("uuid");
    if (this.strEnd - start > 38 * 6) {
      throw new TProtocolException(TProtocolExceptionType.INVALID_DATA, `invalid uuid at offset ${start}`);
    }
    const s = this.decodeScanned();
    writeUuidBytes(s, this.scratch, 0);
    this.pos = this.strEnd + 1;
    return formatUuid(this.scratch, 0);
  }

  protected skipValue(type: number): void {
    switch (type) {
      case TType.BOOL:
        this.readBool();
        return;
      case TType.BYTE:
        this.readByte();
        return;
      case TType.I16:
        this.readI16();
        return;
      case TType.I32:
        this.readI32();
        return;
      case TType.I64:
        this.readI64();
        return;
      case TType.DOUBLE:
      case TType.FLOAT:
        this.readDouble();
        return;
      case TType.UUID:
        this.readUuid();
        return;
      case TType.STRING: {
        // A string or base64 binary: validate, do not decode.
        this.sep();
        this.expect(QUOTE, "string");
        this.scanString("string");
        this.pos = this.strEnd + 1;
        return;
      }
      case TType.STRUCT: {
        this.readStructBegin();
        for (;;) {
          const t = this.readFieldBegin();
          if (t === TType.STOP) break;
          this.skipValue(t);
          this.readFieldEnd();
        }
        this.readStructEnd();
        return;
      }
      case TType.MAP: {
        const n = this.readMapBegin();
        const k = this.keyType;
        const v = this.valueType;
        for (let i = 0; i < n; i++) {
          this.skipValue(k);
          this.skipValue(v);
        }
        this.readMapEnd();
        return;
      }
      case TType.SET:
      case TType.LIST: {
        const n = type === TType.LIST ? this.readListBegin() : this.readSetBegin();
        const t = this.elemType;
        for (let i = 0; i < n; i++) this.skipValue(t);
        this.readListEnd();
        return;
      }
      default:
        this.cannotSkip(type);
    }
  }
}

function hexAt(bytes: Uint8Array, p: number): number {
  const c = bytes[p]!;
  return c < 128 ? HEX[c]! : -1;
}

function isLetter(c: number): boolean {
  return (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

function showByte(c: number): string {
  return c >= 0x20 && c < 0x7f ? `'${String.fromCharCode(c)}'` : `byte 0x${c.toString(16).padStart(2, "0")}`;
}

/** TType of a three-character type name given as char codes (-1: none). */
function typeOfName3(a: number, b: number, c: number): number {
  switch (a) {
    case 0x69: // i
      if (b === 0x31 && c === 0x36) return TType.I16;
      if (b === 0x33 && c === 0x32) return TType.I32;
      if (b === 0x36 && c === 0x34) return TType.I64;
      return -1;
    case 0x64: // dbl
      return b === 0x62 && c === 0x6c ? TType.DOUBLE : -1;
    case 0x73: // str, set
      if (b === 0x74 && c === 0x72) return TType.STRING;
      if (b === 0x65 && c === 0x74) return TType.SET;
      return -1;
    case 0x72: // rec
      return b === 0x65 && c === 0x63 ? TType.STRUCT : -1;
    case 0x6d: // map
      return b === 0x61 && c === 0x70 ? TType.MAP : -1;
    case 0x6c: // lst
      return b === 0x73 && c === 0x74 ? TType.LIST : -1;
    case 0x75: // uid
      return b === 0x69 && c === 0x64 ? TType.UUID : -1;
    case 0x66: // flt
      return b === 0x6c && c === 0x74 ? TType.FLOAT : -1;
  }
  return -1;
}

function typeOfName(name: string): number {
  if (name === "tf") return TType.BOOL;
  if (name === "i8") return TType.BYTE;
  if (name.length === 3) return typeOfName3(name.charCodeAt(0), name.charCodeAt(1), name.charCodeAt(2));
  return -1;
}

/** The JSON protocol as a {@link Protocol}; options given here are the defaults of every reader it makes. */
export class JSONProtocolFactory implements Protocol {
  readonly name = "json" as const;
  readonly options: Readonly<ReaderOptions>;

  constructor(options: ReaderOptions = {}) {
    this.options = Object.freeze({ ...options });
  }

  createWriter(out?: WriteBuffer): JSONWriter {
    return new JSONWriter(out);
  }

  createReader(bytes: Uint8Array, options?: ReaderOptions): JSONReader {
    return new JSONReader(bytes, options === undefined ? this.options : withOptions(this.options, options));
  }
}

/** JSON protocol with DEFAULT_READER_LIMITS. */
export const JSONProtocol = new JSONProtocolFactory();

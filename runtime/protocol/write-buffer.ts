/**
 * One growable output buffer: a Uint8Array plus a DataView over it, grown by doubling. Protocol writers
 * append to it without allocating per primitive; `finish()` hands out a view of the written bytes.
 *
 * `bytes`, `view` and `pos` are public for protocol and transport implementations that want to write
 * directly (call `ensure(n)` first). Both `bytes` and `view` are replaced when the buffer grows, so
 * never keep them across a call that may write.
 */

const encoder = new TextEncoder();

/** Strings longer than this (in UTF-16 units) are encoded once with `TextEncoder.encode` instead of reserving 3 bytes per unit. */
const HUGE_STRING = 1 << 22;
/** Strings up to this many UTF-16 units are encoded by hand; longer ones use `TextEncoder.encodeInto`. */
const MANUAL_ENCODE_MAX = 64;

export class WriteBuffer {
  /** The whole backing array (capacity `bytes.length`); bytes `[0, pos)` are the output. */
  bytes: Uint8Array;
  /** DataView over `bytes`. */
  view: DataView;
  /** Write position = number of bytes written. */
  pos: number;

  constructor(initialCapacity = 1024) {
    const cap = Math.max(16, initialCapacity | 0);
    this.bytes = new Uint8Array(cap);
    this.view = new DataView(this.bytes.buffer, 0, cap);
    this.pos = 0;
  }

  /** Number of bytes written so far. */
  get length(): number {
    return this.pos;
  }

  /** Current capacity. */
  get capacity(): number {
    return this.bytes.length;
  }

  /** Makes room for `n` more bytes. */
  ensure(n: number): void {
    if (this.pos + n > this.bytes.length) this.grow(n);
  }

  private grow(n: number): void {
    const need = this.pos + n;
    let cap = this.bytes.length * 2;
    if (cap < need) cap = need;
    const next = new Uint8Array(cap);
    next.set(this.bytes.subarray(0, this.pos));
    this.bytes = next;
    this.view = new DataView(next.buffer, 0, cap);
  }

  /** Forgets the content (keeps the memory). Views returned by `finish()` are overwritten by later writes. */
  reset(): void {
    this.pos = 0;
  }

  /** The bytes written so far, as a view of the internal array (no copy). */
  finish(): Uint8Array {
    return this.bytes.subarray(0, this.pos);
  }

  /** Reserves `n` zeroed bytes to fill in later (e.g. a frame length) and returns their offset. */
  reserve(n: number): number {
    if (this.pos + n > this.bytes.length) this.grow(n);
    const at = this.pos;
    const bytes = this.bytes;
    // A loop: fill() costs a builtin call, and n is a few bytes (a length, a size, padding).
    for (let i = at; i < at + n; i++) bytes[i] = 0;
    this.pos = at + n;
    return at;
  }

  /** Overwrites one byte at `offset` (inside the written part). */
  patchU8(offset: number, value: number): void {
    this.bytes[offset] = value;
  }

  /** Overwrites a big-endian i32 at `offset` (inside the written part), e.g. a reserved frame length. */
  patchI32BE(offset: number, value: number): void {
    this.view.setInt32(offset, value);
  }

  /** Overwrites a little-endian i32 at `offset` (inside the written part). */
  patchI32LE(offset: number, value: number): void {
    this.view.setInt32(offset, value, true);
  }

  writeU8(value: number): void {
    const p = this.pos;
    if (p + 1 > this.bytes.length) this.grow(1);
    this.bytes[p] = value;
    this.pos = p + 1;
  }

  /** Same bytes as writeU8 (the low 8 bits, two's complement). */
  writeI8(value: number): void {
    const p = this.pos;
    if (p + 1 > this.bytes.length) this.grow(1);
    this.bytes[p] = value;
    this.pos = p + 1;
  }

  writeI16BE(value: number): void {
    const p = this.pos;
    if (p + 2 > this.bytes.length) this.grow(2);
    this.view.setInt16(p, value);
    this.pos = p + 2;
  }

  writeI16LE(value: number): void {
    const p = this.pos;
    if (p + 2 > this.bytes.length) this.grow(2);
    this.view.setInt16(p, value, true);
    this.pos = p + 2;
  }

  writeI32BE(value: number): void {
    const p = this.pos;
    if (p + 4 > this.bytes.length) this.grow(4);
    this.view.setInt32(p, value);
    this.pos = p + 4;
  }

  writeI32LE(value: number): void {
    const p = this.pos;
    if (p + 4 > this.bytes.length) this.grow(4);
    this.view.setInt32(p, value, true);
    this.pos = p + 4;
  }

  writeU32BE(value: number): void {
    const p = this.pos;
    if (p + 4 > this.bytes.length) this.grow(4);
    this.view.setUint32(p, value);
    this.pos = p + 4;
  }

  writeU32LE(value: number): void {
    const p = this.pos;
    if (p + 4 > this.bytes.length) this.grow(4);
    this.view.setUint32(p, value, true);
    this.pos = p + 4;
  }

  /** Writes the low 64 bits of `value` (two's complement), big-endian. Range checks are the caller's. */
  writeI64BE(value: bigint): void {
    const p = this.pos;
    if (p + 8 > this.bytes.length) this.grow(8);
    this.view.setBigInt64(p, value);
    this.pos = p + 8;
  }

  /** Writes the low 64 bits of `value` (two's complement), little-endian. Range checks are the caller's. */
  writeI64LE(value: bigint): void {
    const p = this.pos;
    if (p + 8 > this.bytes.length) this.grow(8);
    this.view.setBigInt64(p, value, true);
    this.pos = p + 8;
  }

  writeF32BE(value: number): void {
    const p = this.pos;
    if (p + 4 > this.bytes.length) this.grow(4);
    this.view.setFloat32(p, value);
    this.pos = p + 4;
  }

  writeF32LE(value: number): void {
    const p = this.pos;
    if (p + 4 > this.bytes.length) this.grow(4);
    this.view.setFloat32(p, value, true);
    this.pos = p + 4;
  }

  writeF64BE(value: number): void {
    const p = this.pos;
    if (p + 8 > this.bytes.length) this.grow(8);
    this.view.setFloat64(p, value);
    this.pos = p + 8;
  }

  writeF64LE(value: number): void {
    const p = this.pos;
    if (p + 8 > this.bytes.length) this.grow(8);
    this.view.setFloat64(p, value, true);
    this.pos = p + 8;
  }

  /** Unsigned LEB128 of the low 32 bits of `value` (1-5 bytes). */
  writeVarint32(value: number): void {
    let p = this.pos;
    if (p + 5 > this.bytes.length) this.grow(5);
    const bytes = this.bytes;
    let v = value >>> 0;
    while (v > 0x7f) {
      bytes[p++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    bytes[p++] = v;
    this.pos = p;
  }

  /** Unsigned LEB128 of the 64-bit value `hi * 2^32 + lo` (both halves taken as uint32; 1-10 bytes). */
  writeVarint64(lo: number, hi: number): void {
    let p = this.pos;
    if (p + 10 > this.bytes.length) this.grow(10);
    const bytes = this.bytes;
    lo >>>= 0;
    hi >>>= 0;
    while (hi !== 0) {
      bytes[p++] = (lo & 0x7f) | 0x80;
      lo = ((lo >>> 7) | (hi << 25)) >>> 0;
      hi >>>= 7;
    }
    while (lo > 0x7f) {
      bytes[p++] = (lo & 0x7f) | 0x80;
      lo >>>= 7;
    }
    bytes[p++] = lo;
    this.pos = p;
  }

  /** Appends raw bytes. */
  writeBytes(src: Uint8Array): void {
    const n = src.length;
    const p = this.pos;
    if (p + n > this.bytes.length) this.grow(n);
    this.bytes.set(src, p);
    this.pos = p + n;
  }

  /**
   * Appends `s` as UTF-8 (no length prefix, no terminator) and returns the number of bytes written.
   * Lone surrogates become U+FFFD, as with TextEncoder. Short strings are encoded by hand; longer ones
   * with `TextEncoder.encodeInto` straight into the buffer.
   */
  writeUtf8(s: string): number {
    const len = s.length;
    if (len > HUGE_STRING) return this.writeHugeUtf8(s);
    let p = this.pos;
    if (p + len * 3 > this.bytes.length) this.grow(len * 3);
    const bytes = this.bytes;
    const start = p;
    if (len > MANUAL_ENCODE_MAX) {
      const r = encoder.encodeInto(s, bytes.subarray(p));
      this.pos = p + r.written;
      return r.written;
    }
    for (let i = 0; i < len; i++) {
      const c = s.charCodeAt(i);
      if (c < 0x80) {
        bytes[p++] = c;
      } else if (c < 0x800) {
        bytes[p++] = 0xc0 | (c >> 6);
        bytes[p++] = 0x80 | (c & 0x3f);
      } else if (c < 0xd800 || c > 0xdfff) {
        bytes[p++] = 0xe0 | (c >> 12);
        bytes[p++] = 0x80 | ((c >> 6) & 0x3f);
        bytes[p++] = 0x80 | (c & 0x3f);
      } else {
        let d = 0;
        if (c <= 0xdbff && i + 1 < len && (d = s.charCodeAt(i + 1)) >= 0xdc00 && d <= 0xdfff) {
          const cp = ((c - 0xd800) << 10) + (d - 0xdc00) + 0x10000;
          bytes[p++] = 0xf0 | (cp >> 18);
          bytes[p++] = 0x80 | ((cp >> 12) & 0x3f);
          bytes[p++] = 0x80 | ((cp >> 6) & 0x3f);
          bytes[p++] = 0x80 | (cp & 0x3f);
          i++;
        } else {
          // Lone surrogate: U+FFFD.
          bytes[p++] = 0xef;
          bytes[p++] = 0xbf;
          bytes[p++] = 0xbd;
        }
      }
    }
    this.pos = p;
    return p - start;
  }

  private writeHugeUtf8(s: string): number {
    const encoded = encoder.encode(s);
    this.writeBytes(encoded);
    return encoded.length;
  }
}

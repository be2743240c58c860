/**
 * UTF-8 decoding for protocol readers.
 *
 * Short strings are decoded by hand (a `TextDecoder.decode` call has a fixed cost that dominates for
 * the short field names and values typical of RPC payloads); long strings go to `TextDecoder`. The
 * manual path only accepts well-formed UTF-8: on the first ill-formed sequence it hands the whole
 * range to `TextDecoder`, so invalid input always decodes exactly like `TextDecoder` (U+FFFD per
 * maximal subpart). A leading byte order mark is kept, not stripped.
 */

/** Ranges longer than this many bytes are decoded with `TextDecoder` (measured crossover on Node 20). */
export const MANUAL_DECODE_MAX = 24;

const decoder = new TextDecoder("utf-8", { ignoreBOM: true });
const fromCharCode = String.fromCharCode;

/** Decodes `bytes[start, end)` as UTF-8. The caller guarantees 0 <= start <= end <= bytes.length. */
export function decodeUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start > MANUAL_DECODE_MAX) return decoder.decode(bytes.subarray(start, end));
  let p = start;
  let s = "";
  // ASCII, eight bytes at a time.
  while (end - p >= 8) {
    const b0 = bytes[p]!,
      b1 = bytes[p + 1]!,
      b2 = bytes[p + 2]!,
      b3 = bytes[p + 3]!;
    const b4 = bytes[p + 4]!,
      b5 = bytes[p + 5]!,
      b6 = bytes[p + 6]!,
      b7 = bytes[p + 7]!;
    if ((b0 | b1 | b2 | b3 | b4 | b5 | b6 | b7) >= 0x80) return decodeMixed(bytes, start, end, p, s);
    s += fromCharCode(b0, b1, b2, b3, b4, b5, b6, b7);
    p += 8;
  }
  // The last 0-7 bytes: one fromCharCode call.
  let or = 0;
  for (let i = p; i < end; i++) or |= bytes[i]!;
  if (or >= 0x80) return decodeMixed(bytes, start, end, p, s);
  switch (end - p) {
    case 0:
      return s;
    case 1:
      return s + fromCharCode(bytes[p]!);
    case 2:
      return s + fromCharCode(bytes[p]!, bytes[p + 1]!);
    case 3:
      return s + fromCharCode(bytes[p]!, bytes[p + 1]!, bytes[p + 2]!);
    case 4:
      return s + fromCharCode(bytes[p]!, bytes[p + 1]!, bytes[p + 2]!, bytes[p + 3]!);
    case 5:
      return s + fromCharCode(bytes[p]!, bytes[p + 1]!, bytes[p + 2]!, bytes[p + 3]!, bytes[p + 4]!);
    case 6:
      return s + fromCharCode(bytes[p]!, bytes[p + 1]!, bytes[p + 2]!, bytes[p + 3]!, bytes[p + 4]!, bytes[p + 5]!);
    default:
      return (
        s +
        fromCharCode(
          bytes[p]!,
          bytes[p + 1]!,
          bytes[p + 2]!,
          bytes[p + 3]!,
          bytes[p + 4]!,
          bytes[p + 5]!,
          bytes[p + 6]!,
        )
      );
  }
}

/**
 * Manual decode of a short range that has a non-ASCII byte at or after `p`; `s` is the text before `p`.
 * Ill-formed input goes to TextDecoder as a whole so replacement characters match it exactly.
 */
function decodeMixed(bytes: Uint8Array, start: number, end: number, p: number, s: string): string {
  while (p < end) {
    const b0 = bytes[p]!;
    if (b0 < 0x80) {
      s += fromCharCode(b0);
      p += 1;
    } else if (b0 < 0xc2) {
      return decoder.decode(bytes.subarray(start, end)); // continuation byte or overlong lead
    } else if (b0 < 0xe0) {
      if (p + 1 >= end) return decoder.decode(bytes.subarray(start, end));
      const b1 = bytes[p + 1]!;
      if ((b1 & 0xc0) !== 0x80) return decoder.decode(bytes.subarray(start, end));
      s += fromCharCode(((b0 & 0x1f) << 6) | (b1 & 0x3f));
      p += 2;
    } else if (b0 < 0xf0) {
      if (p + 2 >= end) return decoder.decode(bytes.subarray(start, end));
      const b1 = bytes[p + 1]!;
      const b2 = bytes[p + 2]!;
      const lo = b0 === 0xe0 ? 0xa0 : 0x80;
      const hi = b0 === 0xed ? 0x9f : 0xbf;
      if (b1 < lo || b1 > hi || (b2 & 0xc0) !== 0x80) return decoder.decode(bytes.subarray(start, end));
      s += fromCharCode(((b0 & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f));
      p += 3;
    } else if (b0 < 0xf5) {
      if (p + 3 >= end) return decoder.decode(bytes.subarray(start, end));
      const b1 = bytes[p + 1]!;
      const b2 = bytes[p + 2]!;
      const b3 = bytes[p + 3]!;
      const lo = b0 === 0xf0 ? 0x90 : 0x80;
      const hi = b0 === 0xf4 ? 0x8f : 0xbf;
      if (b1 < lo || b1 > hi || (b2 & 0xc0) !== 0x80 || (b3 & 0xc0) !== 0x80) {
        return decoder.decode(bytes.subarray(start, end));
      }
      const cp = (((b0 & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f)) - 0x10000;
      s += fromCharCode(0xd800 | (cp >> 10), 0xdc00 | (cp & 0x3ff));
      p += 4;
    } else {
      return decoder.decode(bytes.subarray(start, end));
    }
  }
  return s;
}

/** Number of bytes `s` takes in UTF-8 (lone surrogates count as U+FFFD, 3 bytes, like TextEncoder). */
export function utf8Length(s: string): number {
  const len = s.length;
  let n = len;
  for (let i = 0; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) {
      n += 1;
    } else if (c >= 0xd800 && c <= 0xdbff && i + 1 < len) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n += 2; // 4 bytes for 2 units
        i++;
      } else {
        n += 2;
      }
    } else {
      n += 2;
    }
  }
  return n;
}

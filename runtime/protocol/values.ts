/** Value encoders shared by the protocols (uuid text <-> bytes, i64 range errors). */
import { TProtocolException, TProtocolExceptionType } from "./errors.js";

export const I64_MIN = -(1n << 63n);
export const I64_MAX = (1n << 63n) - 1n;

/** The error writers throw for an i64 outside the signed 64-bit range (or not a bigint). */
export function i64OutOfRange(value: unknown): TProtocolException {
  return new TProtocolException(
    TProtocolExceptionType.INVALID_DATA,
    typeof value === "bigint"
      ? `i64 value ${value} is outside the signed 64-bit range`
      : typeof value === "number"
        ? `i64 value ${value} is not a safe integer; pass a bigint`
        : `i64 value must be a bigint or a safe integer, got ${typeof value}`,
  );
}

/** Hex digit value by char code (-1 = not a hex digit). */
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) HEX_VALUE[48 + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_VALUE[65 + i] = 10 + i;
  HEX_VALUE[97 + i] = 10 + i;
}

/** Two lowercase hex digits for every byte value. */
const HEX_PAIR: string[] = [];
for (let i = 0; i < 256; i++) HEX_PAIR.push((i < 16 ? "0" : "") + i.toString(16));

/**
 * Parses `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` (either case, optionally wrapped in braces) into
 * `out[at, at + 16)`. Throws TProtocolException INVALID_DATA on anything else.
 */
export function writeUuidBytes(value: string, out: Uint8Array, at: number): void {
  let i = 0;
  let len = typeof value === "string" ? value.length : -1;
  if (len === 38 && value.charCodeAt(0) === 0x7b /* { */ && value.charCodeAt(37) === 0x7d /* } */) {
    i = 1;
    len = 37;
  } else if (len !== 36) {
    throw invalidUuid(value);
  }
  let o = at;
  for (let k = 0; i < len; k++) {
    if (k === 8 || k === 13 || k === 18 || k === 23) {
      if (value.charCodeAt(i) !== 0x2d /* - */) throw invalidUuid(value);
      i++;
      continue;
    }
    const c1 = value.charCodeAt(i);
    const c2 = value.charCodeAt(i + 1);
    const h = c1 < 128 ? HEX_VALUE[c1]! : -1;
    const l = c2 < 128 ? HEX_VALUE[c2]! : -1;
    if (h < 0 || l < 0) throw invalidUuid(value);
    out[o++] = (h << 4) | l;
    i += 2;
    k++;
  }
}

function invalidUuid(value: unknown): TProtocolException {
  const shown =
    typeof value === "string" ? JSON.stringify(value.length > 64 ? value.slice(0, 64) + "..." : value) : typeof value;
  return new TProtocolException(
    TProtocolExceptionType.INVALID_DATA,
    `invalid uuid ${shown}: expected xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`,
  );
}

/** Formats `bytes[at, at + 16)` as a canonical lowercase uuid string. */
export function formatUuid(bytes: Uint8Array, at: number): string {
  const h = HEX_PAIR;
  return (
    h[bytes[at]!]! +
    h[bytes[at + 1]!]! +
    h[bytes[at + 2]!]! +
    h[bytes[at + 3]!]! +
    "-" +
    h[bytes[at + 4]!]! +
    h[bytes[at + 5]!]! +
    "-" +
    h[bytes[at + 6]!]! +
    h[bytes[at + 7]!]! +
    "-" +
    h[bytes[at + 8]!]! +
    h[bytes[at + 9]!]! +
    "-" +
    h[bytes[at + 10]!]! +
    h[bytes[at + 11]!]! +
    h[bytes[at + 12]!]! +
    h[bytes[at + 13]!]! +
    h[bytes[at + 14]!]! +
    h[bytes[at + 15]!]!
  );
}

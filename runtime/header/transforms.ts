/**
 * THeader's ZLIB transform: each frame's payload is one whole RFC 1950 stream (Python's
 * `zlib.compress` / `zlib.decompress`). One-shot node:zlib calls suffice; inflating is bounded by
 * `maxOutputLength`, so a small payload that would inflate past the frame limit is refused after at
 * most one more chunk of output, not after the memory is spent.
 */
import { deflateSync, inflateSync } from "node:zlib";
import { TTransportException, TTransportExceptionType } from "../protocol/errors.js";

/**
 * Compresses a payload (zlib's default level is 6, as Python's `zlib.compress`). The window is no
 * larger than the payload needs: the output is as small, zlib sets up far less state for a small
 * message, and every inflater takes a window up to 32 KiB (the stream's header names its size).
 */
export function deflatePayload(payload: Uint8Array, level: number): Uint8Array {
  return deflateSync(payload, { level, windowBits: windowBitsFor(payload.length) });
}

/** The smallest window deflate allows (2^9) that holds `size` bytes, at most zlib's largest (2^15). */
function windowBitsFor(size: number): number {
  return Math.min(15, Math.max(9, 32 - Math.clz32(Math.max(size, 1) - 1)));
}

/** Inflates the payload `bytes[start, end)`; refuses one that would inflate past `max` bytes, or is not one whole zlib stream. */
export function inflatePayload(bytes: Uint8Array, start: number, end: number, max: number): Uint8Array {
  try {
    return inflateSync(bytes.subarray(start, end), { maxOutputLength: max });
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code === "ERR_BUFFER_TOO_LARGE") {
      throw new TTransportException(
        TTransportExceptionType.SIZE_LIMIT,
        `THeader zlib payload of ${end - start} bytes inflates past the maximum frame size of ${max} bytes`,
      );
    }
    throw new TTransportException(
      TTransportExceptionType.CORRUPTED_DATA,
      `THeader zlib payload of ${end - start} bytes does not inflate: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

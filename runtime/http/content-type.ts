/**
 * Content types of Thrift over HTTP, as Apache's libraries use them: `application/x-thrift` for every
 * protocol but JSON, which Apache's browser library sends as `application/vnd.apache.thrift.json`.
 * Servers accept any content type and tell the protocol from the body's first byte.
 */
import { BinaryProtocol } from "../protocol/binary.js";
import { CompactProtocol } from "../protocol/compact.js";
import { JSONProtocol } from "../protocol/json.js";
import type { Protocol } from "../protocol/protocol.js";

export const THRIFT_CONTENT_TYPE = "application/x-thrift";
export const THRIFT_JSON_CONTENT_TYPE = "application/vnd.apache.thrift.json";

/** The content type a message in `protocol` is sent with. */
export function contentTypeOf(protocol: Protocol): string {
  return protocol.name === "json" ? THRIFT_JSON_CONTENT_TYPE : THRIFT_CONTENT_TYPE;
}

/**
 * The built-in protocol a request body is in, from its first byte: compact messages start with 0x82,
 * JSON ones with `[` (after any whitespace), binary ones with 0x80 (strict) or a name length (old
 * style). Undefined for an empty body.
 */
export function detectProtocol(body: Uint8Array): Protocol | undefined {
  for (let i = 0; i < body.length; i++) {
    const b = body[i]!;
    if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d) continue; // JSON may start with whitespace
    if (b === 0x5b) return JSONProtocol;
    if (i > 0) return undefined;
    return b === 0x82 ? CompactProtocol : BinaryProtocol;
  }
  return undefined;
}

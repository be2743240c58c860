const encoder = new TextEncoder();

/** UTF-8 bytes of a string (for `binary` constants written as string literals in the IDL). */
export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

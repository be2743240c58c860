const encoder = new TextEncoder();

/** UTF-8 bytes of a string (for `binary` constants written as string literals in the IDL). */
export function utf8Bytes(text: string): Uint8Array {
  return encoder.encode(text);
}

/** The chunks of one body, in one array (`size`: their total length); a single chunk as it is. */
export function concatBytes(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

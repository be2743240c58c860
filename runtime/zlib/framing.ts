/**
 * The zlib transport (Apache's TZlibTransport): the whole byte stream of a connection, in both
 * directions, is one RFC 1950 zlib stream, and every batch of messages written ends at a sync flush
 * (`00 00 ff ff`) so the peer can decode all of it at once. Inside, messages sit in any framing
 * (buffered in Apache's cross test, or framed, or THeader).
 *
 * It is a Framing that wraps another one, rather than a wrapper around the socket, so the stream client
 * and server stay as they are: the input side inflates each received chunk and feeds the inner decoder
 * synchronously (its errors, and the messages it completes, happen within `push`, as for any framing);
 * the output side deflates each batch as it is flushed. That needs a synchronous streaming zlib, which
 * node:zlib does not offer (its streams are asynchronous, its sync calls one-shot), hence pako, a
 * faithful port of zlib that writes the same bytes.
 *
 * Inflating is bounded: output comes in chunks of at most 64 KiB, each handed to the inner decoder at
 * once, which refuses a message past `maxFrameSize` as soon as it sees its length (framed, THeader) or
 * its size (buffered). A small input that would inflate past the limit closes the connection after at
 * most one more chunk of output.
 */
import { Deflate, Inflate, Z_SYNC_FLUSH } from "pako";
import type { MessageDecoder } from "../framing/decoder.js";
import type { Framing } from "../framing/framing.js";
import type { ByteSink, FramingOutput, OutgoingMeta } from "../framing/output.js";
import { TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import type { ProtocolWriter } from "../protocol/protocol.js";

export interface ZlibOptions {
  /** Compression level, 0 (none) to 9 (best). Default 6, zlib's default (Apache's Python and Go use 9). */
  level?: number | undefined;
}

/** Inflated output is handed on in chunks of at most this many bytes. */
const INFLATE_CHUNK = 64 * 1024;

/** `inner` inside one zlib stream per connection. */
export function zlibFraming(inner: Framing, options: ZlibOptions = {}): Framing {
  const level = options.level ?? 6;
  if (!Number.isInteger(level) || level < 0 || level > 9) throw new Error(`zlib level must be an integer from 0 to 9, got ${level}`);
  return {
    name: `${inner.name} in zlib`,
    carriesHeaders: inner.carriesHeaders,
    streamState: true,
    createOutput: (protocol) => new ZlibOutput(inner.createOutput(protocol), level),
    createDecoder: (protocol, limits, onMessage) => new ZlibDecoder(inner.createDecoder(protocol, limits, onMessage)),
  };
}

class ZlibDecoder implements MessageDecoder {
  private inflater: Inflate;
  /** Compressed bytes received on this stream: the inflater's input for error messages. */
  private received = 0;

  constructor(private readonly inner: MessageDecoder) {
    this.inflater = this.newInflater();
  }

  get partial(): number {
    return this.inner.partial;
  }

  get capacity(): number {
    return this.inner.capacity;
  }

  reset(): void {
    this.inner.reset();
    this.inflater = this.newInflater(); // a new connection is a new zlib stream
    this.received = 0;
  }

  push(chunk: Uint8Array): void {
    const inflater = this.inflater;
    if (inflater.ended) {
      throw new TTransportException(TTransportExceptionType.CORRUPTED_DATA, `${chunk.length} bytes arrived after the end of the zlib stream`);
    }
    this.received += chunk.length;
    // The inner decoder runs inside push (through onData): what it throws propagates from here.
    if (!inflater.push(chunk, Z_SYNC_FLUSH) && inflater.err !== 0) {
      throw new TTransportException(
        TTransportExceptionType.CORRUPTED_DATA,
        `the zlib stream does not inflate (${inflater.msg || `zlib error ${inflater.err}`}) within its first ${this.received} bytes`,
      );
    }
  }

  private newInflater(): Inflate {
    const inflater = new Inflate({ chunkSize: INFLATE_CHUNK });
    inflater.onData = (out: Uint8Array) => this.inner.push(out);
    inflater.onEnd = () => {};
    return inflater;
  }
}

class ZlibOutput implements FramingOutput {
  private deflater: Deflate;
  private compressed: Uint8Array[] = [];
  private target: ByteSink | undefined = undefined;
  /** What the inner output flushes into: each batch is deflated and written to the real sink at once. */
  private readonly deflating: ByteSink = {
    write: (data, callback) => this.writeDeflated(data, callback),
    // The batch is consumed before write returns: the inner output may reuse its storage.
    writableLength: 0,
  };

  constructor(
    private readonly inner: FramingOutput,
    private readonly level: number,
  ) {
    this.deflater = this.newDeflater();
  }

  get writer(): ProtocolWriter {
    return this.inner.writer;
  }

  get length(): number {
    return this.inner.length;
  }

  begin(meta?: OutgoingMeta): number {
    return this.inner.begin(meta);
  }

  end(mark: number): number {
    return this.inner.end(mark);
  }

  abort(mark: number): void {
    this.inner.abort(mark);
  }

  discard(): void {
    this.inner.discard();
    this.deflater = this.newDeflater(); // the next connection starts a new zlib stream
  }

  flushTo(sink: ByteSink, callback?: (error?: Error | null) => void): boolean {
    this.target = sink;
    try {
      return this.inner.flushTo(this.deflating, callback);
    } finally {
      this.target = undefined;
    }
  }

  private writeDeflated(data: Uint8Array, callback?: (error?: Error | null) => void): boolean {
    this.deflater.push(data, Z_SYNC_FLUSH);
    const parts = this.compressed;
    this.compressed = [];
    let out: Uint8Array;
    if (parts.length === 1) {
      out = parts[0]!;
    } else {
      let n = 0;
      for (const p of parts) n += p.length;
      out = new Uint8Array(n);
      n = 0;
      for (const p of parts) {
        out.set(p, n);
        n += p.length;
      }
    }
    return this.target!.write(out, callback);
  }

  private newDeflater(): Deflate {
    const deflater = new Deflate({ level: this.level });
    deflater.onData = (chunk: Uint8Array) => {
      this.compressed.push(chunk);
    };
    return deflater;
  }
}

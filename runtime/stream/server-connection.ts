/**
 * One accepted stream on a server: requests are decoded as they arrive, run concurrently, and answered
 * by seqid.
 *
 * - A handler that returns a plain value is answered synchronously, and every reply produced while one
 *   chunk of input is processed goes out in one write (later async replies are batched per tick).
 * - Bad input (garbage, oversized frames or values, truncated messages, non-call messages) closes only
 *   this connection and is reported to the logger.
 * - Backpressure: the stream is not read while it has too many calls in flight or too many reply bytes
 *   the client has not taken.
 * - The connection is its calls' scope: when the client goes away or the server's grace period ends,
 *   the signals of the handlers still running abort.
 * - With a framing that carries metadata (THeader), each request's headers and deadline reach its
 *   context, and its reply goes out in the request's dialect with the headers the handler set.
 */
import type { Socket } from "node:net";
import type { MessageMeta } from "../framing/decoder.js";
import { TApplicationException, TApplicationExceptionType, TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import type { CallScope, ServerCallContext } from "../rpc/context.js";
import type { PeerCertificate } from "../service.js";
import { IncomingCall, isThenable, type Processor, type RequestContext, type ServerLogger, withHeaders, writeException } from "../rpc/processor.js";
import { MessageStream, type StreamSettings } from "./settings.js";

export interface ServerConnectionSettings {
  readonly stream: StreamSettings;
  readonly processor: Processor;
  readonly logger: ServerLogger;
  readonly idleTimeoutMs: number;
  readonly maxConcurrentCalls: number;
  readonly maxPendingOutput: number;
  readonly noDelay: boolean;
}

/** What the listener knows of an accepted stream beyond its socket. */
export interface AcceptedConnection {
  /** The certificate the client presented over TLS (in every call's `ctx.peerCertificate`). */
  readonly peerCertificate?: PeerCertificate | undefined;
  /**
   * Serve no calls: answer the first with this error, then close (a client that does not speak TLS on
   * a TLS port, say). No handler runs.
   */
  readonly refusal?: TApplicationException | undefined;
}

const SUCCEEDED = 0;
const FAILED = 1;
const UNKNOWN = 2;

export class ServerConnection implements CallScope {
  private readonly socket: Socket;
  private readonly peer: string;
  private readonly settings: ServerConnectionSettings;
  private readonly processor: Processor;
  private readonly stream: MessageStream;
  /** The framing carries headers: each request's reach its context (and its deadline). */
  private readonly readsHeaders: boolean;
  /** What every call on this connection shares: its peer and scope (no headers or deadlines here). */
  private readonly request: RequestContext;
  /** Contexts whose signal a handler asked for, while their calls run. */
  private readonly watched = new Set<ServerCallContext>();
  /** Why the connection ended, once it has. */
  abortReason: unknown = undefined;
  private inFlight = 0;
  private closed = false;
  private draining = false;
  private paused = false;
  private waitingForDrain = false;
  private flushScheduled = false;
  private readonly refusal: TApplicationException | undefined;
  private readonly flushNow = (): void => this.flush();

  constructor(socket: Socket, peer: string, settings: ServerConnectionSettings, onClose: () => void, accepted: AcceptedConnection = {}) {
    this.socket = socket;
    this.peer = peer;
    this.settings = settings;
    this.processor = settings.processor;
    this.refusal = accepted.refusal;
    this.request = accepted.peerCertificate === undefined ? { peer, scope: this } : { peer, scope: this, peerCertificate: accepted.peerCertificate };
    this.stream = new MessageStream(settings.stream, (bytes, start, end, meta) => this.onMessage(bytes, start, end, meta));
    this.readsHeaders = settings.stream.framing.carriesHeaders === true;
    if (settings.noDelay) socket.setNoDelay(true);
    if (settings.idleTimeoutMs > 0) {
      // Not setTimeout's callback argument: that listens once, and a busy connection must be checked again.
      socket.setTimeout(settings.idleTimeoutMs);
      socket.on("timeout", () => {
        if (this.inFlight === 0) this.kill(new TTransportException(TTransportExceptionType.TIMED_OUT, "idle timeout"));
      });
    }
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => {
      this.waitingForDrain = false;
      this.updateFlow();
    });
    socket.on("error", () => {
      // Resets and the like: 'close' follows and does the cleanup.
    });
    socket.on("end", () => {
      // The client sent its last byte. TCP cannot tell "went away" from "done sending", so the calls in
      // flight see their signals abort, but replies of handlers that finish anyway are still sent (a
      // client that half-closed gets them); then our side ends too.
      if (this.closed) return;
      const partial = this.stream.decoder.partial;
      if (partial > 0 && !this.draining) {
        this.reject(new TTransportException(TTransportExceptionType.END_OF_FILE, `connection closed in the middle of a message (${partial} bytes received)`));
        return;
      }
      this.draining = true;
      this.abortAll(new TTransportException(TTransportExceptionType.END_OF_FILE, "the client went away"));
      if (this.inFlight === 0) this.finishDrain();
    });
    socket.on("close", () => {
      const partial = this.stream.decoder.partial;
      if (!this.closed && !this.draining && partial > 0) {
        this.settings.logger({
          kind: "connection-error",
          peer,
          error: new TTransportException(TTransportExceptionType.END_OF_FILE, `connection closed in the middle of a message (${partial} bytes received)`),
        });
      }
      this.closed = true;
      this.abortAll(new TTransportException(TTransportExceptionType.END_OF_FILE, "the client went away"));
      this.stream.decoder.reset();
      onClose();
    });
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.draining) return;
    try {
      this.stream.decoder.push(chunk);
    } catch (error) {
      this.reject(error);
      return;
    }
    this.flush();
    this.updateFlow();
  }

  /** Handles one request; throwing closes the connection. */
  private onMessage(bytes: Uint8Array, start: number, end: number, meta: MessageMeta | undefined): void {
    if (this.closed || this.draining) return;
    const processor = this.processor;
    const call = processor.readCall(this.stream.load(bytes, start, end, meta?.protocol));
    if (this.refusal !== undefined) {
      if (!call.oneway) {
        const out = this.stream.output;
        // In the request's dialect, as every reply (a THeader client gets a THeader frame).
        const mark = meta === undefined ? out.begin() : out.begin({ seqid: call.seqid, replyTo: meta });
        writeException(out.writer, call.name, call.seqid, this.refusal);
        out.end(mark);
      }
      this.drain();
      return;
    }
    if (call.method === undefined) {
      this.writeReply(call, undefined, UNKNOWN, meta);
      return;
    }
    const ctx = processor.context(call, meta === undefined || !this.readsHeaders ? this.request : withHeaders(this.request, meta));
    let result: unknown;
    try {
      result = processor.invoke(call, ctx);
    } catch (error) {
      ctx.release();
      this.writeReply(call, error, FAILED, meta, ctx);
      return;
    }
    if (isThenable(result)) {
      this.inFlight++;
      result.then(
        (value) => this.settle(call, ctx, value, SUCCEEDED, meta),
        (error: unknown) => this.settle(call, ctx, error, FAILED, meta),
      );
      return;
    }
    ctx.release();
    this.writeReply(call, result, SUCCEEDED, meta, ctx);
  }

  watch(ctx: ServerCallContext): void {
    this.watched.add(ctx);
  }

  unwatch(ctx: ServerCallContext): void {
    this.watched.delete(ctx);
  }

  private abortAll(reason: unknown): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    if (this.watched.size === 0) return;
    const contexts = [...this.watched];
    this.watched.clear();
    for (const ctx of contexts) ctx.abort(reason);
  }

  private settle(call: IncomingCall, ctx: ServerCallContext, value: unknown, how: number, meta: MessageMeta | undefined): void {
    ctx.release();
    this.inFlight--;
    if (this.closed) return;
    this.writeReply(call, value, how, meta, ctx);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushNow);
    }
    if (this.draining) {
      if (this.inFlight === 0) this.finishDrain();
    } else if (this.paused) {
      this.updateFlow();
    }
  }

  /** Writes the reply to `call`; `meta` is the request's (framings with metadata), `ctx` has the reply's headers. */
  private writeReply(call: IncomingCall, value: unknown, how: number, meta?: MessageMeta, ctx?: ServerCallContext): void {
    const out = this.stream.output;
    const processor = this.processor;
    if (call.oneway) {
      if (how === FAILED) processor.writeError(out.writer, call, value, ctx); // logs; oneway calls get no reply
      return;
    }
    const mark = meta === undefined ? out.begin() : this.beginReply(call, meta, ctx?.replyHeaders);
    if (how === SUCCEEDED) processor.writeSuccess(out.writer, call, value);
    else if (how === FAILED) processor.writeError(out.writer, call, value, ctx);
    else processor.writeUnknown(out.writer, call);
    const size = out.end(mark);
    const maxFrameSize = this.settings.stream.limits.maxFrameSize;
    if (size > maxFrameSize) {
      out.abort(mark);
      this.settings.logger({
        kind: "result-error",
        service: call.service ?? "",
        method: call.name,
        error: new TTransportException(TTransportExceptionType.SIZE_LIMIT, `reply of ${size} bytes exceeds the maximum frame size of ${maxFrameSize} bytes`),
      });
      const again = meta === undefined ? out.begin() : out.begin({ seqid: call.seqid, replyTo: meta });
      writeException(out.writer, call.name, call.seqid, new TApplicationException(TApplicationExceptionType.INTERNAL_ERROR, "Internal error"));
      out.end(again);
    }
  }

  /** Starts a reply in its request's dialect; headers the framing cannot carry are reported and left out. */
  private beginReply(call: IncomingCall, meta: MessageMeta, headers: Headers | undefined): number {
    const out = this.stream.output;
    try {
      return out.begin({ seqid: call.seqid, headers, replyTo: meta });
    } catch (error) {
      this.settings.logger({ kind: "result-error", service: call.service ?? "", method: call.name, error });
      return out.begin({ seqid: call.seqid, replyTo: meta });
    }
  }

  private flush(): void {
    this.flushScheduled = false;
    const out = this.stream.output;
    if (out.length === 0 || this.closed) return;
    if (!out.flushTo(this.socket)) this.waitingForDrain = this.socket.writableLength > this.settings.maxPendingOutput;
    else this.waitingForDrain = false;
  }

  /** Pauses reading while too much is in flight or unsent; resumes when it clears. */
  private updateFlow(): void {
    if (this.closed || this.draining) return;
    const stop = this.inFlight >= this.settings.maxConcurrentCalls || this.waitingForDrain;
    if (stop !== this.paused) {
      this.paused = stop;
      if (stop) this.socket.pause();
      else this.socket.resume();
    }
  }

  /** Bad input: report it and cut the connection (replies already produced are sent first). */
  private reject(error: unknown): void {
    if (this.closed) return;
    this.settings.logger({ kind: "connection-error", peer: this.peer, error });
    this.flush();
    this.kill(new TTransportException(TTransportExceptionType.CORRUPTED_DATA, "the connection was closed after bad input"));
  }

  /** Graceful shutdown of this connection: no new requests; close once the calls in flight are answered. */
  drain(): void {
    if (this.closed || this.draining) return;
    this.draining = true;
    this.socket.pause();
    if (this.inFlight === 0) this.finishDrain();
  }

  private finishDrain(): void {
    this.flush();
    // Read again (requests are ignored now) so the client's end of the stream is seen and the socket closes.
    this.socket.resume();
    if (!this.socket.writableEnded) this.socket.end();
  }

  /** Cuts the connection now; handlers still running see their signal abort with `reason`. */
  kill(reason: unknown): void {
    this.abortAll(reason);
    this.closed = true;
    this.socket.destroy();
  }
}

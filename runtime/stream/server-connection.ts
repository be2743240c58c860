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
 * - Fairness: a connection that has delivered a lot of input in one turn of the event loop is paused
 *   until the next turn, so one client's burst cannot keep the others waiting.
 * - Timeouts, checked by the server's periodic sweep (no timer per connection or per message): a
 *   message must arrive completely, and replies must be taken, within `frameTimeoutMs` of starting; a
 *   connection with nothing in flight and no traffic for `idleTimeoutMs` is closed.
 * - Memory: nothing is allocated for a connection's codec before its first byte, and a quiet
 *   connection's buffers are released (MessageStream).
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
  /** A message must be received completely, and replies taken by the client, this long after they start (0: no limit). */
  readonly frameTimeoutMs: number;
  /** Close after this long with nothing in flight and no traffic (0: never). */
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

/** What a connection tells the server that holds it. */
export interface ConnectionHost {
  /** Sweeps so far: a coarse clock, so a busy connection reports activity at most once per sweep. */
  readonly sweeps: number;
  /** The connection completed messages: it moves to the back of the eviction order. */
  active(connection: ServerConnection): void;
  /** The socket is closed. */
  closed(connection: ServerConnection): void;
}

const SUCCEEDED = 0;
const FAILED = 1;
const UNKNOWN = 2;

/** Input bytes a connection may deliver in one turn of the event loop before it yields to the others. */
const TURN_BUDGET = 64 * 1024;
/** Chunks smaller than this are not counted against the budget (an ordinary call fits in one). */
const COUNTED_CHUNK = 8 * 1024;
/** A connection quiet for this long releases its codec buffers. */
const RELEASE_AFTER_MS = 1000;

/** The connection a socket belongs to: the socket listeners are shared, not closures per connection. */
const OWNER = Symbol("rpcgen.serverConnection");
type OwnedSocket = Socket & { [OWNER]: ServerConnection };

export class ServerConnection implements CallScope {
  private readonly socket: Socket;
  readonly peer: string;
  private readonly settings: ServerConnectionSettings;
  private readonly processor: Processor;
  private readonly host: ConnectionHost;
  private readonly stream: MessageStream;
  /** The framing carries headers: each request's reach its context (and its deadline). */
  private readonly readsHeaders: boolean;
  /** What every call on this connection shares: its peer and scope (no headers or deadlines here). */
  private readonly request: RequestContext;
  /** Contexts whose signal a handler asked for, while their calls run (made on first use). */
  private watched: Set<ServerCallContext> | undefined = undefined;
  /** Why the connection ended, once it has. */
  abortReason: unknown = undefined;
  /** Calls running. */
  private inFlight = 0;
  private closed = false;
  private draining = false;
  /** Not reading (backpressure, or yielding to other connections). */
  private paused = false;
  private pausedAt = 0;
  private waitingForDrain = false;
  private flushScheduled = false;
  private readonly refusal: TApplicationException | undefined;
  private flushNow: (() => void) | undefined = undefined;
  /** Messages received so far. */
  private messages = 0;
  /** Date.now() when the message being received began (0: at a message boundary). */
  private frameStartedAt = 0;
  /** Date.now() of the last traffic, or of the last call in flight finishing. */
  private lastActive: number;
  /** The host's sweep count when this connection last reported activity. */
  private reportedAt: number;
  /** Input bytes delivered in this turn of the event loop (counted for large chunks only). */
  private turnBytes = 0;
  private yielded = false;
  /** Date.now() since when replies have waited in the socket with none taken (0: none waiting). */
  private outputSince = 0;
  private waitingAtSweep = 0;
  private endTurnNow: (() => void) | undefined = undefined;

  constructor(socket: Socket, peer: string, settings: ServerConnectionSettings, host: ConnectionHost, now: number, accepted: AcceptedConnection = {}) {
    this.socket = socket;
    this.peer = peer;
    this.settings = settings;
    this.processor = settings.processor;
    this.host = host;
    this.lastActive = now;
    this.reportedAt = host.sweeps;
    this.refusal = accepted.refusal;
    this.request = accepted.peerCertificate === undefined ? { peer, scope: this } : { peer, scope: this, peerCertificate: accepted.peerCertificate };
    this.stream = new MessageStream(settings.stream, (bytes, start, end, meta) => this.onMessage(bytes, start, end, meta));
    this.readsHeaders = settings.stream.framing.carriesHeaders === true;
    if (settings.noDelay) socket.setNoDelay(true);
    (socket as OwnedSocket)[OWNER] = this;
    socket.on("data", ServerConnection.onSocketData);
    socket.on("drain", ServerConnection.onSocketDrain);
    socket.on("error", ServerConnection.onSocketError);
    socket.on("end", ServerConnection.onSocketEnd);
    socket.on("close", ServerConnection.onSocketClose);
  }

  private static onSocketData(this: OwnedSocket, chunk: Buffer): void {
    this[OWNER].onData(chunk);
  }

  private static onSocketDrain(this: OwnedSocket): void {
    const c = this[OWNER];
    c.waitingForDrain = false;
    c.updateFlow();
  }

  private static onSocketError(): void {
    // Resets and the like: 'close' follows and does the cleanup.
  }

  private static onSocketEnd(this: OwnedSocket): void {
    this[OWNER].onEnd();
  }

  private static onSocketClose(this: OwnedSocket): void {
    this[OWNER].onClose();
  }

  /**
   * The client sent its last byte. TCP cannot tell "went away" from "done sending", so the calls in
   * flight see their signals abort, but replies of handlers that finish anyway are still sent (a client
   * that half-closed gets them); then our side ends too.
   */
  private onEnd(): void {
    if (this.closed) return;
    const partial = this.stream.partial;
    if (partial > 0 && !this.draining) {
      this.reject(new TTransportException(TTransportExceptionType.END_OF_FILE, `connection closed in the middle of a message (${partial} bytes received)`));
      return;
    }
    this.draining = true;
    this.abortAll(new TTransportException(TTransportExceptionType.END_OF_FILE, "the client went away"));
    if (this.inFlight === 0) this.finishDrain();
  }

  private onClose(): void {
    const partial = this.stream.partial;
    if (!this.closed && !this.draining && partial > 0) {
      this.settings.logger({
        kind: "connection-error",
        peer: this.peer,
        error: new TTransportException(TTransportExceptionType.END_OF_FILE, `connection closed in the middle of a message (${partial} bytes received)`),
      });
    }
    this.closed = true;
    this.abortAll(new TTransportException(TTransportExceptionType.END_OF_FILE, "the client went away"));
    this.stream.reset();
    this.stream.release();
    this.host.closed(this);
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.draining) return;
    if (chunk.length >= COUNTED_CHUNK || this.turnBytes !== 0) this.count(chunk.length);
    const messages = this.messages;
    try {
      this.stream.decoder.push(chunk);
    } catch (error) {
      this.reject(error);
      return;
    }
    const now = Date.now();
    this.lastActive = now;
    if (this.messages !== messages && this.reportedAt !== this.host.sweeps) {
      this.reportedAt = this.host.sweeps;
      this.host.active(this);
    }
    if (this.stream.partial === 0) this.frameStartedAt = 0;
    else if (this.frameStartedAt === 0 || this.messages !== messages) this.frameStartedAt = now;
    this.flush();
    this.updateFlow();
  }

  /** Counts input against this turn's budget; over it, the connection yields until the next turn. */
  private count(bytes: number): void {
    if (this.turnBytes === 0) setImmediate((this.endTurnNow ??= () => this.endTurn()));
    this.turnBytes += bytes;
    if (this.turnBytes >= TURN_BUDGET) this.yielded = true;
  }

  private endTurn(): void {
    this.turnBytes = 0;
    if (this.yielded) {
      this.yielded = false;
      this.updateFlow();
    }
  }

  /** Handles one request; throwing closes the connection. */
  private onMessage(bytes: Uint8Array, start: number, end: number, meta: MessageMeta | undefined): void {
    if (this.closed || this.draining) return;
    this.messages++;
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
    (this.watched ??= new Set()).add(ctx);
  }

  unwatch(ctx: ServerCallContext): void {
    this.watched?.delete(ctx);
  }

  private abortAll(reason: unknown): void {
    if (this.abortReason !== undefined) return;
    this.abortReason = reason;
    const watched = this.watched;
    if (watched === undefined || watched.size === 0) return;
    const contexts = [...watched];
    watched.clear();
    for (const ctx of contexts) ctx.abort(reason);
  }

  private settle(call: IncomingCall, ctx: ServerCallContext, value: unknown, how: number, meta: MessageMeta | undefined): void {
    ctx.release();
    if (--this.inFlight === 0) this.lastActive = Date.now();
    if (this.closed) return;
    this.writeReply(call, value, how, meta, ctx);
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate((this.flushNow ??= () => this.flush()));
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
    if (this.stream.unflushed === 0 || this.closed) return;
    if (!this.stream.output.flushTo(this.socket)) this.waitingForDrain = this.socket.writableLength > this.settings.maxPendingOutput;
    else this.waitingForDrain = false;
  }

  /** Pauses reading while too much is in flight or unsent, or to yield; resumes when that clears. */
  private updateFlow(): void {
    if (this.closed || this.draining) return;
    const stop = this.inFlight >= this.settings.maxConcurrentCalls || this.waitingForDrain || this.yielded;
    if (stop === this.paused) return;
    this.paused = stop;
    const now = Date.now();
    if (stop) {
      this.pausedAt = now;
      this.socket.pause();
    } else {
      // Time spent not reading does not count against the message being received.
      if (this.frameStartedAt !== 0) this.frameStartedAt += now - this.pausedAt;
      this.lastActive = now;
      this.socket.resume();
    }
  }

  /**
   * The server's periodic check. Closes the connection when a message has been arriving for longer than
   * the frame timeout, when replies have waited that long without the client taking any, or when it has
   * been idle (nothing in flight, no traffic) for the idle timeout; releases the buffers of quiet ones.
   */
  sweep(now: number): void {
    if (this.closed || this.draining) return;
    const { frameTimeoutMs, idleTimeoutMs } = this.settings;
    // Replies waiting in the socket: the clock restarts whenever the client has taken some since the last sweep.
    const waiting = this.socket.writableLength;
    if (waiting === 0) this.outputSince = 0;
    else if (this.outputSince === 0 || waiting < this.waitingAtSweep) this.outputSince = now;
    this.waitingAtSweep = waiting;
    if (frameTimeoutMs > 0) {
      if (this.outputSince !== 0 && now - this.outputSince >= frameTimeoutMs) {
        this.reject(new TTransportException(TTransportExceptionType.TIMED_OUT, `the client took none of its replies for ${frameTimeoutMs} ms (${waiting} bytes waiting)`));
        return;
      }
      if (!this.paused && this.frameStartedAt !== 0 && now - this.frameStartedAt >= frameTimeoutMs) {
        this.reject(new TTransportException(TTransportExceptionType.TIMED_OUT, `a message was not received completely within ${frameTimeoutMs} ms (${this.stream.partial} bytes received)`));
        return;
      }
    }
    if (this.paused || this.frameStartedAt !== 0 || this.inFlight !== 0 || waiting !== 0) return;
    const quiet = now - this.lastActive;
    if (idleTimeoutMs > 0 && quiet >= idleTimeoutMs) this.close();
    else if (quiet >= RELEASE_AFTER_MS) this.stream.release();
  }

  /** True when closing this connection to make room loses no work: no call in flight, not busy sending. */
  get evictable(): boolean {
    return !this.closed && !this.draining && this.inFlight === 0 && this.socket.writableLength === 0;
  }

  /** Ends the connection (FIN: the client sees it closed, not reset) and frees it once that is sent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.abortAll(new TTransportException(TTransportExceptionType.END_OF_FILE, "the connection was closed"));
    const socket = this.socket;
    socket.end(() => socket.destroy());
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

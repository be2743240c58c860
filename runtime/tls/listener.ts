/**
 * A TLS server's listener that looks at each connection's first byte before the handshake: a TLS
 * record (0x16, a handshake) goes to the TLS server; anything else comes from a client that does not
 * speak TLS, and is handed to `plain` to be told so (Go's HTTPS server answers such clients the same
 * way) rather than cut without a word. No Thrift message or HTTP request starts with 0x16: a framed
 * one would claim a frame of over 300 MiB.
 *
 * Connections that close before their first byte (port probes, load balancers' health checks) are
 * dropped quietly; ones silent for the handshake timeout are cut. Connections in their handshake are
 * at most `maxHandshakes`: a handshake costs the server tens of KB (OpenSSL's state), and without a
 * bound a crowd of clients that start handshakes and never finish them would hold that for every one
 * until the timeout. At the limit a new connection cuts the oldest handshake in progress (logged). Handshakes that fail are destroyed
 * (Node leaves a timed-out one open) and reported to `failed`; handshakes still in progress when the
 * listener closes are cut, so `close()` does not wait for them.
 */
import { Server as NetServer, type Socket } from "node:net";
import type { Server as TlsServer, TLSSocket } from "node:tls";

const TLS_HANDSHAKE_RECORD = 0x16;

/** Where a connection came from (undefined over Unix sockets). */
export interface RemoteAddress {
  readonly address: string | undefined;
  readonly port: number | undefined;
}

export interface TlsListenerHooks {
  /**
   * A client whose first byte is not a TLS handshake: the socket, with what it sent still unread.
   * Reading resumes once this returns (it attaches its listeners first).
   */
  plain(socket: Socket): void;
  /**
   * A handshake failed (the socket is destroyed once this returns). `remote` is the client's address
   * as it connected: a reset makes the sockets forget theirs.
   */
  failed(error: Error, socket: TLSSocket, remote: RemoteAddress): void;
  /** A handshake in progress was cut to admit a new connection (`maxHandshakes` reached). */
  cut?(remote: RemoteAddress, reason: string): void;
}

export class TlsListener extends NetServer {
  /** Connections not yet through their handshake. */
  private readonly handshaking = new Set<Socket>();
  private readonly remotes = new WeakMap<Socket, RemoteAddress>();

  /**
   * `allowHalfOpen`: whether connections stay open for replies after the client ends its side (the
   * stream server's way; HTTP servers' is not to). Plain clients get it from the start, TLS ones once
   * through the handshake: a client that hangs up during the handshake is gone.
   */
  constructor(
    private readonly tls: TlsServer,
    private readonly handshakeTimeoutMs: number,
    private readonly hooks: TlsListenerHooks,
    allowHalfOpen: boolean,
    private readonly maxHandshakes = Infinity,
  ) {
    super({ allowHalfOpen });
    this.on("connection", (socket: Socket) => this.sniff(socket));
    tls.on("secureConnection", (socket: TLSSocket) => {
      socket.allowHalfOpen = allowHalfOpen;
      const raw = wrapped(socket);
      if (raw !== undefined) this.handshaking.delete(raw);
    });
    tls.on("tlsClientError", (error: Error, socket: TLSSocket) => {
      try {
        const raw = wrapped(socket);
        const remote = (raw !== undefined ? this.remotes.get(raw) : undefined) ?? { address: socket.remoteAddress, port: socket.remotePort };
        hooks.failed(error, socket, remote); // first: the socket still knows how it failed
      } finally {
        socket.destroy();
      }
    });
  }

  override close(callback?: (error?: Error) => void): this {
    super.close(callback);
    for (const socket of this.handshaking) socket.destroy();
    this.handshaking.clear();
    return this;
  }

  private sniff(socket: Socket): void {
    if (this.handshaking.size >= this.maxHandshakes) {
      // The oldest first (a Set iterates in insertion order): it has had the longest to finish.
      const oldest = this.handshaking.values().next().value as Socket;
      this.handshaking.delete(oldest);
      const remote = this.remotes.get(oldest) ?? { address: oldest.remoteAddress, port: oldest.remotePort };
      this.hooks.cut?.(remote, `closed to admit a new connection: ${this.maxHandshakes} connections are in their TLS handshake, and this one was the oldest`);
      oldest.destroy();
    }
    this.handshaking.add(socket);
    this.remotes.set(socket, { address: socket.remoteAddress, port: socket.remotePort });
    const timer = setTimeout(() => socket.destroy(), this.handshakeTimeoutMs);
    socket.once("close", () => {
      clearTimeout(timer);
      this.handshaking.delete(socket);
    });
    // Resets before or during the handshake are reported (or not) by the TLS server; nothing to add.
    socket.on("error", () => {});
    const onEnd = (): void => {
      socket.destroy(); // closed before saying anything: a probe
    };
    socket.once("end", onEnd);
    socket.once("data", (chunk: Buffer) => {
      clearTimeout(timer);
      socket.off("end", onEnd);
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] === TLS_HANDSHAKE_RECORD) {
        // The TLS server wraps the socket, bytes already read included (Node feeds them to the handshake).
        socket.allowHalfOpen = false;
        this.tls.emit("connection", socket);
      } else {
        this.handshaking.delete(socket);
        this.hooks.plain(socket);
        socket.resume();
      }
    });
  }
}

/** The socket a server-side TLSSocket wraps (Node's `_parent`: there is no public accessor). */
function wrapped(socket: TLSSocket): Socket | undefined {
  return (socket as unknown as { _parent?: Socket | null })._parent ?? undefined;
}

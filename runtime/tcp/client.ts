/** Thrift over TCP and Unix domain sockets, client side: a pipelined Connection on a `net.Socket`. */
import { connect as netConnect } from "node:net";
import { Connection } from "../stream/connection.js";
import { whenOpen, type SocketFactory } from "../stream/link.js";
import { formatAddress } from "../stream/settings.js";
import type { ConnectTarget, TcpConnectionOptions } from "./options.js";

/** Opens plain sockets to `target`, resolving once connected. */
export function tcpSocketFactory(target: ConnectTarget, options: { noDelay?: boolean | undefined } = {}): SocketFactory {
  return ({ signal }) => {
    const socket = "path" in target ? netConnect({ path: target.path }) : netConnect({ host: target.host ?? "localhost", port: target.port });
    if (options.noDelay ?? true) socket.setNoDelay(true);
    return whenOpen(socket, "connect", signal);
  };
}

/** `host:port` or the socket path. */
export function targetName(target: ConnectTarget): string {
  return "path" in target ? target.path : formatAddress(target.host, target.port);
}

/** A connection that connects on its first call (or `ready()`). */
export function createConnection(target: ConnectTarget, options: TcpConnectionOptions = {}): Connection {
  const factory = options.socketFactory ?? tcpSocketFactory(target, options);
  return new Connection(factory, targetName(target), options);
}

/** Connects, and resolves with the open connection (rejects if this first attempt fails). */
export function connect(target: ConnectTarget, options?: TcpConnectionOptions): Promise<Connection> {
  return Connection.opened(createConnection(target, options));
}

import type { ConnectionOptions } from "../stream/connection.js";
import type { SocketFactory } from "../stream/link.js";
import type { ServerOptions } from "../stream/server.js";

/** Where to connect: a TCP host and port, or a Unix domain socket path. */
export type ConnectTarget = { host?: string | undefined; port: number } | { path: string };

export interface TcpConnectionOptions extends ConnectionOptions {
  /** Disable Nagle's algorithm. Default true. */
  noDelay?: boolean | undefined;
  /** Opens the stream instead of a plain socket to the target (a proxy's tunnel, a test's duplex, ...). */
  socketFactory?: SocketFactory | undefined;
}

export type TcpServerOptions = ServerOptions;

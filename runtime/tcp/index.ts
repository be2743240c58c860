/** Thrift over TCP and Unix domain sockets: framed or buffered, every protocol, multiplexed or not. */
export { connect, createConnection, tcpSocketFactory } from "./client.js";
export { createServer } from "./server.js";
export type { ConnectTarget, TcpConnectionOptions, TcpServerOptions } from "./options.js";

/** Thrift over any byte stream: the pipelined client Connection, the stream Server, settings and limits. */
export { Connection, DEFAULT_MAX_CONSECUTIVE_TIMEOUTS, type ConnectionOptions } from "./connection.js";
export { DEFAULT_RECONNECT, Link, type LinkOwner, type ReconnectOptions, type SocketFactory } from "./link.js";
export { Server, SERVER_DEFAULTS, type ListenerFactory, type ListenOptions, type ServerAddress, type ServerOptions } from "./server.js";
export { MessageStream, streamSettings, type StreamSettings, type TransportKind, type TransportLimits, type TransportOptions } from "./settings.js";

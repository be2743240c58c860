/** rpcgen's socket transports: framed and buffered Thrift over TCP and Unix domain sockets. */
export { TTransportException, TTransportExceptionType } from "./errors.js";
export {
  connect,
  createConnection,
  Connection,
  type ConnectionOptions,
  type ConnectTarget,
  type ReconnectOptions,
} from "./client.js";
export {
  createServer,
  implement,
  Server,
  type ListenOptions,
  type ServerAddress,
  type ServerOptions,
  type ServiceRegistrations,
} from "./server.js";
export { type TransportKind, type TransportLimits, type TransportOptions } from "./stream.js";
export {
  BinaryScanner,
  CompactScanner,
  JsonScanner,
  createScanner,
  DEFAULT_MAX_FRAME_SIZE,
  type MessageScanner,
  type ScannerLimits,
} from "./scanner.js";
export { BufferedDecoder, FramedDecoder, type MessageDecoder, type MessageHandler } from "./decoder.js";
export { MessageOutput, type ByteSink } from "./output.js";

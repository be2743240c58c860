/** rpcgen protocol runtime: wire types, errors, the output buffer, and the binary, compact and JSON protocols. */
export { TType, MessageType } from "./ttype.js";
export {
  DEFAULT_READER_LIMITS,
  type MessageHeader,
  type Protocol,
  type ProtocolReader,
  type ProtocolWriter,
  type ReaderInput,
  type ReaderLimits,
} from "./protocol.js";
export {
  TException,
  TProtocolException,
  TProtocolExceptionType,
  TApplicationException,
  TApplicationExceptionType,
  TTransportException,
  TTransportExceptionType,
} from "./errors.js";
export { WriteBuffer } from "./write-buffer.js";
export { decodeUtf8, utf8Length } from "./utf8.js";
export { ReaderBase, type ReaderOptions } from "./reader-base.js";
export {
  BinaryWriter,
  BinaryReader,
  BinaryProtocol,
  BinaryProtocolFactory,
  type BinaryWriterOptions,
  type BinaryReaderOptions,
  type BinaryProtocolOptions,
} from "./binary.js";
export { CompactWriter, CompactReader, CompactProtocol, CompactProtocolFactory, CompactType } from "./compact.js";
export { JSONWriter, JSONReader, JSONProtocol, JSONProtocolFactory, formatDouble17g } from "./json.js";

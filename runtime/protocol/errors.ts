import type { ProtocolReader, ProtocolWriter } from "./protocol.js";
import { TType } from "./ttype.js";

/**
 * Base class of every Thrift exception: protocol errors, application errors, and the user exceptions
 * that generated code declares (`class MyError extends TException { ... }`).
 *
 * `name` is the class name. The built-in classes define it on their prototype (so minifiers cannot
 * change it); a subclass that does not define its own `name` gets `new.target.name`.
 */
export class TException extends Error {
  constructor(message?: string, options?: { cause?: unknown }) {
    super(message, options);
    const proto = new.target.prototype as object;
    if (!Object.prototype.hasOwnProperty.call(proto, "name")) this.name = new.target.name;
  }
}
defineName(TException, "TException");

/** TProtocolException type codes (Apache Thrift's values). */
export const TProtocolExceptionType = {
  UNKNOWN: 0,
  INVALID_DATA: 1,
  NEGATIVE_SIZE: 2,
  SIZE_LIMIT: 3,
  BAD_VERSION: 4,
  NOT_IMPLEMENTED: 5,
  DEPTH_LIMIT: 6,
} as const;
export type TProtocolExceptionType = (typeof TProtocolExceptionType)[keyof typeof TProtocolExceptionType];

/** Malformed, truncated, hostile or over-limit protocol data (or an invalid value handed to a writer). */
export class TProtocolException extends TException {
  /** One of {@link TProtocolExceptionType}. */
  readonly type: number;
  /**
   * True when the input ended (or a length / element count claims more bytes than remain) before the
   * value was complete. With a stream transport this means "need more bytes" rather than "garbage".
   */
  readonly truncated: boolean;

  constructor(type: number, message: string, truncated = false) {
    super(message);
    this.type = type;
    this.truncated = truncated;
  }
}
defineName(TProtocolException, "TProtocolException");

/** TApplicationException type codes (Apache Thrift's values, notes 3.2). */
export const TApplicationExceptionType = {
  UNKNOWN: 0,
  UNKNOWN_METHOD: 1,
  INVALID_MESSAGE_TYPE: 2,
  WRONG_METHOD_NAME: 3,
  BAD_SEQUENCE_ID: 4,
  MISSING_RESULT: 5,
  INTERNAL_ERROR: 6,
  PROTOCOL_ERROR: 7,
  INVALID_TRANSFORM: 8,
  INVALID_PROTOCOL: 9,
  UNSUPPORTED_CLIENT_TYPE: 10,
} as const;
export type TApplicationExceptionType = (typeof TApplicationExceptionType)[keyof typeof TApplicationExceptionType];

/**
 * The error a server sends in an EXCEPTION message (unknown method, internal error, ...). On the wire it
 * is a struct: field 1 `message` (string), field 2 `type` (i32).
 */
export class TApplicationException extends TException {
  /** One of {@link TApplicationExceptionType}. */
  readonly type: number;

  constructor(type: number = TApplicationExceptionType.UNKNOWN, message = "", options?: { cause?: unknown }) {
    super(message, options);
    this.type = type;
  }

  /** Writes the exception struct (not the message header). */
  static write(w: ProtocolWriter, e: TApplicationException): void {
    w.writeStructBegin("TApplicationException");
    w.writeFieldBegin("message", TType.STRING, 1);
    w.writeString(e.message);
    w.writeFieldEnd();
    w.writeFieldBegin("type", TType.I32, 2);
    w.writeI32(e.type);
    w.writeFieldEnd();
    w.writeFieldStop();
    w.writeStructEnd();
  }

  /** Reads the exception struct (not the message header); unknown fields are skipped. */
  static read(r: ProtocolReader): TApplicationException {
    let message = "";
    let type: number = TApplicationExceptionType.UNKNOWN;
    r.readStructBegin();
    for (;;) {
      const t = r.readFieldBegin();
      if (t === TType.STOP) break;
      switch (r.fieldId) {
        case 1:
          if (t === TType.STRING) message = r.readString();
          else r.skip(t);
          break;
        case 2:
          if (t === TType.I32) type = r.readI32();
          else r.skip(t);
          break;
        default:
          r.skip(t);
      }
      r.readFieldEnd();
    }
    r.readStructEnd();
    return new TApplicationException(type, message);
  }
}
defineName(TApplicationException, "TApplicationException");

/** TTransportException type codes (Apache Thrift's values). */
export const TTransportExceptionType = {
  UNKNOWN: 0,
  /** No connection: closed by `close()`, or never established. */
  NOT_OPEN: 1,
  ALREADY_OPEN: 2,
  /** A call (or a connection attempt) took longer than its timeout. */
  TIMED_OUT: 3,
  /** The connection ended while calls were waiting for replies. */
  END_OF_FILE: 4,
  NEGATIVE_SIZE: 5,
  /** A frame (or unframed message) is larger than the configured maximum. */
  SIZE_LIMIT: 6,
  INVALID_CLIENT_TYPE: 7,
  /** The peer sent bytes that are not a valid message (or a reply nobody asked for). */
  CORRUPTED_DATA: 8,
} as const;
export type TTransportExceptionType = (typeof TTransportExceptionType)[keyof typeof TTransportExceptionType];

/** A failure of the connection itself rather than of a call: lost, refused, timed out, corrupted, too large. */
export class TTransportException extends TException {
  /** One of {@link TTransportExceptionType}. */
  readonly type: number;

  constructor(type: number, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.type = type;
  }
}
defineName(TTransportException, "TTransportException");

function defineName(cls: { prototype: object }, name: string): void {
  Object.defineProperty(cls.prototype, "name", { value: name, writable: true, configurable: true, enumerable: false });
}

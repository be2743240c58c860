import { TException } from "../protocol/errors.js";

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
Object.defineProperty(TTransportException.prototype, "name", {
  value: "TTransportException",
  writable: true,
  configurable: true,
  enumerable: false,
});

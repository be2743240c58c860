import { TTransportException, TTransportExceptionType } from "../protocol/errors.js";

/** How much of an error response's body an HttpError keeps. */
const BODY_START = 1000;

/**
 * An HTTP response that is not a Thrift reply: a status other than 2xx (a proxy's 502, the server's
 * 413, ...). Carries the status and the start of the body, which usually says what went wrong.
 */
export class HttpError extends TTransportException {
  readonly status: number;
  readonly statusText: string;
  /** The start of the response body, as text. */
  readonly body: string;

  constructor(status: number, statusText: string, body: string, url: string) {
    const start = body.length > BODY_START ? `${body.slice(0, BODY_START)}…` : body;
    super(TTransportExceptionType.UNKNOWN, `HTTP ${status}${statusText ? ` ${statusText}` : ""} from ${url}${start.trim() ? `: ${start.trim()}` : ""}`);
    this.status = status;
    this.statusText = statusText;
    this.body = start;
  }
}
Object.defineProperty(HttpError.prototype, "name", { value: "HttpError", writable: true, configurable: true, enumerable: false });

/**
 * A call the server refuses to run: unauthenticated, not allowed, ... An interceptor throws it before
 * calling `next`, so no handler runs. The client receives a TApplicationException carrying `message`
 * (what the client may know); the server's logger a `call-refused` event with `reason` (what the
 * operator needs), never anything the client sent as a credential.
 *
 * On the wire it is an ordinary TApplicationException of type UNKNOWN, on every transport (HTTP
 * included: status 200, as Apache's servers answer every call's exception), so every Thrift client
 * decodes it; Apache defines no type for refusals. Messages start with `unauthenticated:` (no or bad
 * credentials) or `permission denied:` (known, but not allowed), gRPC's two words for it.
 */
import { TApplicationException, TApplicationExceptionType } from "../protocol/errors.js";

export class CallRefused extends TApplicationException {
  /** Why, for the server's log only (not sent). */
  readonly reason: string;

  constructor(message: string, reason: string = message) {
    super(TApplicationExceptionType.UNKNOWN, message);
    this.reason = reason;
  }
}
Object.defineProperty(CallRefused.prototype, "name", { value: "CallRefused", writable: true, configurable: true, enumerable: false });

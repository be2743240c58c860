export {
  bearerAuth,
  bearerToken,
  constantTimeEqual,
  DEFAULT_SECRET_HEADER,
  describeCertificate,
  requireClientCertificate,
  secretsEqual,
  sharedSecret,
  sharedSecretAuth,
  type BearerAuthOptions,
  type CredentialSource,
  type RequireClientCertificateOptions,
  type SharedSecretAuthOptions,
  type Verify,
} from "./auth.js";
export { readReply, writeCall } from "./call.js";
export { BaseChannel, DEFAULT_TIMEOUT_MS, headersToSend, type ChannelOptions } from "./channel.js";
export { Scope, ServerCallContext, type CallScope } from "./context.js";
export { DEADLINE_BUDGET_HEADER, budgetOf, deadlineOf, toHeaders } from "./headers.js";
export { chain, ClientCall, type ClientInterceptor, type ClientNext, type ServerCall, type ServerInterceptor, type ServerNext } from "./interceptors.js";
export { CallTracker, PendingCall, type CallHost } from "./pending.js";
export {
  IncomingCall,
  isThenable,
  Outcome,
  Processor,
  writeException,
  type ProcessorOptions,
  type Registration,
  type HeaderSource,
  type RequestContext,
  type ServerEvent,
  type ServerLogger,
} from "./processor.js";
export { CallRefused } from "./refused.js";
export { implement, isDescriptor, servicesOf, type ServiceRegistrations } from "./registrations.js";

export { readReply, writeCall } from "./call.js";
export { chain, type ClientCall, type ClientInterceptor, type ClientNext, type ServerCall, type ServerInterceptor, type ServerNext } from "./interceptors.js";
export {
  IncomingCall,
  isThenable,
  Outcome,
  Processor,
  writeException,
  type ProcessorOptions,
  type Registration,
  type RequestContext,
  type ServerEvent,
  type ServerLogger,
} from "./processor.js";
export { createInMemoryChannel, type InMemoryOptions } from "./in-memory.js";

/** rpcgen's runtime: protocols, codecs support and service plumbing that generated code imports. */
export * from "./protocol/index.js";
export * from "./codec.js";
export * from "./service.js";
export { utf8Bytes } from "./bytes.js";
export * from "./rpc/index.js";
export * from "./transport/index.js";

/**
 * The browser-safe part of rpcgen's runtime: protocols, codec support, service descriptors, the
 * transport-independent RPC plumbing (channels, interceptors, the processor) and the in-memory
 * transport. No Node-only imports: bundlers targeting browsers resolve `rpcgen/runtime` to this module
 * (the package's "browser" export condition).
 */
export * from "./protocol/index.js";
export * from "./codec.js";
export * from "./reflect/index.js";
export * from "./service.js";
export { utf8Bytes } from "./bytes.js";
export * from "./rpc/index.js";
export * from "./framing/index.js";
export * from "./memory/index.js";
export * from "./http/core.js";

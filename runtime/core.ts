/**
 * The browser-safe part of rpcgen's runtime: protocols, codec support, service descriptors and the
 * transport-independent RPC plumbing. No Node-only imports: bundlers targeting browsers resolve
 * `rpcgen/runtime` to this module (the package's "browser" export condition).
 */
export * from "./protocol/index.js";
export * from "./codec.js";
export * from "./service.js";
export { utf8Bytes } from "./bytes.js";
export * from "./rpc/index.js";

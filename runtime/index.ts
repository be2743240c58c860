/**
 * rpcgen's runtime for Node.js: everything in core.ts (browsers get that alone, through the package's
 * "browser" export condition) plus the Node transports: TCP and Unix sockets, plain or over TLS, the
 * stream machinery they run on, and the node:http server and client.
 */
export * from "./core.js";
export * from "./stream/index.js";
export * from "./header/index.js";
export * from "./zlib/index.js";
export * from "./tcp/index.js";
export * from "./tls/index.js";
export * from "./http/index.js";
// In Node, the HTTP channel runs on node:http (the core's, for browsers, on fetch).
export { createHttpChannel } from "./http/client.js";

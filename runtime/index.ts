/**
 * rpcgen's runtime for Node.js: everything in core.ts (browsers get that alone, through the package's
 * "browser" export condition) plus the Node transports: TCP and Unix sockets, and the stream machinery
 * they run on.
 */
export * from "./core.js";
export * from "./stream/index.js";
export * from "./tcp/index.js";

/**
 * rpcgen's runtime for Node.js: everything in core.ts plus the TCP / Unix-socket transports
 * (connect, createServer). Browsers get core.ts through the "browser" export condition.
 */
export * from "./core.js";
export * from "./transport/index.js";

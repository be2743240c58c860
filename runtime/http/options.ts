import type { Protocol } from "../protocol/protocol.js";
import type { ChannelOptions } from "../rpc/channel.js";
import type { ServerInterceptor } from "../rpc/interceptors.js";
import type { ServerLogger } from "../rpc/processor.js";
import type { HeadersInit } from "../service.js";
import type { CorsOptions } from "./cors.js";

/** Limits of the HTTP server, checked before anything is allocated for what they bound. */
export interface HttpLimits {
  /** Largest request body (and reply), in bytes. Default 16 MiB. */
  maxBodySize?: number | undefined;
  /** Longest string or binary value. Default 16 MiB. */
  maxStringLength?: number | undefined;
  /** Most elements (or map entries) in one container. Default 1,000,000. */
  maxContainerElements?: number | undefined;
  /** Deepest nesting of structs and containers. Default 64. */
  maxDepth?: number | undefined;
}

export interface HttpHandlerOptions extends HttpLimits {
  /**
   * The protocols served. With one, every body is read in it; with several (the default: binary,
   * compact and JSON), the body's first byte tells which, and the reply is in the same protocol.
   */
  protocols?: readonly Protocol[] | undefined;
  /** Serve only this path (`/thrift`, say); others get 404. Default: every path, as Apache's servers do. */
  path?: string | undefined;
  /** The service that serves method names without a `Service:` prefix (default: the only service, if one). */
  defaultService?: string | undefined;
  interceptors?: readonly ServerInterceptor[] | undefined;
  /** Receives handler errors and refused requests. Default: console.error. */
  logger?: ServerLogger | undefined;
  /** Answer browsers from other origins (preflights, `Access-Control-*` headers). Default: no CORS. */
  cors?: CorsOptions | undefined;
  /** A request whose body has not arrived this long after it started gets 408. Default 30,000 ms. */
  bodyTimeoutMs?: number | undefined;
  /**
   * Plain JSON calls beside Thrift ones: `POST /<Service>/<method>` with an `application/json` body,
   * and `GET` with query parameters for the methods that allow it (see JsonRouteOptions and the
   * README). Default: on; `false` turns them off.
   */
  json?: boolean | JsonRouteOptions | undefined;
}

export interface JsonRouteOptions {
  /**
   * Methods that may also be called with GET, as `Service.method` names, besides those annotated
   * `(http.get)` in the IDL. GET is for methods without side effects whose parameters are all scalars
   * or enums; a method listed or annotated otherwise is an error when the handler is created.
   */
  get?: readonly string[] | undefined;
}

/** Options of an HTTP client channel, in browsers and in Node. */
export interface HttpChannelOptions extends ChannelOptions {
  /** Default BinaryProtocol. */
  protocol?: Protocol | undefined;
  /** Headers sent with every call (calls add their own). */
  headers?: HeadersInit | undefined;
  /** Largest reply body accepted, in bytes. Default 16 MiB. */
  maxResponseSize?: number | undefined;
  /** The `fetch` to use (a wrapped one, a polyfill). In browsers the default is the global `fetch`. */
  fetch?: typeof globalThis.fetch | undefined;
  /**
   * Whether a browser sends cookies and HTTP authentication with the calls: `same-origin` (default),
   * `include` (also cross-origin; the server's CORS must allow credentials), or `omit`. fetch only.
   */
  credentials?: "omit" | "same-origin" | "include" | undefined;
}

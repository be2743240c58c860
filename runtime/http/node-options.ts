/** Options of the Node-only parts of the HTTP transport: the ready-made server and the node:http client. */
import type { Agent as HttpAgent } from "node:http";
import type { TlsClientOptions, TlsServerSettings } from "../tls/options.js";
import type { HttpChannelOptions, HttpHandlerOptions } from "./options.js";

export interface HttpServerOptions extends HttpHandlerOptions {
  /**
   * Serve HTTPS (HTTP/2 and HTTP/1.1 by ALPN) with these settings (`key`, `cert`, `ca`, `minVersion`,
   * `clientCertificate` for mutual TLS, ...): as the TLS server's.
   */
  tls?: TlsServerSettings | undefined;
  /** Also accept HTTP/2 (h2c with prior knowledge in clear text, `h2` by ALPN over TLS). Default true. */
  http2?: boolean | undefined;
  /** Idle keep-alive connections are closed after this long, in ms. Default 5,000 (Node's). */
  keepAliveTimeoutMs?: number | undefined;
  /**
   * A request's head (request line and headers) must arrive within this many ms of its start (for a new
   * connection: of connecting); the whole request within this plus `bodyTimeoutMs`. Default 30,000.
   */
  headersTimeoutMs?: number | undefined;
  /** How long `close()` lets requests in flight finish before cutting connections, in ms. Default 10,000. */
  shutdownTimeoutMs?: number | undefined;
  /**
   * Most open connections. Past it, a new connection closes the oldest one with no request in flight,
   * or is refused when every one is busy. Default 10,000.
   */
  maxConnections?: number | undefined;
}

/** What the Node client adds: HTTP/2, its own agent, TLS settings. */
export interface NodeHttpChannelOptions extends HttpChannelOptions {
  /** `1.1` (default): keep-alive connections, one call at a time on each; `2`: one connection, every call multiplexed on it. */
  httpVersion?: "1.1" | "2" | undefined;
  /** HTTP/1.1 connections kept open per origin, at most. Default 100. */
  maxSockets?: number | undefined;
  /** An agent of one's own (HTTP/1.1). */
  agent?: HttpAgent | undefined;
  /**
   * TLS settings for `https:` URLs (`ca`, `cert`, `key`, `servername`, `minVersion`, ...): as the TLS
   * client's (the server is verified unless `insecureSkipVerify`). Not used with an `agent` of one's own.
   */
  tls?: TlsClientOptions | undefined;
}

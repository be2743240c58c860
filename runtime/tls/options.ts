import type { ConnectionOptions as NodeTlsConnectOptions, TlsOptions as NodeTlsServerOptions } from "node:tls";
import type { ServerOptions } from "../stream/server.js";
import type { TcpConnectionOptions } from "../tcp/options.js";

/**
 * A TLS client's settings: Node's `tls.connect` options (`ca`, `cert`, `key`, `servername`,
 * `minVersion`, `ciphers`, `ALPNProtocols`, `checkServerIdentity`, ...), passed through. The server's
 * certificate and its name are always verified (against `ca`, default Node's bundled CAs, and against
 * `servername`, default the host connected to), unless `insecureSkipVerify` says otherwise.
 * `rejectUnauthorized` is not taken: the opt-out has a name nobody uses by accident.
 */
export interface TlsClientOptions extends Omit<NodeTlsConnectOptions, "host" | "port" | "path" | "socket" | "timeout" | "rejectUnauthorized"> {
  /**
   * UNSAFE: accept any certificate, from any server, for any name. Anyone on the path can then read and
   * change the traffic. Each target it is used for gets a process warning (`RPCGEN_INSECURE_TLS`).
   * Default false.
   */
  insecureSkipVerify?: boolean | undefined;
}

/**
 * Which client certificates a TLS server asks for. `none` (default): none. `request`: asks; clients
 * may present none, or one that does not verify (`ctx.peerCertificate.authorized` tells; see
 * `requireClientCertificate`). `require`: mutual TLS; the handshake fails for clients without a
 * certificate that verifies against `ca`.
 */
export type ClientCertificateMode = "none" | "request" | "require";

/**
 * A TLS server's settings: Node's `tls.createServer` options (`key`, `cert`, `ca`, `minVersion`,
 * `ciphers`, `SNICallback`, `handshakeTimeout`, ...), passed through, with client certificates asked
 * for by `clientCertificate` (not `requestCert` / `rejectUnauthorized`). `handshakeTimeout` defaults to
 * 10,000 ms (Node's is 120,000): it also bounds how long a connection may stay silent before its first
 * byte.
 */
export interface TlsServerSettings extends Omit<NodeTlsServerOptions, "requestCert" | "rejectUnauthorized" | "allowHalfOpen" | "pauseOnConnect"> {
  clientCertificate?: ClientCertificateMode | undefined;
  /**
   * Connections in their handshake at once (default: the server's `maxConnections`). Each holds tens of
   * KB of OpenSSL state until it completes or times out; past the bound, a new connection cuts the
   * oldest handshake in progress. Lower it to bound that memory where many clients are not expected
   * to (re)connect at the same moment.
   */
  maxHandshakes?: number | undefined;
}

/** Options of a TLS client connection: the TCP options, and its TLS settings. */
export interface TlsConnectionOptions extends TcpConnectionOptions {
  tls?: TlsClientOptions | undefined;
}

/** Options of a TLS server: the TCP server's, and its TLS settings (a key and certificate at least). */
export interface TlsServerOptions extends ServerOptions {
  tls: TlsServerSettings;
}

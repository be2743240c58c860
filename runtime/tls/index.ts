/** Thrift over TLS (TCP or Unix sockets): mutual TLS, the client's certificate in `ctx.peerCertificate`. */
export { connectTls, createTlsConnection, tlsSocketFactory } from "./client.js";
export { createTlsServer, TLS_REQUIRED_MESSAGE } from "./server.js";
export type { ClientCertificateMode, TlsClientOptions, TlsConnectionOptions, TlsServerOptions, TlsServerSettings } from "./options.js";

/**
 * Thrift over TLS, client side: a pipelined Connection on a TLS socket. The server's certificate and
 * name are verified unless `tls.insecureSkipVerify` (unsafe, and warned about); a failed handshake
 * rejects the connection attempt with a TTransportException that names the server and what is wrong.
 */
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import { Connection } from "../stream/connection.js";
import { whenOpen, type SocketFactory } from "../stream/link.js";
import { targetName } from "../tcp/client.js";
import type { ConnectTarget } from "../tcp/options.js";
import { clientTlsError, describeTlsLoss } from "./errors.js";
import type { TlsClientOptions, TlsConnectionOptions } from "./options.js";
import { clientTlsOptions } from "./settings.js";

/**
 * Opens TLS sockets to `target`, resolving once the handshake is done and the server verified. Over
 * a Unix socket the certificate is checked against `tls.servername` (default `localhost`).
 */
export function tlsSocketFactory(target: ConnectTarget, tls?: TlsClientOptions, options: { noDelay?: boolean | undefined } = {}): SocketFactory {
  const peer = targetName(target);
  const host = tls?.servername ?? ("path" in target ? "localhost" : (target.host ?? "localhost"));
  const nodeOptions = {
    ...clientTlsOptions(tls, peer),
    ...("path" in target ? { path: target.path } : { host: target.host ?? "localhost", port: target.port }),
  };
  const presentsCertificate = tls?.cert !== undefined || tls?.pfx !== undefined;
  const factory: SocketFactory = ({ signal }) => {
    const socket = tlsConnect(nodeOptions);
    if (options.noDelay ?? true) socket.setNoDelay(true);
    return whenOpen(socket, "secureConnect", signal, (error) => clientTlsError(error, peer, host, presentsCertificate));
  };
  factory.describeLoss = (socket, error) => describeTlsLoss(socket as TLSSocket, error, peer, presentsCertificate);
  return factory;
}

/** A TLS connection that connects (and shakes hands) on its first call, or `ready()`. */
export function createTlsConnection(target: ConnectTarget, options: TlsConnectionOptions = {}): Connection {
  const factory = options.socketFactory ?? tlsSocketFactory(target, options.tls, options);
  return new Connection(factory, targetName(target), options);
}

/** Connects over TLS, and resolves with the open connection (rejects if this first attempt fails). */
export function connectTls(target: ConnectTarget, options?: TlsConnectionOptions): Promise<Connection> {
  return Connection.opened(createTlsConnection(target, options));
}

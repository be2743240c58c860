/**
 * Thrift over TLS, server side: a stream Server whose connections are TLS sockets, with mutual TLS on
 * request (the client's certificate in every call's `ctx.peerCertificate`). Failed handshakes are
 * logged as `connection-error` events that say why; a client that does not speak TLS gets its first
 * call answered with an error telling it to, and is logged too.
 */
import type { Socket } from "node:net";
import { createServer as createNodeTlsServer, type TLSSocket } from "node:tls";
import { TApplicationException, TApplicationExceptionType, TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import { servicesOf, type ServiceRegistrations } from "../rpc/registrations.js";
import type { ServiceDescriptor } from "../service.js";
import { Server, SERVER_DEFAULTS, type ListenerFactory } from "../stream/server.js";
import { formatAddress } from "../stream/settings.js";
import { serverTlsError } from "./errors.js";
import { peerCertificateOf } from "./identity.js";
import { TlsListener, type TlsListenerHooks } from "./listener.js";
import type { TlsServerOptions, TlsServerSettings } from "./options.js";
import { serverTlsOptions } from "./settings.js";

/** What a client that does not speak TLS is told (as a TApplicationException to its first call). */
export const TLS_REQUIRED_MESSAGE = "this port serves Thrift over TLS: connect with TLS";

/** A TLS server for one service: `createTlsServer(Calc, handler, { tls: { key, cert } })`. */
export function createTlsServer<H>(descriptor: ServiceDescriptor<any, H>, handler: H, options: TlsServerOptions): Server;
/** A TLS server for several services (Thrift's multiplexed protocol; bare names go to the default service). */
export function createTlsServer(services: ServiceRegistrations, options: TlsServerOptions): Server;
export function createTlsServer(first: ServiceDescriptor<any, any> | ServiceRegistrations, second?: unknown, third?: TlsServerOptions): Server {
  const [services, options] = servicesOf(first, second, third);
  if (options?.tls === undefined) throw new TypeError("createTlsServer needs options.tls (at least a key and a certificate: { tls: { key, cert } })");
  const maxHandshakes = options.tls.maxHandshakes ?? options.maxConnections ?? SERVER_DEFAULTS.maxConnections;
  if (!(maxHandshakes >= 1)) throw new TypeError(`tls.maxHandshakes must be at least 1 (got ${maxHandshakes})`);
  return new Server(services, options, tlsListenerFactory(options.tls, maxHandshakes));
}

/**
 * A listener for the stream Server: TLS connections, handed over once their handshake is done. At most
 * `maxHandshakes` (`tls.maxHandshakes`, else the server's `maxConnections`) are in their handshake at once; past that, a new
 * connection cuts the oldest handshake.
 */
export function tlsListenerFactory(settings: TlsServerSettings, maxHandshakes: number = SERVER_DEFAULTS.maxConnections): ListenerFactory {
  const nodeOptions = serverTlsOptions(settings);
  const handshakeTimeoutMs = nodeOptions.handshakeTimeout!;
  const askForCertificates = nodeOptions.requestCert === true;
  return (accept, logger) => {
    const secure = createNodeTlsServer(nodeOptions, (socket: TLSSocket) => {
      accept(socket, askForCertificates ? { peerCertificate: peerCertificateOf(socket) } : {});
    });
    const hooks: TlsListenerHooks = {
      plain(socket) {
        const error = new TTransportException(
          TTransportExceptionType.NOT_OPEN,
          "a client that does not speak TLS connected to this TLS port (its first call is answered with an error saying so)",
        );
        logger({ kind: "connection-error", peer: peerOf(socket), error });
        accept(socket, { refusal: new TApplicationException(TApplicationExceptionType.UNKNOWN, TLS_REQUIRED_MESSAGE) });
      },
      failed(error, socket, remote) {
        const peer = remote.address === undefined ? undefined : formatAddress(remote.address, remote.port);
        logger({ kind: "connection-error", peer, error: serverTlsError(error, socket, handshakeTimeoutMs) });
      },
      cut(remote, reason) {
        logger({ kind: "connection-rejected", peer: remote.address === undefined ? undefined : formatAddress(remote.address, remote.port), reason });
      },
    };
    // Half-open: a client may end its side after its last request and still get the replies.
    return new TlsListener(secure, handshakeTimeoutMs, hooks, true, maxHandshakes);
  };
}

function peerOf(socket: Socket): string | undefined {
  return socket.remoteAddress === undefined ? undefined : formatAddress(socket.remoteAddress, socket.remotePort);
}

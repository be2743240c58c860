/** Thrift over TCP and Unix domain sockets, server side: a stream Server on a `net.Server`. */
import { createServer as createNetServer } from "node:net";
import type { Registration } from "../rpc/processor.js";
import { servicesOf, type ServiceRegistrations } from "../rpc/registrations.js";
import type { ServiceDescriptor } from "../service.js";
import { Server } from "../stream/server.js";
import type { TcpServerOptions } from "./options.js";

/** A server for one service: `createServer(Calc, handler, options)`. */
export function createServer<H>(descriptor: ServiceDescriptor<any, H>, handler: H, options?: TcpServerOptions): Server;
/** A server for several services (Thrift's multiplexed protocol; bare names go to the default service). */
export function createServer(services: ServiceRegistrations, options?: TcpServerOptions): Server;
export function createServer(first: ServiceDescriptor<any, any> | ServiceRegistrations, second?: unknown, third?: TcpServerOptions): Server {
  const [services, options = {}] = servicesOf(first, second, third);
  return createTcpServer(services, options);
}

function createTcpServer(services: Record<string, Registration>, options: TcpServerOptions): Server {
  // Half-open: a client may end its side after its last request and still get the replies.
  return new Server(services, options, (accept) => createNetServer({ allowHalfOpen: true }, accept));
}

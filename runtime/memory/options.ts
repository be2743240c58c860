import type { Protocol, ReaderLimits } from "../protocol/protocol.js";
import type { ChannelOptions } from "../rpc/channel.js";
import type { ServerInterceptor } from "../rpc/interceptors.js";
import type { ServerLogger } from "../rpc/processor.js";
import type { PeerCertificate } from "../service.js";

export interface InMemoryOptions extends ChannelOptions, Partial<ReaderLimits> {
  /** Default BinaryProtocol. */
  protocol?: Protocol | undefined;
  /** When the channel makes its own server: the service for method names without a `Service:` prefix. */
  defaultService?: string | undefined;
  /** When the channel makes its own server: its interceptors (`interceptors` are the client's). */
  serverInterceptors?: readonly ServerInterceptor[] | undefined;
  /** When the channel makes its own server: where handler errors are reported. Default: none. */
  logger?: ServerLogger | undefined;
  /** The client certificate calls arrive with (`ctx.peerCertificate`), as over mutual TLS: for testing interceptors that authorise on it. */
  peerCertificate?: PeerCertificate | undefined;
}

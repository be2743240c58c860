import type { Protocol, ReaderLimits } from "../protocol/protocol.js";
import type { ChannelOptions } from "../rpc/channel.js";
import type { ServerInterceptor } from "../rpc/interceptors.js";
import type { ServerLogger } from "../rpc/processor.js";

export interface InMemoryOptions extends ChannelOptions, Partial<ReaderLimits> {
  /** Default BinaryProtocol. */
  protocol?: Protocol | undefined;
  /** When the channel makes its own server: the service for method names without a `Service:` prefix. */
  defaultService?: string | undefined;
  /** When the channel makes its own server: its interceptors (`interceptors` are the client's). */
  serverInterceptors?: readonly ServerInterceptor[] | undefined;
  /** When the channel makes its own server: where handler errors are reported. Default: none. */
  logger?: ServerLogger | undefined;
}

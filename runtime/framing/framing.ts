/**
 * How messages sit in a byte stream. `framed` puts a 4-byte big-endian length before each message;
 * `buffered` puts nothing between them (a scanner walks each message to find its end). The set is open:
 * another framing implements this interface and is passed as the `transport` option. THeader
 * (runtime/header/) is one: it carries metadata with each message, which its decoder hands out as a
 * MessageMeta and its output takes at `begin(meta)`; the stream client and server pass it through
 * without knowing what is in it.
 */
import type { Protocol, ReaderLimits } from "../protocol/protocol.js";
import { BufferedDecoder, FramedDecoder, type MessageDecoder, type MessageHandler } from "./decoder.js";
import { MessageOutput, type FramingOutput } from "./output.js";
import { createScanner } from "./scanner.js";

/** What a framing's input side enforces. */
export interface FrameLimits extends ReaderLimits {
  /** Largest message (framed: frame length; buffered: message size). */
  readonly maxFrameSize: number;
}

export interface Framing {
  /** `framed`, `buffered`, ... */
  readonly name: string;
  /**
   * True when messages carry headers (THeader): clients then send call headers and the deadline
   * (`Deadline-Budget`) through `begin(meta)`, and servers read them from each message's MessageMeta.
   */
  readonly carriesHeaders?: boolean | undefined;
  /**
   * True when a connection's decoder and output carry state from one message to the next (the zlib
   * transport: one zlib stream each way): they last as long as the connection, and are not dropped,
   * to be made afresh, while it is quiet.
   */
  readonly streamState?: boolean | undefined;
  /** The output side of one connection: messages are encoded into it and flushed in batches. */
  createOutput(protocol: Protocol): FramingOutput;
  /** The input side of one connection: turns received bytes into messages for `onMessage`. */
  createDecoder(protocol: Protocol, limits: FrameLimits, onMessage: MessageHandler): MessageDecoder;
}

export const Framed: Framing = {
  name: "framed",
  createOutput: (protocol) => new MessageOutput(protocol, true),
  createDecoder: (_protocol, limits, onMessage) => new FramedDecoder(onMessage, limits.maxFrameSize),
};

export const Buffered: Framing = {
  name: "buffered",
  createOutput: (protocol) => new MessageOutput(protocol, false),
  createDecoder: (protocol, limits, onMessage) =>
    new BufferedDecoder(onMessage, createScanner(protocol, { ...limits, maxMessageSize: limits.maxFrameSize }), limits.maxFrameSize),
};

/** The built-in framings by name. */
export const FRAMINGS: Readonly<Record<string, Framing>> = { framed: Framed, buffered: Buffered };

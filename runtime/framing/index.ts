/** Framings: how messages sit in a byte stream (framed, buffered), their decoders, output and scanners. */
export { Buffered, Framed, FRAMINGS, type FrameLimits, type Framing } from "./framing.js";
export { BufferedDecoder, FramedDecoder, type MessageDecoder, type MessageHandler, type MessageMeta } from "./decoder.js";
export { MessageOutput, type ByteSink, type FramingOutput, type OutgoingMeta } from "./output.js";
export {
  BinaryScanner,
  CompactScanner,
  JsonScanner,
  createScanner,
  DEFAULT_MAX_FRAME_SIZE,
  type MessageScanner,
  type ScannerLimits,
} from "./scanner.js";

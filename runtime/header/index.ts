/** THeader: messages with a protocol id, headers and transforms; servers that detect the client's dialect. */
export { Header, headerFraming, type HeaderOptions } from "./framing.js";
export type { HeaderTransform } from "./codec.js";

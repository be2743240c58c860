/** The zlib transport: a connection's whole byte stream as one zlib stream, any framing inside. */
export { zlibFraming, type ZlibOptions } from "./framing.js";

/** Thrift over HTTP, the browser-safe part: the fetch client, its errors and content types, CORS options. */
export { HttpChannelBase, type HttpReply } from "./channel.js";
export { THRIFT_CONTENT_TYPE, THRIFT_JSON_CONTENT_TYPE, contentTypeOf, detectProtocol } from "./content-type.js";
export type { CorsOptions } from "./cors.js";
export { HttpError } from "./errors.js";
export { createFetchChannel, createFetchChannel as createHttpChannel, FetchChannel } from "./fetch-channel.js";
export type { HttpChannelOptions } from "./options.js";

/** Thrift over HTTP in Node: the server (a request handler, and a ready-made server) and the node:http client. */
export { createHttpChannel, NodeHttpChannel } from "./client.js";
export { createHttpHandler, type HttpHandler, type HttpRequest, type HttpResponse } from "./handler.js";
export { createHttpServer, HttpServer } from "./server.js";
export type { HttpHandlerOptions, HttpLimits, JsonRouteOptions } from "./options.js";
export { HTTP_GET_ANNOTATION, JSON_CONTENT_TYPE } from "./json-route.js";
export type { HttpServerOptions, NodeHttpChannelOptions } from "./node-options.js";

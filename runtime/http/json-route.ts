/**
 * Plain JSON calls over HTTP, beside Thrift calls on the same handler: what a person types into curl.
 *
 *   POST /<Service>/<method>   Content-Type: application/json, the arguments as an object by name
 *   GET  /<Service>/<method>?a=1&b=x   for methods annotated `(http.get)` or listed in `json.get`
 *
 * Requests are told apart from Thrift calls, which may come to any path (Apache's clients send
 * `application/x-thrift` or `application/vnd.apache.thrift.json`), by their content type: every
 * `application/json` POST is a JSON call; so is a POST to `/<Service>/...` of a served service with
 * the content types that curl's `-d` and fetch's string bodies default to (form-urlencoded,
 * text/plain), its body read as JSON all the same. Other methods by their path naming a served service.
 * Values follow the JSON mapping (reflect/json-mapping.ts). Answers, all `application/json`:
 *
 *   200 {"result": ...}   ({} for void)          202 {} for oneway, before the handler runs
 *   422 {"exception": "<IDL name>", "value": {...}} for a declared exception
 *   400 / 403 / 404 / 405 / 408 / 413 / 500 {"error": "<code>", "message": "..."}
 *
 * Headers, `Deadline-Budget`, interceptors, `ctx.peerCertificate` and CORS work as for Thrift calls. A
 * call an interceptor refuses (CallRefused: "unauthenticated: ..." or "permission denied: ...") is a 403
 * with its message, and a `call-refused` event, as over Thrift.
 */
import { TApplicationException, TTransportException, TTransportExceptionType } from "../protocol/errors.js";
import { fromJson, JsonMappingError, scalarFromText, toJson } from "../reflect/json-mapping.js";
import { isScalar, structInfo, typeKind, type TypeSchema } from "../reflect/schema.js";
import type { Scope } from "../rpc/context.js";
import { DEADLINE_BUDGET_HEADER, deadlineOf } from "../rpc/headers.js";
import { describe } from "../rpc/logger.js";
import { IncomingCall, type Processor, type Registration } from "../rpc/processor.js";
import { CallRefused } from "../rpc/refused.js";
import type { MethodDescriptor, PeerCertificate } from "../service.js";
import type { Cors } from "./cors.js";
import type { RequestLike, ResponseLike } from "./exchange.js";
import type { JsonRouteOptions } from "./options.js";

export const JSON_CONTENT_TYPE = "application/json";

/** The IDL annotation that lets a method be called with GET: `(http.get)` or `(http.get = "true")`. */
export const HTTP_GET_ANNOTATION = "http.get";

/** The status a declared exception is answered with. */
export const DECLARED_EXCEPTION_STATUS = 422;

/** The `error` code of each status the JSON routes answer with. */
const ERROR_CODES: Readonly<Record<number, string>> = {
  400: "bad_request",
  403: "forbidden",
  404: "not_found",
  405: "method_not_allowed",
  408: "request_timeout",
  413: "payload_too_large",
  500: "internal",
};

/** True when a Content-Type header names `application/json` (parameters such as charset aside). */
export function isJsonContentType(contentType: string | undefined): boolean {
  return mediaType(contentType) === JSON_CONTENT_TYPE;
}

/** What clients send JSON as when not told otherwise: curl's `-d`, and fetch with a string body. */
const DEFAULT_CONTENT_TYPES: ReadonlySet<string> = new Set(["application/x-www-form-urlencoded", "text/plain"]);

function mediaType(contentType: string | undefined): string | undefined {
  if (contentType === undefined) return undefined;
  const semi = contentType.indexOf(";");
  return (semi < 0 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

/** The body of an error answer: `{"error": "<code>", "message": "..."}`. */
export function jsonErrorBody(status: number, message: string): string {
  return `${JSON.stringify({ error: ERROR_CODES[status] ?? `http_${status}`, message })}\n`;
}

/** What the handler hands a JSON request: its exchange, and the body reader with the handler's limits. */
export interface JsonExchange {
  readonly req: RequestLike;
  readonly res: ResponseLike;
  readonly scope: Scope;
  readonly peer: string | undefined;
  /** The certificate the client presented over TLS. */
  readonly peerCertificate: PeerCertificate | undefined;
  readonly cors: Cors | undefined;
  readonly maxBodySize: number;
  readonly maxDepth: number;
  /** The request's headers (HTTP/2 pseudo-headers left out). */
  headers(): Headers;
  /** Reads the body; resolves undefined when it answered the request itself (413, 408). */
  readBody(): Promise<Uint8Array | undefined>;
}

interface Route {
  readonly service: string;
  readonly registration: Registration;
  readonly method: MethodDescriptor;
  readonly get: boolean;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

export class JsonRoutes {
  private readonly routes = new Map<string, Route>();

  constructor(
    private readonly processor: Processor,
    options: JsonRouteOptions = {},
  ) {
    const listed = new Set(options.get ?? []);
    for (const [service, registration] of Object.entries(processor.registrations)) {
      for (const [name, method] of Object.entries(registration.descriptor.methods)) {
        const key = `${service}.${name}`;
        const get = getAllowed(key, method, listed.delete(key));
        this.routes.set(`/${service}/${name}`, { service, registration, method, get });
      }
    }
    if (listed.size > 0) throw new Error(`json.get names no method served here: ${[...listed].join(", ")} (write Service.method)`);
  }

  /**
   * True for the requests these routes answer: POSTs of `application/json`; POSTs of a form or of
   * plain text to `/<Service>/...` of a served service; and requests of any other method there (GET
   * calls, CORS preflights, and what is refused there with 404 or 405).
   */
  claims(req: RequestLike): boolean {
    const path = pathOf(req.url);
    const slash = path.indexOf("/", 1);
    const served = slash > 1 && Object.hasOwn(this.processor.registrations, path.slice(1, slash));
    if (req.method !== "POST") return served;
    const type = mediaType(headerOf(req, "content-type"));
    return type === JSON_CONTENT_TYPE || (served && type !== undefined && DEFAULT_CONTENT_TYPES.has(type));
  }

  serve(x: JsonExchange): void {
    const { req } = x;
    const path = pathOf(req.url);
    const method = req.method ?? "GET";
    const origin = headerOf(req, "origin");
    const route = this.routes.get(path);
    const allow = route === undefined ? ["POST"] : route.get ? ["GET", "POST"] : ["POST"];
    if (x.cors !== undefined) allow.push("OPTIONS");
    if (method === "OPTIONS") {
      this.preflight(x, origin, allow);
      return;
    }
    if (origin !== undefined && x.cors !== undefined && !x.cors.allows(origin)) {
      this.refuse(x, 403, `origin ${origin} is not allowed`);
      return;
    }
    const cors = origin !== undefined && x.cors !== undefined ? origin : undefined;
    if (method !== "POST" && method !== "GET") {
      this.refuse(x, 405, `${method} is not served here: JSON calls are POST requests`, { allow: allow.join(", ") });
      return;
    }
    const found = route === undefined ? undefined : this.processor.lookup(route.service, route.method.name);
    if (route === undefined || found === undefined) {
      this.refuse(x, 404, notFound(path, route));
      return;
    }
    if (method === "GET") {
      if (!route.get) {
        this.refuse(x, 405, `${route.service}.${route.method.name} cannot be called with GET (it is not annotated (${HTTP_GET_ANNOTATION}) nor listed in json.get): POST its arguments as JSON`, { allow: allow.join(", ") });
        return;
      }
      const json = this.queryArgs(x, route, req.url ?? "");
      if (json !== undefined) this.call(x, route, found.registration, json, cors);
      return;
    }
    x.readBody().then(
      (body) => {
        if (body === undefined) return; // answered already (413, 408)
        const json = this.bodyArgs(x, route, body);
        if (json !== undefined) this.call(x, route, found.registration, json, cors);
      },
      (error: unknown) => this.refuse(x, 400, `the request body could not be read: ${describe(error)}`, { connection: "close" }),
    );
  }

  private preflight(x: JsonExchange, origin: string | undefined, allow: readonly string[]): void {
    if (x.cors === undefined) {
      this.refuse(x, 405, "OPTIONS is not served here: CORS is not enabled on this server", { allow: allow.join(", ") });
      return;
    }
    if (origin === undefined) {
      x.res.writeHead(204, { allow: allow.join(", ") });
      x.res.end();
      return;
    }
    if (!x.cors.allows(origin)) {
      this.refuse(x, 403, `origin ${origin} is not allowed`);
      return;
    }
    const methods = allow.filter((m) => m !== "OPTIONS");
    const requested = headerOf(x.req, "access-control-request-method");
    if (requested !== undefined && !methods.includes(requested)) {
      this.refuse(x, 405, `${requested} is not served here (${methods.join(", ")})`, { allow: allow.join(", ") });
      return;
    }
    x.res.writeHead(204, x.cors.preflight(origin, methods, headerOf(x.req, "access-control-request-headers")));
    x.res.end();
  }

  /** The arguments of a POST: the body as a JSON object (an empty body is `{}`); undefined when it answered 400. */
  private bodyArgs(x: JsonExchange, route: Route, body: Uint8Array): unknown {
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      this.refuse(x, 400, "the request body is not UTF-8");
      return undefined;
    }
    if (text.trim() === "") return this.args(x, route, {});
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      this.refuse(x, 400, `the request body is not JSON: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
    return this.args(x, route, json);
  }

  /** The arguments of a GET: each query parameter read as its parameter's type; undefined when it answered 400. */
  private queryArgs(x: JsonExchange, route: Route, url: string): unknown {
    const q = url.indexOf("?");
    const query = new URLSearchParams(q < 0 ? "" : url.slice(q + 1));
    const params = structInfo(route.method.args).byName;
    const json: Record<string, unknown> = {};
    for (const [name, text] of query) {
      const param = params.get(name)?.schema;
      if (param === undefined) {
        this.refuse(x, 400, unknownParam(route, name));
        return undefined;
      }
      if (Object.hasOwn(json, name)) {
        this.refuse(x, 400, `args.${name}: given more than once`);
        return undefined;
      }
      json[name] = scalarFromText(param.type, text);
    }
    return this.args(x, route, json);
  }

  /** The decoded args struct of `json`, or undefined when it answered 400. */
  private args(x: JsonExchange, route: Route, json: unknown): unknown {
    if (typeof json === "object" && json !== null && !Array.isArray(json)) {
      const info = structInfo(route.method.args);
      const unknown = Object.keys(json).find((k) => !info.byName.has(k));
      if (unknown !== undefined) {
        this.refuse(x, 400, unknownParam(route, unknown));
        return undefined;
      }
    }
    try {
      return fromJson(route.method.args, json, { path: "args", maxDepth: x.maxDepth });
    } catch (error) {
      if (!(error instanceof JsonMappingError)) throw error;
      const message = error.path === "args" && !isObject(json) ? `args: expected an object of ${route.service}.${route.method.name}'s parameters by name, got ${shape(json)}` : error.message;
      this.refuse(x, 400, message);
      return undefined;
    }
  }

  private call(x: JsonExchange, route: Route, registration: Registration, args: unknown, cors: string | undefined): void {
    const { processor } = this;
    const method = route.method;
    const call = new IncomingCall(0, method.name, method.oneway, route.service, registration, method, args);
    if (method.oneway) this.send(x, 202, "{}\n", undefined, cors); // the client waits for nothing more
    const headers = x.headers();
    const ctx = processor.context(call, {
      peer: x.peer,
      peerCertificate: x.peerCertificate,
      scope: x.scope,
      headers,
      deadline: deadlineOf(headers.get(DEADLINE_BUDGET_HEADER), Date.now()),
    });
    const settle = (value: unknown, failed: boolean): void => {
      ctx.release();
      if (failed && value instanceof CallRefused) {
        processor.logger({ kind: "call-refused", service: route.service, method: method.name, peer: x.peer, reason: value.reason });
        if (!method.oneway && !x.res.writableEnded && x.scope.abortReason === undefined) this.send(x, 403, jsonErrorBody(403, value.message), ctx.replyHeaders, cors);
        return;
      }
      if (method.oneway) {
        if (failed) processor.logger({ kind: "oneway-error", service: route.service, method: method.name, error: value });
        return;
      }
      if (x.res.writableEnded || x.scope.abortReason !== undefined) return; // the client went away
      const [status, body] = failed ? this.failure(route, value) : this.success(route, value);
      this.send(x, status, body, ctx.replyHeaders, cors);
    };
    processor.run(call, ctx, settle);
  }

  private success(route: Route, value: unknown): [number, string] {
    const method = route.method;
    if (method.returnsVoid) return [200, "{}\n"];
    try {
      if (value === undefined) throw new Error("the handler returned no value");
      const returns = structInfo(method.result).fields.find((f) => f.schema.id === 0)!.schema.type;
      return [200, `${JSON.stringify({ result: toJson(returns, value, { path: "result" }) })}\n`];
    } catch (error) {
      // What the binary path does with a value it cannot encode: report it, answer a generic error.
      this.processor.logger({ kind: "result-error", service: route.service, method: method.name, error });
      return [500, jsonErrorBody(500, "Internal error")];
    }
  }

  private failure(route: Route, error: unknown): [number, string] {
    const method = route.method;
    for (const declared of method.throws) {
      if (!(error instanceof declared.type)) continue;
      const field = structInfo(method.result).fields.find((f) => f.schema.id === declared.id)!;
      try {
        const value = toJson(field.schema.type, error, { path: declared.name });
        return [DECLARED_EXCEPTION_STATUS, `${JSON.stringify({ exception: (error as Error).name, value })}\n`];
      } catch (mapping) {
        this.processor.logger({ kind: "result-error", service: route.service, method: method.name, error: mapping });
        return [500, jsonErrorBody(500, "Internal error")];
      }
    }
    if (error instanceof TApplicationException) return [500, jsonErrorBody(500, error.message)];
    // Undeclared errors reach the operator's log; the client learns only that it failed.
    this.processor.logger({ kind: "handler-error", service: route.service, method: method.name, error });
    return [500, jsonErrorBody(500, "Internal error")];
  }

  /** Answers with a JSON error and reports it, as the handler's refusals do. */
  private refuse(x: JsonExchange, status: number, message: string, headers: Record<string, string> = {}): void {
    this.processor.logger({ kind: "request-rejected", peer: x.peer, status, reason: message });
    if (x.res.headersSent) {
      x.res.end();
      return;
    }
    if ((x.req as { httpVersionMajor?: number }).httpVersionMajor === 2) delete headers["connection"];
    const body = jsonErrorBody(status, message);
    x.res.writeHead(status, { "content-type": JSON_CONTENT_TYPE, "content-length": String(Buffer.byteLength(body)), ...headers });
    x.res.end(body);
  }

  private send(x: JsonExchange, status: number, body: string, replyHeaders: Headers | undefined, origin: string | undefined): void {
    const { res } = x;
    if (res.headersSent || res.writableEnded) return;
    let bytes = Buffer.from(body);
    if (bytes.length > x.maxBodySize) {
      this.processor.logger({
        kind: "result-error",
        service: "",
        method: pathOf(x.req.url),
        error: new TTransportException(TTransportExceptionType.SIZE_LIMIT, `reply of ${bytes.length} bytes exceeds the maximum body size of ${x.maxBodySize} bytes`),
      });
      status = 500;
      bytes = Buffer.from(jsonErrorBody(500, "Internal error"));
    }
    const headers: Record<string, string | string[]> = {};
    if (replyHeaders !== undefined) {
      for (const [name, value] of replyHeaders) {
        const prev = headers[name];
        headers[name] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
      }
    }
    if (origin !== undefined) Object.assign(headers, x.cors!.response(origin, replyHeaders?.keys() ?? []));
    headers["content-type"] = JSON_CONTENT_TYPE;
    headers["content-length"] = String(bytes.length);
    res.writeHead(status, headers);
    res.end(bytes);
  }
}

/** Whether GET is allowed for a method, from its annotation and the `json.get` option; checks it can be. */
function getAllowed(key: string, method: MethodDescriptor, listed: boolean): boolean {
  const annotation = method.annotations[HTTP_GET_ANNOTATION];
  let get = listed;
  if (annotation !== undefined) {
    const on = annotation === "1" || annotation === "true";
    if (!on && annotation !== "0" && annotation !== "false") {
      throw new Error(`${key}: (${HTTP_GET_ANNOTATION} = "${annotation}") must be "true" or "false"`);
    }
    get ||= on;
  }
  if (!get) return false;
  const complex = method.args.fields().find((f) => !isScalar(f.type));
  if (complex !== undefined) {
    throw new Error(`${key} cannot be called with GET: its parameter ${complex.name} is a ${describeType(complex.type)}, and query parameters carry only scalars and enums`);
  }
  return true;
}

function describeType(t: TypeSchema): string {
  const kind = typeKind(t);
  return kind === "struct" ? (t as { name: string }).name : kind;
}

function notFound(path: string, route: Route | undefined): string {
  if (route !== undefined) return `${route.service} does not implement ${route.method.name} here`;
  const parts = path.split("/");
  if (parts.length !== 3 || parts[1] === "" || parts[2] === "") return `no JSON route at ${path}: JSON calls go to /<Service>/<method>`;
  return `no method ${parts[1]}.${parts[2]} here`;
}

function unknownParam(route: Route, name: string): string {
  const names = route.method.args.fields().map((f) => f.name);
  return `args: ${route.service}.${route.method.name} has no parameter ${JSON.stringify(name)} (its parameters: ${names.length === 0 ? "none" : names.join(", ")})`;
}

function isObject(j: unknown): boolean {
  return typeof j === "object" && j !== null && !Array.isArray(j);
}

function shape(j: unknown): string {
  if (Array.isArray(j)) return "an array";
  if (j === null) return "null";
  return typeof j === "string" ? "a string" : typeof j === "number" ? "a number" : typeof j === "boolean" ? "a boolean" : typeof j;
}

function pathOf(url: string | undefined): string {
  if (url === undefined) return "/";
  const q = url.indexOf("?");
  return q < 0 ? url : url.slice(0, q);
}

function headerOf(req: RequestLike, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}


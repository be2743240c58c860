/** Pieces of the HTTP tests: servers that are always stopped, raw requests, encoded calls. */
import { request as httpRequest, type IncomingHttpHeaders } from "node:http";
import { connect as http2Connect } from "node:http2";
import {
  BinaryProtocol,
  createHttpServer,
  MessageType,
  type HttpServer,
  type HttpServerOptions,
  type Protocol,
  type ServerEvent,
} from "../../runtime/index.js";
import { Calc, InvalidOperation, type CalcHandler } from "../../generated/calc.js";
import { onCleanup } from "../runtime/helpers.js";

export interface StartedHttp {
  server: HttpServer;
  url: string;
  port: number;
  events: ServerEvent[];
}

/** Divides; a negative num1 waits -num1 ms first (aborting with its signal); num2 = 0 throws InvalidOperation. */
export const calcHandler: CalcHandler = {
  async divide(num1, num2, ctx) {
    if (num2 === 0) throw new InvalidOperation({ message: `cannot divide ${num1} by zero` });
    if (num1 < 0) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, -num1);
        ctx.signal.addEventListener("abort", () => {
          clearTimeout(t);
          reject(ctx.signal.reason);
        });
      });
    }
    return num1 / num2;
  },
};

/** Starts a Calc HTTP server on 127.0.0.1, destroyed after the test; events are recorded. */
export async function startHttp(options: HttpServerOptions & { handler?: CalcHandler } = {}): Promise<StartedHttp> {
  const events: ServerEvent[] = [];
  const { handler, ...rest } = options;
  const server = createHttpServer(Calc, handler ?? calcHandler, { logger: (e) => events.push(e), ...rest });
  const address = await server.listen(0, "127.0.0.1");
  onCleanup(() => server.destroy());
  const port = "port" in address ? address.port : 0;
  return { server, port, url: `http://127.0.0.1:${port}/`, events };
}

export interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** Local port of the connection that carried the request (keep-alive checks). */
  localPort: number;
}

/** One HTTP/1.1 request with exactly these method, path, headers and body. */
export function raw(
  port: number,
  options: { method?: string; path?: string; headers?: Record<string, string>; body?: Uint8Array | string; agent?: import("node:http").Agent | false },
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: "127.0.0.1", port, method: options.method ?? "POST", path: options.path ?? "/", headers: options.headers ?? {}, agent: options.agent ?? false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), localPort: req.socket?.localPort ?? 0 }));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(options.body);
  });
}

/** One HTTP/2 request in clear text (prior knowledge). */
export function raw2(port: number, body: Uint8Array, headers: Record<string, string> = {}): Promise<{ status: number; headers: Record<string, unknown>; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const session = http2Connect(`http://127.0.0.1:${port}`);
    session.on("error", reject);
    const stream = session.request({ ":method": "POST", ":path": "/", ...headers });
    let responseHeaders: Record<string, unknown> = {};
    stream.on("response", (h) => (responseHeaders = h));
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      session.close();
      resolve({ status: Number(responseHeaders[":status"]), headers: responseHeaders, body: Buffer.concat(chunks) });
    });
    stream.on("error", reject);
    stream.end(body);
  });
}

/** The bytes of a `Calc.divide` call (or of a call to another name), in `protocol`. */
export function divideCall(num1: number, num2: number, options: { protocol?: Protocol; name?: string; seqid?: number; type?: MessageType } = {}): Uint8Array {
  const w = (options.protocol ?? BinaryProtocol).createWriter();
  w.writeMessageBegin(options.name ?? "divide", options.type ?? MessageType.CALL, options.seqid ?? 1);
  Calc.methods["divide"]!.args.write(w, { num1, num2 });
  w.writeMessageEnd();
  return w.buffer.finish();
}

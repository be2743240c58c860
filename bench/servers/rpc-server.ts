/**
 * One RPC benchmark server, run as a child process of the harness (bench/rpc.ts):
 *
 *   node dist/bench/servers/rpc-server.js <kind>
 *
 * kinds: raw, raw-batched, apache, grpc, rpcgen-binary, rpcgen-compact (TCP); http-raw, http2-raw,
 * rpcgen-http, apache-http, connect (HTTP, bench/http.ts); rpcgen-tls, apache-tls, rpcgen-header,
 * rpcgen-zlib (binary, bench/transports.ts). It listens on a free port of
 * 127.0.0.1 and talks to the parent over the IPC channel: it sends { type: "ready", port } (or
 * { type: "error", message }), answers { type: "cpu" } with its process.cpuUsage(), and exits on
 * { type: "exit" } or when the parent goes away.
 */
import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createHttp2Server, type ServerHttp2Stream } from "node:http2";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { BinaryProtocol, CompactProtocol, createHttpServer, createServer, createTlsServer, type TcpServerOptions } from "../../runtime/index.js";
import { connectCalc } from "../lib/connect-calc.js";
import { IDL_DIR, peerRequire } from "../lib/common.js";
import { APACHE_GEN, RPCGEN_GEN } from "../lib/prepare.js";
import { benchKeys } from "../lib/tls-keys.js";
import { CALL_SIZE, NUM1_AT, NUM2_AT, REPLY_SIZE, REPLY_TEMPLATE, RESULT_AT, SEQID_AT } from "../lib/wire.js";

type Reply = { type: "ready"; port: number } | { type: "error"; message: string } | { type: "cpu"; user: number; system: number };

function send(message: Reply): void {
  process.send?.(message);
}

/** Something to close on exit. */
let closeServer: () => void = () => {};

/** The raw floor: answers every complete frame with the reply bytes; `batched` writes one chunk's replies at once. */
function rawServer(batched: boolean): Promise<number> {
  const server = createNetServer((socket: Socket) => {
    socket.setNoDelay(true);
    let rest: Buffer | undefined;
    socket.on("data", (chunk: Buffer) => {
      const data = rest === undefined ? chunk : Buffer.concat([rest, chunk]);
      rest = undefined;
      let off = 0;
      const frames: number[] = [];
      while (data.length - off >= 4) {
        const size = data.readInt32BE(off) + 4;
        if (size !== CALL_SIZE) {
          socket.destroy(new Error(`unexpected frame of ${size} bytes`));
          return;
        }
        if (data.length - off < size) break;
        frames.push(off);
        off += size;
      }
      if (off < data.length) rest = data.subarray(off);
      if (frames.length === 0) return;
      const out = Buffer.allocUnsafe(batched ? REPLY_SIZE * frames.length : REPLY_SIZE);
      for (let i = 0; i < frames.length; i++) {
        const at = frames[i]!;
        const reply = batched ? out.subarray(i * REPLY_SIZE, (i + 1) * REPLY_SIZE) : i === 0 ? out : Buffer.allocUnsafe(REPLY_SIZE);
        REPLY_TEMPLATE.copy(reply);
        reply.writeInt32BE(data.readInt32BE(at + SEQID_AT), SEQID_AT);
        reply.writeDoubleBE(data.readInt32BE(at + NUM1_AT) / data.readInt32BE(at + NUM2_AT), RESULT_AT);
        if (!batched) socket.write(reply);
      }
      if (batched) socket.write(out);
    });
    socket.on("error", () => socket.destroy());
  });
  closeServer = () => server.close();
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

/** Apache's binary framed server; over TLS with the bench keys when `tls`. */
function apacheServer(tls = false): Promise<number> {
  const thrift = peerRequire("thrift") as any;
  const Calc = peerRequire(join(APACHE_GEN, "Calc.js")) as any;
  const types = peerRequire(join(APACHE_GEN, "calc_types.js")) as any;
  // Node-callback handler (three parameters): the 0.17 processor calls it directly, without Q.
  const handler = {
    divide(num1: number, num2: number, result: (err: unknown, value?: number) => void): void {
      if (num2 === 0) result(new types.InvalidOperation({ message: "division by zero" }));
      else result(null, num1 / num2);
    },
  };
  const server = thrift.createServer(Calc, handler, {
    transport: thrift.TFramedTransport,
    protocol: thrift.TBinaryProtocol,
    ...(tls ? { tls: benchKeys().server } : {}),
  });
  server.on("error", () => {});
  closeServer = () => server.close();
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

function grpcServer(): Promise<number> {
  const grpc = peerRequire("@grpc/grpc-js") as any;
  const loader = peerRequire("@grpc/proto-loader") as any;
  const def = loader.loadSync(join(IDL_DIR, "calc.proto"), { keepCase: true, defaults: true });
  const Calc = grpc.loadPackageDefinition(def).bench.Calc;
  const server = new grpc.Server();
  server.addService(Calc.service, {
    Divide(call: { request: { num1: number; num2: number } }, callback: (err: unknown, reply?: { result: number }) => void): void {
      const { num1, num2 } = call.request;
      if (num2 === 0) callback({ code: grpc.status.INVALID_ARGUMENT, details: "division by zero" });
      else callback(null, { result: num1 / num2 });
    },
  });
  closeServer = () => server.forceShutdown();
  return new Promise((resolve, reject) => {
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err: Error | null, port: number) => (err ? reject(err) : resolve(port)));
  });
}

/** rpcgen's stream server with these options: plain TCP, or TLS with the bench keys when `tls`. */
async function rpcgenServer(options: TcpServerOptions, tls = false): Promise<number> {
  const mod = (await import(pathToFileURL(join(RPCGEN_GEN, "calc.js")).href)) as any;
  const InvalidOperation = mod.InvalidOperation as new (init: { message: string }) => Error;
  const handler = {
    divide(num1: number, num2: number): number {
      if (num2 === 0) throw new InvalidOperation({ message: "division by zero" });
      return num1 / num2;
    },
  };
  const settings = { ...options, logger: () => {} };
  const server = tls ? createTlsServer(mod.Calc, handler, { ...settings, tls: benchKeys().server }) : createServer(mod.Calc, handler, settings);
  closeServer = () => void server.close();
  const address = await server.listen(0, "127.0.0.1");
  return (address as { port: number }).port;
}

/** The unframed call's 33 bytes → the unframed reply's 30 bytes (the framed layouts less their length). */
function answer(call: Buffer): Buffer {
  const reply = Buffer.allocUnsafe(REPLY_SIZE - 4);
  REPLY_TEMPLATE.copy(reply, 0, 4);
  reply.writeInt32BE(call.readInt32BE(SEQID_AT - 4), SEQID_AT - 4);
  reply.writeDoubleBE(call.readInt32BE(NUM1_AT - 4) / call.readInt32BE(NUM2_AT - 4), RESULT_AT - 4);
  return reply;
}

function listening(server: NetServer | ReturnType<typeof createHttp2Server>): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

/** The HTTP/1.1 floor: node:http answering each POST body with the reply bytes, keep-alive. */
function httpRawServer(): Promise<number> {
  const server = createHttp1Server((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      if (body.length !== CALL_SIZE - 4) {
        res.writeHead(400).end();
        return;
      }
      const reply = answer(body);
      res.writeHead(200, { "content-type": "application/x-thrift", "content-length": String(reply.length) });
      res.end(reply);
    });
  });
  closeServer = () => server.close();
  return listening(server);
}

/** The HTTP/2 floor: node:http2 (h2c) answering each stream with the reply bytes. */
function http2RawServer(): Promise<number> {
  const server = createHttp2Server();
  server.on("stream", (stream: ServerHttp2Stream) => {
    const chunks: Buffer[] = [];
    stream.on("data", (c: Buffer) => chunks.push(c));
    stream.on("end", () => {
      const reply = answer(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
      stream.respond({ ":status": 200, "content-type": "application/x-thrift", "content-length": reply.length });
      stream.end(reply);
    });
    stream.on("error", () => {});
  });
  closeServer = () => server.close();
  return listening(server);
}

async function rpcgenHttpServer(): Promise<number> {
  const mod = (await import(pathToFileURL(join(RPCGEN_GEN, "calc.js")).href)) as any;
  const InvalidOperation = mod.InvalidOperation as new (init: { message: string }) => Error;
  const server = createHttpServer(
    mod.Calc,
    {
      divide(num1: number, num2: number): number {
        if (num2 === 0) throw new InvalidOperation({ message: "division by zero" });
        return num1 / num2;
      },
    },
    { logger: () => {} },
  );
  closeServer = () => void server.destroy();
  const address = await server.listen(0, "127.0.0.1");
  return (address as { port: number }).port;
}

function apacheHttpServer(): Promise<number> {
  const thrift = peerRequire("thrift") as any;
  const Calc = peerRequire(join(APACHE_GEN, "Calc.js")) as any;
  const types = peerRequire(join(APACHE_GEN, "calc_types.js")) as any;
  const handler = {
    divide(num1: number, num2: number, result: (err: unknown, value?: number) => void): void {
      if (num2 === 0) result(new types.InvalidOperation({ message: "division by zero" }));
      else result(null, num1 / num2);
    },
  };
  const server = thrift.createWebServer({
    services: { "/": { transport: thrift.TBufferedTransport, protocol: thrift.TBinaryProtocol, processor: Calc, handler } },
  });
  server.on("error", () => {});
  closeServer = () => server.close();
  return listening(server);
}

function connectServer(): Promise<number> {
  const { Calc, connectNodeAdapter } = connectCalc();
  const server = createHttp1Server(
    connectNodeAdapter({
      routes: (router: any) =>
        router.service(Calc, {
          divide(req: { num1: number; num2: number }) {
            if (req.num2 === 0) throw new Error("division by zero");
            return { result: req.num1 / req.num2 };
          },
        }),
    }),
  );
  closeServer = () => server.close();
  return listening(server);
}

function start(kind: string): Promise<number> {
  switch (kind) {
    case "raw":
      return rawServer(false);
    case "raw-batched":
      return rawServer(true);
    case "apache":
      return apacheServer();
    case "grpc":
      return grpcServer();
    case "rpcgen-binary":
      return rpcgenServer({ protocol: BinaryProtocol, transport: "framed" });
    case "rpcgen-compact":
      return rpcgenServer({ protocol: CompactProtocol, transport: "framed" });
    case "rpcgen-tls":
      return rpcgenServer({ protocol: BinaryProtocol, transport: "framed" }, true);
    case "apache-tls":
      return apacheServer(true);
    // One THeader server for every THeader client: it answers each request with the transforms it came with.
    case "rpcgen-header":
      return rpcgenServer({ protocol: BinaryProtocol, transport: "header" });
    case "rpcgen-zlib":
      return rpcgenServer({ protocol: BinaryProtocol, transport: "framed", zlib: true });
    case "http-raw":
      return httpRawServer();
    case "http2-raw":
      return http2RawServer();
    case "rpcgen-http":
      return rpcgenHttpServer();
    case "apache-http":
      return apacheHttpServer();
    case "connect":
      return connectServer();
    default:
      return Promise.reject(new Error(`unknown server kind '${kind}'`));
  }
}

process.on("message", (message: { type?: string }) => {
  if (message.type === "cpu") {
    const u = process.cpuUsage();
    send({ type: "cpu", user: u.user, system: u.system });
  } else if (message.type === "exit") {
    closeServer();
    process.exit(0);
  }
});
process.on("disconnect", () => process.exit(0));

start(process.argv[2] ?? "").then(
  (port) => send({ type: "ready", port }),
  (e: unknown) => {
    send({ type: "error", message: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    process.exitCode = 1;
    setTimeout(() => process.exit(1), 100).unref();
  },
);

/**
 * A server process for the reliability suite (run by scripts/reliability/processes.ts, never by hand):
 *
 *   node dist/scripts/reliability/peer.js '<PeerSpec as JSON>'
 *
 * It serves ThriftTest's echo handler over TCP (any transport of spec.ts's TRANSPORTS: framed, buffered,
 * THeader, the zlib transport, TLS; any protocol) or HTTP on 127.0.0.1,
 * with the server options given, or plays a broken server (`fault`) for connections (TCP) or requests
 * (HTTP) that start with testI32(BREAK), and a correct one (testI32 only) for the rest. Over the IPC channel it sends { type: "ready", port },
 * answers { type: "stats", gc } with its memory use, open connections and the logger's event counts,
 * and it exits when the parent goes away.
 */
import { createServer as createHttp1Server, type IncomingMessage, type ServerResponse } from "node:http";
import { createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { createServer as createNodeTlsServer } from "node:tls";
import {
  createHttpServer,
  createServer,
  createTlsServer,
  Buffered,
  MessageType,
  TType,
  streamSettings,
  type Framing,
  type FramingOutput,
  type Protocol,
  type ServerEvent,
} from "../../runtime/index.js";
import { echoHandler, Random, ThriftTest } from "./service.js";
import { BREAK, framingOf, outputBytes, PROTOCOLS, testTls, transportOf, transportOptions, type Fault, type PeerSpec, type PeerStats } from "./spec.js";

const events: Record<string, number> = {};
const logger = (event: ServerEvent): void => {
  const key = event.kind === "connection-error" ? `${event.kind}: ${errorType(event.error)}` : event.kind;
  events[key] = (events[key] ?? 0) + 1;
};

function errorType(error: unknown): string {
  return error instanceof Error ? error.name : typeof error;
}

let connections: () => number = () => 0;
/** Calls the handler was given (each call must run exactly once). */
let handled = 0;
const counted = Object.fromEntries(
  Object.entries(echoHandler).map(([name, fn]: [string, (...args: unknown[]) => unknown]) => [
    name,
    (...args: unknown[]) => {
      handled++;
      return fn(...args);
    },
  ]),
) as unknown as typeof echoHandler;

async function start(spec: PeerSpec): Promise<number> {
  const protocol = PROTOCOLS[spec.protocol];
  if (spec.fault !== undefined) return spec.kind === "tcp" ? brokenTcp(spec, protocol, spec.fault) : brokenHttp(spec, protocol, spec.fault);
  if (spec.kind === "tcp") {
    const options = { ...spec.options, protocol, ...transportOptions(spec.transport), logger };
    const server = transportOf(spec.transport).tls
      ? createTlsServer(ThriftTest, counted, { ...options, tls: { key: testTls().key, cert: testTls().cert, ...(spec.handshakeTimeoutMs !== undefined && { handshakeTimeout: spec.handshakeTimeoutMs }) } })
      : createServer(ThriftTest, counted, options);
    connections = () => server.connectionCount;
    const address = await server.listen({ port: spec.port ?? 0, host: "127.0.0.1" });
    return (address as { port: number }).port;
  }
  const server = createHttpServer(ThriftTest, counted, { ...spec.options, logger });
  connections = () => server.connectionCount;
  const address = await server.listen({ port: spec.port ?? 0, host: "127.0.0.1" });
  return (address as { port: number }).port;
}

/**
 * The reply a correct server sends to testI32(thing), with this seqid, in this framing (`out`: the
 * connection's output, for framings with state across messages, as the zlib transport's stream).
 */
function i32Reply(protocol: Protocol, framing: Framing, seqid: number, thing: number, out: FramingOutput = framing.createOutput(protocol)): Uint8Array {
  const mark = out.begin({ seqid });
  const w = out.writer;
  w.writeMessageBegin("testI32", MessageType.REPLY, seqid);
  w.writeStructBegin("testI32_result");
  w.writeFieldBegin("success", TType.I32, 0);
  w.writeI32(thing);
  w.writeFieldEnd();
  w.writeFieldStop();
  w.writeStructEnd();
  w.writeMessageEnd();
  out.end(mark);
  return outputBytes(out);
}

/** The seqid and (for testI32) argument of one call message. */
function readCall(protocol: Protocol, bytes: Uint8Array): { seqid: number; thing: number } {
  const r = protocol.createReader(bytes);
  const header = r.readMessageBegin();
  let thing = 0;
  r.readStructBegin();
  for (let t = r.readFieldBegin(); t !== TType.STOP; t = r.readFieldBegin()) {
    if (r.fieldId === 1 && t === TType.I32) thing = r.readI32();
    else r.skip(t);
    r.readFieldEnd();
  }
  return { seqid: header.seqid, thing };
}

/** What a broken server sends instead of the reply to `call`; undefined: nothing at all. */
function brokenReply(fault: Fault, protocol: Protocol, framing: Framing, call: { seqid: number; thing: number }, rnd: Random, out?: FramingOutput): Uint8Array {
  switch (fault) {
    case "garbage":
      return rnd.bytes(8 + rnd.int(64));
    case "wrong-seqid":
      return i32Reply(protocol, framing, (call.seqid + 1000) | 0, call.thing, out);
    case "half-frame": {
      const reply = i32Reply(protocol, framing, call.seqid, call.thing, out);
      return reply.subarray(0, reply.length >> 1);
    }
  }
}

/**
 * TCP: a connection whose first call is testI32(BREAK) gets the fault in answer to it and nothing after;
 * other connections are served (testI32 only).
 */
function brokenTcp(spec: PeerSpec, protocol: Protocol, fault: Fault): Promise<number> {
  const framing = framingOf(spec.transport);
  const rnd = new Random(12345);
  const open = new Set<Socket>();
  connections = () => open.size;
  const serve = (socket: Socket): void => {
    open.add(socket);
    socket.on("close", () => open.delete(socket));
    socket.on("error", () => {});
    let broken: boolean | undefined;
    const out = framing.createOutput(protocol);
    const decoder = framing.createDecoder(protocol, streamSettings({ protocol, transport: framing }).limits, (bytes, start, end) => {
      const call = readCall(protocol, bytes.slice(start, end));
      if (broken === undefined) {
        broken = call.thing === BREAK;
        if (broken) socket.write(brokenReply(fault, protocol, framing, call, rnd, out));
      }
      if (!broken) socket.write(i32Reply(protocol, framing, call.seqid, call.thing, out));
    });
    socket.on("data", (chunk: Buffer) => {
      try {
        decoder.push(chunk);
      } catch {
        socket.destroy();
      }
    });
  };
  const server: NetServer = transportOf(spec.transport).tls ? createNodeTlsServer({ key: testTls().key, cert: testTls().cert }, serve) : createNetServer(serve);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(spec.port ?? 0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

/** HTTP: a testI32(BREAK) request gets the fault (half a body: the rest never comes); others are served. */
function brokenHttp(spec: PeerSpec, protocol: Protocol, fault: Fault): Promise<number> {
  const rnd = new Random(54321);
  const server = createHttp1Server((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const call = readCall(protocol, Buffer.concat(chunks));
      if (call.thing !== BREAK) {
        const reply = i32Reply(protocol, Buffered, call.seqid, call.thing);
        res.writeHead(200, { "content-type": "application/x-thrift", "content-length": reply.length });
        res.end(reply);
        return;
      }
      const reply = i32Reply(protocol, Buffered, call.seqid, call.thing);
      const body = brokenReply(fault, protocol, Buffered, call, rnd);
      res.writeHead(200, { "content-type": "application/x-thrift", "content-length": fault === "half-frame" ? reply.length : body.length });
      if (fault === "half-frame") res.write(body);
      else res.end(body);
    });
  });
  connections = () => 0;
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(spec.port ?? 0, "127.0.0.1", () => resolve((server.address() as { port: number }).port));
  });
}

function stats(): PeerStats {
  const m = process.memoryUsage();
  return { type: "stats", rss: m.rss, heapUsed: m.heapUsed, external: m.external, arrayBuffers: m.arrayBuffers, connections: connections(), handled, events: { ...events } };
}

process.on("message", (message: { type?: string; gc?: boolean }) => {
  if (message.type !== "stats") return;
  if (message.gc === true) {
    const gc = (globalThis as { gc?: () => void }).gc;
    // Twice: the first pass can leave garbage that only the second finds (weak references, finalizers).
    gc?.();
    gc?.();
  }
  process.send?.(stats());
});
process.on("disconnect", () => process.exit(0));

start(JSON.parse(process.argv[2] ?? "{}") as PeerSpec).then(
  (port) => process.send?.({ type: "ready", port }),
  (error: unknown) => {
    process.send?.({ type: "error", message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
    setTimeout(() => process.exit(1), 100).unref();
  },
);

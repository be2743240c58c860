/**
 * rpcgen's ThriftTest server for Apache Thrift's cross-language test (thrift-notes §4), built on
 * rpcgen's own output for ThriftTest.v0.16-nouuid.thrift (interop/thrift-test/) and its TCP and HTTP
 * runtime.
 *
 *   node dist/interop/test-server.js --port=N --protocol=P --transport=T [--zlib] [--domain-socket=PATH] [--ssl]
 *        [--multiplex] [--string-limit=N] [--container-limit=N] [-v] [-q] [SERVER_TYPE]
 *   npm run -s interop:server -- --port=9090 --protocol=compact --transport=framed
 *
 * - Protocols: binary, compact, json, header, and their multiplexed variants multi, multic, multij,
 *   multih. Transports: buffered, framed, http, zlib (buffered in one zlib stream per connection;
 *   `--zlib` wraps the others too, but not http). Flags also work as `--port 9090`.
 * - header and multih: THeader frames (over framed: each in a frame, as Apache composes them), and,
 *   as Apache's header servers do, framed and unframed binary and compact clients answered in kind.
 * - http: rpcgen's HttpServer, serving POSTs on every path as Apache's servers do (Apache's clients post
 *   to `/`, `/service` or `/test`), in the given protocol only, HTTP/1.1 and HTTP/2 (h2c) on one port;
 *   a oneway call is answered with an empty 200 before its handler runs. header, multih and --zlib are
 *   not supported over http: the server says so and exits 2.
 * - Multiplexed (multi*, or --multiplex with any protocol): serves `ThriftTest:` and `SecondService:`
 *   names, and ThriftTest as the default service for names without a prefix (as Python's
 *   registerDefault), so plain clients work against it too.
 * - Listens on 127.0.0.1 and ::1 (clients given `--host=localhost` may try either), or on the Unix
 *   socket given by --domain-socket (a stale socket file is replaced).
 * - --ssl: TLS (rpcgen's createTlsServer; with http, HTTPS from createHttpServer) with the key files of $THRIFT_TEST_KEYS_DIR, else the
 *   project's .tmp/keys, made with openssl when missing (interop/tls.ts says which files, and the trust
 *   model). Client certificates are asked for and verified, not required.
 * - Apache's extra server arguments are accepted and ignored: a positional server type
 *   (TSimpleServer, TThreadedServer, ...) or `--server-type=...`, `--processor-events`, `--workers=N`.
 *   Abstract sockets are not supported: the server says so and exits 2.
 * - Prints nothing unless something is wrong (or -v). The undeclared error that testException
 *   ("TException") throws on purpose is not reported.
 * - SIGHUP, SIGINT, SIGTERM: stops accepting, lets calls in flight finish (at most 500 ms), exits 0.
 *   A second signal exits at once.
 */
import { existsSync, rmSync, statSync } from "node:fs";
import { connect } from "node:net";
import {
  createHttpServer,
  createServer,
  createTlsServer,
  implement,
  TException,
  type CallContext,
  type HttpServerOptions,
  type ServerAddress,
  type ServerEvent,
  type ServerOptions,
  type ServiceRegistrations,
} from "rpcgen/runtime";
import { keysDir, serverTls } from "./tls.js";
import {
  baseProtocol,
  checkHttpSupports,
  integer,
  isMultiplexed,
  oneOf,
  parseCommandLine,
  PROTOCOLS,
  transportOptions,
  TRANSPORTS,
  UsageError,
  type ProtocolName,
  type TransportName,
} from "./cli.js";
import {
  Insanity,
  Numberz,
  SecondService,
  ThriftTest,
  Xception,
  Xception2,
  Xtruct,
  Xtruct2,
  type InsanityInit,
  type SecondServiceHandler,
  type ThriftTestHandler,
} from "./thrift-test/ThriftTest.v0.16-nouuid.js";

const NAME = "test-server";
/** How long a shutdown lets calls in flight finish before cutting connections. */
const SHUTDOWN_GRACE_MS = 500;
/** testOneway(n) sleeps n/3 s, as Apache's Python server does, but never longer than this. */
const ONEWAY_MAX_SLEEP_MS = 1000;

interface Options {
  port: number;
  protocol: ProtocolName;
  transport: TransportName;
  zlib: boolean;
  domainSocket: string | undefined;
  multiplex: boolean;
  stringLimit: number | undefined;
  containerLimit: number | undefined;
  /** The key files' directory, with --ssl. */
  ssl: string | undefined;
  verbose: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  const p = parseCommandLine(argv, {
    "--port": { value: true },
    "--protocol": { value: true },
    "--transport": { value: true },
    "--domain-socket": { value: true },
    "--multiplex": {},
    "--string-limit": { value: true },
    "--container-limit": { value: true },
    "--server-type": { value: true },
    "--processor-events": {},
    "--workers": { value: true, aliases: ["-n"] },
    "--ssl": {},
    "--zlib": {},
    "--abstract-namespace": {},
    "--verbose": { aliases: ["-v"] },
    "--quiet": { aliases: ["-q"] },
    "--help": { aliases: ["-h"] },
  });
  if (p.flags.has("--help")) {
    process.stdout.write(
      "usage: test-server --port=N --protocol={binary,compact,json,header,multi,multic,multij,multih}\n" +
        "                   --transport={buffered,framed,http,zlib} [--zlib]\n" +
        "                   [--domain-socket=PATH] [--ssl] [--multiplex] [--string-limit=N] [--container-limit=N] [-v] [-q] [SERVER_TYPE]\n",
    );
    process.exit(0);
  }
  if (p.flags.has("--abstract-namespace")) throw new UsageError("abstract Unix sockets are not supported (--abstract-namespace)");
  if (p.positionals.length > 1) throw new UsageError(`unexpected arguments: ${p.positionals.slice(1).join(" ")}`);
  const protocol = oneOf("--protocol", p.values.get("--protocol") ?? "binary", PROTOCOLS);
  const transport = oneOf("--transport", p.values.get("--transport") ?? "buffered", TRANSPORTS);
  const zlib = p.flags.has("--zlib");
  if (transport === "http") checkHttpSupports(protocol, zlib);
  const limit = (name: string) => {
    const v = p.values.get(name);
    return v === undefined ? undefined : integer(name, v, 1, 0x7fffffff);
  };
  return {
    port: integer("--port", p.values.get("--port") ?? "9090", 1, 65535),
    protocol,
    transport,
    zlib,
    domainSocket: p.values.get("--domain-socket"),
    multiplex: p.flags.has("--multiplex") || isMultiplexed(protocol),
    stringLimit: limit("--string-limit"),
    containerLimit: limit("--container-limit"),
    ssl: p.flags.has("--ssl") ? keysDir() : undefined,
    verbose: p.flags.has("--verbose"),
  };
}

let opts: Options;
try {
  opts = parseOptions(process.argv.slice(2));
} catch (e) {
  if (!(e instanceof UsageError)) throw e;
  process.stderr.write(`${NAME}: ${e.message}\n`);
  process.exit(2);
}

const log = (msg: string): void => {
  if (opts.verbose) process.stderr.write(`${NAME}: ${msg}\n`);
};

// ------------------------------------------------------------------------------------------------
// handlers: Apache's reference semantics (thrift-notes §4.6)

// A struct argument the client left out is the struct's default value, as in Apache's C++ server,
// whose handlers are given a default-constructed struct (all of its fields, nested structs too, at
// their zero values). Absent containers, strings and numbers already decode to their zero values.
// Python's server would pass None, and fail on testInsanity.

function defaultXtruct(): Xtruct {
  return Xtruct.create({});
}

function defaultXtruct2(): Xtruct2 {
  return Xtruct2.create({ struct_thing: defaultXtruct() });
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done);
  });
}

const thriftTest: ThriftTestHandler = {
  testVoid() {
    log("testVoid()");
  },
  testString: (thing) => thing,
  testBool: (thing) => thing,
  testByte: (thing) => thing,
  testI32: (thing) => thing,
  testI64: (thing) => thing,
  testDouble: (thing) => thing,
  testBinary: (thing) => thing,
  testStruct: (thing) => thing ?? defaultXtruct(),
  testNest: (thing) => thing ?? defaultXtruct2(),
  testMap: (thing) => thing,
  testStringMap: (thing) => thing,
  testSet: (thing) => thing,
  testList: (thing) => thing,
  testEnum: (thing) => thing,
  testTypedef: (thing) => thing,
  testMapMap(hello) {
    log(`testMapMap(${hello})`);
    return new Map([
      [
        -4,
        new Map([
          [-4, -4],
          [-3, -3],
          [-2, -2],
          [-1, -1],
        ]),
      ],
      [
        4,
        new Map([
          [1, 1],
          [2, 2],
          [3, 3],
          [4, 4],
        ]),
      ],
    ]);
  },
  testInsanity(argument) {
    log("testInsanity(...)");
    const arg: InsanityInit = argument ?? Insanity.create({});
    return new Map([
      [
        1n,
        new Map<Numberz, InsanityInit>([
          [Numberz.TWO, arg],
          [Numberz.THREE, arg],
        ]),
      ],
      // An empty Insanity with no field set, as Apache's servers send it (Insanity.create({}) would
      // set both fields to empty containers, and they would go on the wire).
      [2n, new Map<Numberz, InsanityInit>([[Numberz.SIX, {}]])],
    ]);
  },
  testMulti(arg0, arg1, arg2) {
    log(`testMulti(${arg0}, ${arg1}, ${arg2}, ...)`);
    return { string_thing: "Hello2", byte_thing: arg0, i32_thing: arg1, i64_thing: arg2 };
  },
  testException(arg) {
    log(`testException(${JSON.stringify(arg)})`);
    if (arg === "Xception") throw new Xception({ errorCode: 1001, message: arg });
    // Undeclared: the client gets a TApplicationException INTERNAL_ERROR, as from Apache's servers.
    if (arg === "TException") throw new DeliberateTException(arg);
  },
  testMultiException(arg0, arg1) {
    log(`testMultiException(${JSON.stringify(arg0)}, ${JSON.stringify(arg1)})`);
    if (arg0 === "Xception") throw new Xception({ errorCode: 1001, message: "This is an Xception" });
    if (arg0 === "Xception2") {
      // Only string_thing set, as Apache's Python server sends it. The constructor would complete the
      // Xtruct (Xtruct.create gives byte_thing, i32_thing and i64_thing their zero values, which are
      // then written too: legal, as C++ and Java always write such fields, but clients that compare
      // the whole struct with Python's expectations see 0 where they want "unset").
      throw Object.assign(new Xception2({ errorCode: 2002 }), { struct_thing: { string_thing: "This is an Xception2" } });
    }
    return { string_thing: arg1 };
  },
  testOneway(secondsToSleep, ctx: CallContext) {
    // Apache's Python server sleeps a third of the time it is given; the cross-test client allows
    // 3 s for testOneway(1) and then uses the connection again. Calls on one connection run
    // concurrently here, so the sleep never holds up the next call.
    log(`testOneway(${secondsToSleep}): sleeping`);
    return sleep(Math.min(Math.max(0, secondsToSleep) * 333, ONEWAY_MAX_SLEEP_MS), ctx.signal).then(() => log(`testOneway(${secondsToSleep}): done`));
  },
};

const secondService: SecondServiceHandler = {
  secondtestString: (thing) => `testString("${thing}")`,
};

/** The error testException("TException") throws: an undeclared TException, expected, not logged. */
class DeliberateTException extends TException {}

// ------------------------------------------------------------------------------------------------
// servers

function logger(event: ServerEvent): void {
  if (event.kind === "handler-error" && event.error instanceof DeliberateTException) {
    log(`testException("TException"): sent as TApplicationException INTERNAL_ERROR`);
    return;
  }
  const where = "service" in event ? ` in ${event.service}.${event.method}` : "peer" in event && event.peer !== undefined ? ` (${event.peer})` : "";
  const what = "error" in event ? describe(event.error) : event.reason;
  process.stderr.write(`${NAME}: ${event.kind}${where}: ${what}\n`);
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

const limits = {
  ...(opts.stringLimit !== undefined && { maxStringLength: opts.stringLimit }),
  ...(opts.containerLimit !== undefined && { maxContainerElements: opts.containerLimit }),
};

/** What the TCP and the HTTP server have in common here. */
interface Listener {
  listen(options: { port: number; host: string } | { path: string }): Promise<ServerAddress>;
  close(options: { timeoutMs: number }): Promise<void>;
}

function makeServer(): Listener {
  const common = { logger, shutdownTimeoutMs: SHUTDOWN_GRACE_MS, ...limits };
  // Multiplexed: both services, and ThriftTest for names without a prefix (Python's registerDefault).
  const services: ServiceRegistrations = { ThriftTest: implement(ThriftTest, thriftTest), SecondService: implement(SecondService, secondService) };
  if (opts.transport === "http") {
    // The protocol asked for only, as Apache's servers (rpcgen's would tell binary, compact and JSON apart).
    // With --ssl: HTTPS (HTTP/1.1 and HTTP/2 by ALPN) on the same server.
    const options: HttpServerOptions = { ...common, protocols: [baseProtocol(opts.protocol)], ...(opts.ssl !== undefined && { tls: serverTls(opts.ssl) }) };
    return opts.multiplex ? createHttpServer(services, { ...options, defaultService: "ThriftTest" }) : createHttpServer(ThriftTest, thriftTest, options);
  }
  const options: ServerOptions = { ...common, protocol: baseProtocol(opts.protocol), ...transportOptions(opts.protocol, opts.transport, opts.zlib) };
  if (opts.ssl !== undefined) {
    const tls = { ...options, tls: serverTls(opts.ssl) };
    return opts.multiplex ? createTlsServer(services, { ...tls, defaultService: "ThriftTest" }) : createTlsServer(ThriftTest, thriftTest, tls);
  }
  return opts.multiplex ? createServer(services, { ...options, defaultService: "ThriftTest" }) : createServer(ThriftTest, thriftTest, options);
}

const servers: Listener[] = [];
let stopping = false;

async function stop(signal: NodeJS.Signals): Promise<void> {
  if (stopping) process.exit(0); // a second signal: no more waiting
  stopping = true;
  log(`${signal}: shutting down`);
  // A backstop in case a close never settles: the cross-test runner wants an exit within 2 s.
  setTimeout(() => process.exit(0), SHUTDOWN_GRACE_MS + 500).unref();
  await Promise.allSettled(servers.map((s) => s.close({ timeoutMs: SHUTDOWN_GRACE_MS })));
  process.exit(0);
}

for (const sig of ["SIGHUP", "SIGINT", "SIGTERM"] as const) process.on(sig, () => void stop(sig));

function accepts(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

async function main(): Promise<void> {
  const where = `${opts.protocol}/${opts.transport}${opts.zlib && opts.transport !== "zlib" ? "+zlib" : ""}${opts.multiplex && !isMultiplexed(opts.protocol) ? " (multiplexed)" : ""}${opts.ssl !== undefined ? ` over TLS (keys: ${opts.ssl})` : ""}`;
  if (opts.domainSocket !== undefined) {
    const path = opts.domainSocket;
    if (existsSync(path) && statSync(path).isSocket()) {
      // A socket file nobody listens on is left over from an earlier run: replace it. A live one is not ours.
      if (await accepts(path)) throw new Error(`${path} is in use by another server`);
      rmSync(path, { force: true });
    }
    const server = makeServer();
    servers.push(server);
    await server.listen({ path });
    log(`serving ${where} on ${path}`);
    return;
  }
  const v4 = makeServer();
  servers.push(v4);
  await v4.listen({ port: opts.port, host: "127.0.0.1" });
  const v6 = makeServer();
  try {
    await v6.listen({ port: opts.port, host: "::1" });
    servers.push(v6);
    log(`serving ${where} on 127.0.0.1:${opts.port} and [::1]:${opts.port}`);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // No IPv6 loopback on this machine: IPv4 alone is fine. Anything else is worth a line.
    if (code === "EADDRNOTAVAIL" || code === "EAFNOSUPPORT") log(`serving ${where} on 127.0.0.1:${opts.port} (no IPv6 loopback: ${code})`);
    else process.stderr.write(`${NAME}: cannot also listen on [::1]:${opts.port}: ${describe(e)}\n`);
  }
}

main().catch((e: unknown) => {
  process.stderr.write(`${NAME}: cannot listen: ${describe(e)}\n`);
  process.exit(1);
});

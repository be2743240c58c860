#!/usr/bin/env node
/**
 * ThriftTest server on Apache Thrift's Node.js library (npm thrift 0.17.0), for rpcgen's
 * cross-language matrix. Our own program, with Apache's cross-test command line and the reference
 * handler semantics of thrift-notes §4.6:
 *
 *   node test_server.js --port=N --protocol={binary,compact,json,header,multi,multic,multij}
 *                       --transport={buffered,framed,http} [--domain-socket=PATH] [--gendir=DIR] [-v]
 *
 * The service code is `thrift --gen js:node` (Debian's compiler 0.17) of
 * ThriftTest.v0.16-nouuid.thrift, and the runtime npm `thrift`, both put under .tmp/peers/node by
 * scripts/install-peers and scripts/gen-peer-code.
 *
 * Version choice: npm thrift is pinned to 0.17.0, the release of the compiler that generates the
 * code. 0.24 dropped `thrift.Q`, which 0.17-generated code uses both in promise-style client calls
 * and in the processor for handlers that return values (`Q.fcall`), so 0.24 would force callback
 * handlers, whose 0.17-generated glue also mishandles `err === undefined`. Pinning the pair keeps
 * to the combination Apache released and tested together.
 *
 * header is THeaderProtocol over the transport (Apache's Node library: binary or compact inside, headers,
 * no transforms), answering framed and unframed binary and compact clients in kind as well.
 *
 * Multiplexed (multi*): ThriftTest and SecondService, plus ThriftTest as the default processor for
 * unprefixed names (Apache's Node MultiplexedProcessor has no default, so this file has its own).
 * Listens on 127.0.0.1 (or the Unix socket), prints nothing unless something is wrong (or -v), and
 * exits 0 at once on SIGHUP, SIGINT or SIGTERM.
 *
 * --transport=http is Apache's web server (createWebServer), as Apache's Node test server runs it: the
 * service at `/test` only, with `cors: {"*": true}`. A POST to any other path gets 403 "No Apache
 * Thrift Service at <path>", so clients that post to `/` (Apache's Python, Go and C++ clients, and
 * rpcgen's) fail against it, as in Apache's own matrix. It never answers a oneway call: the
 * generated processor writes nothing for one, so the request stays open.
 */
process.noDeprecation = true; // thrift 0.17 uses `new Buffer()` (DEP0005)

import { createRequire } from "node:module";
import { existsSync, unlinkSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../../..");
const PROTOCOLS = ["binary", "compact", "json", "header", "multi", "multic", "multij"];
const TRANSPORTS = ["buffered", "framed", "http"];
/** Where Apache's Node test server puts the service over HTTP (and its Node client posts). */
const HTTP_PATH = "/test";

function parseArgs(argv) {
  const opts = { port: 9090, protocol: "binary", transport: "buffered", domainSocket: undefined, gendir: join(ROOT, ".tmp/peers/node/gen-nodejs"), verbose: false };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    let value;
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 0) {
      value = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const take = () => (value !== undefined ? value : argv[++i]);
    switch (a) {
      case "--port":
        opts.port = Number(take());
        break;
      case "--protocol":
        opts.protocol = take();
        break;
      case "--transport":
        opts.transport = take();
        break;
      case "--domain-socket":
        opts.domainSocket = take();
        break;
      case "--gendir":
        opts.gendir = resolve(take());
        break;
      case "-v":
      case "--verbose":
        opts.verbose = true;
        break;
      case "-q":
      case "--quiet":
        break;
      default:
        if (!a.startsWith("-")) break; // a server type (TSimpleServer, ...): ignored
        fail(`unknown option ${a}`);
    }
  }
  if (!PROTOCOLS.includes(opts.protocol)) fail(`--protocol must be one of ${PROTOCOLS.join(", ")}`);
  if (!TRANSPORTS.includes(opts.transport)) fail(`--transport must be one of ${TRANSPORTS.join(", ")}`);
  if (!opts.domainSocket && !(Number.isInteger(opts.port) && opts.port > 0 && opts.port < 65536)) fail("bad --port");
  return opts;
}

function fail(msg) {
  process.stderr.write(`test_server.js: ${msg}\n`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const log = (msg) => opts.verbose && process.stderr.write(`test_server.js: ${msg}\n`);

if (!existsSync(join(opts.gendir, "ThriftTest.js"))) fail(`no generated code in ${opts.gendir}; run scripts/install-peers and scripts/gen-peer-code`);
const require = createRequire(join(opts.gendir, "index.js"));
const thrift = require("thrift");
const ThriftTest = require("./ThriftTest.js");
const SecondService = require("./SecondService.js");
const ttypes = require("./ThriftTest_types.js");

// ------------------------------------------------------------------------------------------------
// handlers (returning values: the generated processor wraps them in promises)

const echo = (x) => x;

const thriftTestHandler = {
  testVoid() {
    log("testVoid()");
  },
  testString: echo,
  testBool: echo,
  testByte: echo,
  testI32: echo,
  testI64: echo,
  testDouble: echo,
  testBinary: echo,
  testStruct: echo,
  testNest: echo,
  testMap: echo,
  testStringMap: echo,
  testSet: echo,
  testList: echo,
  testEnum: echo,
  testTypedef: echo,
  testMapMap(hello) {
    log(`testMapMap(${hello})`);
    return { "-4": { "-4": -4, "-3": -3, "-2": -2, "-1": -1 }, 4: { 1: 1, 2: 2, 3: 3, 4: 4 } };
  },
  testInsanity(argument) {
    log("testInsanity(...)");
    const N = ttypes.Numberz;
    return { 1: { [N.TWO]: argument, [N.THREE]: argument }, 2: { [N.SIX]: new ttypes.Insanity() } };
  },
  testMulti(arg0, arg1, arg2, _arg3, _arg4, _arg5) {
    return new ttypes.Xtruct({ string_thing: "Hello2", byte_thing: arg0, i32_thing: arg1, i64_thing: arg2 });
  },
  testException(arg) {
    log(`testException(${JSON.stringify(arg)})`);
    if (arg === "Xception") throw new ttypes.Xception({ errorCode: 1001, message: arg });
    if (arg === "TException") throw new thrift.Thrift.TException(arg); // undeclared: TApplicationException
  },
  testMultiException(arg0, arg1) {
    log(`testMultiException(${JSON.stringify(arg0)}, ${JSON.stringify(arg1)})`);
    if (arg0 === "Xception") throw new ttypes.Xception({ errorCode: 1001, message: "This is an Xception" });
    if (arg0 === "Xception2") {
      throw new ttypes.Xception2({ errorCode: 2002, struct_thing: new ttypes.Xtruct({ string_thing: "This is an Xception2" }) });
    }
    return new ttypes.Xtruct({ string_thing: arg1 });
  },
  testOneway(secondsToSleep) {
    // Node cannot block the connection; Apache's Node server does not wait either.
    log(`testOneway(${secondsToSleep})`);
  },
};

const secondServiceHandler = {
  secondtestString(thing) {
    return `testString("${thing}")`;
  },
};

/**
 * A multiplexed processor with a default processor for unprefixed names (Python's registerDefault).
 * Apache's Node MultiplexedProcessor throws on names without a service prefix.
 */
class MultiplexedProcessorWithDefault {
  constructor(defaultProcessor) {
    this.services = Object.create(null);
    this.defaultProcessor = defaultProcessor;
  }

  registerProcessor(name, processor) {
    this.services[name] = processor;
  }

  process(input, output) {
    const begin = input.readMessageBegin();
    const { MessageType } = thrift.Thrift;
    if (begin.mtype !== MessageType.CALL && begin.mtype !== MessageType.ONEWAY) {
      throw new thrift.Thrift.TException(`unexpected message type ${begin.mtype}`);
    }
    const colon = begin.fname.indexOf(":");
    const target = colon < 0 ? this.defaultProcessor : this.services[begin.fname.slice(0, colon)];
    if (!target) throw new thrift.Thrift.TException(`unknown service in ${JSON.stringify(begin.fname)}`);
    const proxy = Object.create(input);
    const header = { fname: colon < 0 ? begin.fname : begin.fname.slice(colon + 1), mtype: begin.mtype, rseqid: begin.rseqid };
    proxy.readMessageBegin = () => header;
    target.process(proxy, output);
  }
}

/** ThriftTest and SecondService, and ThriftTest for unprefixed names. */
function multiplexedProcessor() {
  const tt = new ThriftTest.Processor(thriftTestHandler);
  const processor = new MultiplexedProcessorWithDefault(tt);
  processor.registerProcessor("ThriftTest", tt);
  processor.registerProcessor("SecondService", new SecondService.Processor(secondServiceHandler));
  return processor;
}

// ------------------------------------------------------------------------------------------------

const base = { binary: "binary", multi: "binary", compact: "compact", multic: "compact", json: "json", multij: "json", header: "header" }[opts.protocol];
const options = {
  transport: opts.transport === "framed" ? thrift.TFramedTransport : thrift.TBufferedTransport,
  protocol: { binary: thrift.TBinaryProtocol, compact: thrift.TCompactProtocol, json: thrift.TJSONProtocol, header: thrift.THeaderProtocol }[base],
};

let server;
if (opts.transport === "http") {
  // The payload of each POST is buffered-transport bytes, as in Apache's Node test server.
  const protocol = options.protocol;
  const service = opts.protocol.startsWith("multi")
    ? { transport: thrift.TBufferedTransport, protocol, processor: multiplexedProcessor() }
    : { transport: thrift.TBufferedTransport, protocol, processor: ThriftTest, handler: thriftTestHandler };
  server = thrift.createWebServer({ services: { [HTTP_PATH]: service }, cors: { "*": true } });
} else if (opts.protocol.startsWith("multi")) {
  server = thrift.createMultiplexServer(multiplexedProcessor(), options);
} else {
  server = thrift.createServer(ThriftTest, thriftTestHandler, options);
}

server.on("error", (err) => {
  // A client going away mid-reply is routine; anything else is worth a line.
  if (err && (err.code === "ECONNRESET" || err.code === "EPIPE")) return log(`connection: ${err.code}`);
  process.stderr.write(`test_server.js: ${err && err.stack ? err.stack : err}\n`);
});

function stop(signal) {
  log(`${signal}: exiting`);
  if (opts.domainSocket) {
    try {
      unlinkSync(opts.domainSocket);
    } catch {
      // already gone
    }
  }
  process.exit(0);
}
for (const sig of ["SIGHUP", "SIGINT", "SIGTERM"]) process.on(sig, () => stop(sig));

if (opts.domainSocket) {
  if (existsSync(opts.domainSocket)) unlinkSync(opts.domainSocket);
  server.listen(opts.domainSocket, () => log(`serving ${opts.protocol}/${opts.transport} on ${opts.domainSocket}${opts.transport === "http" ? ` at ${HTTP_PATH}` : ""}`));
} else {
  server.listen(opts.port, "127.0.0.1", () => log(`serving ${opts.protocol}/${opts.transport} on 127.0.0.1:${opts.port}${opts.transport === "http" ? ` at ${HTTP_PATH}` : ""}`));
}

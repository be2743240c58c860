#!/usr/bin/env node
/**
 * ThriftTest client on Apache Thrift's Node.js library (npm thrift 0.17.0, code from
 * `thrift --gen js:node` 0.17), for rpcgen's cross-language matrix. Our own program, with Apache's
 * cross-test command line:
 *
 *   node test_client.js --host=H --port=N --protocol={binary,compact,json,header,multi,multic,multij}
 *                       --transport={buffered,framed,http} [--domain-socket=PATH] [--http-path=PATH]
 *                       [-n LOOPS] [--gendir=DIR] [--timeout=SECONDS] [--no-control-chars] [-v] [-q]
 *
 * It calls every ThriftTest method (and, for multi*, SecondService, plus the default processor over
 * a second, unmultiplexed connection), checks every result exactly, checks that every reply carries
 * the seqid of its call, and exits with Apache's bitmask of failed groups: 1 base types, 2 structs,
 * 4 containers, 8 exceptions, 64 other (seqids, multiplexing, connection); 0 only when all pass.
 *
 * --transport=http is Apache's HTTP connection (createHttpConnection, or createHttpUDSConnection with
 * --domain-socket), as Apache's Node test client uses it: a POST of buffered-transport bytes to `/test`
 * (Apache's Node client's path; --http-path names another) on Node's default agent. It calls a oneway
 * method back as soon as the request is written, without waiting for the response.
 * header is THeaderProtocol (binary inside, no transforms: Apache's Node library has none) over the
 * transport.
 *
 * Client calls use the callback style (works with any npm thrift version); see test_server.js for
 * why npm thrift is pinned to 0.17.0.
 *
 * Limits of Apache's Node.js library (not of the protocols): it writes -0 as +0 in every protocol
 * (binary.js tests `v < 0` for the sign), so -0 is never sent; its TJSONProtocol writes NaN and
 * infinities bare (`NaN`, `Infinity`), which Apache's readers reject, so in json the special doubles
 * are not sent. The --no-neg-zero flag of the other clients is accepted (and changes nothing here).
 * Its TJSONProtocol also writes the C0 control characters without a short escape (all but \b \t
 * \n \f \r) raw; --no-control-chars leaves them out of the strings sent in json, for servers whose
 * reader rejects them raw (Apache's Go library, 0.17).
 */
process.noDeprecation = true; // thrift 0.17 uses `new Buffer()` (DEP0005)

import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual, inspect } from "node:util";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../../..");
const PROTOCOLS = ["binary", "compact", "json", "header", "multi", "multic", "multij"];
const TRANSPORTS = ["buffered", "framed", "http"];
/** Where Apache's Node test client posts over HTTP. */
const HTTP_PATH = "/test";
const BASETYPES = 1;
const STRUCTS = 2;
const CONTAINERS = 4;
const EXCEPTIONS = 8;
const UNKNOWN = 64;

function parseArgs(argv) {
  const opts = {
    host: "localhost",
    port: 9090,
    protocol: "binary",
    transport: "buffered",
    domainSocket: undefined,
    httpPath: undefined,
    loops: 1,
    gendir: join(ROOT, ".tmp/peers/node/gen-nodejs"),
    timeout: 10,
    controlChars: true,
    verbose: false,
    quiet: false,
  };
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
      case "--host":
        opts.host = take();
        break;
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
      case "--http-path":
        opts.httpPath = take();
        break;
      case "-n":
      case "--testloops":
        opts.loops = Number(take());
        break;
      case "--gendir":
        opts.gendir = resolve(take());
        break;
      case "--timeout":
        opts.timeout = Number(take());
        break;
      case "-v":
      case "--verbose":
        opts.verbose = true;
        break;
      case "-q":
      case "--quiet":
        opts.quiet = true;
        break;
      case "--no-neg-zero":
        break;
      case "--no-control-chars":
        opts.controlChars = false;
        break;
      default:
        fail(`unknown option ${a}`);
    }
  }
  if (!PROTOCOLS.includes(opts.protocol)) fail(`--protocol must be one of ${PROTOCOLS.join(", ")}`);
  if (!TRANSPORTS.includes(opts.transport)) fail(`--transport must be one of ${TRANSPORTS.join(", ")}`);
  if (!(Number.isInteger(opts.loops) && opts.loops >= 1)) fail("bad -n");
  if (opts.httpPath !== undefined && opts.transport !== "http") fail("--http-path goes with --transport=http");
  return opts;
}

function fail(msg) {
  process.stderr.write(`test_client.js: ${msg}\n`);
  process.exit(UNKNOWN);
}

const opts = parseArgs(process.argv.slice(2));
if (!existsSync(join(opts.gendir, "ThriftTest.js"))) fail(`no generated code in ${opts.gendir}; run scripts/install-peers and scripts/gen-peer-code`);
const require = createRequire(join(opts.gendir, "index.js"));
const thrift = require("thrift");
const ThriftTest = require("./ThriftTest.js");
const SecondService = require("./SecondService.js");
const ttypes = require("./ThriftTest_types.js");
const Int64 = thrift.Int64;

// ------------------------------------------------------------------------------------------------
// values

function i64(v) {
  return new Int64(BigInt.asUintN(64, BigInt(v)).toString(16).padStart(16, "0"));
}

/** An i64 as Node's library hands it out (Int64, or a number or decimal string) -> bigint. */
function big(x) {
  if (x instanceof Int64) return BigInt.asIntN(64, BigInt("0x" + x.toOctetString()));
  if (typeof x === "number" && Number.isSafeInteger(x)) return BigInt(x);
  if (typeof x === "string" && /^-?\d+$/.test(x)) return BigInt(x);
  throw new Error(`not an i64: ${show(x)}`);
}

function show(v) {
  const s = typeof v === "string" ? JSON.stringify(v) : inspect(v, { depth: 6, breakLength: Infinity });
  return s.length > 160 ? s.slice(0, 160) + "..." : s;
}

/** A comparable form of a Node value: Int64 -> "123n", Buffer -> hex, structs -> plain objects without nulls. */
function plain(v) {
  if (v instanceof Int64) return `${big(v)}n`;
  if (typeof v === "bigint") return `${v}n`;
  if (Buffer.isBuffer(v)) return { hex: v.toString("hex") };
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : Number.isNaN(v) ? "NaN" : v;
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === "object") {
    const out = {};
    for (const k of Object.keys(v).sort()) {
      if (v[k] === null || v[k] === undefined) continue;
      out[k] = plain(v[k]);
    }
    return out;
  }
  return v;
}

/**
 * Xtruct and Insanity values (also inside maps and lists) with their unset fields as zero values.
 * Their fields have default requiredness: C++ and Go servers write every one (their structs always
 * hold a value) where Python and Node leave unset ones out, so the checks that expect unset fields
 * take either.
 */
function unsetAsZero(v) {
  if (v instanceof ttypes.Xtruct) {
    return new ttypes.Xtruct({ string_thing: v.string_thing ?? "", byte_thing: v.byte_thing ?? 0, i32_thing: v.i32_thing ?? 0, i64_thing: v.i64_thing ?? i64(0) });
  }
  if (v instanceof ttypes.Insanity) return new ttypes.Insanity({ userMap: v.userMap ?? {}, xtructs: (v.xtructs ?? []).map(unsetAsZero) });
  if (Array.isArray(v)) return v.map(unsetAsZero);
  if (v && Object.getPrototypeOf(v) === Object.prototype) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unsetAsZero(x)]));
  return v;
}

function expectEqual(got, want, what = "") {
  if (!isDeepStrictEqual(plain(got), plain(want))) throw new CheckError(`${what}got ${show(got)}, want ${show(want)}`);
}

class CheckError extends Error {}

// ------------------------------------------------------------------------------------------------
// connection, seqids

const base = { binary: "binary", multi: "binary", compact: "compact", multic: "compact", json: "json", multij: "json", header: "header" }[opts.protocol];
const BaseProtocol = { binary: thrift.TBinaryProtocol, compact: thrift.TCompactProtocol, json: thrift.TJSONProtocol, header: thrift.THeaderProtocol }[base];

/** Remembers the seqid of each call written and checks every reply's seqid against the last one. */
const seqids = { sent: undefined, mismatch: undefined, onMismatch: undefined };
function SeqidCheckingProtocol(trans, strictRead, strictWrite) {
  BaseProtocol.call(this, trans, strictRead, strictWrite);
}
Object.setPrototypeOf(SeqidCheckingProtocol.prototype, BaseProtocol.prototype);
Object.setPrototypeOf(SeqidCheckingProtocol, BaseProtocol);
SeqidCheckingProtocol.prototype.writeMessageBegin = function (name, type, seqid) {
  seqids.sent = seqid;
  return BaseProtocol.prototype.writeMessageBegin.call(this, name, type, seqid);
};
SeqidCheckingProtocol.prototype.readMessageBegin = function () {
  const h = BaseProtocol.prototype.readMessageBegin.call(this);
  if (h.rseqid !== seqids.sent) {
    seqids.mismatch = `reply to ${h.fname} has seqid ${h.rseqid}, the call had ${seqids.sent}`;
    // The library routes replies by seqid, so the pending call would never hear of it: fail it now.
    if (seqids.onMismatch) seqids.onMismatch();
  }
  return h;
};

const http = opts.transport === "http";

function connect() {
  let c;
  if (http) {
    // createHttpConnection keeps (and changes) the options object it is given: one for each.
    const httpOptions = { transport: thrift.TBufferedTransport, protocol: SeqidCheckingProtocol, path: opts.httpPath ?? HTTP_PATH, headers: {} };
    c = opts.domainSocket ? thrift.createHttpUDSConnection(opts.domainSocket, httpOptions) : thrift.createHttpConnection(opts.host, opts.port, httpOptions);
  } else {
    const connOptions = {
      transport: opts.transport === "framed" ? thrift.TFramedTransport : thrift.TBufferedTransport,
      protocol: SeqidCheckingProtocol,
      max_attempts: 1,
      connect_timeout: opts.timeout * 1000,
    };
    c = opts.domainSocket ? thrift.createUDSConnection(opts.domainSocket, connOptions) : thrift.createConnection(opts.host, opts.port, connOptions);
  }
  c.lastError = undefined;
  c.on("error", (e) => (c.lastError = e));
  return c;
}

/** Ends a connection (an HTTP connection has none of its own to end). */
function end(c) {
  if (!http) c.end();
}

/**
 * Resolves once connected. An HTTP connection connects for each request: check once that the server
 * accepts connections, so that a server that is not there exits 64 as over TCP.
 */
function opened(c) {
  if (http) {
    return new Promise((ok, no) => {
      const socket = opts.domainSocket ? netConnect({ path: opts.domainSocket }) : netConnect({ host: opts.host, port: opts.port });
      socket.setTimeout(opts.timeout * 1000, () => socket.destroy(new Error("connect timeout")));
      socket.once("connect", () => (socket.destroy(), ok()));
      socket.once("error", no);
    });
  }
  return new Promise((ok, no) => {
    if (c.connected) return ok();
    const t = setTimeout(() => no(new Error("connect timeout")), opts.timeout * 1000);
    c.once("connect", () => (clearTimeout(t), ok()));
    c.once("error", (e) => (clearTimeout(t), no(e)));
  });
}

/** Calls a client method in callback style, with the per-call timeout. */
function call(client, method, ...args) {
  return new Promise((ok, no) => {
    const t = setTimeout(() => no(new BrokenError(`${method}: no reply within ${opts.timeout} s${seqids.mismatch ? ` (${seqids.mismatch})` : ""}`)), opts.timeout * 1000);
    seqids.onMismatch = () => {
      clearTimeout(t);
      no(new BrokenError(seqids.mismatch));
    };
    try {
      client[method](...args, (err, res) => {
        clearTimeout(t);
        if (err) no(err);
        else ok(res);
      });
    } catch (e) {
      clearTimeout(t);
      no(e);
    }
  });
}

class BrokenError extends Error {}

// ------------------------------------------------------------------------------------------------
// the run

const run = { mask: 0, passed: 0, failed: 0, broken: undefined, notRun: 0 };

function failed(group, name, why) {
  run.mask |= group;
  run.failed++;
  if (!opts.quiet) process.stderr.write(`FAIL ${name}: ${why}\n`);
}

async function check(group, name, fn) {
  if (run.broken) {
    run.mask |= group;
    run.failed++;
    run.notRun++;
    return;
  }
  const t0 = performance.now();
  seqids.mismatch = undefined;
  try {
    await fn();
  } catch (e) {
    if (e instanceof BrokenError) run.broken = seqids.mismatch ? `connection out of step after a seqid mismatch at ${name}` : `connection broken at ${name}`;
    if (seqids.mismatch) return failed(group | UNKNOWN, name, seqids.mismatch);
    return failed(group, name, e instanceof CheckError ? e.message : `${e && e.name ? e.name : typeof e}: ${e && e.message !== undefined ? e.message : show(e)}`);
  }
  if (seqids.mismatch) return failed(group | UNKNOWN, name, seqids.mismatch);
  run.passed++;
  if (opts.verbose) process.stderr.write(`ok   ${name} (${(performance.now() - t0).toFixed(1)} ms)\n`);
}

async function echo(group, client, method, values, compare) {
  let i = 0;
  for (const v of values) {
    await check(group, `${method} #${i++} ${show(v).slice(0, 40)}`, async () => {
      const got = await call(client, method, v);
      if (compare) {
        if (!compare(got, v)) throw new CheckError(`got ${show(got)}, want ${show(v)}`);
      } else expectEqual(got, v);
    });
  }
}

const sameDouble = (a, b) => typeof a === "number" && Object.is(a, b);

async function runTests(client, second, plainClient) {
  const json = base === "json";
  const N = ttypes.Numberz;

  await check(BASETYPES, "testVoid", async () => expectEqual(await call(client, "testVoid"), undefined));

  const rawControls = opts.controlChars || !json;
  const strings = [
    "Node".repeat(30),
    "",
    Array.from({ length: 0x20 }, (_, c) => String.fromCharCode(c))
      .filter((c) => rawControls || "\b\t\n\f\r".includes(c))
      .join("") + "\x7f\"\\/'{}[],:",
    "Afrikaans العربية Беларуская Žemaitėška ᏣᎳᎩ ⰔⰎⰑⰂⰡⰐⰠⰔⰍⰟ 日本語 中文 한국어 ไทย עברית 😀🎉𝄞𐍈🀄🧪\u{10000}\u{10FFFF} 👨‍👩 \u2028\u2029\ufeff\ufffd",
    "x".repeat(70000),
  ];
  await echo(BASETYPES, client, "testString", strings, (g, w) => g === w);
  await echo(BASETYPES, client, "testBool", [true, false], (g, w) => g === w);
  await echo(BASETYPES, client, "testByte", [1, 0, -1, 63, -127, 127, -128], (g, w) => g === w);
  await echo(BASETYPES, client, "testI32", [-1, 0, 1, 0x7fffffff, -0x80000000, 65536], (g, w) => g === w);
  const i64s = [1n, 0n, -1n, -34359738368n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 63n - 1n, -(2n ** 63n)];
  let k = 0;
  for (const v of i64s) {
    await check(BASETYPES, `testI64 #${k++} ${v}`, async () => {
      const got = big(await call(client, "testI64", i64(v)));
      if (got !== v) throw new CheckError(`got ${got}, want ${v}`);
    });
  }
  const doubles = [-5.235098235, 0, -1, -0.000341012439638598279, 1.5, 0.1, 1e300, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308, 1234567890123456.2];
  if (!json) doubles.push(NaN, Infinity, -Infinity);
  await echo(BASETYPES, client, "testDouble", doubles, sameDouble);
  const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
  await echo(BASETYPES, client, "testBinary", [all, Buffer.alloc(0), Buffer.from([0]), Buffer.from([0xff, 0xfe]), Buffer.concat([...Array(40).fill(all), Buffer.from([1])])], (g, w) => Buffer.isBuffer(g) && g.equals(w));

  const x = new ttypes.Xtruct({ string_thing: "Zero", byte_thing: 1, i32_thing: -3, i64_thing: i64(-5) });
  const x2 = new ttypes.Xtruct({ string_thing: "é😀\n", byte_thing: -128, i32_thing: 0x7fffffff, i64_thing: i64(-(2n ** 63n)) });
  await echo(STRUCTS, client, "testStruct", [x, x2]);
  await echo(STRUCTS, client, "testNest", [
    new ttypes.Xtruct2({ byte_thing: 1, struct_thing: x, i32_thing: 5 }),
    new ttypes.Xtruct2({ byte_thing: 0, struct_thing: x2, i32_thing: 0 }),
  ]);

  // Node maps are objects with string keys; sets and lists are arrays.
  await echo(CONTAINERS, client, "testMap", [{ 0: 1, 1: 2, 2: 3, 3: 4, "-1": -2 }, {}, { "-2147483648": 2147483647 }]);
  await echo(CONTAINERS, client, "testStringMap", [{ a: "2", b: "blah", some: "thing", "": "empty", "é😀": '\n"\\' }, {}]);
  const sameSet = (g, w) => Array.isArray(g) && isDeepStrictEqual([...g].sort((a, b) => a - b), [...w].sort((a, b) => a - b));
  await echo(CONTAINERS, client, "testSet", [[8, 1, 42], [], [-1, 0, 0x7fffffff]], sameSet);
  await echo(CONTAINERS, client, "testList", [[1, 4, 9, -42], [], Array.from({ length: 100 }, (_, i) => i - 50)]);

  await echo(STRUCTS, client, "testEnum", [N.ONE, N.TWO, N.THREE, N.FIVE, N.SIX, N.EIGHT], (g, w) => g === w);
  k = 0;
  for (const v of [0xffffffffffffffn, -1n, 2n ** 63n - 1n]) {
    await check(STRUCTS, `testTypedef #${k++} ${v}`, async () => {
      const got = big(await call(client, "testTypedef", i64(v)));
      if (got !== v) throw new CheckError(`got ${got}, want ${v}`);
    });
  }

  await check(CONTAINERS, "testMapMap", async () =>
    expectEqual(await call(client, "testMapMap", 42), { "-4": { "-4": -4, "-3": -3, "-2": -2, "-1": -1 }, 4: { 1: 1, 2: 2, 3: 3, 4: 4 } }),
  );

  await check(STRUCTS, "testInsanity", async () => {
    const arg = new ttypes.Insanity({
      userMap: { [N.FIVE]: i64(5), [N.EIGHT]: i64(8) },
      xtructs: [
        new ttypes.Xtruct({ string_thing: "Goodbye4", byte_thing: 4, i32_thing: 4, i64_thing: i64(4) }),
        new ttypes.Xtruct({ string_thing: "Hello2", byte_thing: 2, i32_thing: 2, i64_thing: i64(2) }),
      ],
    });
    const got = await call(client, "testInsanity", arg);
    expectEqual(unsetAsZero(got), unsetAsZero({ 1: { [N.TWO]: arg, [N.THREE]: arg }, 2: { [N.SIX]: new ttypes.Insanity() } }));
  });

  await check(STRUCTS, "testMulti", async () => {
    const got = await call(client, "testMulti", 74, 0xff00ff, i64(0xffffffffd0d0n), { 0: "abc", "-1": "é" }, N.FIVE, i64(0xf0f0f0n));
    expectEqual(got, new ttypes.Xtruct({ string_thing: "Hello2", byte_thing: 74, i32_thing: 0xff00ff, i64_thing: i64(0xffffffffd0d0n) }));
  });

  const raises = async (method, args, checkErr) => {
    let got;
    try {
      got = await call(client, method, ...args);
    } catch (e) {
      if (e instanceof BrokenError) throw e;
      return checkErr(e);
    }
    return checkErr(undefined, got);
  };
  await check(EXCEPTIONS, 'testException("Xception")', () =>
    raises("testException", ["Xception"], (e) => {
      if (!(e instanceof ttypes.Xception)) throw new CheckError(`got ${show(e)}, want Xception`);
      expectEqual([e.errorCode, e.message], [1001, "Xception"]);
    }),
  );
  await check(EXCEPTIONS, 'testException("TException")', () =>
    raises("testException", ["TException"], (e) => {
      if (!(e instanceof thrift.Thrift.TApplicationException)) throw new CheckError(`got ${show(e)}, want a TApplicationException`);
    }),
  );
  for (const arg of ["Safe", "success"]) {
    await check(EXCEPTIONS, `testException("${arg}")`, async () => expectEqual(await call(client, "testException", arg), undefined));
  }
  await check(EXCEPTIONS, 'testMultiException("Xception")', () =>
    raises("testMultiException", ["Xception", "test 1"], (e) => {
      if (!(e instanceof ttypes.Xception)) throw new CheckError(`got ${show(e)}, want Xception`);
      expectEqual([e.errorCode, e.message], [1001, "This is an Xception"]);
    }),
  );
  await check(EXCEPTIONS, 'testMultiException("Xception2")', () =>
    raises("testMultiException", ["Xception2", "test 1"], (e) => {
      if (!(e instanceof ttypes.Xception2)) throw new CheckError(`got ${show(e)}, want Xception2`);
      expectEqual([e.errorCode, unsetAsZero(e.struct_thing)], [2002, unsetAsZero(new ttypes.Xtruct({ string_thing: "This is an Xception2" }))]);
    }),
  );
  await check(EXCEPTIONS, 'testMultiException("success")', () =>
    raises("testMultiException", ["success", "test 1"], (e, got) => {
      if (e) throw new CheckError(`got ${show(e)}, want Xtruct`);
      expectEqual(unsetAsZero(got), unsetAsZero(new ttypes.Xtruct({ string_thing: "test 1" })));
    }),
  );

  await check(BASETYPES, "testOneway(1), then testString on the same connection", async () => {
    const t0 = performance.now();
    await call(client, "testOneway", 1);
    const took = (performance.now() - t0) / 1000;
    if (took >= 3) throw new CheckError(`testOneway(1) took ${took.toFixed(1)} s: the client must not wait for the server`);
    expectEqual(await call(client, "testString", "Node"), "Node");
  });

  if (second) {
    await check(UNKNOWN, 'SecondService.secondtestString("foobar")', async () =>
      expectEqual(await call(second, "secondtestString", "foobar"), 'testString("foobar")'),
    );
    await check(UNKNOWN, "multiplexed testI32 after the others", async () => expectEqual(await call(client, "testI32", 7), 7));
    await check(UNKNOWN, "unprefixed testString on a second connection (default processor)", async () => {
      const { client: p, connection } = await plainClient();
      try {
        expectEqual(await call(p, "testString", "default"), "default");
      } finally {
        end(connection);
      }
    });
  }
}

async function main() {
  const where = opts.domainSocket ?? `${opts.host}:${opts.port}`;
  const connection = connect();
  try {
    await opened(connection);
  } catch (e) {
    process.stderr.write(`test_client.js: cannot connect to ${where}: ${e.message}\n`);
    return UNKNOWN;
  }
  let client;
  let second;
  let plainClient;
  if (opts.protocol.startsWith("multi")) {
    const mp = new thrift.Multiplexer();
    client = mp.createClient("ThriftTest", ThriftTest, connection);
    second = mp.createClient("SecondService", SecondService, connection);
    plainClient = async () => {
      const c = connect();
      await opened(c);
      return { client: thrift.createClient(ThriftTest, c), connection: c };
    };
  } else {
    client = thrift.createClient(ThriftTest, connection);
  }
  const t0 = performance.now();
  for (let i = 0; i < opts.loops; i++) await runTests(client, second, plainClient);
  end(connection);
  if (run.notRun && !opts.quiet) process.stderr.write(`FAIL ${run.notRun} more checks not run: ${run.broken}\n`);
  if (!opts.quiet) {
    process.stdout.write(
      `test_client.js ${opts.protocol}/${opts.transport} ${where}: ${run.passed} checks passed, ${run.failed} failed in ${((performance.now() - t0) / 1000).toFixed(2)}s (exit ${run.mask})\n`,
    );
  }
  return run.mask;
}

main().then(
  (code) => process.exit(code),
  (e) => {
    process.stderr.write(`test_client.js: ${e && e.stack ? e.stack : e}\n`);
    process.exit(UNKNOWN);
  },
);

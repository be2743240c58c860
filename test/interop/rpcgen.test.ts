/**
 * rpcgen's ThriftTest server and client (interop/test-server.ts, interop/test-client.ts), run as
 * plain node on dist/ exactly as the matrix runs them: a representative subset of the rpcgen cells of
 * the cross-language matrix against Apache's Python and Node.js peers and against each other (TCP,
 * Unix sockets, HTTP/1.1 and HTTP/2), plus the command-line contract (signals, flags) and the client's
 * failure modes (a hung server, wrong seqids). The whole matrix is `npm run test:interop`.
 *
 * Needs a current build (npm test builds first; alone: npm run build && npx vitest run test/interop).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { Agent, request as httpRequest } from "node:http";
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Server as NetServer } from "node:net";
import { join, resolve } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { BinaryProtocol, createClient, createHttpChannel, FramedDecoder, JSONProtocol, MessageOutput, MessageType } from "../../runtime/index.js";
import { ThriftTest } from "../../interop/thrift-test/ThriftTest.v0.16-nouuid.js";
import { cellName, cells, runMatrix, table } from "../../scripts/interop-matrix.js";
import { ROOT, run } from "../codec/peers.js";
import { APACHE_SOURCES, apacheSources, describeWith, nodeThrift, pythonPeer } from "../support/environment.js";
import { expectCellsPass, impl } from "./cells.js";

const SERVER = join(ROOT, "dist/interop/test-server.js");
const CLIENT = join(ROOT, "dist/interop/test-client.js");

interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
  ms: number;
}

interface Child {
  pid: number;
  exited: Promise<Exit>;
  kill(signal: NodeJS.Signals): void;
  out(): string;
}

const children: Child[] = [];
afterEach(() => {
  for (const c of children.splice(0)) c.kill("SIGKILL");
});

function start(args: string[], env: Record<string, string> = {}): Child {
  const t0 = performance.now();
  const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } });
  let out = "";
  let err = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const exited = new Promise<Exit>((ok) => child.on("close", (code, signal) => ok({ code, signal, out, err, ms: performance.now() - t0 })));
  const c: Child = {
    pid: child.pid!,
    exited,
    kill: (signal) => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
    out: () => out + err,
  };
  children.push(c);
  return c;
}

async function freePort(): Promise<number> {
  const s = createNetServer();
  await new Promise<void>((ok) => s.listen(0, "127.0.0.1", ok));
  const port = (s.address() as AddressInfo).port;
  await new Promise((ok) => s.close(ok));
  return port;
}

async function waitForPort(port: number, server: Child): Promise<void> {
  const deadline = performance.now() + 10_000;
  while (performance.now() < deadline) {
    const up = await new Promise<boolean>((ok) => {
      const s = netConnect(port, "127.0.0.1");
      s.once("connect", () => (s.destroy(), ok(true)));
      s.once("error", () => (s.destroy(), ok(false)));
    });
    if (up) return;
    await new Promise((ok) => setTimeout(ok, 50));
  }
  throw new Error(`server did not come up on ${port}: ${server.out()}`);
}

beforeAll(() => {
  // tsc leaves unchanged outputs alone, so their age says nothing: only their presence is checked.
  for (const f of [SERVER, CLIENT]) if (!existsSync(f)) throw new Error(`no ${f}: run npm run build (npm test does)`);
});

describe("rpcgen in the interop matrix", () => {
  it("is registered for every protocol, transport and socket, and --with picks its cells", () => {
    // py and rpcgen: 8 protocols over Apache's buffered, framed, zlib and http (rpcgen with itself also http2),
    // on ip, domain and ip-ssl; with node: 7 protocols (no multih) over buffered, framed and http, on ip and
    // domain (the node peer has no --ssl).
    const all = cells([impl("py"), impl("node"), impl("rpcgen")], {});
    expect(all.length).toBe(3 * 8 * 4 * 3 + 8 * 5 * 3 + 5 * 7 * 3 * 2);
    const mine = cells([impl("py"), impl("node"), impl("rpcgen")], { with: ["rpcgen"] });
    expect(mine.length).toBe(2 * 8 * 4 * 3 + 8 * 5 * 3 + 2 * 7 * 3 * 2);
    expect(mine.every((c) => c.server.name === "rpcgen" || c.client.name === "rpcgen")).toBe(true);
    const names = mine.map(cellName);
    expect(names).toContain("py-rpcgen_multij_framed-domain");
    expect(names).toContain("rpcgen-node_compact_buffered-ip");
    expect(names).toContain("rpcgen-py_multic_http-ip");
    expect(names).toContain("rpcgen-rpcgen_json_http2-ip");
    expect(names).toContain("rpcgen-py_json_buffered-ip-ssl");
    expect(names).toContain("py-rpcgen_binary_http-ip-ssl");
    expect(names).not.toContain("rpcgen-node_json_buffered-ip-ssl");
    expect(names.filter((n) => n.includes("_http2-"))).toEqual(names.filter((n) => n.startsWith("rpcgen-rpcgen_") && n.includes("_http2-")));
  });

  it("skips or expects to fail what KNOWN_FAILURES lists, and a known failure that passes fails the run", async () => {
    const [cell] = cells([impl("rpcgen")], { only: /^rpcgen-rpcgen_binary_http-ip$/ });
    const skipped = await runMatrix([cell!], 1, { startupMs: 10_000, clientMs: 30_000, stopMs: 2_000 }, undefined, [
      { cells: /_http-ip$/, kind: "skip", reason: "a test" },
    ]);
    expect(skipped.map((r) => [r.outcome, r.status, r.ok, r.seconds])).toEqual([["skip", "skip", false, 0]]);
    const passing = await runMatrix([cell!], 1, { startupMs: 10_000, clientMs: 30_000, stopMs: 2_000 }, undefined, [
      { cells: /_http-ip$/, kind: "fail", reason: "a test" },
    ]);
    expect(passing.map((r) => [r.outcome, r.status, r.ok])).toEqual([["xpass", "XPASS", false]]);
    expect(passing[0]!.problems).toEqual(["passed, but it is a known failure: take it off KNOWN_FAILURES"]);
    expect(table(passing)).toMatch(/\| rpcgen +\| rpcgen +\| http +\| ip +\| XPASS +\|/);
  }, 60_000);

  it("npm scripts start plain node on the built programs", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["interop:server"]).toBe("node dist/interop/test-server.js");
    expect(pkg.scripts["interop:client"]).toBe("node dist/interop/test-client.js");
    expect(pkg.scripts["test:interop"]).toMatch(/interop-matrix\.js --with=rpcgen$/);
  });
});

describe("rpcgen cells with itself", () => {
  it("pass over TCP, Unix sockets, HTTP/1.1 and HTTP/2, and all of them over TLS", async () => {
    const t = await expectCellsPass(["py", "node"], [
      "rpcgen-rpcgen_multij_framed-ip",
      "rpcgen-rpcgen_compact_buffered-domain",
      "rpcgen-rpcgen_multic_http-domain",
      "rpcgen-rpcgen_multi_http2-ip",
      "rpcgen-rpcgen_multic_framed-ip-ssl",
      "rpcgen-rpcgen_multih_zlib-ip-ssl",
      "rpcgen-rpcgen_json_http-ip-ssl",
      "rpcgen-rpcgen_binary_http2-ip-ssl",
    ]);
    expect(t).toMatch(/\| rpcgen +\| rpcgen +\| buffered +\| domain +\|/);
    expect(t).toMatch(/\| rpcgen +\| rpcgen +\| http2 +\| ip +\|/);
    expect(t).toMatch(/\| rpcgen +\| rpcgen +\| http2 +\| ip-ssl +\|/);
  }, 60_000);
});

describeWith([...pythonPeer, nodeThrift])("rpcgen cells against Apache's Python and Node.js peers (0.17)", () => {
  beforeAll(async () => {
    await run(resolve(ROOT, "scripts/gen-peer-code"), []);
  }, 120_000);

  it("pass in both directions", async () => {
    const wanted = [
      "py-rpcgen_json_buffered-ip",
      "rpcgen-py_multic_framed-domain",
      "node-rpcgen_binary_framed-ip",
      "rpcgen-node_multij_buffered-ip",
    ];
    expect(await expectCellsPass(["py", "node"], wanted)).toMatch(/\| rpcgen +\| py +\| framed +\| domain +\|/);
  }, 60_000);

  it("pass over HTTP in both directions", async () => {
    const wanted = ["py-rpcgen_multi_http-ip", "rpcgen-py_compact_http-ip", "rpcgen-node_multij_http-domain"];
    expect(await expectCellsPass(["py", "node"], wanted)).toMatch(/\| py +\| rpcgen +\| http +\| ip +\|/);
  }, 60_000);

  it("THeader (over buffered and framed, multiplexed) and zlib pass in both directions", async () => {
    const wanted = [
      "py-rpcgen_multih_framed-ip",
      "rpcgen-py_header_buffered-domain",
      "py-rpcgen_header_zlib-ip",
      "rpcgen-py_multi_zlib-ip",
      "node-rpcgen_header_buffered-ip",
      "rpcgen-node_header_framed-ip",
    ];
    expect(await expectCellsPass(["py", "node"], wanted)).toMatch(/\| py +\| rpcgen +\| zlib +\| ip +\|/);
  }, 90_000);

  it("against Apache's Node.js HTTP server: 403 at /; at /test everything passes but testOneway, which it never answers", async () => {
    const port = await freePort();
    const server = start([join(ROOT, "test/interop/node/test_server.js"), `--port=${port}`, "--protocol=compact", "--transport=http"]);
    await waitForPort(port, server);
    const common = [CLIENT, "--host=127.0.0.1", `--port=${port}`, "--protocol=compact", "--transport=http", "--no-neg-zero", "--timeout=1"];
    const atRoot = await start(common).exited;
    expect(atRoot.err).toMatch(/^FAIL testVoid: HttpError: HTTP 403 No Apache Thrift Service at \/ from http:\/\/127\.0\.0\.1:\d+\/\n/);
    expect(atRoot.code).toBe(1 | 2 | 4 | 8 | 64);
    const atTest = await start([...common, "--http-path=/test"]).exited;
    expect(atTest.err.split("\n").filter((l) => l.startsWith("FAIL"))).toEqual([
      "FAIL testOneway(1), then testString on the same connection: TTransportException: testOneway timed out after 1000 ms (http://127.0.0.1:" +
        port +
        "/test)",
      "FAIL 1 more checks not run: a call timed out at testOneway(1), then testString on the same connection",
    ]);
    expect(atTest.out).toMatch(/: 86 checks passed, 2 failed/);
    server.kill("SIGHUP");
    expect((await server.exited).code).toBe(0);
  }, 30_000);
});

describeWith(pythonPeer)("rpcgen cells against Apache's Python peer over TLS (ip-ssl)", () => {
  beforeAll(async () => {
    await run(resolve(ROOT, "scripts/gen-peer-code"), []);
  }, 120_000);

  it("pass in both directions, with the project's keys, over every transport", async () => {
    const t = await expectCellsPass(["py", "node"], [
      "py-rpcgen_multij_buffered-ip-ssl",
      "rpcgen-py_binary_framed-ip-ssl",
      "py-rpcgen_header_zlib-ip-ssl",
      "rpcgen-py_multih_framed-ip-ssl",
      "py-rpcgen_compact_http-ip-ssl",
      "rpcgen-py_multij_http-ip-ssl",
    ]);
    expect(t).toMatch(/\| rpcgen +\| py +\| framed +\| ip-ssl +\|/);
    expect(t).toMatch(/\| py +\| rpcgen +\| http +\| ip-ssl +\|/);
  }, 90_000);
});

describeWith([...pythonPeer, apacheSources])("rpcgen cells against Apache's Python peer over TLS, with Apache's 0.17 test/keys", () => {
  beforeAll(async () => {
    await run(resolve(ROOT, "scripts/gen-peer-code"), []);
  }, 120_000);

  it("pass in both directions (client.crt is self-issued: each side pins it)", async () => {
    const before = process.env["THRIFT_TEST_KEYS_DIR"];
    process.env["THRIFT_TEST_KEYS_DIR"] = join(APACHE_SOURCES, "test/keys");
    try {
      await expectCellsPass(["py", "node"], ["py-rpcgen_compact_framed-ip-ssl", "rpcgen-py_multi_buffered-ip-ssl", "rpcgen-rpcgen_json_framed-ip-ssl"]);
    } finally {
      if (before === undefined) delete process.env["THRIFT_TEST_KEYS_DIR"];
      else process.env["THRIFT_TEST_KEYS_DIR"] = before;
    }
  }, 60_000);
});

/** An HTTP/1.1 keep-alive connection left idle after one answered call (testVoid, binary). */
async function idleHttpConnection(port: number): Promise<Agent> {
  const agent = new Agent({ keepAlive: true });
  const w = BinaryProtocol.createWriter();
  w.writeMessageBegin("testVoid", MessageType.CALL, 1);
  w.writeStructBegin("testVoid_args");
  w.writeFieldStop();
  w.writeStructEnd();
  w.writeMessageEnd();
  const body = w.buffer.finish();
  const status = await new Promise<number>((ok, no) => {
    const req = httpRequest({ host: "127.0.0.1", port, method: "POST", path: "/", agent, headers: { "content-length": String(body.length) } }, (res) => {
      res.resume();
      res.on("end", () => ok(res.statusCode ?? 0));
    });
    req.on("error", no);
    req.end(body);
  });
  expect(status).toBe(200);
  expect(Object.keys(agent.freeSockets).length).toBe(1);
  return agent;
}

describe("rpcgen's test server", () => {
  for (const transport of ["framed", "http"] as const) {
    for (const signal of ["SIGHUP", "SIGINT", "SIGTERM"] as const) {
      it(`exits 0 promptly on ${signal}, with a client connected, having printed nothing (${transport})`, async () => {
        const port = await freePort();
        const server = start([SERVER, "--port", String(port), "--protocol=multi", `--transport=${transport}`, "TThreadedServer"]);
        await waitForPort(port, server);
        let idle: { destroy(): void };
        if (transport === "http") {
          idle = await idleHttpConnection(port);
        } else {
          const socket = netConnect(port, "127.0.0.1");
          socket.on("error", () => {});
          await new Promise<void>((ok) => socket.once("connect", ok));
          idle = socket;
        }
        const t0 = performance.now();
        server.kill(signal);
        const exit = await server.exited;
        idle.destroy();
        expect({ code: exit.code, signal: exit.signal, out: exit.out, err: exit.err }).toEqual({ code: 0, signal: null, out: "", err: "" });
        expect(performance.now() - t0).toBeLessThan(1500);
      });
    }
  }

  it("answers a oneway call over HTTP before running it, and runs it to its end", async () => {
    const port = await freePort();
    const server = start([SERVER, `--port=${port}`, "--protocol=json", "--transport=http", "-v"]);
    await waitForPort(port, server);
    const channel = createHttpChannel(`http://127.0.0.1:${port}/`, { protocol: JSONProtocol });
    // testOneway(3) sleeps a second (its cap) after the answer: the call is back before it is done.
    await createClient(ThriftTest, channel).testOneway(3);
    expect(server.out()).not.toMatch(/testOneway\(3\): done/);
    await channel.close();
    const deadline = performance.now() + 10_000;
    while (!/testOneway\(3\): done/.test(server.out()) && performance.now() < deadline) await new Promise((ok) => setTimeout(ok, 50));
    server.kill("SIGHUP");
    const exit = await server.exited;
    expect(exit.code).toBe(0);
    expect(exit.err).toMatch(/testOneway\(3\): sleeping\n.*testOneway\(3\): done\n/s);
  }, 20_000);

  it("refuses unknown flags, and --ssl without its key files, with a clear message", async () => {
    const ssl = await start([SERVER, "--port=1", "--ssl"], { THRIFT_TEST_KEYS_DIR: "/nonexistent" }).exited;
    expect(ssl.code).toBe(2);
    expect(ssl.err).toBe("test-server: --ssl: THRIFT_TEST_KEYS_DIR=/nonexistent has no CA.pem, server.crt, server.key, server.pem, client.crt, client.key\n");
    const bad = await start([SERVER, "--port=1", "--protocol=multia"]).exited;
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--protocol must be one of binary, compact, json, header, multi, multic, multij, multih \(got 'multia'\)/);
    const udp = await start([SERVER, "--port=1", "--transport=udp"]).exited;
    expect(udp.code).toBe(2);
    expect(udp.err).toMatch(/--transport must be one of buffered, framed, http, zlib \(got 'udp'\)/);
    // rpcgen's HTTP transport carries neither THeader nor zlib: the server says so rather than serving something else.
    const header = await start([SERVER, "--port=1", "--protocol=multih", "--transport=http"]).exited;
    expect(header.code).toBe(2);
    expect(header.err).toMatch(/--protocol=multih is not supported with --transport=http: rpcgen's HTTP server and client carry binary, compact and JSON, not THeader/);
    const zlib = await start([SERVER, "--port=1", "--transport=http", "--zlib"]).exited;
    expect(zlib.code).toBe(2);
    expect(zlib.err).toMatch(/--zlib is not supported with --transport=http/);
  });
});

/** A fake server (framed binary): answers every call to testVoid with the seqid it is given by `seqid`. */
async function fakeServer(seqid: ((sent: number) => number) | "hang"): Promise<{ port: number; server: NetServer }> {
  const server = createNetServer((socket) => {
    socket.on("error", () => {});
    if (seqid === "hang") return;
    const out = new MessageOutput(BinaryProtocol, true);
    const decoder = new FramedDecoder((bytes, start, end) => {
      const header = BinaryProtocol.createReader(bytes.subarray(start, end)).readMessageBegin();
      const mark = out.begin();
      out.writer.writeMessageBegin(header.name, MessageType.REPLY, seqid(header.seqid));
      out.writer.writeStructBegin("result");
      out.writer.writeFieldStop();
      out.writer.writeStructEnd();
      out.writer.writeMessageEnd();
      out.end(mark);
      out.flushTo(socket);
    }, 1 << 20);
    socket.on("data", (chunk: Buffer) => decoder.push(chunk));
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  return { port: (server.address() as AddressInfo).port, server };
}

describe("rpcgen's test client", () => {
  it("fails a hung server within its timeout: every check, base bit and all", async () => {
    const { port, server } = await fakeServer("hang");
    try {
      const exit = await start([CLIENT, "--host=127.0.0.1", `--port=${port}`, "--protocol=binary", "--transport=framed", "--timeout=1"]).exited;
      expect(exit.code).toBe(1 | 2 | 4 | 8 | 64);
      expect(exit.err).toMatch(/FAIL testVoid: TTransportException: testVoid timed out after 1000 ms/);
      expect(exit.err).toMatch(/more checks not run: a call timed out at testVoid/);
      expect(exit.ms).toBeLessThan(5000);
    } finally {
      server.close();
    }
  });

  it("reports a reply with the wrong seqid (bit 64)", async () => {
    const { port, server } = await fakeServer((s) => s + 1);
    try {
      const exit = await start([CLIENT, "--host=127.0.0.1", `--port=${port}`, "--protocol=binary", "--transport=framed", "--timeout=2"]).exited;
      expect(exit.code! & 64).toBe(64);
      expect(exit.err).toMatch(/FAIL testVoid: reply 'testVoid' has seqid (-?\d+), the call had/);
    } finally {
      server.close();
    }
  });

  it("exits 64 when it cannot connect (TCP and HTTP), and when --ssl has no key files", async () => {
    const port = await freePort();
    const exit = await start([CLIENT, "--host=127.0.0.1", `--port=${port}`]).exited;
    expect(exit.code).toBe(64);
    expect(exit.err).toMatch(/cannot connect to 127\.0\.0\.1:\d+/);
    const http = await start([CLIENT, "--host=127.0.0.1", `--port=${port}`, "--transport=http", "--http2"]).exited;
    expect(http.code).toBe(64);
    expect(http.err).toMatch(/cannot connect to http:\/\/127\.0\.0\.1:\d+\/ \(HTTP\/2\): .*ECONNREFUSED/);
    const ssl = await start([CLIENT, "--ssl"], { THRIFT_TEST_KEYS_DIR: "/nonexistent" }).exited;
    expect(ssl.code).toBe(64);
    expect(ssl.err).toMatch(/--ssl: THRIFT_TEST_KEYS_DIR=\/nonexistent has no CA\.pem/);
  });

  it("with --ssl against a plain server, and without against a TLS one, fails fast and says why", async () => {
    const port = await freePort();
    const plain = start([SERVER, `--port=${port}`, "--protocol=binary", "--transport=framed"]);
    await waitForPort(port, plain);
    const tlsClient = await start([CLIENT, "--host=127.0.0.1", `--port=${port}`, "--protocol=binary", "--transport=framed", "--ssl"]).exited;
    expect(tlsClient.code).toBe(64);
    expect(tlsClient.err).toMatch(/cannot connect to 127\.0\.0\.1:\d+ \(TLS\): TTransportException: TLS handshake with 127\.0\.0\.1:\d+ failed: the server closed the connection during the handshake \(does it serve TLS on this port\? does it take this client's certificate\?\)/);
    expect(tlsClient.ms).toBeLessThan(3000);
    plain.kill("SIGTERM");
    await plain.exited;

    const tlsPort = await freePort();
    const secure = start([SERVER, `--port=${tlsPort}`, "--protocol=binary", "--transport=framed", "--ssl"]);
    await waitForPort(tlsPort, secure);
    const plainClient = await start([CLIENT, "--host=127.0.0.1", `--port=${tlsPort}`, "--protocol=binary", "--transport=framed"]).exited;
    expect(plainClient.code).not.toBe(0);
    expect(plainClient.err).toMatch(/FAIL testVoid: TApplicationException\(type 0\): this port serves Thrift over TLS: connect with TLS/);
    expect(plainClient.ms).toBeLessThan(3000);
    secure.kill("SIGTERM");
    expect((await secure.exited).err).toMatch(/connection-error \(127\.0\.0\.1:\d+\): TTransportException: a client that does not speak TLS connected to this TLS port/);
  });

  it("refuses HTTP flags without --transport=http, and HTTP/2 over a Unix socket", async () => {
    const h2 = await start([CLIENT, "--http2"]).exited;
    expect(h2.code).toBe(64);
    expect(h2.err).toBe("test-client: --http-path and --http2 go with --transport=http\n");
    const uds = await start([CLIENT, "--transport=http", "--http2", "--domain-socket=/tmp/nowhere.sock"]).exited;
    expect(uds.code).toBe(64);
    expect(uds.err).toMatch(/--http2 is not supported over a Unix socket/);
    const path = await start([CLIENT, "--transport=http", "--http-path=test"]).exited;
    expect(path.code).toBe(64);
    expect(path.err).toMatch(/--http-path must start with '\/'/);
  });

  it("refuses THeader and zlib over HTTP, which rpcgen's HTTP client does not carry", async () => {
    const header = await start([CLIENT, "--protocol=header", "--transport=http"]).exited;
    expect(header.code).toBe(64);
    expect(header.err).toBe("test-client: --protocol=header is not supported with --transport=http: rpcgen's HTTP server and client carry binary, compact and JSON, not THeader\n");
    const zlib = await start([CLIENT, "--transport=http", "--zlib"]).exited;
    expect(zlib.code).toBe(64);
    expect(zlib.err).toBe("test-client: --zlib is not supported with --transport=http: rpcgen's HTTP server and client carry plain bodies\n");
  });
});

/**
 * rpcgen's ThriftTest server and client (interop/test-server.ts, interop/test-client.ts), run as
 * plain node on dist/ exactly as the matrix runs them: a representative subset of the rpcgen cells of
 * the cross-language matrix against Apache's Python and Node.js peers and against each other, plus
 * the command-line contract (signals, flags) and the client's failure modes (a hung server, wrong
 * seqids). The whole matrix is `npm run test:interop`.
 *
 * Needs a current build (npm test builds first; alone: npm run build && npx vitest run test/interop).
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { connect as netConnect, createServer as createNetServer, type AddressInfo, type Server as NetServer } from "node:net";
import { join, resolve } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { BinaryProtocol, FramedDecoder, MessageOutput, MessageType } from "../../runtime/index.js";
import { IMPLEMENTATIONS, cellName, cells, runMatrix, table, type Implementation } from "../../scripts/interop-matrix.js";
import { ROOT, run } from "../codec/peers.js";
import { APACHE_SOURCES, apacheSources, describeWith, nodeThrift, pythonPeer } from "../support/environment.js";

const SERVER = join(ROOT, "dist/interop/test-server.js");
const CLIENT = join(ROOT, "dist/interop/test-client.js");

const impl = (name: string): Implementation => {
  const i = IMPLEMENTATIONS.find((x) => x.name === name);
  if (!i) throw new Error(`no implementation ${name}`);
  return i;
};

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
    const all = cells([impl("py"), impl("node"), impl("rpcgen")], {});
    // ip and domain for every pair; ip-ssl (TLS) between py and rpcgen (the node peer has no --ssl).
    expect(all.length).toBe(3 * 3 * 6 * 2 * 2 + 2 * 2 * 6 * 2);
    const mine = cells([impl("py"), impl("node"), impl("rpcgen")], { with: ["rpcgen"] });
    expect(mine.length).toBe(5 * 6 * 2 * 2 + 3 * 6 * 2);
    expect(mine.every((c) => c.server.name === "rpcgen" || c.client.name === "rpcgen")).toBe(true);
    expect(mine.map(cellName)).toContain("py-rpcgen_multij_framed-domain");
    expect(mine.map(cellName)).toContain("rpcgen-node_compact_buffered-ip");
    expect(mine.map(cellName)).toContain("rpcgen-py_json_buffered-ip-ssl");
    expect(mine.map(cellName)).not.toContain("rpcgen-node_json_buffered-ip-ssl");
  });

  it("npm scripts start plain node on the built programs", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["interop:server"]).toBe("node dist/interop/test-server.js");
    expect(pkg.scripts["interop:client"]).toBe("node dist/interop/test-client.js");
    expect(pkg.scripts["test:interop"]).toMatch(/interop-matrix\.js --with=rpcgen$/);
  });
});

/** Runs the named cells (the matrix's own runner) and expects every one to pass. */
async function expectCellsPass(wanted: readonly string[]): Promise<string> {
  const selected = cells([impl("py"), impl("node"), impl("rpcgen")], { only: new RegExp(`^(${wanted.join("|")})$`) });
  expect(selected.map(cellName).sort()).toEqual([...wanted].sort());
  const results = await runMatrix(selected, 2, { startupMs: 10_000, clientMs: 30_000, stopMs: 2_000 });
  for (const r of results) {
    expect({ cell: cellName(r.cell), problems: r.problems, out: r.ok ? "" : r.clientOutput + r.serverOutput }).toEqual({
      cell: cellName(r.cell),
      problems: [],
      out: "",
    });
  }
  return table(results);
}

describe("rpcgen cells with itself", () => {
  it("pass", async () => {
    const t = await expectCellsPass(["rpcgen-rpcgen_multij_framed-ip", "rpcgen-rpcgen_compact_buffered-domain", "rpcgen-rpcgen_multic_framed-ip-ssl"]);
    expect(t).toMatch(/\| rpcgen +\| rpcgen +\| domain +\|/);
    expect(t).toMatch(/\| rpcgen +\| rpcgen +\| ip-ssl +\|/);
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
    expect(await expectCellsPass(wanted)).toMatch(/\| rpcgen +\| py +\| domain +\|/);
  }, 60_000);
});

describeWith(pythonPeer)("rpcgen cells against Apache's Python peer over TLS (ip-ssl)", () => {
  beforeAll(async () => {
    await run(resolve(ROOT, "scripts/gen-peer-code"), []);
  }, 120_000);

  it("pass in both directions, with the project's keys", async () => {
    const t = await expectCellsPass(["py-rpcgen_multij_buffered-ip-ssl", "rpcgen-py_binary_framed-ip-ssl"]);
    expect(t).toMatch(/\| rpcgen +\| py +\| ip-ssl +\|/);
  }, 60_000);
});

describeWith([...pythonPeer, apacheSources])("rpcgen cells against Apache's Python peer over TLS, with Apache's 0.17 test/keys", () => {
  beforeAll(async () => {
    await run(resolve(ROOT, "scripts/gen-peer-code"), []);
  }, 120_000);

  it("pass in both directions (client.crt is self-issued: each side pins it)", async () => {
    const before = process.env["THRIFT_TEST_KEYS_DIR"];
    process.env["THRIFT_TEST_KEYS_DIR"] = join(APACHE_SOURCES, "test/keys");
    try {
      await expectCellsPass(["py-rpcgen_compact_framed-ip-ssl", "rpcgen-py_multi_buffered-ip-ssl", "rpcgen-rpcgen_json_framed-ip-ssl"]);
    } finally {
      if (before === undefined) delete process.env["THRIFT_TEST_KEYS_DIR"];
      else process.env["THRIFT_TEST_KEYS_DIR"] = before;
    }
  }, 60_000);
});

describe("rpcgen's test server", () => {
  for (const signal of ["SIGHUP", "SIGINT", "SIGTERM"] as const) {
    it(`exits 0 promptly on ${signal}, with a client connected, having printed nothing`, async () => {
      const port = await freePort();
      const server = start([SERVER, "--port", String(port), "--protocol=multi", "--transport=framed", "TThreadedServer"]);
      await waitForPort(port, server);
      const idle = netConnect(port, "127.0.0.1");
      idle.on("error", () => {});
      await new Promise<void>((ok) => idle.once("connect", ok));
      const t0 = performance.now();
      server.kill(signal);
      const exit = await server.exited;
      idle.destroy();
      expect({ code: exit.code, signal: exit.signal, out: exit.out, err: exit.err }).toEqual({ code: 0, signal: null, out: "", err: "" });
      expect(performance.now() - t0).toBeLessThan(1500);
    });
  }

  it("refuses unknown flags, and --ssl without its key files, with a clear message", async () => {
    const ssl = await start([SERVER, "--port=1", "--ssl"], { THRIFT_TEST_KEYS_DIR: "/nonexistent" }).exited;
    expect(ssl.code).toBe(2);
    expect(ssl.err).toBe("test-server: --ssl: THRIFT_TEST_KEYS_DIR=/nonexistent has no CA.pem, server.crt, server.key, server.pem, client.crt, client.key\n");
    const bad = await start([SERVER, "--port=1", "--protocol=header"]).exited;
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--protocol must be one of binary, compact, json, multi, multic, multij/);
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

  it("exits 64 when it cannot connect, and when --ssl has no key files", async () => {
    const port = await freePort();
    const exit = await start([CLIENT, "--host=127.0.0.1", `--port=${port}`]).exited;
    expect(exit.code).toBe(64);
    expect(exit.err).toMatch(/cannot connect to 127\.0\.0\.1:\d+/);
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
});

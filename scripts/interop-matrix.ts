/**
 * The cross-language matrix: Apache's ThriftTest cross test (thrift-notes §4) between the
 * implementations registered below, every server against every client, for each protocol,
 * transport and socket kind both sides support.
 *
 *   node dist/scripts/interop-matrix.js [--server=py,node,rpcgen,cpp,go] [--client=...] [--with=rpcgen]
 *        [--protocol=binary,json] [--transport=framed,zlib,http] [--socket=ip,domain,ip-ssl] [--only=REGEX]
 *        [-j N] [--client-timeout=S] [--list] [--json=FILE] [-v]
 *
 * Socket kinds, named as Apache's runner names them: `ip` (TCP on loopback), `domain` (a Unix socket),
 * `ip-ssl` (TCP with `--ssl` passed to both sides: TLS with the key files of $THRIFT_TEST_KEYS_DIR, else
 * the project's .tmp/keys, made here with openssl before the first such cell runs; with Apache's C++
 * or Go program on one side, Apache's 0.17 test/keys, which they read from a place of their own, for
 * both sides). The readiness probe of an ip-ssl cell completes a TLS handshake.
 *
 * Per cell: a free loopback port (or a fresh Unix socket path) is picked, the server is started
 * and probed until it accepts a connection (bounded wait), the client runs with a deadline, and the
 * server is stopped with SIGHUP as Apache's runner does: it must exit promptly with status 0 (or 129,
 * or by the signal) and must not have written to stderr (but for lines an implementation lists as its
 * normal output, `serverStderrNoise`). Everything left running is killed by
 * process group. A hung peer fails its cell, never the run.
 *
 * Cells in KNOWN_FAILURES (as Apache's test/known_failures_Linux.json) are either skipped, when a side
 * has no way to run them, or run and expected to fail, for a reason given there; one that passes fails
 * the run, so the list stays true. Prints a table, the failures with the programs' output, and a
 * closing line `interop: N passed, M failed, K skipped` (K: known failures and skipped cells); exits 1
 * if any cell failed.
 *
 * The peers must be installed first: scripts/install-peers && scripts/gen-peer-code && scripts/build-peers.
 * An implementation that cannot run is skipped with the reason; under CI=true that is an error.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, realpathSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { availableParallelism, tmpdir } from "node:os";
import { connect as tlsConnect } from "node:tls";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { nativeImplementations } from "./interop-peers-native.js";
import { makeTestKeys } from "./make-test-keys.js";

const ROOT = findRoot();
/** Under CI every implementation must be available. */
const IN_CI = ["true", "1"].includes((process.env["CI"] ?? "").toLowerCase());

function findRoot(): string {
  // dist/scripts/interop-matrix.js or scripts/interop-matrix.ts
  for (const up of ["../..", ".."]) {
    const dir = resolve(dirname(fileURLToPath(import.meta.url)), up);
    if (existsSync(join(dir, "package.json")) && existsSync(join(dir, "test/interop"))) return dir;
  }
  return process.cwd();
}

export type Protocol = "binary" | "compact" | "json" | "header" | "multi" | "multic" | "multij" | "multih";
/**
 * Apache's transports, and `http2`: rpcgen's client over HTTP/2 in clear text (`--transport=http
 * --http2`) against a server run with `--transport=http`. Apache's runner has no such transport.
 */
export type Transport = "buffered" | "framed" | "zlib" | "http" | "http2";
export type Socket = "ip" | "domain" | "ip-ssl";
const ALL_SOCKETS: readonly Socket[] = ["ip", "domain", "ip-ssl"];

export interface Implementation {
  name: string;
  /** Command line of the server and of the client, without the cross-test flags. */
  server: string[];
  client: string[];
  protocols: readonly Protocol[];
  transports: readonly Transport[];
  sockets: readonly Socket[];
  /** Extra client flags when this implementation is the server (its known limits). */
  clientFlagsAgainst?: readonly string[];
  /** Its client is Apache's program, which takes none of our clients' extra flags. */
  foreignClient?: boolean;
  /**
   * Lines its server writes to stderr in normal operation in `cell` (with the reason where it is set),
   * which the runner does not count as the server complaining. Anything else on stderr fails the cell.
   */
  serverStderrNoise?: (cell: Cell) => readonly RegExp[];
  /**
   * The key files its `--ssl` uses whatever $THRIFT_TEST_KEYS_DIR says (Apache's programs read theirs
   * from a place of their own). In an ip-ssl cell with it, both programs are given this set.
   */
  sslKeys?: string;
  /** Why this implementation cannot run here, or undefined when it can. */
  unavailable?: () => string | undefined;
}

const ALL_PROTOCOLS: readonly Protocol[] = ["binary", "compact", "json", "header", "multi", "multic", "multij", "multih"];
const ALL_TRANSPORTS: readonly Transport[] = ["buffered", "framed", "zlib", "http", "http2"];
const APACHE_TRANSPORTS: readonly Transport[] = ["buffered", "framed", "zlib", "http"];

/** The cross-test flags of each transport, for the server and for the client. */
const TRANSPORT_FLAGS: Record<Transport, { server: string[]; client: string[] }> = {
  buffered: { server: ["--transport=buffered"], client: ["--transport=buffered"] },
  framed: { server: ["--transport=framed"], client: ["--transport=framed"] },
  // Apache's runner passes zlib both as the transport and as a flag.
  zlib: { server: ["--transport=zlib", "--zlib"], client: ["--transport=zlib", "--zlib"] },
  http: { server: ["--transport=http"], client: ["--transport=http"] },
  http2: { server: ["--transport=http"], client: ["--transport=http", "--http2"] },
};
const DEB_PY = "/usr/bin/python3";

export const IMPLEMENTATIONS: Implementation[] = [
  {
    name: "py",
    server: [DEB_PY, "test/interop/py/test_server.py"],
    client: [DEB_PY, "test/interop/py/test_client.py"],
    protocols: ALL_PROTOCOLS,
    transports: APACHE_TRANSPORTS,
    sockets: ALL_SOCKETS,
    unavailable: () =>
      existsSync(join(ROOT, ".tmp/peers/py/ThriftTest/ttypes.py")) ? undefined : "no .tmp/peers/py (run scripts/install-peers && scripts/gen-peer-code)",
  },
  {
    name: "node",
    server: [process.execPath, "test/interop/node/test_server.js"],
    client: [process.execPath, "test/interop/node/test_client.js"],
    // Apache's Node.js library has THeader (no transforms) but no zlib transport, and its cross test no multih.
    protocols: ["binary", "compact", "json", "header", "multi", "multic", "multij"],
    transports: ["buffered", "framed", "http"],
    sockets: ["ip", "domain"],
    // Apache's Node.js library writes -0 as +0 (binary.js takes the sign from `v < 0`).
    clientFlagsAgainst: ["--no-neg-zero"],
    unavailable: () =>
      existsSync(join(ROOT, ".tmp/peers/node/gen-nodejs/ThriftTest.js")) && existsSync(join(ROOT, ".tmp/peers/node/node_modules/thrift"))
        ? undefined
        : "no .tmp/peers/node (run scripts/install-peers && scripts/gen-peer-code)",
  },
  {
    // rpcgen's own programs (interop/test-server.ts, interop/test-client.ts), run as plain node on dist/.
    name: "rpcgen",
    server: [process.execPath, "dist/interop/test-server.js"],
    client: [process.execPath, "dist/interop/test-client.js"],
    protocols: ALL_PROTOCOLS,
    transports: ALL_TRANSPORTS,
    sockets: ALL_SOCKETS,
    unavailable: () =>
      existsSync(join(ROOT, "dist/interop/test-server.js")) && existsSync(join(ROOT, "dist/interop/test-client.js"))
        ? undefined
        : "no dist/interop (run npm run build)",
  },
  // Apache's C++ and Go programs (scripts/interop-peers-native.ts).
  ...nativeImplementations(ROOT),
];

/**
 * Cells that cannot pass, and why: Apache's known_failures_Linux.json for this matrix. `skip`: not run,
 * as one side has no way to run it; `fail`: run, and expected to fail (a pass fails the run, so an entry
 * that is no longer true is noticed). Matched against cell names, `server-client_protocol_transport-socket`;
 * the first entry that matches a cell is the one that applies.
 */
export interface KnownFailure {
  cells: RegExp;
  kind: "skip" | "fail";
  reason: string;
}

export const KNOWN_FAILURES: readonly KnownFailure[] = [
  {
    cells: /^(rpcgen-[a-z]+|[a-z]+-rpcgen)_(header|multih)_http2?-[a-z-]+$/,
    kind: "skip",
    reason: "rpcgen's HTTP server and client carry binary, compact and JSON bodies, not THeader: its test programs refuse header and multih over http.",
  },
  {
    cells: /^(py-[a-z]+|[a-z]+-py)_[a-z]+_http-domain$/,
    kind: "skip",
    reason:
      "Apache's Python HTTP transport is TCP only: THttpServer is http.server on a TCP port (Apache's TestServer.py ignores " +
      "--domain-socket for http, so Apache's py *_http-domain cells fail), and THttpClient has no Unix-socket mode.",
  },
  {
    cells: /_http2-domain$/,
    kind: "skip",
    reason: "rpcgen's HTTP client speaks HTTP/2 over TCP only; over a Unix socket the test client uses HTTP/1.1 (an agent of its own).",
  },
  {
    cells: /^node-(py|rpcgen|go|cpp)_[a-z]+_http-[a-z-]+$/,
    kind: "fail",
    reason:
      "Apache's Node.js HTTP server serves only /test (Apache's Node test server), and these clients post elsewhere (Python's, Go's " +
      "and rpcgen's to /, as Apache's runner passes no path; C++'s to /service): 403 'No Apache Thrift Service at /' (Apache lists its non-Node clients against it as known failures). " +
      "Given the path (--http-path=/test), every check passes but testOneway: Node's server never answers a oneway call, and " +
      "Python's THttpClient and rpcgen's HTTP channel wait for the response, until their timeout (Node's own client does not wait).",
  },
  {
    cells: /^node-py_header_buffered-[a-z-]+$/,
    kind: "fail",
    reason:
      "Apache's Node.js 0.17 header server over the buffered transport answers THeader requests without the header when the " +
      "handler answers asynchronously: its receive loop tries to read the next message before the reply is flushed, and that " +
      "attempt clears the flag that says the request had headers. Python's header client allows only THeader replies (as " +
      "Apache's TestClient.py does) and refuses the bare binary reply (client type 2). rpcgen's client reads both dialects.",
  },
  {
    cells: /^(py-rpcgen|rpcgen-py|go-py)_(json|multij)_zlib-[a-z-]+$/,
    kind: "fail",
    reason:
      "Apache's Python 0.17 TJSONProtocol reads the four hex digits of a \\uXXXX escape with trans.read(4), which TZlibTransport " +
      "answers short (with what its decompression buffer holds), so escapes are misread over zlib ('\\u0003' as NUL then '3'). " +
      "rpcgen's JSON writer escapes the C0 control characters without a short escape (as C++ and Go do; JSON allows none raw), " +
      "Python's writes them raw: the testString of every control character fails, in both directions (Python's server reads " +
      "rpcgen's call wrong; Python's client reads rpcgen's, and Go's, reply wrong). Over buffered and framed, and py with py, all pass.",
  },
  {
    cells: /^cpp-go_[a-z]+_http-[a-z-]+$/,
    kind: "skip",
    reason:
      "Apache's C++ 0.17 HTTP server never answers a oneway call (THRIFT-6021, fixed after 0.17), and Go's HTTP client waits for " +
      "that answer with no timeout of its own: the cell could only end by the runner's deadline, a minute per cell.",
  },
  {
    cells: /^cpp-(py|rpcgen)_[a-z]+_http-[a-z-]+$/,
    kind: "fail",
    reason:
      "Apache's C++ 0.17 HTTP server never answers a oneway call (THRIFT-6021, fixed after 0.17): Python's THttpClient and " +
      "rpcgen's HTTP channel wait for the (empty) response and fail testOneway by their timeout. Node's client does not wait, " +
      "and C++'s own client expects no answer, so those pass.",
  },
  {
    cells: /^(py|rpcgen|go)-cpp_[a-z]+_http-[a-z-]+$/,
    kind: "fail",
    reason:
      "Apache's C++ 0.17 HTTP client does not read the answer to a oneway call, so the next call (testI32 after testOneway) reads " +
      "that empty 200 as its own reply and aborts ('No more data to read'). Python's, Go's and rpcgen's servers answer every " +
      "oneway call, as HTTP requires; against the C++ server, which answers none (THRIFT-6021), it passes.",
  },
];

export function knownFailure(cell: Cell, list: readonly KnownFailure[] = KNOWN_FAILURES): KnownFailure | undefined {
  const name = cellName(cell);
  return list.find((k) => k.cells.test(name));
}

export interface Cell {
  server: Implementation;
  client: Implementation;
  protocol: Protocol;
  transport: Transport;
  socket: Socket;
}

export interface CellResult {
  cell: Cell;
  /** The cell ran and passed. */
  ok: boolean;
  /** pass, fail; for cells in KNOWN_FAILURES: skip (not run), xfail (failed as expected), xpass (passed: a failure). */
  outcome: "pass" | "fail" | "skip" | "xfail" | "xpass";
  /** The entry of KNOWN_FAILURES the cell is in. */
  known?: KnownFailure | undefined;
  /** Short status for the table: ok, exit mask, TIMEOUT, SERVER... */
  status: string;
  seconds: number;
  problems: string[];
  clientOutput: string;
  serverOutput: string;
}

export const cellName = (c: Cell): string => `${c.server.name}-${c.client.name}_${c.protocol}_${c.transport}-${c.socket}`;

// ------------------------------------------------------------------------------------------------
// processes

interface Proc {
  child: ChildProcess;
  out: string;
  err: string;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  done: boolean;
}

function start(cmd: string[], args: string[], env: Record<string, string> = {}): Proc {
  const child = spawn(cmd[0]!, [...cmd.slice(1), ...args], {
    cwd: ROOT,
    detached: true, // own process group: everything it starts is killed with it
    stdio: ["ignore", "pipe", "pipe"],
    // Every cell is on loopback: never through a proxy (Python's THttpClient honours the proxy variables).
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1", PYTHONUNBUFFERED: "1", no_proxy: "*", NO_PROXY: "*", ...env },
  });
  const p: Proc = { child, out: "", err: "", done: false, exited: undefined as never };
  const cap = (s: string, more: Buffer) => (s.length > 200_000 ? s : s + more.toString("utf8"));
  child.stdout!.on("data", (b: Buffer) => (p.out = cap(p.out, b)));
  child.stderr!.on("data", (b: Buffer) => (p.err = cap(p.err, b)));
  p.exited = new Promise((ok) => {
    child.on("error", (e) => {
      p.err += `spawn failed: ${e.message}\n`;
      p.done = true;
      ok({ code: -1, signal: null });
    });
    child.on("close", (code, signal) => {
      p.done = true;
      ok({ code, signal });
    });
  });
  return p;
}

function killGroup(p: Proc, signal: NodeJS.Signals): void {
  if (p.done || p.child.pid === undefined) return;
  try {
    process.kill(-p.child.pid, signal);
  } catch {
    try {
      p.child.kill(signal);
    } catch {
      // gone
    }
  }
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function within<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((ok) => (timer = setTimeout(() => ok(undefined), ms)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function freePort(): Promise<number> {
  return new Promise((ok, no) => {
    const s = createServer();
    s.unref();
    s.on("error", no);
    s.listen(0, "127.0.0.1", () => {
      const addr = s.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      s.close(() => ok(port));
    });
  });
}

/**
 * One connection attempt; closes at once without sending anything. Over TLS it completes the handshake
 * first (without checking the server's certificate: it only asks whether the server is up), as a
 * connection closed before its handshake is worth a line on stderr to some servers (Apache's C++).
 */
function probe(target: { port: number } | { path: string }, tls: boolean): Promise<boolean> {
  return new Promise((ok) => {
    const sock =
      "port" in target
        ? tls
          ? tlsConnect({ host: "127.0.0.1", port: target.port, rejectUnauthorized: false })
          : createConnection({ host: "127.0.0.1", port: target.port })
        : createConnection({ path: target.path });
    const done = (v: boolean) => {
      sock.removeAllListeners();
      sock.on("error", () => {});
      // After a handshake, a TLS close (close_notify) rather than a reset, which servers log as an error.
      if (tls && v) sock.end(() => sock.destroy());
      else sock.destroy();
      ok(v);
    };
    sock.setTimeout(500, () => done(false));
    sock.once(tls ? "secureConnect" : "connect", () => done(true));
    sock.once("error", () => done(false));
  });
}

/**
 * The key set of an ip-ssl cell: the one a side is fixed to (both sides then use it), else whatever
 * $THRIFT_TEST_KEYS_DIR or the project's .tmp/keys give each program.
 */
function sslEnvironment(cell: Cell): Record<string, string> {
  const fixed = [cell.server.sslKeys, cell.client.sslKeys].filter((k): k is string => k !== undefined);
  if (fixed.length === 0) return {};
  const [first, second] = fixed.map((k) => realpathSync(k));
  if (second !== undefined && second !== first) throw new Error(`${cellName(cell)}: the two sides use different key sets (${first}, ${second})`);
  return { THRIFT_TEST_KEYS_DIR: first! };
}

// ------------------------------------------------------------------------------------------------
// one cell

export interface RunOptions {
  startupMs: number;
  clientMs: number;
  stopMs: number;
}

let socketSeq = 0;

export async function runCell(cell: Cell, o: RunOptions): Promise<CellResult> {
  const t0 = performance.now();
  const problems: string[] = [];
  const where: string[] = [];
  let socketPath: string | undefined;
  if (cell.socket === "domain") {
    socketPath = join(tmpdir(), `rpcgen-interop-${process.pid}-${socketSeq++}.sock`);
    rmSync(socketPath, { force: true });
    where.push(`--domain-socket=${socketPath}`);
  }
  const port = await freePort();
  where.push(`--port=${port}`);
  if (cell.socket === "ip-ssl") where.push("--ssl");
  const protocol = `--protocol=${cell.protocol}`;
  const flags = TRANSPORT_FLAGS[cell.transport];
  const env = cell.socket === "ip-ssl" ? sslEnvironment(cell) : {};
  const server = start(cell.server.server, [protocol, ...flags.server, ...where], env);
  let status = "ok";
  let client: Proc | undefined;
  try {
    // 1. Wait for the server to accept connections.
    const deadline = performance.now() + o.startupMs;
    let up = false;
    while (!up && performance.now() < deadline && !server.done) {
      up = await probe(socketPath ? { path: socketPath } : { port }, cell.socket === "ip-ssl");
      if (!up) await sleep(50);
    }
    if (!up) {
      const ex = server.done ? await server.exited : undefined;
      status = "NOSERVER";
      problems.push(ex ? `server exited during startup (code ${ex.code}, signal ${ex.signal})` : `server did not accept connections within ${o.startupMs} ms`);
    } else {
      // 2. Run the client with a deadline.
      const clientArgs = ["--host=127.0.0.1", protocol, ...flags.client, ...where, ...(cell.client.foreignClient ? [] : (cell.server.clientFlagsAgainst ?? []))];
      client = start(cell.client.client, clientArgs, env);
      const res = await within(client.exited, o.clientMs);
      if (res === undefined) {
        status = "TIMEOUT";
        problems.push(`client did not finish within ${o.clientMs} ms`);
        killGroup(client, "SIGKILL");
        await within(client.exited, 2000);
      } else if (res.code !== 0) {
        status = res.code === null ? `sig ${res.signal}` : `exit ${res.code}`;
        problems.push(`client ${status}${res.code !== null && res.code > 0 && res.code < 128 ? ` (${groups(res.code)})` : ""}`);
      }
    }
  } finally {
    if (client) killGroup(client, "SIGKILL");
    // 3. Stop the server as Apache's runner does: SIGHUP, then it must exit promptly.
    if (!server.done) {
      killGroup(server, "SIGHUP");
      const ex = await within(server.exited, o.stopMs);
      if (ex === undefined) {
        problems.push(`server did not exit within ${o.stopMs} ms of SIGHUP`);
        if (status === "ok") status = "NOSTOP";
        killGroup(server, "SIGKILL");
        await within(server.exited, 2000);
      } else if (!(ex.code === 0 || ex.code === 129 || ex.signal === "SIGHUP")) {
        problems.push(`server exited with code ${ex.code} (signal ${ex.signal}) on SIGHUP`);
        if (status === "ok") status = "BADEXIT";
      }
    } else if (status === "ok") {
      const ex = await server.exited;
      problems.push(`server exited before it was stopped (code ${ex.code}, signal ${ex.signal})`);
      status = "DIED";
    }
    if (socketPath) rmSync(socketPath, { force: true });
  }
  // 4. A server prints nothing alarming (lines it is known to print in normal operation aside).
  const noise = cell.server.serverStderrNoise?.(cell) ?? [];
  const complaints = server.err.split("\n").filter((line) => line.trim() !== "" && !noise.some((n) => n.test(line)));
  if (complaints.length > 0) {
    problems.push("server wrote to stderr");
    if (status === "ok") status = "STDERR";
  }
  return {
    cell,
    ok: problems.length === 0,
    outcome: problems.length === 0 ? "pass" : "fail",
    status,
    seconds: (performance.now() - t0) / 1000,
    problems,
    clientOutput: client ? client.out + client.err : "",
    serverOutput: server.out + server.err,
  };
}

function groups(mask: number): string {
  const names: [number, string][] = [
    [1, "base types"],
    [2, "structs"],
    [4, "containers"],
    [8, "exceptions"],
    [64, "other"],
  ];
  return names.filter(([bit]) => mask & bit).map(([, n]) => n).join(", ") || "unknown";
}

// ------------------------------------------------------------------------------------------------
// the matrix

export function cells(impls: Implementation[], filter: Filter): Cell[] {
  const out: Cell[] = [];
  for (const server of impls) {
    if (filter.server && !filter.server.includes(server.name)) continue;
    for (const client of impls) {
      if (filter.client && !filter.client.includes(client.name)) continue;
      if (filter.with && !filter.with.includes(server.name) && !filter.with.includes(client.name)) continue;
      for (const protocol of ALL_PROTOCOLS) {
        if (!server.protocols.includes(protocol) || !client.protocols.includes(protocol)) continue;
        if (filter.protocol && !filter.protocol.includes(protocol)) continue;
        for (const transport of ALL_TRANSPORTS) {
          if (!server.transports.includes(transport) || !client.transports.includes(transport)) continue;
          if (filter.transport && !filter.transport.includes(transport)) continue;
          for (const socket of ALL_SOCKETS) {
            if (!server.sockets.includes(socket) || !client.sockets.includes(socket)) continue;
            if (filter.socket && !filter.socket.includes(socket)) continue;
            const cell = { server, client, protocol, transport, socket };
            if (filter.only && !filter.only.test(cellName(cell))) continue;
            out.push(cell);
          }
        }
      }
    }
  }
  return out;
}

export interface Filter {
  server?: string[];
  client?: string[];
  protocol?: string[];
  transport?: string[];
  socket?: string[];
  /** Only cells where one of these implementations is the server or the client. */
  with?: string[];
  only?: RegExp;
}

/** Runs the cells, `jobs` at a time; cells in `known` are skipped or expected to fail as it says. */
export async function runMatrix(
  list: Cell[],
  jobs: number,
  o: RunOptions,
  onDone?: (r: CellResult) => void,
  known: readonly KnownFailure[] = KNOWN_FAILURES,
): Promise<CellResult[]> {
  // Made once here, not by each program: cells run in parallel.
  if (list.some((c) => c.socket === "ip-ssl") && !process.env["THRIFT_TEST_KEYS_DIR"]) makeTestKeys(join(ROOT, ".tmp/keys"));
  const results: CellResult[] = new Array(list.length);
  let next = 0;
  const worker = async () => {
    while (next < list.length) {
      const i = next++;
      const cell = list[i]!;
      const k = knownFailure(cell, known);
      let r: CellResult;
      if (k?.kind === "skip") {
        r = { cell, ok: false, outcome: "skip", known: k, status: "skip", seconds: 0, problems: [], clientOutput: "", serverOutput: "" };
      } else {
        r = await runCell(cell, o);
        if (k !== undefined) {
          r.known = k;
          r.outcome = r.ok ? "xpass" : "xfail";
          if (r.ok) r.problems.push("passed, but it is a known failure: take it off KNOWN_FAILURES");
          r.ok = false;
          r.status = r.outcome === "xpass" ? "XPASS" : "xfail";
        }
      }
      results[i] = r;
      onDone?.(r);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(jobs, list.length)) }, worker));
  return results;
}

/** Rows: server, client, transport, socket; columns: protocols. */
export function table(results: CellResult[]): string {
  const cols = ALL_PROTOCOLS.filter((p) => results.some((r) => r.cell.protocol === p));
  const rows = new Map<string, Map<string, string>>();
  for (const r of results) {
    const key = `${r.cell.server.name} ${r.cell.client.name} ${r.cell.transport} ${r.cell.socket}`;
    const row = rows.get(key) ?? new Map<string, string>();
    row.set(r.cell.protocol, r.ok ? "ok" : r.status);
    rows.set(key, row);
  }
  const head = ["server", "client", "transport", "socket", ...cols];
  const body = [...rows].map(([key, row]) => [...key.split(" "), ...cols.map((c) => row.get(c) ?? "-")]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) => "| " + cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ") + " |";
  return [line(head), "|" + widths.map((w) => "-".repeat(w + 2)).join("|") + "|", ...body.map(line)].join("\n");
}

// ------------------------------------------------------------------------------------------------
// command line

function parseCli(argv: string[]) {
  const filter: Filter = {};
  let jobs = Math.max(1, availableParallelism());
  let list = false;
  let json: string | undefined;
  let verbose = false;
  const o: RunOptions = { startupMs: 10_000, clientMs: 60_000, stopMs: 2_000 };
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i]!;
    let v: string | undefined;
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 0) {
      v = a.slice(eq + 1);
      a = a.slice(0, eq);
    }
    const take = () => v ?? argv[++i] ?? "";
    const csv = () => take().split(",").filter(Boolean);
    switch (a) {
      case "--server":
        filter.server = csv();
        break;
      case "--client":
        filter.client = csv();
        break;
      case "--protocol":
        filter.protocol = csv();
        break;
      case "--transport":
        filter.transport = csv();
        break;
      case "--socket":
        filter.socket = csv();
        break;
      case "--with":
        filter.with = csv();
        break;
      case "--only":
        filter.only = new RegExp(take());
        break;
      case "-j":
      case "--jobs":
        jobs = Number(take());
        break;
      case "--client-timeout":
        o.clientMs = Number(take()) * 1000;
        break;
      case "--list":
        list = true;
        break;
      case "--json":
        json = take();
        break;
      case "-v":
      case "--verbose":
        verbose = true;
        break;
      case "-h":
      case "--help":
        process.stdout.write(
          "usage: interop-matrix [--server=a,b] [--client=a,b] [--with=a,b] [--protocol=..] [--transport=..] [--socket=ip,domain,ip-ssl] [--only=REGEX] [-j N] [--client-timeout=S] [--list] [--json=FILE] [-v]\n",
        );
        process.exit(0);
      // falls through (process.exit does not return)
      default:
        process.stderr.write(`interop-matrix: unknown option ${a}\n`);
        process.exit(2);
    }
  }
  return { filter, jobs, list, json, verbose, o };
}

async function main(): Promise<number> {
  const { filter, jobs, list, json, verbose, o } = parseCli(process.argv.slice(2));
  const impls: Implementation[] = [];
  for (const impl of IMPLEMENTATIONS) {
    const wanted = (filter.server?.includes(impl.name) ?? true) || (filter.client?.includes(impl.name) ?? true);
    const why = impl.unavailable?.();
    if (why !== undefined) {
      if (wanted && (filter.server || filter.client || IN_CI)) {
        process.stderr.write(`interop-matrix: ${impl.name} is unavailable${IN_CI ? " (required under CI=true)" : ""}: ${why}\n`);
        return 2;
      }
      process.stderr.write(`interop-matrix: skipping ${impl.name}: ${why}\n`);
      continue;
    }
    impls.push(impl);
  }
  const selected = cells(impls, filter);
  if (list) {
    for (const c of selected) {
      const k = knownFailure(c);
      process.stdout.write(cellName(c) + (k === undefined ? "" : k.kind === "skip" ? "  [skipped]" : "  [known failure]") + "\n");
    }
    return 0;
  }
  if (selected.length === 0) {
    process.stderr.write("interop-matrix: no cell matches\n");
    return 2;
  }
  const t0 = performance.now();
  const failing = (r: CellResult) => r.outcome === "fail" || r.outcome === "xpass";
  const results = await runMatrix(selected, jobs, o, (r) => {
    if (failing(r)) process.stderr.write(`FAIL ${cellName(r.cell)} (${r.seconds.toFixed(1)}s): ${r.problems.join("; ")}\n`);
    else if (verbose) process.stderr.write(`${r.outcome.padEnd(5)} ${cellName(r.cell)} (${r.seconds.toFixed(1)}s)\n`);
  });
  const failedResults = results.filter(failing);
  const passed = results.filter((r) => r.outcome === "pass").length;
  process.stdout.write("\n" + table(results) + "\n\n");
  for (const k of KNOWN_FAILURES) {
    const mine = results.filter((r) => r.known === k);
    if (mine.length === 0) continue;
    const xfail = mine.filter((r) => r.outcome === "xfail").length;
    const what = k.kind === "skip" ? `${mine.length} skipped` : `${xfail} of ${mine.length} failed as expected`;
    process.stdout.write(`known: ${what} (${k.cells.source}): ${k.reason}\n`);
  }
  for (const r of failedResults) {
    process.stdout.write(`--- ${cellName(r.cell)}: ${r.problems.join("; ")}\n`);
    const tail = (s: string) => s.trim().split("\n").slice(-25).join("\n");
    if (r.clientOutput.trim()) process.stdout.write(`client output:\n${tail(r.clientOutput)}\n`);
    if (r.serverOutput.trim()) process.stdout.write(`server output:\n${tail(r.serverOutput)}\n`);
  }
  if (json) {
    writeFileSync(
      json,
      JSON.stringify(
        results.map((r) => ({
          cell: cellName(r.cell),
          ok: r.ok,
          outcome: r.outcome,
          status: r.status,
          seconds: Number(r.seconds.toFixed(3)),
          problems: r.problems,
          ...(r.known !== undefined && { known: r.known.reason }),
        })),
        null,
        2,
      ) + "\n",
    );
  }
  const secs = (performance.now() - t0) / 1000;
  process.stdout.write(`${results.length} cells in ${secs.toFixed(1)}s with ${jobs} job(s)\n`);
  process.stdout.write(`interop: ${passed} passed, ${failedResults.length} failed, ${results.length - passed - failedResults.length} skipped\n`);
  return failedResults.length === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]).replace(/\.ts$/, ".js").endsWith(join("scripts", "interop-matrix.js"))) {
  main().then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`interop-matrix: ${e instanceof Error ? e.stack : String(e)}\n`);
      process.exit(2);
    },
  );
}

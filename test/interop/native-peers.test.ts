/**
 * Apache Thrift 0.17's own C++ and Go cross-test programs as peers in the interop matrix
 * (scripts/interop-peers-native.ts, built by scripts/build-peers): their registration, that the
 * record of what they support matches their --help, the runner's rule for a peer that is not there
 * (skipped with the reason, an error under CI), and a few real cells against rpcgen. The whole set
 * of their cells runs in `npm run test:interop`.
 *
 * Needs a current build for the real cells (npm test builds first); the programs themselves come from
 * scripts/build-peers, never from npm test.
 */
import { spawnSync } from "node:child_process";
import { readFileSync, realpathSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cellName, cells, runMatrix, type Implementation } from "../../scripts/interop-matrix.js";
import { NATIVE_PATHS, SUPPORTED } from "../../scripts/interop-peers-native.js";
import { APACHE_SOURCES, ROOT, cppPrograms, describeWith, goPrograms } from "../support/environment.js";
import { expectCellsPass, impl } from "./cells.js";

describe("Apache's C++ and Go programs in the interop matrix", () => {
  it("run what rpcgen has of what they support: THeader, zlib, HTTP and TLS too; Go without multiplexing and Unix sockets", () => {
    const cpp = impl("cpp");
    const go = impl("go");
    expect([cpp.protocols, cpp.transports, cpp.sockets]).toEqual([
      ["binary", "compact", "json", "header", "multi", "multic", "multij", "multih"],
      ["buffered", "framed", "zlib", "http"],
      ["ip", "domain", "ip-ssl"],
    ]);
    expect([go.protocols, go.transports, go.sockets]).toEqual([["binary", "compact", "json", "header"], ["buffered", "framed", "zlib", "http"], ["ip", "ip-ssl"]]);
    for (const [i, s] of [
      [cpp, SUPPORTED.cpp],
      [go, SUPPORTED.go],
    ] as const) {
      for (const p of i.protocols) expect(s.protocols).toContain(p);
      for (const t of i.transports) expect(s.transports).toContain(t);
      for (const k of i.sockets) expect(s.sockets).toContain(k);
    }
  });

  it("--with=rpcgen takes every cell between them and rpcgen, in both directions", () => {
    const mine = cells([impl("rpcgen"), impl("cpp"), impl("go")], { with: ["rpcgen"] }).map(cellName);
    // rpcgen with itself 8 protocols x 5 transports (buffered, framed, zlib, http, http2) x 3 sockets (ip,
    // domain, ip-ssl); with cpp 2 directions x (8 protocols x 4 transports x 3 sockets); with go 2 x (4 x 4 x 2)
    expect(mine.length).toBe(120 + 192 + 64);
    expect(mine).toContain("cpp-rpcgen_multij_framed-domain");
    expect(mine).toContain("rpcgen-go_json_buffered-ip");
    expect(mine.filter((c) => /^(go-|rpcgen-go_)/.test(c) && /_multi|-domain$/.test(c))).toEqual([]);
  });

  it("npm run test:interop builds them first; .ci/run builds them before the tests", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string> };
    expect(pkg.scripts["test:interop"]).toMatch(/scripts\/build-peers && node dist\/scripts\/interop-matrix\.js --with=rpcgen$/);
    const ci = readFileSync(join(ROOT, ".ci/run"), "utf8");
    expect(ci.indexOf("scripts/build-peers")).toBeGreaterThan(-1);
    expect(ci.indexOf("scripts/build-peers")).toBeLessThan(ci.indexOf("npm test"));
  });

  it("the C++ server's log of a THeader connection's end is its normal output, in header cells only", () => {
    const [header, binary] = [
      ...cells([impl("cpp"), impl("rpcgen")], { server: ["cpp"], client: ["rpcgen"], protocol: ["multih", "binary"], transport: ["framed"], socket: ["ip"] }),
    ].sort((a) => (a.protocol === "multih" ? -1 : 1));
    const noise = impl("cpp").serverStderrNoise!;
    const lines = [
      "Thrift: Fri Dec  4 19:02:04 2026 TConnectedClient output close failed: Called write on non-open socket",
      "Thrift: Fri Dec  4 19:05:05 2026 TConnectedClient input close failed: write() send(): Broken pipe",
      "Thrift: Fri Dec  4 19:05:05 2026 TSocket::write_partial() send() <Host: 127.0.0.1 Port: 34232>: Broken pipe",
      "Thrift: Fri Dec  4 19:03:38 2026 TSocket::write_partial() send() <Path: /tmp/rpcgen-interop-1-84.sock>: Broken pipe",
    ];
    for (const line of lines) expect(noise(header!).some((n) => n.test(line)), line).toBe(true);
    expect(noise(header!).some((n) => n.test("Thrift: Fri Dec  4 19:05:05 2026 TConnectedClient processing exception: bad data"))).toBe(false);
    expect(noise(binary!)).toEqual([]);
  });

  it("over TLS both sides of a cell with them use Apache's key set, which they read from a place of their own", () => {
    expect(impl("cpp").sslKeys).toBe(join(ROOT, NATIVE_PATHS.cppKeys));
    expect(impl("go").sslKeys).toBe(join(ROOT, NATIVE_PATHS.goKeys));
    expect(impl("rpcgen").sslKeys).toBeUndefined();
    expect(impl("py").sslKeys).toBeUndefined();
  });

  it("a peer that cannot run is skipped with the reason, and is an error under CI=true", () => {
    const matrix = join(ROOT, "dist/scripts/interop-matrix.js");
    const env = { ...process.env, RPCGEN_SHARED: join(ROOT, ".tmp/no-such-shared-dir") };
    const here = spawnSync(process.execPath, [matrix, "--list"], { cwd: ROOT, encoding: "utf8", env: { ...env, CI: "" } });
    expect(here.stderr).toMatch(/skipping cpp: cpp: cannot be built here: missing .*no-such-shared-dir\/apache-thrift-0\.17\/test\/ThriftTest\.thrift/);
    expect(here.stderr).toMatch(/skipping go: go: cannot be built here/);
    expect(here.stdout).not.toMatch(/cpp|go/);
    // Under CI=true the first peer skipped above stops the run, with the same reason (cpp where the
    // Python and Node peers are installed; on a machine without them, one of those).
    const [, first, why] = /^interop-matrix: skipping (\w+): (.*)$/m.exec(here.stderr) ?? [];
    const ci = spawnSync(process.execPath, [matrix, "--list"], { cwd: ROOT, encoding: "utf8", env: { ...env, CI: "true" } });
    expect(ci.status).toBe(2);
    expect(ci.stderr).toBe(`interop-matrix: ${first} is unavailable (required under CI=true): ${why}\n`);
    expect(ci.stdout).toBe("");
  });
});

/** The program's --help (exit status ignored: the C++ programs exit non-zero after printing it). */
function help(path: string, flag = "--help"): string {
  const r = spawnSync(join(ROOT, path), [flag], { encoding: "utf8", timeout: 10_000 });
  return r.stdout + r.stderr;
}

describeWith([cppPrograms])("rpcgen against Apache's C++ TestServer and TestClient (0.17)", () => {
  it("their --help lists what SUPPORTED records", () => {
    const server = help(NATIVE_PATHS.cppServer);
    const client = help(NATIVE_PATHS.cppClient);
    for (const text of [server, client]) {
      expect(text).toMatch(/--protocol arg \(=binary\)\s+protocol: binary, compact, header, json, multi,\s+multic, multih, multij/i);
      for (const t of SUPPORTED.cpp.transports) expect(text).toMatch(new RegExp(`[Tt]ransport: [a-z, \\n]*\\b${t}\\b`));
      expect(text).toMatch(/--ssl/);
      expect(text).toMatch(/--domain-socket/);
    }
  });

  it("pass both ways, over TCP and a Unix socket", async () => {
    await expectCellsPass(["cpp", "go"], ["cpp-rpcgen_multij_framed-ip", "rpcgen-cpp_compact_buffered-domain", "cpp-rpcgen_binary_buffered-domain"]);
  }, 60_000);

  it("in json our client leaves out the control characters: C++'s reader drops the escaped NUL rpcgen's writer sends", async () => {
    expect(impl("cpp").clientFlagsAgainst).toEqual(["--no-control-chars"]);
    const plain: Implementation = { ...impl("cpp"), clientFlagsAgainst: [] };
    const [cell] = cells([plain, impl("rpcgen")], { server: ["cpp"], client: ["rpcgen"], protocol: ["json"], transport: ["buffered"], socket: ["ip"] });
    const [r] = await runMatrix([cell!], 1, { startupMs: 10_000, clientMs: 30_000, stopMs: 2_000 });
    expect(r!.status).toBe("exit 1");
    const failures = r!.clientOutput.split("\n").filter((l) => l.startsWith("FAIL"));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/^FAIL testString #2 "\\u0000\\u0001.*: got "\\u0001\\u0002/);
  }, 60_000);

  it("THeader (its stderr lines aside) and zlib pass both ways", async () => {
    await expectCellsPass(["cpp", "go"], ["cpp-rpcgen_multih_framed-domain", "rpcgen-cpp_header_zlib-ip", "cpp-rpcgen_compact_zlib-ip", "rpcgen-cpp_multih_buffered-ip"]);
  }, 60_000);

  it("TLS passes both ways with Apache's keys (the C++ client verifies rpcgen's server against CA.pem), THeader over TLS too", async () => {
    // build-peers links the C++ programs' key directory (and Go's) to the shared test/keys.
    expect(realpathSync(impl("cpp").sslKeys!)).toBe(realpathSync(join(APACHE_SOURCES, "test/keys")));
    await expectCellsPass(["cpp", "go"], ["cpp-rpcgen_multij_framed-ip-ssl", "rpcgen-cpp_compact_buffered-ip-ssl", "cpp-rpcgen_multih_zlib-ip-ssl", "rpcgen-cpp_header_framed-ip-ssl"]);
  }, 60_000);

  it("HTTP is a known failure both ways, of Apache's 0.17 C++ HTTP transport and oneway calls", async () => {
    const selected = cells([impl("cpp"), impl("rpcgen")], { only: /^(cpp-rpcgen|rpcgen-cpp)_binary_http-ip$/ });
    const results = await runMatrix(selected, 2, { startupMs: 10_000, clientMs: 30_000, stopMs: 2_000 });
    const [cppServer, cppClient] = ["cpp-rpcgen_binary_http-ip", "rpcgen-cpp_binary_http-ip"].map((name) => results.find((r) => cellName(r.cell) === name)!);
    expect([cppServer!.outcome, cppClient!.outcome]).toEqual(["xfail", "xfail"]);
    // The C++ client reads the answer to its oneway call as the next call's reply.
    expect(cppClient!.clientOutput).toMatch(/testOneway\(1\) => {2}success[^]*No more data to read/);
    // The C++ server never answers a oneway call; rpcgen's HTTP channel waits for the answer.
    expect(cppServer!.clientOutput).toMatch(/FAIL testOneway\(1\), then testString on the same connection: TTransportException: testOneway timed out after/);
  }, 60_000);
});

describeWith([goPrograms])("rpcgen against Apache's Go testserver and testclient (0.17)", () => {
  it("their -help lists what SUPPORTED records", () => {
    const server = help(NATIVE_PATHS.goServer, "-help");
    const client = help(NATIVE_PATHS.goClient, "-help");
    expect(server).toMatch(/Protocol: binary, compact, json, header/);
    expect(server).toMatch(/Transport: buffered, framed, http, zlib/);
    expect(server).toMatch(/-certPath/);
    for (const text of [server, client]) expect(text).toMatch(/-ssl/);
  });

  it("pass both ways; in json our client leaves out the control characters Go's reader rejects raw", async () => {
    expect(impl("go").clientFlagsAgainst).toEqual(["--no-control-chars"]);
    await expectCellsPass(["cpp", "go"], ["go-rpcgen_json_buffered-ip", "rpcgen-go_binary_framed-ip"]);
  }, 60_000);

  it("TLS and HTTPS pass both ways with Apache's keys", async () => {
    await expectCellsPass(["cpp", "go"], ["go-rpcgen_binary_buffered-ip-ssl", "rpcgen-go_header_framed-ip-ssl", "go-rpcgen_compact_http-ip-ssl", "rpcgen-go_json_http-ip-ssl"]);
  }, 60_000);

  it("THeader, zlib and HTTP pass both ways", async () => {
    await expectCellsPass(["cpp", "go"], ["go-rpcgen_header_buffered-ip", "rpcgen-go_header_framed-ip", "go-rpcgen_binary_zlib-ip", "rpcgen-go_json_http-ip", "go-rpcgen_compact_http-ip"]);
  }, 60_000);
});

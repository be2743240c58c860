/**
 * Every struct and container argument may be absent on the wire. rpcgen's ThriftTest server (run as
 * plain node on dist/, as the cross-test runs it) is called with an empty argument struct for every
 * method and must answer as Apache's C++ reference server does, whose handlers get default values
 * (a default-constructed struct; empty containers; zero numbers and strings): a reply, never an
 * INTERNAL_ERROR. Needs a current build (npm test builds first).
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, expect, test } from "vitest";
import { BinaryProtocol, CompactProtocol, connect, JSONProtocol, type MethodDescriptor, type Protocol } from "../../runtime/index.js";
import { Numberz, ThriftTest } from "../../interop/thrift-test/ThriftTest.v0.16-nouuid.js";
import { ROOT } from "../codec/peers.js";

const SERVER = join(ROOT, "dist/interop/test-server.js");
const dir = mkdtempSync(join(tmpdir(), "rpcgen-absent-"));
const children: ChildProcess[] = [];
afterEach(() => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Starts the interop server on a Unix socket; resolves once it accepts connections, with its stderr so far. */
async function startServer(path: string, protocol: string): Promise<() => string> {
  const child = spawn(process.execPath, [SERVER, `--domain-socket=${path}`, `--protocol=${protocol}`, "--transport=framed"], { cwd: ROOT, stdio: ["ignore", "ignore", "pipe"] });
  children.push(child);
  let err = "";
  child.stderr!.on("data", (b: Buffer) => (err += b.toString()));
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const s = netConnect(path);
      s.once("connect", () => {
        s.destroy();
        resolve(true);
      });
      s.once("error", () => resolve(false));
    });
    if (up) return () => err;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`server did not come up on ${path}: ${err}`);
}

const zeroXtruct = { string_thing: "", byte_thing: 0, i32_thing: 0, i64_thing: 0n };
const emptyInsanity = { userMap: new Map(), xtructs: [] as unknown[] };

/** What Apache's C++ TestServer answers when every argument is absent (a default value each). */
const EXPECTED: Record<string, unknown> = {
  testVoid: undefined,
  testString: "",
  testBool: false,
  testByte: 0,
  testI32: 0,
  testI64: 0n,
  testDouble: 0,
  testBinary: new Uint8Array(0),
  testStruct: zeroXtruct,
  testNest: { byte_thing: 0, struct_thing: zeroXtruct, i32_thing: 0 },
  testMap: new Map(),
  testStringMap: new Map(),
  testSet: new Set(),
  testList: [],
  testTypedef: 0n,
  testMapMap: new Map<number, Map<number, number>>([
    [-4, new Map([[-4, -4], [-3, -3], [-2, -2], [-1, -1]])],
    [4, new Map([[1, 1], [2, 2], [3, 3], [4, 4]])],
  ]),
  testInsanity: new Map<bigint, Map<number, unknown>>([
    [1n, new Map([[Numberz.TWO, emptyInsanity], [Numberz.THREE, emptyInsanity]])],
    [2n, new Map([[Numberz.SIX, emptyInsanity]])],
  ]),
  testMulti: { ...zeroXtruct, string_thing: "Hello2" },
  testException: undefined,
  testMultiException: zeroXtruct,
};

const PROTOCOLS: [string, Protocol][] = [
  ["binary", BinaryProtocol],
  ["compact", CompactProtocol],
  ["json", JSONProtocol],
];

test.each(PROTOCOLS)("every ThriftTest method with its arguments absent gets Apache's reference answer (%s)", async (name, protocol) => {
  expect(existsSync(SERVER), "run `npm run build` first").toBe(true);
  const path = join(dir, `${name}.sock`);
  const serverErrors = await startServer(path, name);
  const conn = await connect({ path }, { protocol, timeoutMs: 5000 });
  try {
    const methods = Object.entries(ThriftTest.methods) as [string, MethodDescriptor][];
    const failed: string[] = [];
    for (const [method, descriptor] of methods) {
      // An empty argument struct on the wire: no field is set.
      const answer = await conn.call(descriptor, {}).then(
        (value) => ({ value }),
        (error: unknown) => ({ error }),
      );
      if ("error" in answer) {
        failed.push(`${method}: ${String(answer.error)}`);
        continue;
      }
      if (descriptor.oneway) continue;
      if (method === "testEnum") {
        // An absent enum decodes to the enum's first member here (C++ has 0, not a Numberz): either way, an echo.
        expect(Object.values(Numberz), method).toContain(answer.value);
        continue;
      }
      expect(method in EXPECTED, `expected answer for ${method}`).toBe(true);
      expect(answer.value, method).toEqual(EXPECTED[method]);
    }
    expect(failed, "methods that failed with no arguments").toEqual([]);
    expect(methods.length).toBeGreaterThanOrEqual(21);
  } finally {
    await conn.close().catch(() => {});
  }
  // Nothing went wrong on the server's side either (it prints only problems).
  expect(serverErrors()).toBe("");
}, 30_000);

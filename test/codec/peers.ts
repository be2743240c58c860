/** Running Apache Thrift's Python peers (scripts/gen-peer-code, py_vectors.py); installed by `npm run peers:install`. */
import { spawn } from "node:child_process";
import { resolve } from "node:path";
import { APACHE_CORPUS, DEB_PY, ROOT, SHARED_DIR } from "../support/environment.js";

export { DEB_PY, ROOT };
export const CORPUS = APACHE_CORPUS;
export const PEER_PY_DIR = resolve(ROOT, ".tmp/peers/py");
export const PY_VECTORS = resolve(ROOT, "test/vectors/py_vectors.py");

export interface RunResult {
  stdout: string;
  stderr: string;
}

/** Runs a command to completion, feeding `input` on stdin; rejects on a non-zero exit. */
export function run(cmd: string, args: string[], input?: string): Promise<RunResult> {
  return new Promise((ok, fail) => {
    const child = spawn(cmd, args, {
      cwd: ROOT,
      env: { ...process.env, PYTHONHASHSEED: "0", PYTHONDONTWRITEBYTECODE: "1", RPCGEN_SHARED: SHARED_DIR },
      stdio: ["pipe", "pipe", "pipe"],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on("data", (b: Buffer) => out.push(b));
    child.stderr.on("data", (b: Buffer) => err.push(b));
    child.on("error", fail);
    child.on("close", (code, signal) => {
      const stdout = Buffer.concat(out).toString("utf8");
      const stderr = Buffer.concat(err).toString("utf8");
      if (code === 0) ok({ stdout, stderr });
      else fail(new Error(`${cmd} ${args.join(" ")} exited with ${code ?? signal}:\n${stderr.slice(0, 4000)}`));
    });
    child.stdin.on("error", () => {}); // a failing child reports through its exit status
    child.stdin.end(input ?? "");
  });
}

/** Sends JSON lines to a filter process (one response line per request line) and parses the answers. */
export async function jsonLines<T>(cmd: string, args: string[], requests: readonly unknown[]): Promise<T[]> {
  if (requests.length === 0) return [];
  const { stdout } = await run(cmd, args, requests.map((r) => JSON.stringify(r) + "\n").join(""));
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  if (lines.length !== requests.length) throw new Error(`${args[0]}: ${requests.length} requests but ${lines.length} responses`);
  return lines.map((l) => JSON.parse(l) as T);
}

/**
 * A call in flight, and a channel closing, keep their process alive, over HTTP/1.1 and HTTP/2, while an
 * idle channel does not: a script that awaits a call, then the channel's close(), must see both
 * through, not end early (with status 0, or 13 under top-level await) when nothing else is left to do.
 * Runs real child processes on the built dist/ (`npm test` builds first).
 */
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { startHttp } from "./helpers.js";

const runtime = join(import.meta.dirname, "../../dist/runtime/index.js");
const calc = join(import.meta.dirname, "../../dist/generated/calc.js");

/** Runs a script that makes one call to `url`, prints its answer, closes the channel and says so (nothing else keeps it alive). */
function callFromChild(url: string, httpVersion: "1.1" | "2"): Promise<{ code: number | null; out: string }> {
  const script = `
    import { createClient, createHttpChannel } from ${JSON.stringify(runtime)};
    import { Calc } from ${JSON.stringify(calc)};
    const channel = createHttpChannel(${JSON.stringify(url)}, { httpVersion: ${JSON.stringify(httpVersion)}, timeoutMs: 10000 });
    const answer = await createClient(Calc, channel).divide(-300, 3);
    process.stdout.write("answer " + answer + "\\n");
    await channel.close();
    process.stdout.write("closed\\n");
  `;
  const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout.on("data", (b: Buffer) => (out += b.toString()));
  child.stderr.on("data", (b: Buffer) => (out += b.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, out })));
}

describe("an HTTP call in flight keeps the process alive", () => {
  for (const httpVersion of ["1.1", "2"] as const) {
    test(`HTTP/${httpVersion}: the script sees the answer and the close, and then exits by itself`, async () => {
      expect(existsSync(runtime) && existsSync(calc), "run `npm run build` first").toBe(true);
      // divide(-300, 3) waits 300 ms in the handler before it answers (-100).
      const { url } = await startHttp();
      const t0 = performance.now();
      const result = await callFromChild(url, httpVersion);
      expect(result).toEqual({ code: 0, out: "answer -100\nclosed\n" });
      // It waited for the answer.
      expect(performance.now() - t0).toBeGreaterThan(300);
    }, 20_000);
  }
});

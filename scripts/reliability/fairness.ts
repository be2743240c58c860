/**
 * Fairness: the latency of a well-behaved client (one call at a time) while another client, in its own
 * process, floods the same server with maximum-size frames or with thousands of small pipelined calls.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { connect, createClient } from "../../runtime/index.js";
import { Peer } from "./processes.js";
import { message, printTable, quantile, within, type Report } from "./report.js";
import { ThriftTest } from "./service.js";

export interface FairnessSize {
  /** How long the canary measures in each phase. */
  durationMs: number;
}

const FLOOD_SCRIPT = fileURLToPath(new URL("./flood.js", import.meta.url));

const PHASES = {
  alone: "no flood",
  big: "flood of maximum-size frames (16 MiB testBinary, 2 in flight)",
  small: "flood of small calls (testI32, 5,000 in flight)",
  burst: "flood of bursts (100,000 testI32 calls, 3 MB, written at once; 2 in flight)",
} as const;

interface FloodResult {
  calls: number;
  bytes: number;
  failed: number;
}

async function startFlood(port: number, mode: "big" | "small" | "burst"): Promise<{ stop(): Promise<FloodResult> }> {
  const child: ChildProcess = fork(FLOOD_SCRIPT, [JSON.stringify({ port, mode })], { stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const done = new Promise<FloodResult>((resolve, reject) => {
    child.on("message", (m: { type?: string } & FloodResult) => {
      if (m.type === "done") resolve(m);
    });
    child.once("exit", (code) => reject(new Error(`the flooding client exited with code ${code} before reporting`)));
  });
  done.catch(() => {});
  await within(10_000, new Promise<void>((resolve) => child.on("message", (m: { type?: string }) => m.type === "ready" && resolve())), "the flooding client's start");
  return {
    async stop() {
      child.send({ type: "stop" });
      try {
        return await within(30_000, done, "the flooding client's report");
      } finally {
        if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, "SIGKILL");
        await exited;
      }
    },
  };
}

export async function runFairness(size: FairnessSize, report: Report): Promise<void> {
  const scenario = "fairness";
  const peer = await Peer.start({ kind: "tcp", protocol: "binary", transport: "framed" });
  const rows: (string | number)[][] = [];
  try {
    const conn = await connect({ host: "127.0.0.1", port: peer.port }, { timeoutMs: 10_000 });
    const canary = createClient(ThriftTest, conn);
    try {
      for (const phase of ["alone", "big", "small", "burst"] as const) {
        const flood = phase === "alone" ? undefined : await startFlood(peer.port, phase);
        const latencies: number[] = [];
        let failures = 0;
        let error = "";
        const started = performance.now();
        // Warm-up: let the flood reach full speed before measuring.
        await new Promise((resolve) => setTimeout(resolve, phase === "alone" ? 100 : 500));
        const measureFrom = performance.now();
        for (let i = 0; performance.now() - measureFrom < size.durationMs; i++) {
          const t0 = performance.now();
          try {
            const answer = await canary.testI32(i);
            if (answer !== i) throw new Error(`answered ${answer} for ${i}`);
            latencies.push(performance.now() - t0);
          } catch (e) {
            failures++;
            error = message(e);
          }
        }
        const result = await flood?.stop();
        const seconds = (performance.now() - started) / 1000;
        const n = latencies.length;
        rows.push([
          PHASES[phase],
          n,
          quantile(latencies, 0.5).toFixed(2),
          quantile(latencies, 0.99).toFixed(2),
          quantile(latencies, 1).toFixed(1),
          failures,
          result === undefined
            ? "-"
            : phase === "big"
              ? `${(result.bytes / seconds / (1024 * 1024)).toFixed(0)} MiB/s echoed`
              : `${Math.round(result.calls / seconds).toLocaleString("en-US")} calls/s`,
        ]);
        report.check(scenario, `${phase}: every canary call answered`, failures === 0, error);
        if (result !== undefined) report.check(scenario, `${phase}: the flooding client's calls succeeded`, result.failed === 0 && result.calls > 0, `${result.failed} failed of ${result.calls + result.failed}`);
      }
    } finally {
      conn.destroy();
    }
    report.check(scenario, "the server did not crash", peer.crashed === undefined, peer.crashed);
  } finally {
    await peer.stop();
  }
  printTable("Fairness: a canary's latency (one call at a time) while another client floods the server", ["phase", "canary calls", "p50 ms", "p99 ms", "max ms", "failures", "flood throughput"], rows);
}

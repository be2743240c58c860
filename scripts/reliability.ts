/**
 * The reliability suite: real server processes on 127.0.0.1, attacked and failed on purpose.
 *
 *   npm run test:reliability                       # smoke size (CI), a minute or two
 *   npm run test:reliability -- --size=full        # the figures in README's "Reliability" section
 *   npm run test:reliability -- --only=slow,faults # some scenarios
 *
 * Scenarios (scripts/reliability/*.ts): fuzz (hostile bytes at a live server, every protocol and
 * transport, a canary checking every answer), load (many connections, pipelined calls, every answer
 * checked), slow (slow and idle clients), fairness (a well-behaved client's latency while another
 * floods), faults (servers killed, answering garbage, a wrong seqid, half a frame). The transports are
 * spec.ts's TRANSPORTS: framed, buffered, THeader (plain and with its zlib transform), the zlib
 * transport and TLS (a new one is added there). Each prints its figures as Markdown tables; the run
 * fails (exit code 1) when any check fails.
 */
import { runFairness, type FairnessSize } from "./reliability/fairness.js";
import { runFaults, type FaultsSize } from "./reliability/faults.js";
import { runFuzz, type FuzzSize } from "./reliability/fuzz.js";
import { runLoad, type LoadSize } from "./reliability/load.js";
import { stopAll } from "./reliability/processes.js";
import { message, Report } from "./reliability/report.js";
import { runSlow, type SlowSize } from "./reliability/slow.js";

interface Size {
  fuzz: FuzzSize;
  load: LoadSize;
  slow: SlowSize;
  fairness: FairnessSize;
  faults: FaultsSize;
}

const SIZES: Readonly<Record<"smoke" | "full", Size>> = {
  smoke: {
    fuzz: { frames: 2000, otherFrames: 1000, durationLimitMs: 8000 },
    load: { connections: 10, calls: 1000, window: 200, httpConnections: 4, httpCalls: 200 },
    slow: { held: 500, tlsHeld: 200, canaryClients: 10 },
    fairness: { durationMs: 1500 },
    faults: { rounds: 2, pending: 20 },
  },
  full: {
    fuzz: { frames: 100_000, otherFrames: 20_000, durationLimitMs: 120_000 },
    load: { connections: 100, calls: 10_000, window: 1000, httpConnections: 50, httpCalls: 1000 },
    slow: { held: 10_000, tlsHeld: 2000, canaryClients: 100 },
    fairness: { durationMs: 10_000 },
    faults: { rounds: 20, pending: 100 },
  },
};

const SCENARIOS = ["fuzz", "load", "slow", "fairness", "faults"] as const;
type Scenario = (typeof SCENARIOS)[number];

function parseArgs(argv: readonly string[]): { size: "smoke" | "full"; only: Scenario[] } {
  let size: "smoke" | "full" = "smoke";
  let only: Scenario[] = [...SCENARIOS];
  for (const arg of argv) {
    const [name, value = ""] = arg.replace(/^--/, "").split("=", 2) as [string, string | undefined];
    if (name === "size" && (value === "smoke" || value === "full")) size = value;
    else if (name === "only") {
      const wanted = value.split(",").filter((s) => s !== "");
      for (const w of wanted) if (!(SCENARIOS as readonly string[]).includes(w)) throw new Error(`unknown scenario '${w}' (${SCENARIOS.join(", ")})`);
      only = wanted as Scenario[];
    } else throw new Error(`unknown argument '${arg}' (--size=smoke|full, --only=${SCENARIOS.join(",")})`);
  }
  return { size, only };
}

async function main(): Promise<void> {
  const { size: sizeName, only } = parseArgs(process.argv.slice(2));
  const size = SIZES[sizeName];
  const report = new Report();
  console.log(`reliability suite, ${sizeName} size: ${only.join(", ")} (Node ${process.version})`);
  const started = Date.now();
  for (const scenario of only) {
    const t0 = Date.now();
    console.log(`\n== ${scenario}`);
    try {
      if (scenario === "fuzz") await runFuzz(size.fuzz, report);
      else if (scenario === "load") await runLoad(size.load, report);
      else if (scenario === "slow") await runSlow(size.slow, report, sizeName === "smoke");
      else if (scenario === "fairness") await runFairness(size.fairness, report);
      else await runFaults(size.faults, report, sizeName === "full");
    } catch (error) {
      report.check(scenario, "the scenario ran to its end", false, message(error));
    } finally {
      await stopAll();
    }
    console.log(`\n(${scenario}: ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
  }
  const failures = report.failures;
  console.log(`\n${report.checks.length - failures.length} of ${report.checks.length} checks hold (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  for (const f of failures) console.log(`FAILED: ${f.scenario}: ${f.what}${f.detail === "" ? "" : ` (${f.detail})`}`);
  process.exitCode = failures.length === 0 ? 0 : 1;
}

process.on("SIGINT", () => void stopAll().then(() => process.exit(130)));
main().catch(async (error: unknown) => {
  console.error(error);
  await stopAll();
  process.exitCode = 2;
});

/**
 * Faults: a server killed with calls in flight and restarted on the same port; servers that answer
 * garbage, a reply with a wrong seqid, or half a frame and then nothing. Every pending call must reject
 * with a clear error (a TTransportException, TProtocolException or TApplicationException saying what
 * happened) within its deadline, and the next call on the same client must work.
 */
import {
  createClient,
  createHttpChannel,
  TApplicationException,
  TApplicationExceptionType,
  TProtocolException,
  TProtocolExceptionType,
  TTransportException,
  TTransportExceptionType,
  type ClientChannel,
} from "../../runtime/index.js";
import { BREAK, connectTo, PROTOCOLS, streamSpecs, type Fault, type PeerSpec } from "./spec.js";
import { describe, Peer } from "./processes.js";
import { message, printTable, sleep, within, type Report } from "./report.js";
import { SLEEP_PREFIX, ThriftTest } from "./service.js";

export interface FaultsSize {
  /** Rounds per fault and server. */
  rounds: number;
  /** Calls in flight when the fault hits (stream servers; HTTP has one per round). */
  pending: number;
}

/** The call deadline in these rounds. */
const TIMEOUT_MS = 1000;
/** Slack on the deadline for a rejection to count as in time (timer granularity, a loaded machine). */
const SLACK_MS = 250;

interface Outcome {
  pending: number;
  inTime: number;
  clear: number;
  slowestMs: number;
  nextOk: number;
  rounds: number;
  kinds: Set<string>;
  errors: string[];
}

function channelFor(spec: PeerSpec, port: number): Promise<ClientChannel & { destroy(): void }> {
  const protocol = PROTOCOLS[spec.protocol];
  if (spec.kind === "http") return Promise.resolve(createHttpChannel(`http://127.0.0.1:${port}/`, { protocol, timeoutMs: TIMEOUT_MS }));
  return connectTo(spec, port, { timeoutMs: TIMEOUT_MS, reconnect: { initialDelayMs: 20, maxDelayMs: 100 } });
}

/** `TTransportException TIMED_OUT`, ...: the class and the name of its type. */
function kindOf(error: unknown): string {
  const name = (types: Readonly<Record<string, number>>, type: number): string => Object.keys(types).find((k) => types[k] === type) ?? String(type);
  if (error instanceof TTransportException) return `TTransportException ${name(TTransportExceptionType, error.type)}`;
  if (error instanceof TApplicationException) return `TApplicationException ${name(TApplicationExceptionType, error.type)}`;
  if (error instanceof TProtocolException) return `TProtocolException ${name(TProtocolExceptionType, error.type)}`;
  return error instanceof Error ? error.name : typeof error;
}

/** Waits for each pending call; tallies which rejected in time and with a clear error. */
async function settle(calls: Promise<unknown>[], startedAt: number, outcome: Outcome): Promise<void> {
  await Promise.all(
    calls.map(async (call) => {
      outcome.pending++;
      try {
        await within(TIMEOUT_MS + 5000, call, "a pending call");
        if (outcome.errors.length < 3) outcome.errors.push("a call answered by a broken server");
      } catch (error) {
        const ms = Date.now() - startedAt;
        outcome.slowestMs = Math.max(outcome.slowestMs, ms);
        if (ms <= TIMEOUT_MS + SLACK_MS) outcome.inTime++;
        else if (outcome.errors.length < 3) outcome.errors.push(`rejected after ${ms} ms: ${message(error)}`);
        if (error instanceof TTransportException || error instanceof TProtocolException || error instanceof TApplicationException) {
          outcome.clear++;
          outcome.kinds.add(kindOf(error));
        } else if (outcome.errors.length < 3) outcome.errors.push(`unclear error: ${message(error)}`);
      }
    }),
  );
}

async function nextCallWorks(channel: ClientChannel, outcome: Outcome): Promise<void> {
  try {
    const answer = await createClient(ThriftTest, channel).testI32(4242);
    if (answer === 4242) outcome.nextOk++;
    else if (outcome.errors.length < 3) outcome.errors.push(`next call answered ${answer}`);
  } catch (error) {
    if (outcome.errors.length < 3) outcome.errors.push(`next call: ${message(error)}`);
  }
}

/** The server process is killed (SIGKILL) with calls in flight, then started again on the same port. */
async function killed(spec: PeerSpec, size: FaultsSize, outcome: Outcome): Promise<void> {
  let peer = await Peer.start(spec);
  const port = peer.port;
  const channel = await channelFor(spec, port);
  const client = createClient(ThriftTest, channel);
  try {
    for (let round = 0; round < size.rounds; round++) {
      outcome.rounds++;
      const n = spec.kind === "http" ? Math.min(size.pending, 20) : size.pending;
      const calls = Array.from({ length: n }, () => client.testString(`${SLEEP_PREFIX}5000`, { timeoutMs: TIMEOUT_MS }));
      for (const c of calls) c.catch(() => {});
      await sleep(100); // the calls reach the handler
      const killedAt = Date.now();
      await peer.stop("SIGKILL");
      // The deadline counts from the kill here: the calls were made 100 ms before it.
      await settle(calls, killedAt - 100, outcome);
      peer = await Peer.start({ ...spec, port });
      await nextCallWorks(channel, outcome);
    }
  } finally {
    channel.destroy();
    await peer.stop();
  }
}

/** A server that answers a connection's (HTTP: a request's) first call testI32(BREAK) with `fault`. */
async function broken(spec: PeerSpec, fault: Fault, size: FaultsSize, outcome: Outcome): Promise<void> {
  const peer = await Peer.start({ ...spec, fault });
  try {
    for (let round = 0; round < size.rounds; round++) {
      outcome.rounds++;
      // A new client each round, whose first call breaks its connection.
      const channel = await channelFor(spec, peer.port);
      try {
        const client = createClient(ThriftTest, channel);
        const n = spec.kind === "http" ? 1 : size.pending;
        const startedAt = Date.now();
        const calls = Array.from({ length: n }, (_, i) => client.testI32(i === 0 ? BREAK : i));
        for (const c of calls) c.catch(() => {});
        await settle(calls, startedAt, outcome);
        await nextCallWorks(channel, outcome);
      } finally {
        channel.destroy();
      }
    }
  } finally {
    await peer.stop();
  }
}

export async function runFaults(size: FaultsSize, report: Report, all = true): Promise<void> {
  const scenario = "faults";
  const specs: PeerSpec[] = streamSpecs();
  specs.push({ kind: "http", protocol: "binary", transport: "framed" });
  // Framed and buffered with every protocol at full size (two of them at smoke size); every other
  // transport (THeader, its zlib transform, the zlib transport, TLS) with binary at both sizes.
  const plain = (s: PeerSpec): boolean => s.transport === "framed" || s.transport === "buffered";
  const chosen = specs.filter(
    (s) => s.kind === "http" || (plain(s) ? all || (s.protocol === "binary" && s.transport === "framed") || (s.protocol === "compact" && s.transport === "buffered") : s.protocol === "binary"),
  );
  const rows: (string | number)[][] = [];
  for (const fault of ["killed", "garbage", "wrong-seqid", "half-frame"] as const) {
    for (const spec of chosen) {
      const outcome: Outcome = { pending: 0, inTime: 0, clear: 0, slowestMs: 0, nextOk: 0, rounds: 0, kinds: new Set(), errors: [] };
      try {
        if (fault === "killed") await killed(spec, size, outcome);
        else await broken(spec, fault, size, outcome);
      } catch (error) {
        outcome.errors.push(message(error));
      }
      const name = `${fault === "killed" ? "server killed, restarted" : fault === "garbage" ? "answers garbage" : fault === "wrong-seqid" ? "answers a wrong seqid" : "sends half a frame, then nothing"}: ${describe(spec)}`;
      rows.push([name, outcome.rounds, outcome.pending, outcome.inTime, outcome.clear, outcome.slowestMs, `${outcome.nextOk}/${outcome.rounds}`, [...outcome.kinds].join(", ")]);
      const ok = outcome.pending > 0 && outcome.inTime === outcome.pending && outcome.clear === outcome.pending && outcome.nextOk === outcome.rounds && outcome.rounds === size.rounds;
      report.check(scenario, `${name}: every pending call rejects clearly within its deadline and the next call works`, ok, outcome.errors.join("; "));
    }
  }
  printTable(
    `Faults: pending calls (deadline ${TIMEOUT_MS} ms) and the next call on the same client`,
    ["fault: server", "rounds", "pending calls", "rejected in time", "clear error", "slowest ms", "next call ok", "errors seen"],
    rows,
  );
}

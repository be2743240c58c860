/** Server processes for the scenarios: started with fork(), asked for figures over IPC, stopped by pid. */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import type { PeerSpec, PeerStats } from "./spec.js";

const PEER_SCRIPT = fileURLToPath(new URL("./peer.js", import.meta.url));
const running = new Set<Peer>();

export class Peer {
  /** Set when the process ended without being asked to (a crash). */
  crashed: string | undefined = undefined;
  private stopping = false;
  private readonly exited: Promise<void>;
  private statsWaiters: ((stats: PeerStats) => void)[] = [];

  private constructor(
    readonly spec: PeerSpec,
    readonly child: ChildProcess,
    readonly port: number,
  ) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.on("exit", (code, signal) => {
      running.delete(this);
      if (!this.stopping) this.crashed = `exited with ${signal ?? `code ${code}`}`;
    });
    child.on("message", (message: { type?: string }) => {
      if (message.type !== "stats") return;
      const waiters = this.statsWaiters;
      this.statsWaiters = [];
      for (const w of waiters) w(message as PeerStats);
    });
  }

  /** Starts a server process and resolves once it listens. */
  static start(spec: PeerSpec, timeoutMs = 15_000): Promise<Peer> {
    const child = fork(PEER_SCRIPT, [JSON.stringify(spec)], { execArgv: ["--expose-gc"], stdio: ["ignore", "inherit", "inherit", "ipc"] });
    return new Promise<Peer>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        reject(new Error(`server ${describe(spec)} did not start within ${timeoutMs} ms`));
      }, timeoutMs);
      child.once("exit", (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`server ${describe(spec)} exited with ${signal ?? `code ${code}`} before it listened`));
      });
      child.once("message", (message: { type: string; port?: number; message?: string }) => {
        clearTimeout(timer);
        if (message.type !== "ready") {
          child.kill("SIGKILL");
          reject(new Error(`server ${describe(spec)} failed: ${message.message}`));
          return;
        }
        child.removeAllListeners("exit");
        const peer = new Peer(spec, child, message.port!);
        running.add(peer);
        resolve(peer);
      });
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Memory use (after a full GC when `gc`), open connections, logger events; rejects after `timeoutMs`. */
  stats(gc = false, timeoutMs = 10_000): Promise<PeerStats> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return Promise.reject(new Error(`server ${describe(this.spec)} is not running`));
    return new Promise<PeerStats>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server ${describe(this.spec)} did not report its figures within ${timeoutMs} ms`)), timeoutMs);
      this.statsWaiters.push((s) => {
        clearTimeout(timer);
        resolve(s);
      });
      this.child.send({ type: "stats", gc });
    });
  }

  /** Stops the process (SIGKILL: a crash on purpose, SIGTERM otherwise) and waits until it is gone. */
  async stop(signal: NodeJS.Signals = "SIGTERM"): Promise<void> {
    this.stopping = true;
    if (this.child.exitCode === null && this.child.signalCode === null) process.kill(this.pid, signal);
    const timer = setTimeout(() => {
      if (this.child.exitCode === null && this.child.signalCode === null) process.kill(this.pid, "SIGKILL");
    }, 5000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Stops every server still running (on the way out, whatever happened). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop("SIGKILL")));
}

export function describe(spec: PeerSpec): string {
  return spec.kind === "tcp" ? `tcp ${spec.protocol}/${spec.transport}` : `http ${spec.protocol}`;
}

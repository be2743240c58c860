/** Shared pieces of the socket tests: servers and clients that are always stopped, raw sockets, timing. */
import { mkdtempSync, rmSync } from "node:fs";
import { connect as netConnect, createServer as createNetServer, type Server as NetServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach } from "vitest";
import {
  connect,
  createServer,
  type Connection,
  type ConnectionOptions,
  type ConnectTarget,
  type Server,
  type ServerEvent,
  type ServerOptions,
} from "../../runtime/index.js";
import { Calc, InvalidOperation, type CalcHandler } from "../../generated/calc.js";

const cleanups: (() => unknown)[] = [];

/** Runs `fn` after the current test (last registered first), even when the test fails. */
export function onCleanup(fn: () => unknown): void {
  cleanups.push(fn);
}

afterEach(async () => {
  while (cleanups.length > 0) {
    try {
      await cleanups.pop()!();
    } catch {
      // Already closed: nothing to do.
    }
  }
});

let socketDir: string | undefined;

/** A fresh Unix socket path in a temporary directory removed after the file's tests. */
export function socketPath(name: string): string {
  if (socketDir === undefined) socketDir = mkdtempSync(join(tmpdir(), "rpcgen-sock-"));
  return join(socketDir, `${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}.sock`);
}

afterAll(() => {
  if (socketDir !== undefined) rmSync(socketDir, { recursive: true, force: true });
});

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * The Calc handler the socket tests use. A negative `num1` makes the call wait `-num1` ms before
 * answering `num1 / num2` (so tests can hold calls in flight); `num2 = 0` throws InvalidOperation.
 */
export const calcHandler: CalcHandler = {
  divide(num1, num2) {
    if (num2 === 0) throw new InvalidOperation({ message: `cannot divide ${num1} by zero` });
    if (num1 < 0) return sleep(-num1).then(() => num1 / num2);
    return num1 / num2;
  },
};

export interface Started {
  server: Server;
  target: ConnectTarget;
  port: number;
  events: ServerEvent[];
  /** How many calls the handler has been given so far. */
  started: () => number;
}

/** Starts a Calc server on 127.0.0.1 (or `path`), stopped (destroyed) after the test. Events are recorded. */
export async function startCalc(options: ServerOptions & { path?: string; port?: number; handler?: CalcHandler } = {}): Promise<Started> {
  const events: ServerEvent[] = [];
  const { path, port, handler, ...rest } = options;
  const inner = handler ?? calcHandler;
  let started = 0;
  const counting: CalcHandler = {
    divide(num1, num2, ctx) {
      started++;
      return inner.divide(num1, num2, ctx);
    },
  };
  const server = createServer(Calc, counting, { logger: (e) => events.push(e), ...rest });
  onCleanup(() => server.destroy());
  const address = await server.listen(path !== undefined ? { path } : { port: port ?? 0, host: "127.0.0.1" });
  const target: ConnectTarget = "path" in address ? { path: address.path } : { host: "127.0.0.1", port: address.port };
  return { server, target, port: "port" in address ? address.port : 0, events, started: () => started };
}

/** Connects a client, destroyed after the test. */
export async function connectTo(target: ConnectTarget, options?: ConnectionOptions): Promise<Connection> {
  const conn = await connect(target, options);
  onCleanup(() => conn.destroy());
  return conn;
}

/** A raw socket for sending hand-made bytes; resolves `closed` when the server closes it. */
export async function rawSocket(target: ConnectTarget): Promise<{ socket: Socket; closed: Promise<void>; received: () => Buffer }> {
  const socket = "path" in target ? netConnect(target.path) : netConnect(target.port, target.host ?? "127.0.0.1");
  onCleanup(() => socket.destroy());
  const chunks: Buffer[] = [];
  socket.on("data", (c: Buffer) => chunks.push(c));
  socket.on("error", () => {});
  const closed = new Promise<void>((resolve) => socket.once("close", () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", resolve);
    socket.once("error", reject);
  });
  return { socket, closed, received: () => Buffer.concat(chunks) };
}

/** A raw TCP server (for playing a misbehaving server); closed after the test. */
export async function rawServer(onSocket: (socket: Socket) => void): Promise<{ server: NetServer; port: number }> {
  const sockets = new Set<Socket>();
  const server = createNetServer((s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
    s.on("error", () => {});
    onSocket(s);
  });
  onCleanup(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("no port");
  return { server, port: address.port };
}

/** Resolves with the value, or rejects if it takes longer than `ms` (so no test waits forever). */
export function within<T>(ms: number, promise: Promise<T>, what = "operation"): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Waits until `check()` is true, polling every 5 ms, for at most `ms`. */
export async function until(check: () => boolean, ms = 2000, what = "condition"): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${ms} ms`);
    await sleep(5);
  }
}

/** Frames `body` with a 4-byte big-endian length. */
export function framed(body: Uint8Array): Buffer {
  const out = Buffer.alloc(body.length + 4);
  out.writeInt32BE(body.length, 0);
  out.set(body, 4);
  return out;
}

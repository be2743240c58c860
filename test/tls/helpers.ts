/** Pieces of the TLS tests: certificates made for the run, TLS servers and clients always stopped. */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll } from "vitest";
import {
  connectTls,
  createTlsServer,
  type Connection,
  type ConnectTarget,
  type PeerCertificate,
  type Server,
  type ServerEvent,
  type TlsClientOptions,
  type TlsConnectionOptions,
  type TlsServerOptions,
  type TlsServerSettings,
} from "../../runtime/index.js";
import { makeTestKeys, type TestKeys } from "../../scripts/make-test-keys.js";
import { Calc, type CalcHandler } from "../../generated/calc.js";
import { calcHandler, onCleanup } from "../runtime/helpers.js";

let keys: TestKeys | undefined;
let keysDir: string | undefined;

/** The run's certificates (made on first use, in a temporary directory removed after the file's tests). */
export function testKeys(): TestKeys {
  if (keys === undefined) {
    keysDir = mkdtempSync(join(tmpdir(), "rpcgen-tls-"));
    keys = makeTestKeys(join(keysDir, "keys"));
  }
  return keys;
}

afterAll(() => {
  if (keysDir !== undefined) rmSync(keysDir, { recursive: true, force: true });
});

/** The contents of one of the run's certificate or key files. */
export function pem(pick: (k: TestKeys) => string): Buffer {
  return readFileSync(pick(testKeys()));
}

/** The good server's key and certificate. */
export function serverIdentity(): TlsServerSettings {
  return { key: pem((k) => k.serverKey), cert: pem((k) => k.serverCert) };
}

/** Client settings that trust the run's CA, optionally presenting the good client certificate. */
export function clientTls(withCertificate = false): TlsClientOptions {
  return { ca: pem((k) => k.ca), ...(withCertificate && { key: pem((k) => k.clientKey), cert: pem((k) => k.clientCert) }) };
}

export interface StartedTls {
  server: Server;
  target: ConnectTarget;
  port: number;
  events: ServerEvent[];
  /** The certificate each call's handler saw, in order. */
  seen: (PeerCertificate | undefined)[];
  /** How many calls reached the handler. */
  calls: () => number;
}

/**
 * Starts a Calc TLS server on 127.0.0.1 (the good server certificate unless `tls` says otherwise),
 * destroyed after the test; events and the certificates handlers saw are recorded.
 */
export async function startTls(options: Partial<TlsServerOptions> & { handler?: CalcHandler; path?: string } = {}): Promise<StartedTls> {
  const events: ServerEvent[] = [];
  const seen: (PeerCertificate | undefined)[] = [];
  const { handler, tls, path, ...rest } = options;
  const inner = handler ?? calcHandler;
  const server = createTlsServer(
    Calc,
    {
      divide(num1, num2, ctx) {
        seen.push(ctx.peerCertificate);
        return inner.divide(num1, num2, ctx);
      },
    },
    { logger: (e) => events.push(e), ...rest, tls: tls ?? serverIdentity() },
  );
  onCleanup(() => server.destroy());
  const address = await server.listen(path !== undefined ? { path } : { port: 0, host: "127.0.0.1" });
  const target: ConnectTarget = "path" in address ? { path: address.path } : { host: "127.0.0.1", port: address.port };
  return { server, target, port: "port" in address ? address.port : 0, events, seen, calls: () => seen.length };
}

/** Connects over TLS, destroyed after the test. */
export async function connectTlsTo(target: ConnectTarget, options: TlsConnectionOptions): Promise<Connection> {
  const connection = await connectTls(target, { reconnect: false, ...options });
  onCleanup(() => connection.destroy());
  return connection;
}

/** The rejection of `promise` (fails the test when it resolves), with how long it took. */
export async function rejection(promise: Promise<unknown>): Promise<{ error: Error; ms: number }> {
  const t0 = performance.now();
  try {
    await promise;
  } catch (error) {
    return { error: error as Error, ms: performance.now() - t0 };
  }
  throw new Error("expected a rejection, but it resolved");
}

/** Waits until `check` is true (polling), at most `ms`. */
export async function eventually(check: () => boolean, ms = 2000): Promise<void> {
  const deadline = performance.now() + ms;
  while (!check()) {
    if (performance.now() > deadline) throw new Error(`not so within ${ms} ms`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** The `connection-error` events' messages. */
export function connectionErrors(events: readonly ServerEvent[]): string[] {
  return events.flatMap((e) => (e.kind === "connection-error" ? [e.error instanceof Error ? e.error.message : String(e.error)] : []));
}

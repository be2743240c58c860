/**
 * The browser test's page, bundled for the browser by esbuild (bundle.ts): generated clients on the
 * runtime core's fetch channel, as an application's front end uses them. browser.test.ts drives it
 * through `globalThis.probe` with `page.evaluate`; every step answers with plain data (an Outcome),
 * so the assertions run in Node.
 */
import {
  BinaryProtocol,
  createClient,
  createFetchChannel,
  HttpError,
  JSONProtocol,
  TTransportException,
  type CallOptions,
  type ClientChannel,
} from "rpcgen/runtime";
import { Calc, InvalidOperation } from "../../generated/calc.js";
import { ThriftTest } from "../../interop/thrift-test/ThriftTest.v0.16-nouuid.js";

export type ProtocolName = "binary" | "json";

/** What became of a rejected call, as the page saw it. */
export interface ErrorReport {
  readonly name: string;
  readonly message: string;
  /** `instanceof` the generated exception class, in the page. */
  readonly invalidOperation: boolean;
  readonly httpError: boolean;
  readonly transportException: boolean;
  /** HttpError's status; TTransportException's type. */
  readonly status?: number | undefined;
  readonly transportType?: number | undefined;
  /** The very object the call's AbortController was aborted with. */
  readonly isAbortReason: boolean;
}

export type Outcome =
  | { readonly ok: true; readonly value: unknown; readonly responseHeaders?: Readonly<Record<string, string>> | undefined; readonly elapsedMs: number }
  | { readonly ok: false; readonly error: ErrorReport; readonly responseHeaders?: Readonly<Record<string, string>> | undefined; readonly elapsedMs: number };

/** Per-call options the test can ask for (all serializable). */
export interface Ask {
  readonly headers?: Readonly<Record<string, string>> | undefined;
  readonly timeoutMs?: number | undefined;
}

const channels = new Map<string, ClientChannel>();

function channel(url: string, protocol: ProtocolName): ClientChannel {
  const key = `${protocol} ${url}`;
  let c = channels.get(key);
  if (c === undefined) {
    // The server serves Calc and ThriftTest on one URL: `Service:method` names pick the service.
    c = createFetchChannel(url, { protocol: protocol === "json" ? JSONProtocol : BinaryProtocol, multiplexed: true });
    channels.set(key, c);
  }
  return c;
}

/** Runs one call, capturing its reply headers (those CORS lets the page read) and its outcome. */
async function run(call: (options: CallOptions) => Promise<unknown>, ask: Ask = {}, abortReason?: unknown, signal?: AbortSignal): Promise<Outcome> {
  let responseHeaders: Record<string, string> | undefined;
  const options: CallOptions = {
    ...(ask.headers !== undefined && { headers: ask.headers }),
    ...(ask.timeoutMs !== undefined && { timeoutMs: ask.timeoutMs }),
    ...(signal !== undefined && { signal }),
    onResponseHeaders: (headers) => {
      responseHeaders = Object.fromEntries(headers);
    },
  };
  const started = performance.now();
  try {
    const value = await call(options);
    return { ok: true, value, responseHeaders, elapsedMs: performance.now() - started };
  } catch (error) {
    return { ok: false, error: report(error, abortReason), responseHeaders, elapsedMs: performance.now() - started };
  }
}

function report(error: unknown, abortReason: unknown): ErrorReport {
  const e = error as { name?: unknown; message?: unknown };
  return {
    name: String(e?.name),
    message: String(e?.message),
    invalidOperation: error instanceof InvalidOperation,
    httpError: error instanceof HttpError,
    transportException: error instanceof TTransportException,
    status: error instanceof HttpError ? error.status : undefined,
    transportType: error instanceof TTransportException ? error.type : undefined,
    isAbortReason: abortReason !== undefined && error === abortReason,
  };
}

/** Calls started now and settled later, so the test can act (abort) while they are in flight. */
const started = new Map<string, { controller: AbortController; reason: Error; outcome: Promise<Outcome> }>();

const probe = {
  divide(url: string, protocol: ProtocolName, num1: number, num2?: number, ask?: Ask): Promise<Outcome> {
    const calc = createClient(Calc, channel(url, protocol));
    return run((options) => (num2 === undefined ? calc.divide(num1, undefined, options) : calc.divide(num1, num2, options)), ask);
  },

  echo(url: string, protocol: ProtocolName, text: string): Promise<Outcome> {
    const tt = createClient(ThriftTest, channel(url, protocol));
    return run((options) => tt.testString(text, options));
  },

  oneway(url: string, protocol: ProtocolName, secondsToSleep: number): Promise<Outcome> {
    const tt = createClient(ThriftTest, channel(url, protocol));
    return run((options) => tt.testOneway(secondsToSleep, options));
  },

  /** Starts `testVoid` (the test's server holds it until its signal aborts) with an AbortController. */
  start(id: string, url: string, protocol: ProtocolName, ask?: Ask): void {
    const tt = createClient(ThriftTest, channel(url, protocol));
    const controller = new AbortController();
    const reason = new Error(`aborted by the page (${id})`);
    started.set(id, { controller, reason, outcome: run((options) => tt.testVoid(options), ask, reason, controller.signal) });
  },

  abort(id: string): void {
    const call = started.get(id);
    if (call === undefined) throw new Error(`no call ${id} was started`);
    call.controller.abort(call.reason);
  },

  settle(id: string): Promise<Outcome> {
    const call = started.get(id);
    if (call === undefined) throw new Error(`no call ${id} was started`);
    started.delete(id);
    return call.outcome;
  },
};

export type Probe = typeof probe;

(globalThis as { probe?: Probe }).probe = probe;

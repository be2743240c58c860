/**
 * Application code as a user with every strict compiler setting writes it against generated code and
 * the runtime: optional values passed through as `T | undefined`, decoded optional fields read back,
 * handlers, clients and option bags. Type-checked (never run) by strict-typecheck.test.ts, where
 * `rpcgen/runtime` is the built package's declarations.
 */
import {
  connect,
  createClient,
  createInMemoryChannel,
  createServer,
  BinaryProtocolFactory,
  CompactProtocol,
  Processor,
  type CallOptions,
  type ClientInterceptor,
  type ConnectionOptions,
  type ServerOptions,
} from "rpcgen/runtime";
import { Calc, InvalidOperation, type CalcHandler } from "../../generated/calc.js";
import { Choice, Failure, Optionals, Strict, type OptionalsInit, type StrictHandler } from "./cases/strict-flags/expected/strict.js";

/** Settings as they come from a config file: any of them may be missing. */
export interface Settings {
  host?: string | undefined;
  timeoutMs?: number | undefined;
  maxDepth?: number | undefined;
  count?: number | undefined;
  signal?: AbortSignal | undefined;
}

const calcHandler: CalcHandler = {
  divide(num1, num2, ctx) {
    if (ctx.signal.aborted || num2 === 0) throw new InvalidOperation({ message: `cannot divide ${num1} by zero` });
    return num1 / num2;
  },
};

const strictHandler: StrictHandler = {
  ping() {},
  get(id, filter) {
    // An optional field takes a value that may be undefined.
    const count: number | undefined = filter === undefined ? undefined : Number(id);
    return { count, total: id, empty: filter, names: undefined };
  },
  notify() {},
};

const logging: ClientInterceptor = (next) => async (call) => {
  try {
    return await next(call);
  } finally {
    console.log(`${call.service}.${call.method.name}`);
  }
};

export async function run(settings: Settings): Promise<number> {
  const options: ConnectionOptions = {
    timeoutMs: settings.timeoutMs,
    maxDepth: settings.maxDepth,
    protocol: new BinaryProtocolFactory({ maxDepth: settings.maxDepth, strictRead: undefined }),
    reconnect: { initialDelayMs: settings.timeoutMs, jitter: undefined },
    interceptors: [logging],
  };
  const connection = await connect({ host: settings.host, port: 9090 }, options);
  const calc = createClient(Calc, connection);
  const callOptions: CallOptions = { timeoutMs: settings.timeoutMs, signal: settings.signal };
  const quotient = await calc.divide(1, 3, callOptions);
  await connection.close();

  const serverOptions: ServerOptions = { protocol: CompactProtocol, idleTimeoutMs: settings.timeoutMs, logger: undefined };
  const server = createServer(Calc, calcHandler, serverOptions);
  await server.listen({ port: 0, host: settings.host });
  await server.close({ timeoutMs: settings.timeoutMs });

  const channel = createInMemoryChannel(new Processor({ services: { Strict: { descriptor: Strict, handler: strictHandler } }, defaultService: undefined }), {
    protocol: undefined,
  });
  const strict = createClient(Strict, channel);
  const got: Optionals = await strict.get(1n, {});
  const names: readonly string[] = got.names ?? [];
  return quotient + (got.count ?? 0) + names.length;
}

/** Building values: Init forms take undefined for optional fields; decoded ones may hold it. */
export function build(settings: Settings): [Optionals, Choice, Failure] {
  const init: OptionalsInit = { count: settings.count, total: settings.count, empty: undefined, withDefault: undefined };
  const value = Optionals.create(init);
  const choice = Choice.create({ number: settings.count ?? 0 });
  const failure = new Failure({ message: "failed", details: init, code: undefined });
  return [value, choice, failure];
}

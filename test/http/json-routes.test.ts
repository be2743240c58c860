/**
 * JSON over HTTP (runtime/http/json-route.ts), end to end: real `curl` against real servers on
 * 127.0.0.1 — the issue's own commands, GET allowed and refused, every status and body shape, the
 * type mapping through ThriftTest, the Calc demo service and the Catalog test service
 * (test/golden/cases/http-json), headers, deadlines, CORS, HTTP/2, and Thrift calls on the same server.
 */
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Calc, InvalidOperation, type CalcHandler } from "../../generated/calc.js";
import {
  createClient,
  createHttpChannel,
  createHttpHandler,
  createHttpServer,
  implement,
  TApplicationException,
  TApplicationExceptionType,
  type HttpServer,
  type ServerEvent,
  type ServerInterceptor,
  type ServiceDescriptor,
} from "../../runtime/index.js";
import { Catalog, NotFound, type CatalogHandler, type PointInit, type ShapeInit } from "../golden/cases/http-json/expected/catalog.js";
import {
  Numberz,
  ThriftTest,
  Xception,
  type InsanityInit,
  type ThriftTestHandler,
} from "../golden/cases/apache-ThriftTest-v0-16-nouuid/expected/ThriftTest.v0.16-nouuid.js";
import { describeWith, type Requirement } from "../support/environment.js";

const CURL = "/usr/bin/curl";
const curlInstalled: Requirement = { name: "curl", missing: existsSync(CURL) ? undefined : `no ${CURL} (apt-get install curl)` };
const run = promisify(execFile);

interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
  json: unknown;
}

/** Runs curl with `args` (-sS -i added) and parses its answer. */
async function curl(...args: string[]): Promise<Reply> {
  const { stdout } = await run(CURL, ["-sS", "-i", "--max-time", "10", ...args], { encoding: "utf8" });
  let rest = stdout;
  for (;;) {
    const end = rest.indexOf("\r\n\r\n");
    const head = rest.slice(0, end);
    rest = rest.slice(end + 4);
    const status = Number(/^HTTP\/[\d.]+ (\d{3})/.exec(head)?.[1]);
    if (status < 200) continue; // an interim answer (100 Continue)
    const headers: Record<string, string> = {};
    for (const line of head.split("\r\n").slice(1)) {
      const colon = line.indexOf(":");
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const json = headers["content-type"] === "application/json" ? (JSON.parse(rest) as unknown) : undefined;
    return { status, headers, body: rest, json };
  }
}

/** Listens on a free loopback port; the server's base URL. */
async function listen(server: HttpServer): Promise<string> {
  const address = await server.listen(0, "127.0.0.1");
  if (!("port" in address)) throw new Error("not listening on TCP");
  return `http://127.0.0.1:${address.port}`;
}

/** `curl -H 'content-type: application/json' -d body url`. */
function postJson(url: string, body: string, ...args: string[]): Promise<Reply> {
  return curl("-H", "content-type: application/json", "-d", body, ...args, url);
}

const events: ServerEvent[] = [];
const logger = (e: ServerEvent): void => {
  events.push(e);
};

const calc: CalcHandler = {
  divide(num1, num2, ctx) {
    ctx.responseHeaders.set("x-request-id", ctx.requestHeaders.get("x-request-id") ?? "none");
    ctx.responseHeaders.set("x-deadline", String(ctx.deadline ?? "none"));
    if (num2 === 0) throw new InvalidOperation({ message: `cannot divide ${num1} by zero` });
    return num1 / num2;
  },
};

const logged: string[] = [];
let onewayDone: (() => void) | undefined;
const catalog: CatalogHandler = {
  describe(id, color, verbose, scale, tag, key) {
    return `${id} ${color} ${verbose} ${scale} [${[...tag].join(",")}] ${key}`;
  },
  points(n) {
    return Array.from({ length: n }, (_, i): PointInit => ({ x: i, y: -i }));
  },
  echoShape(shape): ShapeInit {
    return shape as ShapeInit;
  },
  label(points) {
    return new Map([...points].map(([p, s]) => [p, s.toUpperCase()]));
  },
  blobs(blobs) {
    return blobs;
  },
  byColor(colors) {
    return colors;
  },
  ratio(a, b) {
    return a / b;
  },
  next(id) {
    if (id < 0n) throw new NotFound({ message: `no item ${id}`, id });
    return id + 1n;
  },
  reset() {},
  async log(line) {
    await new Promise((r) => setTimeout(r, 50));
    logged.push(line);
    onewayDone?.();
  },
};

const insanity = (argument: InsanityInit | undefined): Map<bigint, Map<Numberz, InsanityInit>> =>
  new Map<bigint, Map<Numberz, InsanityInit>>([
    [1n, new Map([[Numberz.TWO, argument ?? {}], [Numberz.THREE, argument ?? {}]])],
    [2n ** 60n, new Map([[Numberz.SIX, {}]])],
  ]);

const thriftTest: Partial<ThriftTestHandler> = {
  testVoid() {},
  testI64: (thing) => thing,
  testBinary: (thing) => thing,
  testStruct: (thing) => thing ?? {},
  testNest: (thing) => thing ?? {},
  testMapMap: (hello) => new Map([[hello, new Map([[hello, hello]])], [-hello, new Map()]]),
  testInsanity: (argument) => insanity(argument),
  testMulti: (arg0, arg1, arg2) => ({ string_thing: "Hello2", byte_thing: arg0, i32_thing: arg1, i64_thing: arg2 }),
  testException(arg) {
    if (arg === "Xception") throw new Xception({ errorCode: 1001, message: arg });
    if (arg === "TException") throw new Error("deliberate");
    if (arg === "TApplicationException") throw new TApplicationException(TApplicationExceptionType.UNKNOWN, "told so");
  },
};

/** A copy of a descriptor whose methods carry other annotations. */
function annotated(d: ServiceDescriptor, annotations: Record<string, Record<string, string>>): ServiceDescriptor {
  const methods = { ...d.methods };
  for (const [name, a] of Object.entries(annotations)) methods[name] = { ...methods[name]!, annotations: a };
  return { ...d, methods };
}

describeWith([curlInstalled])("JSON over HTTP, with curl", () => {
  let single: HttpServer; // Calc alone, GET allowed by option, CORS for one origin
  let multi: HttpServer; // Calc, Catalog and ThriftTest; GET only where annotated; small body limit
  let off: HttpServer; // json: false
  let one: string;
  let many: string;
  let offUrl: string;
  const intercepted: string[] = [];
  const interceptor: ServerInterceptor = (next) => (call) => {
    intercepted.push(`${call.service}.${call.method.name}`);
    return next(call);
  };

  beforeAll(async () => {
    single = createHttpServer(Calc, calc, { json: { get: ["Calc.divide"] }, cors: { origins: ["https://app.example"] }, logger, interceptors: [interceptor] });
    multi = createHttpServer(
      {
        Calc: implement(Calc, calc),
        Catalog: implement(Catalog, catalog),
        ThriftTest: implement(ThriftTest, thriftTest as ThriftTestHandler),
      },
      { logger, maxBodySize: 4096, maxDepth: 12 },
    );
    off = createHttpServer(Calc, calc, { json: false, logger });
    [one, many, offUrl] = await Promise.all([listen(single), listen(multi), listen(off)]);
  });

  afterAll(async () => {
    await Promise.all([single.destroy(), multi.destroy(), off.destroy()]);
  });

  describe("the issue's commands", () => {
    it("curl -d '{...}' /Calc/divide answers the result (a float: its shortest float32 decimal)", async () => {
      const r = await curl("-d", '{"num1": 100, "num2": 7}', `${one}/Calc/divide`);
      expect(r.status).toBe(200);
      expect(r.headers["content-type"]).toBe("application/json");
      expect(r.body).toBe('{"result":14.285714}\n');
    });

    it("the same with content type application/json, and curl --json", async () => {
      expect((await postJson(`${one}/Calc/divide`, '{"num1": 100, "num2": 7}')).json).toEqual({ result: 14.285714 });
      expect((await curl("--json", '{"num1": 100, "num2": 7}', `${one}/Calc/divide`)).json).toEqual({ result: 14.285714 });
    });

    it("GET /Calc/divide?num1=100&num2=7 where the server allows it", async () => {
      const r = await curl(`${one}/Calc/divide?num1=100&num2=7`);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ result: 14.285714 });
      expect((await curl(`${one}/Calc/divide?num1=100`)).json).toEqual({ result: 100 }); // num2 defaults to 1
    });

    it("GET is refused where not allowed: 405 with Allow: POST", async () => {
      const r = await curl(`${many}/Calc/divide?num1=100&num2=7`);
      expect(r.status).toBe(405);
      expect(r.headers["allow"]).toBe("POST");
      expect(r.json).toEqual({ error: "method_not_allowed", message: expect.stringMatching(/^Calc\.divide cannot be called with GET .*\(http\.get\)/) });
    });

    it("a declared exception: 422 with its IDL name and fields", async () => {
      const r = await curl("-d", '{"num1": 100, "num2": 0}', `${one}/Calc/divide`);
      expect(r.status).toBe(422);
      expect(r.json).toEqual({ exception: "InvalidOperation", value: { message: "cannot divide 100 by zero" } });
    });
  });

  describe("errors", () => {
    it("400 for a body that is not JSON, not UTF-8, or not an object", async () => {
      const bad = await postJson(`${one}/Calc/divide`, '{"num1": 100,');
      expect(bad.status).toBe(400);
      expect(bad.json).toEqual({ error: "bad_request", message: expect.stringMatching(/^the request body is not JSON: /) });
      const file = join(mkdtempSync(join(tmpdir(), "rpcgen-json-")), "latin1.json");
      writeFileSync(file, Uint8Array.from([0x7b, 0x22, 0xe9, 0x22, 0x3a, 0x31, 0x7d])); // {"é":1} in Latin-1
      const latin1 = await curl("-H", "content-type: application/json", "--data-binary", `@${file}`, `${one}/Calc/divide`);
      rmSync(dirname(file), { recursive: true });
      expect(latin1.json).toEqual({ error: "bad_request", message: "the request body is not UTF-8" });
      const empty = await postJson(`${one}/Calc/divide`, "");
      expect(empty.json).toEqual({ result: 0 }); // no body: {} (num1 = 0, num2 = 1)
      const array = await postJson(`${one}/Calc/divide`, "[100, 7]");
      expect(array.json).toEqual({ error: "bad_request", message: "args: expected an object of Calc.divide's parameters by name, got an array" });
    });

    it("400 naming the field for wrong types, out-of-range integers and unknown fields", async () => {
      expect((await postJson(`${one}/Calc/divide`, '{"num1": "100"}')).json).toEqual({
        error: "bad_request",
        message: 'args.num1: expected an integer within i32, got "100"',
      });
      expect((await postJson(`${one}/Calc/divide`, '{"num1": 3000000000}')).json).toEqual({
        error: "bad_request",
        message: "args.num1: expected an integer within i32, got 3000000000",
      });
      const unknown = await postJson(`${one}/Calc/divide`, '{"num1": 1, "num3": 2}');
      expect(unknown.status).toBe(400);
      expect(unknown.json).toEqual({ error: "bad_request", message: 'args: Calc.divide has no parameter "num3" (its parameters: num1, num2)' });
      const deep = await postJson(`${many}/ThriftTest/testStruct`, '{"thing": {"i64_thing": 1e30}}');
      expect(deep.json).toEqual({ error: "bad_request", message: "args.thing.i64_thing: expected an integer within i64, got 1e+30" });
    });

    it("400 for bad query parameters", async () => {
      expect((await curl(`${one}/Calc/divide?num1=ten`)).json).toEqual({ error: "bad_request", message: 'args.num1: expected an integer within i32, got "ten"' });
      expect((await curl(`${one}/Calc/divide?num1=1&num1=2`)).json).toEqual({ error: "bad_request", message: "args.num1: given more than once" });
      expect((await curl(`${one}/Calc/divide?n=1`)).status).toBe(400);
    });

    it("404 for unknown services and methods, and for methods the handler leaves out", async () => {
      const method = await postJson(`${one}/Calc/multiply`, "{}");
      expect(method.status).toBe(404);
      expect(method.json).toEqual({ error: "not_found", message: "no method Calc.multiply here" });
      expect((await postJson(`${one}/Nope/divide`, "{}")).json).toEqual({ error: "not_found", message: "no method Nope.divide here" });
      expect((await postJson(`${one}/`, "{}")).json).toEqual({ error: "not_found", message: "no JSON route at /: JSON calls go to /<Service>/<method>" });
      expect((await postJson(`${many}/ThriftTest/testString`, '{"thing": "x"}')).json).toEqual({ error: "not_found", message: "ThriftTest does not implement testString here" });
      expect((await curl(`${one}/Calc/nope`)).status).toBe(404);
    });

    it("405 for other HTTP methods", async () => {
      const r = await curl("-X", "PUT", "-H", "content-type: application/json", "-d", "{}", `${one}/Calc/divide`);
      expect(r.status).toBe(405);
      expect(r.headers["allow"]).toBe("GET, POST, OPTIONS");
      expect(r.json).toMatchObject({ error: "method_not_allowed" });
    });

    it("413 for a body over the limit, as JSON", async () => {
      const r = await postJson(`${many}/Calc/divide`, `{"num1": 1, "pad": "${"x".repeat(5000)}"}`);
      expect(r.status).toBe(413);
      expect(r.json).toEqual({ error: "payload_too_large", message: expect.stringContaining("over the limit of 4096 bytes") });
    });

    it("500 with a generic error for undeclared errors; a TApplicationException's own message", async () => {
      events.length = 0;
      const r = await postJson(`${many}/ThriftTest/testException`, '{"arg": "TException"}');
      expect(r.status).toBe(500);
      expect(r.json).toEqual({ error: "internal", message: "Internal error" });
      expect(events).toContainEqual(expect.objectContaining({ kind: "handler-error", service: "ThriftTest", method: "testException" }));
      const app = await postJson(`${many}/ThriftTest/testException`, '{"arg": "TApplicationException"}');
      expect(app.status).toBe(500);
      expect(app.json).toEqual({ error: "internal", message: "told so" });
      const declared = await postJson(`${many}/ThriftTest/testException`, '{"arg": "Xception"}');
      expect(declared.status).toBe(422);
      expect(declared.json).toEqual({ exception: "Xception", value: { errorCode: 1001, message: "Xception" } });
      expect((await postJson(`${many}/ThriftTest/testException`, '{"arg": "ok"}')).json).toEqual({});
    });

    it("500 for a result that does not fit its type (reported as a result-error)", async () => {
      events.length = 0;
      const r = await postJson(`${many}/Catalog/ratio`, '{"a": 1, "b": 0}');
      expect(r.json).toEqual({ result: "Infinity" }); // fits: float infinity
      const bad = createHttpServer(Calc, { divide: () => "fourteen" as unknown as number }, { logger });
      const url = await listen(bad);
      try {
        const reply = await postJson(`${url}/Calc/divide`, "{}");
        expect(reply.status).toBe(500);
        expect(reply.json).toEqual({ error: "internal", message: "Internal error" });
        expect(events).toContainEqual(expect.objectContaining({ kind: "result-error", method: "divide" }));
      } finally {
        await bad.destroy();
      }
    });
  });

  describe("the mapping over HTTP", () => {
    it("i64 beyond 2^53 as a string, within it as a number", async () => {
      expect((await postJson(`${many}/Catalog/next`, '{"id": "9007199254740993"}')).json).toEqual({ result: "9007199254740994" });
      expect((await postJson(`${many}/Catalog/next`, '{"id": 41}')).json).toEqual({ result: 42 });
      expect((await postJson(`${many}/ThriftTest/testI64`, '{"thing": "-9223372036854775808"}')).json).toEqual({ result: "-9223372036854775808" });
      const nf = await postJson(`${many}/Catalog/next`, '{"id": -5}');
      expect(nf.status).toBe(422);
      expect(nf.json).toEqual({ exception: "NotFound", value: { message: "no item -5", id: -5 } });
    });

    it("binary as base64", async () => {
      expect((await postJson(`${many}/ThriftTest/testBinary`, '{"thing": "AAEC/w=="}')).json).toEqual({ result: "AAEC/w==" });
      expect((await postJson(`${many}/ThriftTest/testBinary`, '{"thing": "AAEC_w"}')).json).toEqual({ result: "AAEC/w==" });
      expect((await postJson(`${many}/Catalog/blobs`, '{"blobs": {"9007199254740993": "aGk="}}')).json).toEqual({ result: { "9007199254740993": "aGk=" } });
    });

    it("maps: objects for number and enum keys, [key, value] pairs for struct keys", async () => {
      expect((await postJson(`${many}/ThriftTest/testMapMap`, '{"hello": 4}')).json).toEqual({ result: { "4": { "4": 4 }, "-4": {} } });
      const pairs = await postJson(`${many}/Catalog/label`, '{"points": [[{"x": 1, "y": 2}, "a"], [{"x": 3}, "b"]]}');
      expect(pairs.json).toEqual({ result: [[{ x: 1, y: 2 }, "A"], [{ x: 3, y: 0 }, "B"]] });
      expect((await postJson(`${many}/Catalog/byColor`, '{"colors": {"RED": ["1", 2], "3": []}}')).json).toEqual({ result: { RED: [1, 2], BLUE: [] } });
    });

    it("unions: an object with exactly one key", async () => {
      const body = '{"shape": {"polygon": [{"x": 1, "y": 2}, {"x": 3, "y": 4}]}}';
      expect((await postJson(`${many}/Catalog/echoShape`, body)).json).toEqual({ result: { polygon: [{ x: 1, y: 2 }, { x: 3, y: 4 }] } });
      const two = await postJson(`${many}/Catalog/echoShape`, '{"shape": {"named": "sq", "point": {}}}');
      expect(two.status).toBe(400);
      expect(two.json).toEqual({ error: "bad_request", message: "args.shape: a union (Shape) holds exactly one of point, polygon, named, got 2 fields" });
    });

    it("a struct-heavy method: testInsanity (i64 and enum keys, nested structs, lists)", async () => {
      const argument = { userMap: { FIVE: 5, EIGHT: "9007199254740993" }, xtructs: [{ string_thing: "Goodbye4", byte_thing: 4, i32_thing: 4, i64_thing: 4 }] };
      const r = await postJson(`${many}/ThriftTest/testInsanity`, JSON.stringify({ argument }));
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ result: { "1": { TWO: argument, THREE: argument }, "1152921504606846976": { SIX: {} } } });
      const nest = await postJson(`${many}/ThriftTest/testNest`, '{"thing": {"byte_thing": 1, "struct_thing": {"string_thing": "s"}, "i32_thing": 3}}');
      expect(nest.json).toEqual({ result: { byte_thing: 1, struct_thing: { string_thing: "s", byte_thing: 0, i32_thing: 0, i64_thing: 0 }, i32_thing: 3 } });
      const multiArgs = '{"arg0": 1, "arg1": 2, "arg2": 3, "arg3": {"1": "one"}, "arg4": "FIVE", "arg5": 6}';
      expect((await postJson(`${many}/ThriftTest/testMulti`, multiArgs)).json).toEqual({ result: { string_thing: "Hello2", byte_thing: 1, i32_thing: 2, i64_thing: 3 } });
    });

    it("nesting beyond maxDepth is a 400", async () => {
      const shallow = createHttpServer(Catalog, catalog, { logger, maxDepth: 3 });
      const base = await listen(shallow);
      try {
        const url = `${base}/Catalog/echoShape`;
        expect((await postJson(url, '{"shape": {"named": "sq"}}')).json).toEqual({ result: { named: "sq" } });
        const deep = await postJson(url, '{"shape": {"polygon": [{"x": 1}]}}');
        expect(deep.status).toBe(400);
        expect(deep.json).toEqual({ error: "bad_request", message: "args.shape.polygon[0]: nested too deeply" });
      } finally {
        await shallow.destroy();
      }
    });

    it("void answers {}; oneway answers 202 {} before the handler runs", async () => {
      const v = await postJson(`${many}/Catalog/reset`, "");
      expect(v.status).toBe(200);
      expect(v.body).toBe("{}\n");
      logged.length = 0;
      const done = new Promise<void>((resolve) => (onewayDone = resolve));
      const o = await postJson(`${many}/Catalog/log`, '{"line": "hello"}');
      expect(o.status).toBe(202);
      expect(o.json).toEqual({});
      expect(logged).toEqual([]); // the handler is still sleeping
      await done;
      expect(logged).toEqual(["hello"]);
      expect((await postJson(`${many}/Catalog/log`, '{"line": 5}')).status).toBe(400); // checked before accepting
    });
  });

  describe("GET by annotation", () => {
    it("(http.get) methods take their parameters from the query, each read as its type", async () => {
      const query = "id=9007199254740993&color=BLUE&verbose=true&scale=2.5&tag=AAH_&key=%7B00112233-4455-6677-8899-AABBCCDDEEFF%7D";
      const r = await curl(`${many}/Catalog/describe?${query}`);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ result: "9007199254740993 3 true 2.5 [0,1,255] 00112233-4455-6677-8899-aabbccddeeff" });
      const defaults = await curl(`${many}/Catalog/describe?color=2`);
      expect(defaults.json).toEqual({ result: "0 2 false 1.5 [] 00000000-0000-0000-0000-000000000000" });
      const bad = await curl(`${many}/Catalog/describe?color=PURPLE`);
      expect(bad.json).toEqual({ error: "bad_request", message: 'args.color: expected one of RED, GREEN, BLUE (Color) or an i32, got "PURPLE"' });
    });

    it("(http.get = \"false\") and unannotated methods refuse GET", async () => {
      expect((await curl(`${many}/Catalog/points?n=2`)).status).toBe(405);
      expect((await postJson(`${many}/Catalog/points`, '{"n": 2}')).json).toEqual({ result: [{ x: 0, y: 0 }, { x: 1, y: -1 }] });
    });

    it("GET is checked when the handler is made: only scalar parameters, known names, true or false", () => {
      expect(() => createHttpHandler({ Catalog: implement(Catalog, catalog) }, { json: { get: ["Catalog.echoShape"] } })).toThrow(
        "Catalog.echoShape cannot be called with GET: its parameter shape is a Shape, and query parameters carry only scalars and enums",
      );
      expect(() => createHttpHandler({ Calc: implement(Calc, calc) }, { json: { get: ["Calc.divde"] } })).toThrow("json.get names no method served here: Calc.divde");
      const yes = annotated(Calc, { divide: { "http.get": "yes" } });
      expect(() => createHttpHandler({ Calc: implement(yes, calc) })).toThrow('Calc.divide: (http.get = "yes") must be "true" or "false"');
      const list = annotated(Catalog, { label: { "http.get": "1" } });
      expect(() => createHttpHandler({ Catalog: implement(list, catalog) })).toThrow(/Catalog\.label cannot be called with GET: its parameter points is a map/);
    });
  });

  describe("as Thrift calls are served", () => {
    it("headers reach ctx.requestHeaders, Deadline-Budget sets ctx.deadline, ctx.responseHeaders go out", async () => {
      const before = Date.now();
      const r = await postJson(`${one}/Calc/divide`, '{"num1": 1}', "-H", "x-request-id: abc-123", "-H", "deadline-budget: 5000");
      expect(r.headers["x-request-id"]).toBe("abc-123");
      const deadline = Number(r.headers["x-deadline"]);
      expect(deadline).toBeGreaterThanOrEqual(before + 5000);
      expect(deadline).toBeLessThanOrEqual(Date.now() + 5000);
    });

    it("interceptors see JSON calls", async () => {
      intercepted.length = 0;
      await curl(`${one}/Calc/divide?num1=1`);
      expect(intercepted).toEqual(["Calc.divide"]);
    });

    it("CORS: preflights list GET where allowed; answers carry the headers; other origins get 403", async () => {
      const pre = await curl("-X", "OPTIONS", "-H", "origin: https://app.example", "-H", "access-control-request-method: GET", `${one}/Calc/divide`);
      expect(pre.status).toBe(204);
      expect(pre.headers["access-control-allow-methods"]).toBe("GET, POST");
      expect(pre.headers["access-control-allow-origin"]).toBe("https://app.example");
      const post = await postJson(`${one}/Calc/divide`, '{"num1": 1}', "-H", "origin: https://app.example");
      expect(post.headers["access-control-allow-origin"]).toBe("https://app.example");
      expect(post.headers["access-control-expose-headers"]).toBe("x-deadline, x-request-id");
      const other = await curl("-H", "origin: https://evil.example", `${one}/Calc/divide?num1=1`);
      expect(other.status).toBe(403);
      expect(other.json).toEqual({ error: "forbidden", message: "origin https://evil.example is not allowed" });
      const noCors = await curl("-X", "OPTIONS", "-H", "origin: https://app.example", `${many}/Calc/divide`);
      expect(noCors.status).toBe(405);
    });

    it("over HTTP/2 too", async () => {
      const r = await curl("--http2-prior-knowledge", "-d", '{"num1": 100, "num2": 7}', `${one}/Calc/divide`);
      expect(r.status).toBe(200);
      expect(r.json).toEqual({ result: 14.285714 });
    });

    it("Thrift calls still work on the same server, at the same path too", async () => {
      for (const url of [one, `${one}/Calc/divide`]) {
        const channel = createHttpChannel(url);
        try {
          expect(await createClient(Calc, channel).divide(100, 7)).toBe(Math.fround(100 / 7));
        } finally {
          await channel.close();
        }
      }
    });

    it("json: false leaves every request to Thrift", async () => {
      const r = await postJson(`${offUrl}/Calc/divide`, '{"num1": 1}');
      expect(r.status).toBe(400);
      expect(r.headers["content-type"]).toBe("text/plain; charset=utf-8");
      expect((await curl(`${offUrl}/Calc/divide?num1=1`)).status).toBe(405);
    });
  });
});

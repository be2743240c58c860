/**
 * Authentication interceptors: bearer tokens and shared secrets from the call's headers (in memory,
 * over HTTP and HTTPS, JSON calls included, and over THeader on TCP and TLS), mutual TLS identity (over
 * TLS, TLS with THeader and HTTPS, and in memory), in one chain. Every
 * refusal: a clear TApplicationException for the client, no handler run, a `call-refused` event for
 * the server's log, and nothing of the secret (or of what the client sent) in either.
 */
import fc from "fast-check";
import { describe, expect, test, vi } from "vitest";
import {
  bearerAuth,
  bearerToken,
  CallRefused,
  connect,
  constantTimeEqual,
  createClient,
  createHttpChannel,
  createHttpServer,
  createInMemoryChannel,
  createServer,
  requireClientCertificate,
  secretsEqual,
  sharedSecret,
  sharedSecretAuth,
  TApplicationException,
  TApplicationExceptionType,
  type CallContext,
  type PeerCertificate,
  type ServerEvent,
  type ServerInterceptor,
} from "../../runtime/index.js";
import { defaultLogger } from "../../runtime/rpc/logger.js";
import { Calc, type CalcHandler } from "../../generated/calc.js";
import { ThriftTest } from "../../interop/thrift-test/ThriftTest.v0.16-nouuid.js";
import { onCleanup } from "../runtime/helpers.js";
import { describeWith, openssl } from "../support/environment.js";
import { clientTls, connectTlsTo, pem, rejection, serverIdentity, startTls } from "./helpers.js";

const TOKEN = "s3cret-T0KEN-4f9a";
const WRONG = "guessed-t0ken-xyz";

/** A Calc handler that counts its calls, and the events of a server. */
function counted(): { handler: CalcHandler; calls: () => number; events: ServerEvent[]; logger: (e: ServerEvent) => void } {
  let calls = 0;
  const events: ServerEvent[] = [];
  return {
    handler: {
      divide(a, b) {
        calls++;
        return a / b;
      },
    },
    calls: () => calls,
    events,
    logger: (e) => events.push(e),
  };
}

/** Nothing the client sent as a credential, nor the secret, anywhere in `texts`. */
function expectNoSecrets(...texts: unknown[]): void {
  const all = JSON.stringify(texts, (_k, v: unknown) => (v instanceof Error ? { message: v.message, reason: (v as { reason?: unknown }).reason } : v));
  for (const secret of [TOKEN, WRONG, "s3cret", "guessed"]) expect(all).not.toContain(secret);
}

async function refusal(promise: Promise<unknown>): Promise<TApplicationException> {
  const { error } = await rejection(promise);
  expect(error).toBeInstanceOf(TApplicationException);
  expect((error as TApplicationException).type).toBe(TApplicationExceptionType.UNKNOWN);
  return error as TApplicationException;
}

describe("bearerAuth (in memory)", () => {
  function channel(interceptor: ServerInterceptor) {
    const c = counted();
    const channel = createInMemoryChannel(Calc, c.handler, { serverInterceptors: [interceptor], logger: c.logger });
    return { ...c, calc: createClient(Calc, channel) };
  }

  test("the right token passes; a wrong one, none, or one of another scheme is refused before the handler, and logged", async () => {
    const { calc, calls, events } = channel(bearerAuth({ token: TOKEN }));
    expect(await calc.divide(6, 3, { headers: { authorization: `Bearer ${TOKEN}` } })).toBe(2);
    expect(await calc.divide(6, 3, { headers: { authorization: `bearer   ${TOKEN} ` } })).toBe(2); // case and spaces as RFC 6750 allows
    const wrong = await refusal(calc.divide(1, 1, { headers: { authorization: `Bearer ${WRONG}` } }));
    const missing = await refusal(calc.divide(1, 1, { headers: { "x-other": "1" } }));
    const basic = await refusal(calc.divide(1, 1, { headers: { authorization: `Basic ${Buffer.from(`u:${WRONG}`).toString("base64")}` } }));
    const bare = await refusal(calc.divide(1, 1, { headers: { authorization: WRONG } }));
    expect([wrong, missing, basic, bare].map((e) => e.message)).toEqual([
      "unauthenticated: the credentials were not accepted",
      "unauthenticated: a bearer token is required (the Authorization header)",
      "unauthenticated: the Authorization header is not a Bearer token",
      "unauthenticated: the Authorization header is not a Bearer token",
    ]);
    expect(calls()).toBe(2);
    expect(events).toEqual([
      { kind: "call-refused", service: "Calc", method: "divide", peer: "in-memory", reason: "a bearer token that was not accepted" },
      { kind: "call-refused", service: "Calc", method: "divide", peer: "in-memory", reason: "no Authorization header" },
      { kind: "call-refused", service: "Calc", method: "divide", peer: "in-memory", reason: "the Authorization header is not a Bearer token" },
      { kind: "call-refused", service: "Calc", method: "divide", peer: "in-memory", reason: "the Authorization header is not a Bearer token" },
    ]);
    expectNoSecrets(events, wrong, missing, basic, bare);
  });

  test("a call with no headers at all is told apart in the log (framed and buffered TCP carry none)", async () => {
    const { calc, events } = channel(bearerAuth({ token: TOKEN }));
    await refusal(calc.divide(1, 1));
    expect(events).toMatchObject([{ reason: "no Authorization header (the call carried no headers at all: framed and buffered TCP cannot carry them, HTTP and THeader can)" }]);
  });

  test("tokens (rotation), verify (with the call's context), skip", async () => {
    const rotated = channel(bearerAuth({ tokens: ["old-one", "new-one"] }));
    expect(await rotated.calc.divide(4, 2, { headers: { authorization: "Bearer old-one" } })).toBe(2);
    expect(await rotated.calc.divide(4, 2, { headers: { authorization: "Bearer new-one" } })).toBe(2);
    await refusal(rotated.calc.divide(4, 2, { headers: { authorization: "Bearer older" } }));

    const seen: [string, string][] = [];
    const verified = channel(
      bearerAuth({
        verify: async (token, ctx: CallContext) => {
          seen.push([token, `${ctx.service}.${ctx.method}`]);
          return secretsEqual(token, "per-user-token");
        },
      }),
    );
    expect(await verified.calc.divide(9, 3, { headers: { authorization: "Bearer per-user-token" } })).toBe(3);
    await refusal(verified.calc.divide(9, 3, { headers: { authorization: "Bearer nope" } }));
    expect(seen).toEqual([
      ["per-user-token", "Calc.divide"],
      ["nope", "Calc.divide"],
    ]);

    const skipping = channel(bearerAuth({ token: TOKEN, skip: (call) => call.method.name === "divide" }));
    expect(await skipping.calc.divide(8, 2)).toBe(4);
  });

  test("a verify that throws is the server's fault: INTERNAL_ERROR, logged as a handler error", async () => {
    const { calc, calls, events } = channel(
      bearerAuth({
        verify: () => {
          throw new Error("the token store is down");
        },
      }),
    );
    const { error } = await rejection(calc.divide(1, 1, { headers: { authorization: `Bearer ${TOKEN}` } }));
    expect((error as TApplicationException).type).toBe(TApplicationExceptionType.INTERNAL_ERROR);
    expect(calls()).toBe(0);
    expect(events).toMatchObject([{ kind: "handler-error", error: { message: "the token store is down" } }]);
  });

  test("is refused without a token, and with empty ones", () => {
    expect(() => bearerAuth({})).toThrow("bearerAuth needs a token (or tokens, or verify)");
    expect(() => bearerAuth({ tokens: ["ok", ""] })).toThrow("bearerAuth: every token must be a non-empty string");
    expect(() => sharedSecretAuth({ secrets: [] })).toThrow("sharedSecretAuth needs a secret (or secrets)");
  });
});

describe("sharedSecretAuth, and the client interceptors", () => {
  test("the secret in X-Api-Key (or a header of one's own); the client sets it per channel, a call's own header wins", async () => {
    const c = counted();
    const server = createInMemoryChannel(Calc, c.handler, { serverInterceptors: [sharedSecretAuth({ secret: TOKEN })], logger: c.logger });
    expect(await createClient(Calc, server).divide(2, 1, { headers: { "x-api-key": TOKEN } })).toBe(2);
    const missing = await refusal(createClient(Calc, server).divide(2, 1));
    expect(missing.message).toBe("unauthenticated: a shared secret is required (the X-Api-Key header)");

    const custom = createInMemoryChannel(Calc, c.handler, {
      serverInterceptors: [sharedSecretAuth({ secret: TOKEN, header: "X-Cluster-Key" })],
      interceptors: [sharedSecret(TOKEN, "x-cluster-key")],
      logger: c.logger,
    });
    expect(await createClient(Calc, custom).divide(3, 1)).toBe(3);
    const overridden = await refusal(createClient(Calc, custom).divide(3, 1, { headers: { "x-cluster-key": WRONG } }));
    expect(overridden.message).toBe("unauthenticated: the credentials were not accepted");
    expectNoSecrets(c.events, missing, overridden);
  });

  test("bearerToken takes a token or a function giving one per call (a refreshed token)", async () => {
    let n = 0;
    const c = counted();
    const channel = createInMemoryChannel(Calc, c.handler, {
      serverInterceptors: [bearerAuth({ tokens: ["t1", "t2"] })],
      interceptors: [bearerToken(async () => `t${++n}`)],
    });
    const calc = createClient(Calc, channel);
    expect([await calc.divide(1, 1), await calc.divide(2, 1)]).toEqual([1, 2]);
    await refusal(calc.divide(3, 1)); // t3 is not accepted
    expect(n).toBe(3);
  });

  test("a CallRefused of one's own is logged with its reason, and the default logger prints it", async () => {
    const c = counted();
    const closed: ServerInterceptor = () => () => Promise.reject(new CallRefused("permission denied: closed for maintenance", "maintenance window"));
    const channel = createInMemoryChannel(Calc, c.handler, { serverInterceptors: [closed], logger: c.logger });
    const e = await refusal(createClient(Calc, channel).divide(1, 1));
    expect(e.message).toBe("permission denied: closed for maintenance");
    expect(c.events).toEqual([{ kind: "call-refused", service: "Calc", method: "divide", peer: "in-memory", reason: "maintenance window" }]);
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    onCleanup(() => spy.mockRestore());
    defaultLogger(c.events[0]!);
    expect(spy).toHaveBeenCalledWith("rpcgen server: call to Calc.divide from in-memory refused: maintenance window");
  });
});

describe("requireClientCertificate (in memory, with a certificate given as if over mutual TLS)", () => {
  const certificate = (over: Partial<PeerCertificate> = {}): PeerCertificate => ({
    authorized: true,
    subject: { CN: "billing" },
    commonName: "billing",
    issuer: { CN: "ca" },
    subjectAltNames: ["URI:spiffe://example/billing"],
    fingerprint256: "AA:BB",
    serialNumber: "01",
    validFrom: new Date(0),
    validTo: new Date(8.64e15),
    ...over,
  });

  test("none, unverified, or not allowed: refused with what the client may know; the log says who", async () => {
    const allow = (cert: PeerCertificate) => cert.subjectAltNames.includes("URI:spiffe://example/billing");
    const cases: [PeerCertificate | undefined, string | undefined, string | undefined][] = [
      [certificate(), undefined, undefined],
      [undefined, "unauthenticated: a client certificate is required", "no client certificate"],
      [
        certificate({ authorized: false, authorizationError: "CERT_HAS_EXPIRED" }),
        "unauthenticated: the client certificate was not accepted",
        "client certificate CN=billing (SHA-256 AA:BB) did not verify (CERT_HAS_EXPIRED)",
      ],
      [
        certificate({ commonName: "intruder", subjectAltNames: [] }),
        "permission denied: this client may not call Calc.divide",
        "client certificate CN=intruder (SHA-256 AA:BB) is not allowed",
      ],
    ];
    for (const [peerCertificate, message, reason] of cases) {
      const c = counted();
      const channel = createInMemoryChannel(Calc, c.handler, { serverInterceptors: [requireClientCertificate({ allow })], logger: c.logger, peerCertificate });
      const calc = createClient(Calc, channel);
      if (message === undefined) {
        expect(await calc.divide(4, 4)).toBe(1);
        continue;
      }
      expect((await refusal(calc.divide(4, 4))).message).toBe(message);
      expect(c.calls()).toBe(0);
      expect(c.events).toEqual([{ kind: "call-refused", service: "Calc", method: "divide", peer: "in-memory", reason }]);
    }
  });
});

describe("constant-time comparison", () => {
  test("constantTimeEqual is byte equality", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.uint8Array({ maxLength: 64 }), (a, b) => {
        expect(constantTimeEqual(a, b)).toBe(Buffer.from(a).equals(Buffer.from(b)));
        expect(constantTimeEqual(a, Uint8Array.from(a))).toBe(true);
      }),
    );
    // A difference in the last byte only is found too (the loop does not stop early, or miss the end).
    const a = new Uint8Array(32).fill(7);
    const b = Uint8Array.from(a);
    b[31] = 8;
    expect(constantTimeEqual(a, b)).toBe(false);
  });

  test("secretsEqual is string equality, whatever the lengths and characters", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "binary", maxLength: 40 }), async (a, b) => {
        expect(await secretsEqual(a, b)).toBe(a === b);
        expect(await secretsEqual(a, a)).toBe(true);
      }),
      { numRuns: 100 },
    );
    expect(await secretsEqual("token", "token\u0000")).toBe(false);
    expect(await secretsEqual("é", "e\u0301")).toBe(false); // no normalisation: bytes decide
  });
});

describe("over HTTP", () => {
  test("per channel (headers option, or the interceptor) and per call; refusals are Thrift exceptions, status 200; oneway refusals are logged", async () => {
    const c = counted();
    let oneways = 0;
    const server = createHttpServer(
      { Calc: { descriptor: Calc, handler: c.handler }, ThriftTest: { descriptor: ThriftTest, handler: { testOneway: () => void oneways++ } } },
      { interceptors: [bearerAuth({ token: TOKEN })], logger: c.logger, defaultService: "Calc" },
    );
    onCleanup(() => server.destroy());
    const address = await server.listen(0, "127.0.0.1");
    const url = `http://127.0.0.1:${"port" in address ? address.port : 0}/`;
    const withHeader = createHttpChannel(url, { headers: { authorization: `Bearer ${TOKEN}` } });
    const withInterceptor = createHttpChannel(url, { interceptors: [bearerToken(TOKEN)] });
    const without = createHttpChannel(url, { multiplexed: true });
    onCleanup(() => Promise.all([withHeader.close(), withInterceptor.close(), without.close()]));
    expect(await createClient(Calc, withHeader).divide(10, 5)).toBe(2);
    expect(await createClient(Calc, withInterceptor).divide(10, 2)).toBe(5);
    expect(await createClient(Calc, without).divide(10, 1, { headers: { authorization: `Bearer ${TOKEN}` } })).toBe(10);
    const refused = await refusal(createClient(Calc, without).divide(1, 1));
    expect(refused.message).toBe("unauthenticated: a bearer token is required (the Authorization header)");
    const wrong = await refusal(createClient(Calc, withHeader).divide(1, 1, { headers: { authorization: `Bearer ${WRONG}` } }));
    expect(wrong.message).toBe("unauthenticated: the credentials were not accepted");
    await createClient(ThriftTest, without).testOneway(0); // answered before the handler would run
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(oneways).toBe(0);
    expect(c.calls()).toBe(3);
    expect(c.events.map((e) => (e.kind === "call-refused" ? [e.method, e.reason, e.peer] : e.kind))).toEqual([
      ["divide", "no Authorization header", expect.stringMatching(/^127\.0\.0\.1:\d+$/)],
      ["divide", "a bearer token that was not accepted", expect.stringMatching(/^127\.0\.0\.1:\d+$/)],
      ["testOneway", "no Authorization header", expect.stringMatching(/^127\.0\.0\.1:\d+$/)],
    ]);
    expectNoSecrets(c.events, refused, wrong);
  });
});

describe("over HTTP: JSON calls", () => {
  test("a refused JSON call is a 403 with the refusal's message, logged as call-refused; with the token it is answered", async () => {
    const c = counted();
    const server = createHttpServer(Calc, c.handler, { interceptors: [bearerAuth({ token: TOKEN })], logger: c.logger });
    onCleanup(() => server.destroy());
    const address = await server.listen(0, "127.0.0.1");
    const url = `http://127.0.0.1:${"port" in address ? address.port : 0}/Calc/divide`;
    const post = (headers: Record<string, string>) =>
      fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify({ num1: 9, num2: 3 }) });
    const ok = await post({ authorization: `Bearer ${TOKEN}` });
    expect([ok.status, await ok.json()]).toEqual([200, { result: 3 }]);
    const none = await post({});
    expect([none.status, await none.json()]).toEqual([403, { error: "forbidden", message: "unauthenticated: a bearer token is required (the Authorization header)" }]);
    const wrong = await post({ authorization: `Bearer ${WRONG}` });
    const wrongBody = await wrong.json();
    expect([wrong.status, wrongBody]).toEqual([403, { error: "forbidden", message: "unauthenticated: the credentials were not accepted" }]);
    expect(c.calls()).toBe(1);
    expect(c.events.map((e) => (e.kind === "call-refused" ? [e.service, e.method, e.reason, e.peer] : e.kind))).toEqual([
      ["Calc", "divide", "no Authorization header", expect.stringMatching(/^127\.0\.0\.1:\d+$/)],
      ["Calc", "divide", "a bearer token that was not accepted", expect.stringMatching(/^127\.0\.0\.1:\d+$/)],
    ]);
    expectNoSecrets(c.events, wrongBody);
  });
});

describe("over THeader (TCP)", () => {
  test("the token travels in the call's THeader headers, whatever the case of its name; framed clients of the same server carry none", async () => {
    const c = counted();
    const server = createServer(Calc, c.handler, { transport: "header", interceptors: [bearerAuth({ token: TOKEN })], logger: c.logger });
    onCleanup(() => server.destroy());
    const address = await server.listen(0, "127.0.0.1");
    const target = { host: "127.0.0.1", port: "port" in address ? address.port : 0 };
    const header = await connect(target, { transport: "header", reconnect: false, interceptors: [bearerToken(TOKEN)] });
    const bare = await connect(target, { transport: "header", reconnect: false });
    const framed = await connect(target, { transport: "framed", reconnect: false, interceptors: [bearerToken(TOKEN)] });
    onCleanup(() => Promise.all([header.close(), bare.close(), framed.close()]));
    expect(await createClient(Calc, header).divide(12, 4)).toBe(3);
    // THeader sends names lower-cased (they are Headers); the interceptor finds the token either way.
    expect(await createClient(Calc, bare).divide(12, 3, { headers: [["Authorization", `Bearer ${TOKEN}`]] })).toBe(4);
    expect((await refusal(createClient(Calc, bare).divide(1, 1))).message).toBe("unauthenticated: a bearer token is required (the Authorization header)");
    expect((await refusal(createClient(Calc, bare).divide(1, 1, { headers: { authorization: `Bearer ${WRONG}` } }))).message).toBe(
      "unauthenticated: the credentials were not accepted",
    );
    // The header server answers a framed client in kind, and a framed call has no headers to carry the token.
    expect((await refusal(createClient(Calc, framed).divide(1, 1))).message).toBe("unauthenticated: a bearer token is required (the Authorization header)");
    expect(c.calls()).toBe(2);
    expect(c.events.map((e) => (e.kind === "call-refused" ? e.reason : e.kind))).toEqual([
      "no Authorization header",
      "a bearer token that was not accepted",
      expect.stringContaining("framed and buffered TCP cannot carry them"),
    ]);
    expectNoSecrets(c.events);
  });
});

describeWith([openssl])("over TLS: mutual TLS identity and tokens in one chain", () => {
  test("TCP: requireClientCertificate with allow; a token interceptor on framed TCP refuses (no headers there)", async () => {
    const allowOnlyTestClient = requireClientCertificate({ allow: (cert) => cert.subjectAltNames.includes("URI:spiffe://rpcgen.test/client") });
    const { target, events, calls } = await startTls({
      tls: { ...serverIdentity(), ca: pem((k) => k.ca), clientCertificate: "request" },
      interceptors: [allowOnlyTestClient],
    });
    const good = await connectTlsTo(target, { tls: clientTls(true) });
    expect(await createClient(Calc, good).divide(8, 4)).toBe(2);
    const none = await connectTlsTo(target, { tls: clientTls() });
    expect((await refusal(createClient(Calc, none).divide(1, 1))).message).toBe("unauthenticated: a client certificate is required");
    const expired = await connectTlsTo(target, { tls: { ...clientTls(), key: pem((k) => k.expiredClientKey), cert: pem((k) => k.expiredClientCert) } });
    expect((await refusal(createClient(Calc, expired).divide(1, 1))).message).toBe("unauthenticated: the client certificate was not accepted");
    const untrusted = await connectTlsTo(target, { tls: { ...clientTls(), key: pem((k) => k.untrustedClientKey), cert: pem((k) => k.untrustedClientCert) } });
    expect((await refusal(createClient(Calc, untrusted).divide(1, 1))).message).toBe("unauthenticated: the client certificate was not accepted");
    expect(calls()).toBe(1);
    expect(events.map((e) => (e.kind === "call-refused" ? e.reason : e.kind))).toEqual([
      "no client certificate",
      expect.stringMatching(/^client certificate CN=rpcgen expired client \(SHA-256 [0-9A-F:]+\) did not verify \(CERT_HAS_EXPIRED\)$/),
      expect.stringMatching(/^client certificate CN=untrusted client \(SHA-256 [0-9A-F:]+\) did not verify \(UNABLE_TO_VERIFY_LEAF_SIGNATURE\)$/),
    ]);

    const tokens = await startTls({ interceptors: [bearerAuth({ token: TOKEN })] });
    const framed = await connectTlsTo(tokens.target, { tls: clientTls(), interceptors: [bearerToken(TOKEN)] });
    await refusal(createClient(Calc, framed).divide(1, 1));
    expect(tokens.events).toMatchObject([{ kind: "call-refused", reason: expect.stringContaining("framed and buffered TCP cannot carry them") }]);
  });

  test("TLS with THeader: the client's certificate in ctx and the token in the call's headers, in one chain", async () => {
    const seenHeaders: (string | null)[] = [];
    const { target, events, seen, calls } = await startTls({
      tls: { ...serverIdentity(), ca: pem((k) => k.ca), clientCertificate: "request" },
      transport: "header",
      interceptors: [requireClientCertificate(), bearerAuth({ token: TOKEN })],
      handler: {
        divide(a, b, ctx) {
          seenHeaders.push(ctx.requestHeaders.get("x-trace"));
          return a / b;
        },
      },
    });
    const both = await connectTlsTo(target, { tls: clientTls(true), transport: "header", interceptors: [bearerToken(TOKEN)] });
    expect(await createClient(Calc, both).divide(8, 2, { headers: { "X-Trace": "t1" } })).toBe(4);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({ authorized: true, subjectAltNames: expect.arrayContaining(["URI:spiffe://rpcgen.test/client"]) });
    expect(seenHeaders).toEqual(["t1"]);
    const certOnly = await connectTlsTo(target, { tls: clientTls(true), transport: "header" });
    expect((await refusal(createClient(Calc, certOnly).divide(1, 1))).message).toBe("unauthenticated: a bearer token is required (the Authorization header)");
    const tokenOnly = await connectTlsTo(target, { tls: clientTls(), transport: "header", interceptors: [bearerToken(TOKEN)] });
    expect((await refusal(createClient(Calc, tokenOnly).divide(1, 1))).message).toBe("unauthenticated: a client certificate is required");
    // Over framed TLS the same server takes the certificate but sees no token.
    const framed = await connectTlsTo(target, { tls: clientTls(true), interceptors: [bearerToken(TOKEN)] });
    expect((await refusal(createClient(Calc, framed).divide(1, 1))).message).toBe("unauthenticated: a bearer token is required (the Authorization header)");
    expect(calls()).toBe(1);
    expect(events.map((e) => (e.kind === "call-refused" ? e.reason : e.kind))).toEqual([
      "no Authorization header",
      "no client certificate",
      expect.stringContaining("framed and buffered TCP cannot carry them"),
    ]);
    expectNoSecrets(events);
  });

  test("HTTPS: certificate then token, in one chain; each refusal says which", async () => {
    const c = counted();
    const server = createHttpServer(Calc, c.handler, {
      tls: { ...serverIdentity(), ca: pem((k) => k.ca), clientCertificate: "request" },
      interceptors: [requireClientCertificate(), bearerAuth({ token: TOKEN })],
      logger: c.logger,
    });
    onCleanup(() => server.destroy());
    const address = await server.listen(0, "127.0.0.1");
    const url = `https://127.0.0.1:${"port" in address ? address.port : 0}/`;
    const both = createHttpChannel(url, { tls: clientTls(true), interceptors: [bearerToken(TOKEN)] });
    const certOnly = createHttpChannel(url, { tls: clientTls(true), httpVersion: "2" });
    const tokenOnly = createHttpChannel(url, { tls: clientTls(), interceptors: [bearerToken(TOKEN)] });
    onCleanup(() => Promise.all([both.close(), certOnly.close(), tokenOnly.close()]));
    expect(await createClient(Calc, both).divide(6, 2)).toBe(3);
    expect((await refusal(createClient(Calc, certOnly).divide(1, 1))).message).toBe("unauthenticated: a bearer token is required (the Authorization header)");
    expect((await refusal(createClient(Calc, tokenOnly).divide(1, 1))).message).toBe("unauthenticated: a client certificate is required");
    expect(c.calls()).toBe(1);
    expect(c.events.map((e) => (e.kind === "call-refused" ? e.reason : e.kind))).toEqual(["no Authorization header", "no client certificate"]);
    expectNoSecrets(c.events);
  });
});

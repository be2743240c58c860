/**
 * Thrift over TLS on TCP (and Unix sockets): round trips in every protocol and framing, the server's
 * certificate verified by default (and each way that fails, with a message naming the host and the
 * problem), the unsafe opt-out, mutual TLS with the client's certificate in `ctx`, handshake failures
 * logged on the server, and plain-TCP and TLS peers that meet failing fast and saying so.
 */
import { connect as netConnect } from "node:net";
import { describe, expect, test } from "vitest";
import {
  BinaryProtocol,
  CompactProtocol,
  connect,
  createClient,
  createTlsConnection,
  createTlsServer,
  JSONProtocol,
  TApplicationException,
  TLS_REQUIRED_MESSAGE,
  TTransportException,
  TTransportExceptionType,
  type TlsClientOptions,
} from "../../runtime/index.js";
import { Calc } from "../../generated/calc.js";
import { onCleanup, socketPath, startCalc, within } from "../runtime/helpers.js";
import { describeWith, openssl } from "../support/environment.js";
import { clientTls, connectionErrors, connectTlsTo, eventually, pem, rejection, serverIdentity, startTls } from "./helpers.js";

/** Bounded well under the connect timeout (10 s by default): failures must not wait for it. */
const FAST_MS = 2000;

describeWith([openssl])("TLS over TCP", () => {
  describe("round trips", () => {
    test.each([
      ["binary", "framed"],
      ["binary", "buffered"],
      ["compact", "framed"],
      ["compact", "buffered"],
      ["json", "framed"],
      ["json", "buffered"],
    ] as const)("%s/%s", async (protocolName, transport) => {
      const protocol = { binary: BinaryProtocol, compact: CompactProtocol, json: JSONProtocol }[protocolName];
      const { target, seen } = await startTls({ protocol, transport });
      const connection = await connectTlsTo(target, { protocol, transport, tls: clientTls() });
      const calc = createClient(Calc, connection);
      expect(await Promise.all([calc.divide(10, 4), calc.divide(9, 3), calc.divide(1, 8)])).toEqual([2.5, 3, 0.125]);
      expect(seen).toEqual([undefined, undefined, undefined]); // no client certificate asked for
    });

    test("to `localhost` (verified against the DNS name) and over a Unix socket (against servername)", async () => {
      const { port } = await startTls();
      const byName = await connectTlsTo({ host: "localhost", port }, { tls: clientTls() });
      expect(await createClient(Calc, byName).divide(6, 2)).toBe(3);
      const path = socketPath("tls");
      const { target } = await startTls({ path });
      const overUnix = await connectTlsTo(target, { tls: clientTls() });
      expect(await createClient(Calc, overUnix).divide(8, 2)).toBe(4);
    });

    test("a lost connection is opened again, with a new handshake", async () => {
      const { target, server } = await startTls();
      const connection = createTlsConnection(target, { tls: clientTls(), reconnect: { initialDelayMs: 10 } });
      onCleanup(() => connection.destroy());
      const calc = createClient(Calc, connection);
      expect(await calc.divide(4, 2)).toBe(2);
      for (const c of (server as unknown as { connections: Set<{ kill(r: unknown): void }> }).connections) c.kill(new Error("cut"));
      await eventually(() => !connection.isConnected);
      expect(await calc.divide(9, 3)).toBe(3);
    });

    test("passes Node's options through: minVersion, ciphers, servername", async () => {
      const { target, port } = await startTls({ tls: { ...serverIdentity(), minVersion: "TLSv1.3" } });
      const tls12 = await rejection(connectTlsTo(target, { tls: { ...clientTls(), maxVersion: "TLSv1.2" } }));
      expect(tls12.error.message).toBe(`TLS handshake with 127.0.0.1:${port} failed: no TLS version both sides accept (minVersion, maxVersion)`);
      const { target: t12 } = await startTls({ tls: { ...serverIdentity(), maxVersion: "TLSv1.2", ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256" } });
      const ok = await connectTlsTo(t12, { tls: { ...clientTls(), servername: "localhost", ciphers: "ECDHE-ECDSA-AES128-GCM-SHA256" } });
      expect(await createClient(Calc, ok).divide(1, 4)).toBe(0.25);
    });
  });

  describe("the server's certificate is verified", () => {
    async function refused(tls: TlsClientOptions, serverTls = serverIdentity(), host = "127.0.0.1"): Promise<{ error: Error; ms: number; port: number }> {
      const { port } = await startTls({ tls: serverTls });
      const r = await rejection(connectTlsTo({ host, port }, { tls }));
      expect(r.error).toBeInstanceOf(TTransportException);
      expect((r.error as TTransportException).type).toBe(TTransportExceptionType.NOT_OPEN);
      expect(r.ms).toBeLessThan(FAST_MS);
      return { ...r, port };
    }

    test("a certificate for another host: named, and the host it is not valid for", async () => {
      const other = { key: pem((k) => k.otherHostKey), cert: pem((k) => k.otherHostCert) };
      const byName = await refused({ ...clientTls(), servername: "localhost" }, other);
      expect(byName.error.message).toBe(`TLS handshake with 127.0.0.1:${byName.port} failed: the server's certificate (for DNS:other.example) is not valid for 'localhost'`);
      const byIp = await refused(clientTls(), other);
      expect(byIp.error.message).toBe(`TLS handshake with 127.0.0.1:${byIp.port} failed: the server's certificate (for DNS:other.example) is not valid for '127.0.0.1'`);
    });

    test("a certificate from a CA that is not trusted, and one checked against Node's bundled CAs", async () => {
      const untrusted = { key: pem((k) => k.untrustedServerKey), cert: pem((k) => k.untrustedServerCert) };
      const r = await refused(clientTls(), untrusted);
      expect(r.error.message).toBe(
        `TLS handshake with 127.0.0.1:${r.port} failed: the server's certificate is not accepted: it is not signed by a trusted CA (give the CA that signed it as tls.ca)`,
      );
      const noCa = await refused({});
      expect(noCa.error.message).toMatch(/failed: the server's certificate is not accepted: it is not signed by a trusted CA/);
      const noOptions = await rejection(connectTlsTo({ host: "127.0.0.1", port: noCa.port }, {}));
      expect(noOptions.error.message).toBe(noCa.error.message);
    });

    test("an expired certificate", async () => {
      const r = await refused(clientTls(), { key: pem((k) => k.expiredServerKey), cert: pem((k) => k.expiredServerCert) });
      expect(r.error.message).toBe(`TLS handshake with 127.0.0.1:${r.port} failed: the server's certificate is not accepted: it has expired`);
      expect((r.error.cause as { code?: string }).code).toBe("CERT_HAS_EXPIRED"); // Node's error, as the cause
    });

    test("NODE_TLS_REJECT_UNAUTHORIZED=0 does not turn verification off", async () => {
      const before = process.env["NODE_TLS_REJECT_UNAUTHORIZED"];
      process.env["NODE_TLS_REJECT_UNAUTHORIZED"] = "0";
      onCleanup(() => {
        if (before === undefined) delete process.env["NODE_TLS_REJECT_UNAUTHORIZED"];
        else process.env["NODE_TLS_REJECT_UNAUTHORIZED"] = before;
      });
      const r = await refused({});
      expect(r.error.message).toMatch(/not signed by a trusted CA/);
    });

    test("the opt-out is explicit (insecureSkipVerify), warned about once per target; rejectUnauthorized is refused", async () => {
      const { target, port } = await startTls({ tls: { key: pem((k) => k.untrustedServerKey), cert: pem((k) => k.untrustedServerCert) } });
      const warnings: Error[] = [];
      const onWarning = (w: Error): void => void warnings.push(w);
      process.on("warning", onWarning);
      onCleanup(() => process.off("warning", onWarning));
      const a = await connectTlsTo(target, { tls: { insecureSkipVerify: true } });
      const b = await connectTlsTo(target, { tls: { insecureSkipVerify: true } });
      expect(await createClient(Calc, a).divide(3, 1)).toBe(3);
      expect(await createClient(Calc, b).divide(3, 3)).toBe(1);
      await eventually(() => warnings.length > 0);
      expect(warnings.map((w) => [(w as { code?: string }).code, w.message])).toEqual([
        ["RPCGEN_INSECURE_TLS", `TLS certificate verification is off for 127.0.0.1:${port} (insecureSkipVerify): anyone on the path can pose as the server`],
      ]);
      expect(() => createTlsConnection(target, { tls: { rejectUnauthorized: false } as TlsClientOptions })).toThrow(
        "tls.rejectUnauthorized is not taken: to accept any certificate (unsafe), say tls: { insecureSkipVerify: true }",
      );
    });

    test("the server logs the client's refusal as a failed handshake", async () => {
      const { target, events } = await startTls({ tls: { key: pem((k) => k.untrustedServerKey), cert: pem((k) => k.untrustedServerCert) } });
      await rejection(connectTlsTo(target, { tls: clientTls() }));
      await eventually(() => events.length > 0);
      expect(events).toMatchObject([{ kind: "connection-error", peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/) }]);
      expect(connectionErrors(events)).toEqual(["TLS handshake failed: the client closed the connection during the handshake (does it trust this server's certificate?)"]);
    });
  });

  describe("mutual TLS", () => {
    const mtls = (mode: "request" | "require") => ({ tls: { ...serverIdentity(), ca: pem((k) => k.ca), clientCertificate: mode } });

    test("the verified client certificate is in ctx: subject, SANs, fingerprint, issuer, validity", async () => {
      const { target, seen } = await startTls(mtls("require"));
      const connection = await connectTlsTo(target, { tls: clientTls(true) });
      expect(await createClient(Calc, connection).divide(5, 5)).toBe(1);
      const cert = seen[0]!;
      expect(cert).toMatchObject({
        authorized: true,
        commonName: "rpcgen test client",
        subject: { O: "rpcgen", CN: "rpcgen test client" },
        issuer: { O: "rpcgen", CN: "rpcgen test CA" },
        subjectAltNames: ["DNS:client.rpcgen.test", "URI:spiffe://rpcgen.test/client"],
        fingerprint256: expect.stringMatching(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/),
        serialNumber: expect.stringMatching(/^[0-9A-F]+$/),
      });
      expect(cert.authorizationError).toBeUndefined();
      expect(cert.validFrom.getTime()).toBeLessThan(Date.now());
      expect(cert.validTo.getTime()).toBeGreaterThan(Date.now());
      // The same fingerprint openssl computes.
      const { X509Certificate } = await import("node:crypto");
      expect(cert.fingerprint256).toBe(new X509Certificate(pem((k) => k.clientCert)).fingerprint256);
    });

    test("required, and none presented: both sides say so, fast, and no handler runs", async () => {
      const { target, port, events, calls } = await startTls(mtls("require"));
      const connection = createTlsConnection(target, { tls: clientTls(), reconnect: false });
      onCleanup(() => connection.destroy());
      const t0 = performance.now();
      // TLS 1.3: the client's part of the handshake completes; the server's alert fails the first call.
      const r = await rejection(createClient(Calc, connection).divide(1, 1));
      expect(performance.now() - t0).toBeLessThan(FAST_MS);
      expect(r.error.message).toBe(
        `connection to 127.0.0.1:${port} lost: TLS: the server requires a client certificate, and none was given (tls.cert and tls.key)`,
      );
      const tls12 = await rejection(connectTlsTo(target, { tls: { ...clientTls(), maxVersion: "TLSv1.2" } }));
      expect(tls12.error.message).toMatch(/failed: the server refused the handshake: it may require a client certificate \(tls\.cert and tls\.key\)/);
      await eventually(() => events.length >= 2);
      expect(connectionErrors(events)).toEqual([
        "TLS handshake failed: the client presented no certificate, and this server requires one",
        "TLS handshake failed: the client presented no certificate, and this server requires one",
      ]);
      expect(calls()).toBe(0);
    });

    test("required: an expired or untrusted client certificate is refused at the handshake, and logged with the reason", async () => {
      const { target, port, events, calls } = await startTls(mtls("require"));
      for (const [key, cert] of [
        [pem((k) => k.expiredClientKey), pem((k) => k.expiredClientCert)],
        [pem((k) => k.untrustedClientKey), pem((k) => k.untrustedClientCert)],
      ]) {
        const connection = createTlsConnection(target, { tls: { ...clientTls(), key, cert }, reconnect: false });
        onCleanup(() => connection.destroy());
        const r = await rejection(createClient(Calc, connection).divide(1, 1));
        expect(r.ms).toBeLessThan(FAST_MS);
        expect(r.error.message).toBe(
          `connection to 127.0.0.1:${port} closed by the server before any reply: a server that refuses the client's certificate after the TLS 1.3 handshake closes like this (its log says why)`,
        );
      }
      await eventually(() => events.length >= 2);
      expect(connectionErrors(events)).toEqual([
        "TLS handshake failed: the client's certificate was refused: it has expired (CERT_HAS_EXPIRED)",
        "TLS handshake failed: the client's certificate was refused: it is not signed by a trusted CA (UNABLE_TO_VERIFY_LEAF_SIGNATURE)",
      ]);
      expect(calls()).toBe(0);
    });

    test("requested: clients without a certificate, or with one that does not verify, get through, marked", async () => {
      const { target, seen } = await startTls(mtls("request"));
      const none = await connectTlsTo(target, { tls: clientTls() });
      await createClient(Calc, none).divide(1, 1);
      const expired = await connectTlsTo(target, { tls: { ...clientTls(), key: pem((k) => k.expiredClientKey), cert: pem((k) => k.expiredClientCert) } });
      await createClient(Calc, expired).divide(1, 1);
      const good = await connectTlsTo(target, { tls: clientTls(true) });
      await createClient(Calc, good).divide(1, 1);
      expect(seen.map((c) => c && { cn: c.commonName, authorized: c.authorized, error: c.authorizationError })).toEqual([
        undefined,
        { cn: "rpcgen expired client", authorized: false, error: "CERT_HAS_EXPIRED" },
        { cn: "rpcgen test client", authorized: true, error: undefined },
      ]);
    });

    test("Node's requestCert / rejectUnauthorized are refused in favour of clientCertificate", () => {
      expect(() => createTlsServer(Calc, { divide: () => 1 }, { tls: { ...serverIdentity(), requestCert: true } as never })).toThrow(
        `tls.requestCert is not taken: say tls: { clientCertificate: "require" } (or "request", or "none")`,
      );
      expect(() => createTlsServer(Calc, { divide: () => 1 }, { tls: { ...serverIdentity(), clientCertificate: "always" } as never })).toThrow(
        `tls.clientCertificate must be "none", "request", "require" (got always)`,
      );
      expect(() => createTlsServer(Calc, { divide: () => 1 }, {} as never)).toThrow("createTlsServer needs options.tls");
    });
  });

  describe("plain TCP and TLS that meet fail fast, and say why", () => {
    test("a plain client on a TLS port: its call is answered with an error saying to use TLS; the server logs it", async () => {
      const { target, events, calls } = await startTls();
      const plain = await connect(target, { reconnect: false });
      onCleanup(() => plain.destroy());
      const r = await rejection(within(FAST_MS, createClient(Calc, plain).divide(1, 1), "the plain call"));
      expect(r.error).toBeInstanceOf(TApplicationException);
      expect(r.error.message).toBe(TLS_REQUIRED_MESSAGE);
      expect(TLS_REQUIRED_MESSAGE).toBe("this port serves Thrift over TLS: connect with TLS");
      expect(calls()).toBe(0);
      expect(connectionErrors(events)).toEqual(["a client that does not speak TLS connected to this TLS port (its first call is answered with an error saying so)"]);
      // The connection is closed after that answer.
      await eventually(() => !plain.isConnected);
    });

    test("a TLS client on a plain port fails its handshake at once, naming the likely cause", async () => {
      const { target, events } = await startCalc();
      const r = await rejection(connectTlsTo(target, { tls: clientTls() }));
      expect(r.ms).toBeLessThan(FAST_MS);
      expect(r.error.message).toBe(
        `TLS handshake with 127.0.0.1:${(target as { port: number }).port} failed: the server closed the connection during the handshake (does it serve TLS on this port?)`,
      );
      // The plain server saw a ClientHello where a frame length belongs.
      await eventually(() => events.length > 0);
      expect(events[0]!.kind).toBe("connection-error");
    });

    test("port probes and silent connections are not logged; a stalled handshake is cut and logged", async () => {
      const { target, events, server } = await startTls({ tls: { ...serverIdentity(), handshakeTimeout: 300 } });
      const port = (target as { port: number }).port;
      // A probe: connect, close.
      await new Promise<void>((resolve) => netConnect(port, "127.0.0.1", function (this: import("node:net").Socket) {
        this.destroy();
        resolve();
      }));
      // Silent: never sends a byte; cut after the handshake timeout.
      const silent = netConnect(port, "127.0.0.1");
      silent.on("error", () => {});
      const silentClosed = new Promise<void>((resolve) => silent.once("close", () => resolve()));
      // Stalled: starts a TLS record, never finishes it.
      const stalled = netConnect(port, "127.0.0.1", () => stalled.write(Buffer.from([0x16, 0x03, 0x01])));
      stalled.on("error", () => {});
      const stalledClosed = new Promise<void>((resolve) => stalled.once("close", () => resolve()));
      await within(FAST_MS, Promise.all([silentClosed, stalledClosed]), "the timeouts");
      expect(connectionErrors(events)).toEqual(["TLS handshake failed: the client did not complete the TLS handshake within 300 ms"]);
      expect(server.connectionCount).toBe(0);
    });

    test("handshakes in progress are bounded by maxConnections: the oldest is cut for a new connection, and clients are served", async () => {
      // Stalled handshakes (a TLS record started, never finished) cost the server OpenSSL's state each;
      // without a bound they were all held until the handshake timeout (10 s by default).
      const { target, events } = await startTls({ maxConnections: 4 });
      const port = (target as { port: number }).port;
      const stalled = await stallHandshakes(port, 8);
      await eventually(() => stalled.slice(0, 4).every((c) => c.is), FAST_MS);
      expect(stalled.slice(4).map((c) => c.is)).toEqual([false, false, false, false]);
      const rejected = events.filter((e) => e.kind === "connection-rejected");
      expect(rejected.length).toBe(4);
      expect(rejected[0]).toMatchObject({ reason: "closed to admit a new connection: 4 connections are in their TLS handshake, and this one was the oldest" });
      // A real client still gets in (cutting the oldest stalled handshake in turn).
      const connection = await connectTlsTo(target, { tls: clientTls() });
      expect(await createClient(Calc, connection).divide(9, 3)).toBe(3);
    });

    test("tls.maxHandshakes bounds handshakes in progress below maxConnections; a bound under 1 is refused", async () => {
      const { target, events } = await startTls({ tls: { ...serverIdentity(), maxHandshakes: 2 } });
      const port = (target as { port: number }).port;
      const stalled = await stallHandshakes(port, 4);
      await eventually(() => stalled.slice(0, 2).every((c) => c.is), FAST_MS);
      expect(stalled.slice(2).map((c) => c.is)).toEqual([false, false]);
      expect(events.filter((e) => e.kind === "connection-rejected")[0]).toMatchObject({
        reason: "closed to admit a new connection: 2 connections are in their TLS handshake, and this one was the oldest",
      });
      expect(() => createTlsServer(Calc, { divide: () => 1 }, { tls: { ...serverIdentity(), maxHandshakes: 0 } })).toThrow("tls.maxHandshakes must be at least 1 (got 0)");
    });

    test("close() does not wait for handshakes in progress", async () => {
      const { target, server } = await startTls();
      const stalled = netConnect((target as { port: number }).port, "127.0.0.1", () => stalled.write(Buffer.from([0x16, 0x03, 0x01])));
      stalled.on("error", () => {});
      const closed = new Promise<void>((resolve) => stalled.once("close", () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 50));
      const t0 = performance.now();
      await server.close();
      expect(performance.now() - t0).toBeLessThan(500);
      await closed;
    });

  });
});

/** Opens `count` connections that start a TLS record and never finish it, one after another (each seen by the server in turn); whether each has been closed. */
async function stallHandshakes(port: number, count: number): Promise<{ is: boolean }[]> {
  const stalled: { is: boolean }[] = [];
  for (let i = 0; i < count; i++) {
    const socket = netConnect(port, "127.0.0.1", () => socket.write(Buffer.from([0x16, 0x03, 0x01])));
    socket.on("error", () => {});
    const closed = { is: false };
    socket.once("close", () => (closed.is = true));
    onCleanup(() => socket.destroy());
    stalled.push(closed);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return stalled;
}

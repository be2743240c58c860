/**
 * Thrift over HTTPS: the HTTP server's `tls` and the node:http / node:http2 client's, over HTTP/1.1
 * and HTTP/2 (ALPN): round trips, the server verified by default and each way that fails with a
 * message naming the URL and the problem, mutual TLS with the client's certificate in `ctx`, and
 * plain HTTP and HTTPS that meet failing fast and saying so.
 */
import { request as httpRequest } from "node:http";
import { describe, expect, test } from "vitest";
import {
  createClient,
  createHttpChannel,
  createHttpServer,
  HttpError,
  TTransportException,
  TTransportExceptionType,
  type HttpServerOptions,
  type PeerCertificate,
  type ServerEvent,
  type TlsClientOptions,
} from "../../runtime/index.js";
import { Calc } from "../../generated/calc.js";
import { calcHandler } from "../http/helpers.js";
import { onCleanup } from "../runtime/helpers.js";
import { describeWith, openssl } from "../support/environment.js";
import { clientTls, connectionErrors, eventually, pem, rejection, serverIdentity } from "./helpers.js";

const FAST_MS = 2000;
const VERSIONS = [["HTTP/1.1", "1.1"], ["HTTP/2", "2"]] as const;

interface StartedHttps {
  port: number;
  url: string;
  events: ServerEvent[];
  seen: (PeerCertificate | undefined)[];
}

/** A Calc HTTPS server on 127.0.0.1, destroyed after the test. */
async function startHttps(options: HttpServerOptions = {}): Promise<StartedHttps> {
  const events: ServerEvent[] = [];
  const seen: (PeerCertificate | undefined)[] = [];
  const server = createHttpServer(
    Calc,
    {
      divide(num1, num2, ctx) {
        seen.push(ctx.peerCertificate);
        return calcHandler.divide(num1, num2, ctx);
      },
    },
    { logger: (e) => events.push(e), tls: serverIdentity(), ...options },
  );
  onCleanup(() => server.destroy());
  const address = await server.listen(0, "127.0.0.1");
  const port = "port" in address ? address.port : 0;
  return { port, url: `https://127.0.0.1:${port}/`, events, seen };
}

function channel(url: string, version: "1.1" | "2", tls: TlsClientOptions | undefined) {
  const c = createHttpChannel(url, { httpVersion: version, ...(tls !== undefined && { tls }) });
  onCleanup(() => c.destroy());
  return c;
}

describeWith([openssl])("HTTPS", () => {
  describe.each(VERSIONS)("%s", (_, version) => {
    test("round trip, to the IP and to `localhost`, with servername", async () => {
      const { port, url, seen } = await startHttps();
      expect(await createClient(Calc, channel(url, version, clientTls())).divide(9, 2)).toBe(4.5);
      expect(await createClient(Calc, channel(`https://localhost:${port}/`, version, clientTls())).divide(8, 2)).toBe(4);
      expect(await createClient(Calc, channel(url, version, { ...clientTls(), servername: "localhost" })).divide(1, 2)).toBe(0.5);
      expect(seen).toEqual([undefined, undefined, undefined]);
    });

    test("the server's certificate is verified: another host's, an untrusted CA's, an expired one", async () => {
      const cases: [HttpServerOptions["tls"], TlsClientOptions, string][] = [
        [{ key: pem((k) => k.otherHostKey), cert: pem((k) => k.otherHostCert) }, clientTls(), "the server's certificate (for DNS:other.example) is not valid for '127.0.0.1'"],
        [{ key: pem((k) => k.otherHostKey), cert: pem((k) => k.otherHostCert) }, { ...clientTls(), servername: "localhost" }, "the server's certificate (for DNS:other.example) is not valid for 'localhost'"],
        [
          { key: pem((k) => k.untrustedServerKey), cert: pem((k) => k.untrustedServerCert) },
          clientTls(),
          "the server's certificate is not accepted: it is not signed by a trusted CA (give the CA that signed it as tls.ca)",
        ],
        [{ key: pem((k) => k.expiredServerKey), cert: pem((k) => k.expiredServerCert) }, clientTls(), "the server's certificate is not accepted: it has expired"],
        [serverIdentity(), {}, "the server's certificate is not accepted: it is not signed by a trusted CA (give the CA that signed it as tls.ca)"],
      ];
      for (const [serverTls, clientOptions, reason] of cases) {
        const { url, seen } = await startHttps({ tls: serverTls });
        const r = await rejection(createClient(Calc, channel(url, version, clientOptions)).divide(1, 1));
        expect(r.ms).toBeLessThan(FAST_MS);
        expect(r.error).toBeInstanceOf(TTransportException);
        expect({ type: (r.error as TTransportException).type, message: r.error.message }).toEqual({
          type: TTransportExceptionType.NOT_OPEN,
          message: `HTTPS request to ${url} failed: ${reason}`,
        });
        expect(seen).toEqual([]);
      }
    });

    test("insecureSkipVerify accepts any certificate (and is warned about)", async () => {
      const { url } = await startHttps({ tls: { key: pem((k) => k.untrustedServerKey), cert: pem((k) => k.untrustedServerCert) } });
      const warnings: Error[] = [];
      const onWarning = (w: Error): void => void warnings.push(w);
      process.on("warning", onWarning);
      onCleanup(() => process.off("warning", onWarning));
      expect(await createClient(Calc, channel(url, version, { insecureSkipVerify: true })).divide(2, 1)).toBe(2);
      await eventually(() => warnings.length > 0);
      expect((warnings[0] as { code?: string }).code).toBe("RPCGEN_INSECURE_TLS");
    });

    test("mutual TLS: the client's certificate in ctx; none, expired or untrusted refused with a clear error and logged", async () => {
      const { url, seen, events } = await startHttps({ tls: { ...serverIdentity(), ca: pem((k) => k.ca), clientCertificate: "require" } });
      expect(await createClient(Calc, channel(url, version, clientTls(true))).divide(3, 1)).toBe(3);
      expect(seen.map((c) => c && { cn: c.commonName, authorized: c.authorized, sans: c.subjectAltNames })).toEqual([
        { cn: "rpcgen test client", authorized: true, sans: ["DNS:client.rpcgen.test", "URI:spiffe://rpcgen.test/client"] },
      ]);
      const none = await rejection(createClient(Calc, channel(url, version, clientTls())).divide(1, 1));
      expect(none.ms).toBeLessThan(FAST_MS);
      expect(none.error.message).toBe(`HTTPS request to ${url} failed: the server requires a client certificate, and none was given (tls.cert and tls.key)`);
      const expired = await rejection(
        createClient(Calc, channel(url, version, { ...clientTls(), key: pem((k) => k.expiredClientKey), cert: pem((k) => k.expiredClientCert) })).divide(1, 1),
      );
      expect(expired.ms).toBeLessThan(FAST_MS);
      expect(expired.error).toBeInstanceOf(TTransportException);
      expect(expired.error.message).toBe(
        `HTTPS request to ${url} failed: the server closed the connection before answering: a server that refuses the client's certificate after the TLS 1.3 handshake closes like this (its log says why)`,
      );
      expect(seen.length).toBe(1);
      await eventually(() => events.length >= 2);
      expect(connectionErrors(events)).toEqual([
        "TLS handshake failed: the client presented no certificate, and this server requires one",
        "TLS handshake failed: the client's certificate was refused: it has expired (CERT_HAS_EXPIRED)",
      ]);
    });

    test("an HTTPS client on a plain HTTP port fails fast, saying the server may not serve TLS", async () => {
      const server = createHttpServer(Calc, calcHandler, { logger: () => {} });
      onCleanup(() => server.destroy());
      const address = await server.listen(0, "127.0.0.1");
      const url = `https://127.0.0.1:${"port" in address ? address.port : 0}/`;
      const r = await rejection(createClient(Calc, channel(url, version, clientTls())).divide(1, 1));
      expect(r.ms).toBeLessThan(FAST_MS);
      expect(r.error.message).toMatch(new RegExp(`^HTTPS request to ${url.replace(/[./]/g, "\\$&")} failed: the server (did not answer in TLS|closed the connection during the handshake)`));
    });
  });

  test("a plain HTTP client on the HTTPS port is answered 400, saying to use https:, and it is logged", async () => {
    const { port, events } = await startHttps();
    const client = createHttpChannel(`http://127.0.0.1:${port}/`);
    onCleanup(() => client.destroy());
    const r = await rejection(createClient(Calc, client).divide(1, 1));
    expect(r.ms).toBeLessThan(FAST_MS);
    expect(r.error).toBeInstanceOf(HttpError);
    expect(r.error.message).toBe(`HTTP 400 Bad Request from http://127.0.0.1:${port}/: this port serves HTTPS: use an https:// URL`);
    expect(events).toEqual([{ kind: "request-rejected", peer: expect.stringMatching(/^127\.0\.0\.1:\d+$/), status: 400, reason: "plain HTTP on this HTTPS port" }]);
    // The same from a bare node:http request, whose socket is then closed.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest({ host: "127.0.0.1", port, method: "POST", path: "/", agent: false }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end("x");
    });
    expect(status).toBe(400);
  });

  test("tls options with an http: URL are refused (nothing would be encrypted), with a fetch of one's own (unused); Node's rejectUnauthorized too", () => {
    expect(() => createHttpChannel("http://127.0.0.1:1/", { tls: clientTls() })).toThrow(
      "options.tls is for https: URLs, and http://127.0.0.1:1/ is not one (nothing would be encrypted)",
    );
    expect(() => createHttpChannel("https://127.0.0.1:1/", { tls: { rejectUnauthorized: false } as TlsClientOptions })).toThrow(/insecureSkipVerify: true/);
    expect(() => createHttpChannel("https://127.0.0.1:1/", { tls: clientTls(), fetch: globalThis.fetch })).toThrow("options.tls is not used with a fetch of one's own");
  });

  test("the HTTP/2 proxy socket and the HTTP/1.1 socket give the same certificate, read once per connection", async () => {
    const { url, seen } = await startHttps({ tls: { ...serverIdentity(), ca: pem((k) => k.ca), clientCertificate: "request" } });
    const http1 = createClient(Calc, channel(url, "1.1", clientTls(true)));
    for (const n of [1, 2, 3]) await http1.divide(n, 1); // one keep-alive connection
    const http2 = createClient(Calc, channel(url, "2", clientTls(true)));
    await Promise.all([http2.divide(1, 1), http2.divide(2, 1), http2.divide(3, 1)]); // one session
    expect(seen.length).toBe(6);
    expect(new Set(seen.map((c) => c?.fingerprint256))).toEqual(new Set([new (await import("node:crypto")).X509Certificate(pem((k) => k.clientCert)).fingerprint256]));
    // The same object on each connection: read once per connection.
    expect(new Set(seen.slice(0, 3)).size).toBe(1);
    expect(new Set(seen.slice(3)).size).toBe(1);
  });
});

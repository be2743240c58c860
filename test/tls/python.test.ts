/**
 * rpcgen's TLS servers against Apache's Python library (Debian python3-thrift 0.17): its HTTPS client
 * (THttpClient with a CA file and a client certificate) against the HTTP server over TLS, and its
 * TSSLSocket against the TLS server, each presenting a client certificate the handler sees. The TCP
 * directions in full are the matrix's ip-ssl cells (test/interop/rpcgen.test.ts).
 */
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { beforeAll, expect, test } from "vitest";
import { CompactProtocol, createHttpServer, createTlsServer, implement, type PeerCertificate, type ServiceRegistrations } from "../../runtime/index.js";
import { ThriftTest, type ThriftTestHandler } from "../../interop/thrift-test/ThriftTest.v0.16-nouuid.js";
import { ROOT, run } from "../codec/peers.js";
import { onCleanup } from "../runtime/helpers.js";
import { DEB_PY, describeWith, openssl, pythonPeer } from "../support/environment.js";
import { pem, serverIdentity, testKeys } from "./helpers.js";

/** Runs a Python snippet with the generated ThriftTest code on its path; resolves with its output. */
function python(script: string): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done) => {
    const child = spawn(DEB_PY, ["-c", script], { env: { ...process.env, PYTHONDONTWRITEBYTECODE: "1" } });
    let out = "";
    let err = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString()));
    child.stderr.on("data", (b: Buffer) => (err += b.toString()));
    child.on("close", (code) => done({ code, out, err }));
  });
}

const PRELUDE = `
import sys
sys.path.insert(0, ${JSON.stringify(join(ROOT, ".tmp/peers/py"))})
from thrift.protocol import TBinaryProtocol, TCompactProtocol
from thrift.transport import THttpClient, TSSLSocket, TTransport
from ThriftTest import ThriftTest
import warnings
warnings.simplefilter("ignore", DeprecationWarning)  # after the imports: TSSLSocket turns its own back on
`;

/** A handler that echoes, recording the certificate each call arrived with. */
function echo(seen: (PeerCertificate | undefined)[]): ServiceRegistrations {
  const handler: Partial<ThriftTestHandler> = {
    testString(thing, ctx) {
      seen.push(ctx.peerCertificate);
      return thing;
    },
    testI32: (thing) => thing,
  };
  return { ThriftTest: implement(ThriftTest, handler as ThriftTestHandler) };
}

describeWith([...pythonPeer, openssl])("Apache's Python client over TLS", () => {
  beforeAll(async () => {
    await run(resolve(ROOT, "scripts/gen-peer-code"), []);
  }, 120_000);

  test("THttpClient over HTTPS (verifying the server, presenting a client certificate)", async () => {
    const keys = testKeys();
    const seen: (PeerCertificate | undefined)[] = [];
    const server = createHttpServer(echo(seen), { tls: { ...serverIdentity(), ca: pem((k) => k.ca), clientCertificate: "request" }, logger: () => {} });
    onCleanup(() => server.destroy());
    const address = await server.listen(0, "127.0.0.1");
    const port = "port" in address ? address.port : 0;
    const r = await python(`${PRELUDE}
for host in ("localhost", "127.0.0.1"):
    t = THttpClient.THttpClient("https://%s:${port}/" % host, cafile=${JSON.stringify(keys.ca)}, cert_file=${JSON.stringify(keys.clientCert)}, key_file=${JSON.stringify(keys.clientKey)})
    c = ThriftTest.Client(TBinaryProtocol.TBinaryProtocol(t))
    t.open()
    print(c.testString("héllo over https"), c.testI32(-7))
    t.close()
`);
    expect(r).toEqual({ code: 0, out: "héllo over https -7\nhéllo over https -7\n", err: "" });
    expect(seen.map((c) => c && { cn: c.commonName, authorized: c.authorized })).toEqual([
      { cn: "rpcgen test client", authorized: true },
      { cn: "rpcgen test client", authorized: true },
    ]);
  });

  test("THttpClient refuses a server whose certificate it cannot verify", async () => {
    const keys = testKeys();
    const server = createHttpServer(echo([]), { tls: { key: pem((k) => k.untrustedServerKey), cert: pem((k) => k.untrustedServerCert) }, logger: () => {} });
    onCleanup(() => server.destroy());
    const address = await server.listen(0, "127.0.0.1");
    const r = await python(`${PRELUDE}
t = THttpClient.THttpClient("https://localhost:${"port" in address ? address.port : 0}/", cafile=${JSON.stringify(keys.ca)})
c = ThriftTest.Client(TBinaryProtocol.TBinaryProtocol(t))
try:
    c.testString("x")
except Exception as e:
    print(type(e).__name__, e)
`);
    expect(r.out).toMatch(/^SSLCertVerificationError .*certificate verify failed: unable to get local issuer certificate/);
  });

  test("TSSLSocket (framed, compact) with a client certificate, seen by the handler", async () => {
    const keys = testKeys();
    const seen: (PeerCertificate | undefined)[] = [];
    const server = createTlsServer(echo(seen), {
      tls: { ...serverIdentity(), ca: pem((k) => k.ca), clientCertificate: "require" },
      protocol: CompactProtocol,
      logger: () => {},
    });
    onCleanup(() => server.destroy());
    const address = await server.listen(0, "127.0.0.1");
    const r = await python(`${PRELUDE}
s = TSSLSocket.TSSLSocket("localhost", ${"port" in address ? address.port : 0}, ca_certs=${JSON.stringify(keys.ca)}, certfile=${JSON.stringify(keys.clientCert)}, keyfile=${JSON.stringify(keys.clientKey)})
t = TTransport.TFramedTransport(s)
c = ThriftTest.Client(TCompactProtocol.TCompactProtocol(t))
t.open()
print(c.testString("over TSSLSocket"))
t.close()
`);
    expect(r).toEqual({ code: 0, out: "over TSSLSocket\n", err: "" });
    expect(seen.map((c) => c?.subjectAltNames)).toEqual([["DNS:client.rpcgen.test", "URI:spiffe://rpcgen.test/client"]]);
  });
});

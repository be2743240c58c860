/**
 * `--ssl` for rpcgen's ThriftTest server and client: the key files of Apache's `test/keys` layout
 * (`server.crt`, `server.key`, `CA.pem`, `client.crt`, `client.key`) from `$THRIFT_TEST_KEYS_DIR`, else
 * the project's `.tmp/keys`, made with openssl when missing (scripts/make-test-keys.ts).
 *
 * Apache's `client.crt` is self-issued (signed with `server.key` under its own name), so a server
 * verifies it only by pinning it: the server trusts `CA.pem` and `client.crt`. It asks clients for a
 * certificate and verifies what they present, but lets clients without one in (Apache's 0.17 clients
 * send none). The client verifies the server against `CA.pem` and the host name (the certificates name
 * `localhost`, 127.0.0.1 and ::1), and presents `client.crt`.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { TlsClientOptions, TlsServerSettings } from "rpcgen/runtime";
import { APACHE_KEY_FILES, makeTestKeys, projectRoot } from "../scripts/make-test-keys.js";
import { UsageError } from "./cli.js";

/** The directory holding the key files (made when it is the project's own and is missing). */
export function keysDir(): string {
  const given = process.env["THRIFT_TEST_KEYS_DIR"];
  if (given !== undefined && given !== "") {
    const missing = APACHE_KEY_FILES.filter((f) => !existsSync(join(given, f)));
    if (missing.length > 0) throw new UsageError(`--ssl: THRIFT_TEST_KEYS_DIR=${given} has no ${missing.join(", ")}`);
    return given;
  }
  return makeTestKeys(join(projectRoot(), ".tmp/keys")).dir;
}

function read(dir: string, file: string): Buffer {
  return readFileSync(join(dir, file));
}

export function serverTls(dir: string): TlsServerSettings {
  // client.crt first: Apache's has the same subject as its CA.pem (the server's certificate), and OpenSSL
  // takes the first certificate of a name as the issuer it checks the signature with.
  return { key: read(dir, "server.key"), cert: read(dir, "server.crt"), ca: [read(dir, "client.crt"), read(dir, "CA.pem")], clientCertificate: "request" };
}

export function clientTls(dir: string): TlsClientOptions {
  return { ca: read(dir, "CA.pem"), key: read(dir, "client.key"), cert: read(dir, "client.crt") };
}

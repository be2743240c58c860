/**
 * The TLS benchmark's certificates: the project's test keys (scripts/make-test-keys.ts), made with
 * openssl into the git-ignored bench/.gen/keys on first use and read at run time. The server
 * certificate names localhost and 127.0.0.1; clients verify it against CA.pem, as a real client would.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { makeTestKeys } from "../../scripts/make-test-keys.js";
import { GEN_DIR } from "./common.js";

export interface BenchKeys {
  /** For the servers: `{ key, cert }`. */
  server: { key: Buffer; cert: Buffer };
  /** For the clients: the CA that signed the server's certificate. */
  ca: Buffer;
}

/** Makes the keys when missing (atomic, so the harness and a server child may race) and reads them. */
export function benchKeys(): BenchKeys {
  const keys = makeTestKeys(join(GEN_DIR, "keys"));
  return { server: { key: readFileSync(keys.serverKey), cert: readFileSync(keys.serverCert) }, ca: readFileSync(keys.ca) };
}

/**
 * Test certificates, made with `openssl` when needed: never commit private keys, not even test ones.
 *
 *   node dist/scripts/make-test-keys.js [DIR]      (default .tmp/keys)
 *
 * writes Apache's `test/keys` layout (what the interop programs read with `--ssl`): `CA.pem`,
 * `server.crt`, `server.key`, `server.pem` (certificate and key), `client.crt`, `client.key`. Unlike
 * Apache's set, a real CA signs both certificates, so each side verifies the other against `CA.pem`.
 *
 * As a module, `makeTestKeys(dir)` writes those and the certificates the TLS tests need besides: an
 * expired server and client certificate, a server certificate for another host, and a second CA
 * nobody trusts with a server and a client certificate of its own. Keys are EC P-256 (quick to make).
 * Directories are filled atomically (made under a temporary name, then renamed), so processes that
 * race to make the same one all end up with one complete set.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The files of Apache's `test/keys` layout that the interop programs read. */
export const APACHE_KEY_FILES = ["CA.pem", "server.crt", "server.key", "server.pem", "client.crt", "client.key"] as const;

/** Paths of everything `makeTestKeys` writes. */
export interface TestKeys {
  readonly dir: string;
  /** The CA that signs everything below but the `untrusted*` certificates (also `CA.pem`). */
  readonly ca: string;
  /** Valid now; SAN DNS:localhost, IP:127.0.0.1, IP:::1; CN=localhost. */
  readonly serverCert: string;
  readonly serverKey: string;
  /** CN=rpcgen test client; SAN DNS:client.rpcgen.test, URI:spiffe://rpcgen.test/client. */
  readonly clientCert: string;
  readonly clientKey: string;
  /** As the server certificate, but valid only in January 2020. */
  readonly expiredServerCert: string;
  readonly expiredServerKey: string;
  /** As the client certificate, but valid only in January 2020. */
  readonly expiredClientCert: string;
  readonly expiredClientKey: string;
  /** Signed by the CA, for DNS:other.example only. */
  readonly otherHostCert: string;
  readonly otherHostKey: string;
  /** A CA nobody is told to trust. */
  readonly untrustedCa: string;
  /** Server certificate (SAN as the good one) signed by the untrusted CA. */
  readonly untrustedServerCert: string;
  readonly untrustedServerKey: string;
  /** Client certificate signed by the untrusted CA. */
  readonly untrustedClientCert: string;
  readonly untrustedClientKey: string;
}

/** The paths `makeTestKeys(dir)` writes, whether or not they exist yet. */
export function testKeyPaths(dir: string): TestKeys {
  const at = (name: string): string => join(dir, name);
  return {
    dir,
    ca: at("CA.pem"),
    serverCert: at("server.crt"),
    serverKey: at("server.key"),
    clientCert: at("client.crt"),
    clientKey: at("client.key"),
    expiredServerCert: at("expired-server.crt"),
    expiredServerKey: at("expired-server.key"),
    expiredClientCert: at("expired-client.crt"),
    expiredClientKey: at("expired-client.key"),
    otherHostCert: at("other-host.crt"),
    otherHostKey: at("other-host.key"),
    untrustedCa: at("untrusted-CA.pem"),
    untrustedServerCert: at("untrusted-server.crt"),
    untrustedServerKey: at("untrusted-server.key"),
    untrustedClientCert: at("untrusted-client.crt"),
    untrustedClientKey: at("untrusted-client.key"),
  };
}

const SERVER_EXT = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=serverAuth", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1"];
const CLIENT_EXT = [
  "basicConstraints=critical,CA:FALSE",
  "keyUsage=critical,digitalSignature",
  "extendedKeyUsage=clientAuth",
  "subjectAltName=DNS:client.rpcgen.test,URI:spiffe://rpcgen.test/client",
];
const OTHER_HOST_EXT = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature", "extendedKeyUsage=serverAuth", "subjectAltName=DNS:other.example"];
const CA_EXT = ["basicConstraints=critical,CA:TRUE,pathlen:0", "keyUsage=critical,keyCertSign,cRLSign", "subjectKeyIdentifier=hash"];

/** Valid from a day ago (clocks differ) for ten years; or January 2020 only. */
const VALID = { start: -1, days: 3650 };
const EXPIRED = { startDate: "20200101000000Z", endDate: "20200201000000Z" };

/**
 * Makes every test certificate in `dir` (created; must not hold a complete set already, else it is
 * left as it is). Throws with openssl's own words when openssl fails or is missing.
 */
export function makeTestKeys(dir: string): TestKeys {
  const target = resolve(dir);
  const paths = testKeyPaths(target);
  if (isComplete(target)) return paths;
  mkdirSync(dirname(target), { recursive: true });
  const work = mkdtempSync(join(dirname(target), `.${basename(target)}-`));
  try {
    const ca = makeCa(work, "ca", "/O=rpcgen/CN=rpcgen test CA");
    const untrusted = makeCa(work, "untrusted-ca", "/O=someone else/CN=untrusted test CA");
    const issue = (name: string, signer: Ca, subject: string, ext: readonly string[], dates: Dates = VALID): void => {
      const key = join(work, `${name}.key`);
      const csr = join(work, `${name}.csr`);
      openssl(work, ["req", "-new", ...EC_KEY, "-nodes", "-keyout", key, "-out", csr, "-subj", subject]);
      sign(work, signer, csr, join(work, `${name}.crt`), ext, dates);
      rmSync(csr);
    };
    issue("server", ca, "/O=rpcgen/CN=localhost", SERVER_EXT);
    issue("client", ca, "/O=rpcgen/CN=rpcgen test client", CLIENT_EXT);
    issue("expired-server", ca, "/O=rpcgen/CN=localhost", SERVER_EXT, EXPIRED);
    issue("expired-client", ca, "/O=rpcgen/CN=rpcgen expired client", CLIENT_EXT, EXPIRED);
    issue("other-host", ca, "/O=rpcgen/CN=other.example", OTHER_HOST_EXT);
    issue("untrusted-server", untrusted, "/O=someone else/CN=localhost", SERVER_EXT);
    issue("untrusted-client", untrusted, "/O=someone else/CN=untrusted client", CLIENT_EXT);
    writeFileSync(join(work, "CA.pem"), readFileSync(ca.cert));
    writeFileSync(join(work, "untrusted-CA.pem"), readFileSync(untrusted.cert));
    writeFileSync(join(work, "server.pem"), Buffer.concat([readFileSync(join(work, "server.crt")), readFileSync(join(work, "server.key"))]));
    // The CAs' keys and bookkeeping are not needed once everything is signed.
    for (const c of [ca, untrusted]) rmSync(c.dir, { recursive: true, force: true });
    try {
      renameSync(work, target);
    } catch (error) {
      // Another process made the same directory meanwhile: theirs is as good as ours.
      if (!isComplete(target)) throw error;
      rmSync(work, { recursive: true, force: true });
    }
  } catch (error) {
    rmSync(work, { recursive: true, force: true });
    throw error;
  }
  return paths;
}

/** True when `dir` holds every file `makeTestKeys` writes. */
function isComplete(dir: string): boolean {
  const paths = testKeyPaths(dir);
  return Object.entries(paths).every(([name, path]) => name === "dir" || existsSync(path));
}

const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"];

interface Ca {
  /** The CA's working directory (openssl ca's database, serial, key). */
  dir: string;
  cert: string;
  key: string;
  config: string;
}

type Dates = { start: number; days: number } | { startDate: string; endDate: string };

function makeCa(work: string, name: string, subject: string): Ca {
  const dir = join(work, name);
  mkdirSync(join(dir, "issued"), { recursive: true });
  const cert = join(dir, "ca.crt");
  const key = join(dir, "ca.key");
  const config = join(dir, "ca.cnf");
  writeFileSync(join(dir, "index.txt"), "");
  writeFileSync(join(dir, "serial"), `${randomSerial()}\n`);
  writeFileSync(
    config,
    [
      "[ca]",
      "default_ca = this_ca",
      "[this_ca]",
      `dir = ${dir}`,
      "database = $dir/index.txt",
      "new_certs_dir = $dir/issued",
      "serial = $dir/serial",
      "default_md = sha256",
      "policy = anything",
      "unique_subject = no",
      "copy_extensions = none",
      "[anything]",
      "O = optional",
      "CN = supplied",
      "[req]",
      "distinguished_name = dn",
      "[dn]",
      "",
    ].join("\n"),
  );
  openssl(work, ["req", "-x509", "-new", ...EC_KEY, "-nodes", "-keyout", key, "-out", cert, "-subj", subject, "-days", "3650", "-config", config, ...CA_EXT.flatMap((e) => ["-addext", e])]);
  return { dir, cert, key, config };
}

function sign(work: string, ca: Ca, csr: string, out: string, ext: readonly string[], dates: Dates): void {
  const extFile = `${out}.ext`;
  writeFileSync(extFile, `[leaf]\n${ext.join("\n")}\nauthorityKeyIdentifier=keyid\n`);
  const when =
    "startDate" in dates
      ? ["-startdate", dates.startDate, "-enddate", dates.endDate]
      : ["-startdate", stamp(new Date(Date.now() + dates.start * 86_400_000)), "-days", String(dates.days)];
  openssl(work, ["ca", "-batch", "-notext", "-config", ca.config, "-cert", ca.cert, "-keyfile", ca.key, "-in", csr, "-out", out, "-extfile", extFile, "-extensions", "leaf", ...when]);
  rmSync(extFile);
}

/** openssl's ASN.1 time: YYYYMMDDHHMMSSZ. */
function stamp(date: Date): string {
  return `${date.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z`;
}

function randomSerial(): string {
  // An even number of hex digits, first one non-zero: openssl ca reads it as is.
  return `1${Array.from({ length: 15 }, () => Math.floor(Math.random() * 16).toString(16)).join("")}`;
}

/** The project's directory, from dist/scripts/ or scripts/. */
export function projectRoot(): string {
  for (const up of ["../..", ".."]) {
    const dir = resolve(dirname(fileURLToPath(import.meta.url)), up);
    if (existsSync(join(dir, "package.json"))) return dir;
  }
  return process.cwd();
}

function openssl(cwd: string, args: readonly string[]): void {
  try {
    execFileSync("openssl", args, { cwd, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, OPENSSL_CONF: "/dev/null" } });
  } catch (error) {
    const e = error as { code?: string; stderr?: Buffer };
    if (e.code === "ENOENT") throw new Error("making test certificates needs the openssl command, which is not installed");
    throw new Error(`openssl ${args[0]} failed: ${e.stderr?.toString().trim() ?? String(error)}`);
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]).replace(/\.ts$/, ".js").endsWith(join("scripts", "make-test-keys.js"))) {
  const dir = resolve(process.argv[2] ?? join(projectRoot(), ".tmp/keys"));
  try {
    makeTestKeys(dir);
    process.stdout.write(`${dir}: ${APACHE_KEY_FILES.join(", ")} (and the TLS tests' certificates)\n`);
  } catch (error) {
    process.stderr.write(`make-test-keys: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  }
}

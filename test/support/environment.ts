/**
 * What some tests need beyond Node.js, and what happens when it is missing.
 *
 * - The shared directory (`$RPCGEN_SHARED`, default `../shared` beside the project): the IDL corpus
 *   (`corpus/`) and Apache Thrift's 0.17 test sources (`apache-thrift-0.17/`).
 * - Apache's peers, installed by `npm run peers:install` (never by `npm test`): Debian's `thrift` 0.17
 *   compiler with `python3-thrift` for `/usr/bin/python3`, and npm `thrift@0.17.0` in `.tmp/peers/node`.
 * - A Chromium for the browser test (`RPCGEN_CHROMIUM`, default Debian's `/usr/bin/chromium`),
 *   installed by `npm run browser:install`.
 * - Apache's C++ and Go cross-test programs, built by `scripts/build-peers` (never by `npm test`) from
 *   Apache's sources in the shared directory with the Debian packages `npm run peers:install` adds.
 *
 * A group of tests that needs something missing is replaced by one skipped test whose note says what is
 * missing and how to get it; the run's summary lists these notes (test/support/skip-reporter.ts). Under
 * CI (`CI=true`) everything is required: the same test fails instead.
 */
import { spawnSync } from "node:child_process";
import { accessSync, constants, existsSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, test } from "vitest";
import { nativePeerMissing, type NativePeer } from "../../scripts/interop-peers-native.js";

export const ROOT = resolve(import.meta.dirname, "../..");

/** The shared directory: corpus and Apache's sources. */
export const SHARED_DIR = process.env["RPCGEN_SHARED"] ? resolve(process.env["RPCGEN_SHARED"]) : resolve(ROOT, "../shared");
export const CORPUS_DIR = join(SHARED_DIR, "corpus");
/** Apache's test IDLs (ThriftTest, DebugProtoTest, ...). */
export const APACHE_CORPUS = join(CORPUS_DIR, "apache-thrift");
export const REAL_WORLD_CORPUS = join(CORPUS_DIR, "real-world");
export const APACHE_SOURCES = join(SHARED_DIR, "apache-thrift-0.17");

/** Debian's Python, which sees Debian's python3-thrift (a pyenv `python3` on PATH may not). */
export const DEB_PY = process.env["RPCGEN_PYTHON"] ?? "/usr/bin/python3";
export const NODE_PEER_DIR = join(ROOT, ".tmp/peers/node");

/** True when running as CI: every requirement must be met there. */
export const IN_CI = ["true", "1"].includes((process.env["CI"] ?? "").toLowerCase());

export interface Requirement {
  /** What is needed, in a few words ("the IDL corpus"). */
  readonly name: string;
  /** Why it is not available (and how to make it so); undefined when it is. */
  readonly missing: string | undefined;
}

function requirement(name: string, probe: () => string | undefined): Requirement {
  let missing: string | undefined;
  try {
    missing = probe();
  } catch (error) {
    missing = error instanceof Error ? error.message : String(error);
  }
  return { name, missing };
}

const sharedHint = `set RPCGEN_SHARED to the directory that holds corpus/ and apache-thrift-0.17/`;

/** The IDL corpus: Apache's test IDLs and the real-world set with its MANIFEST.tsv. */
export const corpus: Requirement = requirement("the IDL corpus", () => {
  for (const f of [join(APACHE_CORPUS, "ThriftTest.thrift"), join(REAL_WORLD_CORPUS, "MANIFEST.tsv")]) {
    if (!existsSync(f)) return `not found: ${f} (${sharedHint})`;
  }
  return undefined;
});

/** Apache Thrift 0.17's own test sources (test/cpp, test/go, test/keys). */
export const apacheSources: Requirement = requirement("Apache Thrift 0.17's test sources", () => {
  const f = join(APACHE_SOURCES, "test");
  return existsSync(f) ? undefined : `not found: ${f} (${sharedHint})`;
});

const peersHint = "`npm run peers:install` installs it (Debian/Ubuntu, apt-get)";

/** Debian's thrift 0.17 compiler on PATH. */
export const thriftCompiler: Requirement = requirement("Apache's thrift 0.17 compiler", () => {
  const r = spawnSync("thrift", ["-version"], { encoding: "utf8", timeout: 10_000 });
  if (r.error !== undefined || r.status !== 0) return `no 'thrift' on PATH (${peersHint})`;
  if (!/version 0\.17\./.test(r.stdout)) return `'thrift -version' says '${r.stdout.trim()}', not 0.17 (${peersHint})`;
  return undefined;
});

/** Apache's Python library for Debian's Python. */
export const pythonThrift: Requirement = requirement("Apache's Python library (python3-thrift 0.17)", () => {
  if (!existsSync(DEB_PY)) return `no ${DEB_PY} (${peersHint})`;
  const r = spawnSync(DEB_PY, ["-c", "import thrift, thrift.protocol.TCompactProtocol"], { encoding: "utf8", timeout: 10_000 });
  if (r.error !== undefined || r.status !== 0) return `${DEB_PY} cannot import thrift (${peersHint})`;
  return undefined;
});

/** npm thrift 0.17.0 in .tmp/peers/node. */
export const nodeThrift: Requirement = requirement("Apache's Node.js library (npm thrift 0.17.0)", () => {
  const pkg = join(NODE_PEER_DIR, "node_modules/thrift/package.json");
  if (!existsSync(pkg)) return `not installed in ${NODE_PEER_DIR} (${peersHint})`;
  const version = (JSON.parse(readFileSync(pkg, "utf8")) as { version?: string }).version;
  return version === "0.17.0" ? undefined : `${pkg} is version ${version}, not 0.17.0 (${peersHint})`;
});

/** The Chromium that playwright-core drives (never a browser of Playwright's own download). */
export const CHROMIUM = process.env["RPCGEN_CHROMIUM"] ?? "/usr/bin/chromium";

/** A Chromium to run the browser test in. */
export const chromium: Requirement = requirement("Chromium", () => {
  const hint = "`npm run browser:install` installs Debian's chromium (apt-get), or set RPCGEN_CHROMIUM to a Chromium binary";
  if (!existsSync(CHROMIUM)) return `not found: ${CHROMIUM} (${hint})`;
  accessSync(CHROMIUM, constants.X_OK);
  return undefined;
});

/** The openssl command, which makes the TLS tests' certificates (scripts/make-test-keys.ts). */
export const openssl: Requirement = requirement("the openssl command", () => {
  const r = spawnSync("openssl", ["version"], { encoding: "utf8", timeout: 10_000 });
  return r.error !== undefined || r.status !== 0 ? "no 'openssl' on PATH (Debian/Ubuntu: apt-get install openssl)" : undefined;
});

/**
 * A built and current C++ or Go program set. Asked only when a test needs it (it runs
 * `scripts/build-peers --check`, which hashes the inputs), and then once.
 */
function nativePrograms(peer: NativePeer, name: string): Requirement {
  let probed: { missing: string | undefined } | undefined;
  return {
    name,
    get missing() {
      probed ??= requirement(name, () => nativePeerMissing(ROOT, peer));
      return probed.missing;
    },
  };
}

/** Apache's C++ TestServer/TestClient (0.17), built into .tmp/peers/cpp. */
export const cppPrograms: Requirement = nativePrograms("cpp", "Apache's C++ test programs (0.17, scripts/build-peers)");
/** Apache's Go testserver/testclient (0.17), built into .tmp/peers/go. */
export const goPrograms: Requirement = nativePrograms("go", "Apache's Go test programs (0.17, scripts/build-peers)");

/** Every requirement, for the run's summary. */
export const REQUIREMENTS: readonly Requirement[] = [corpus, apacheSources, thriftCompiler, pythonThrift, nodeThrift, openssl, cppPrograms, goPrograms, chromium];

/** Everything the Python peer tests need: the compiler, the library and ThriftTest from the corpus. */
export const pythonPeer: readonly Requirement[] = [corpus, thriftCompiler, pythonThrift];
/** Everything the Node.js peer tests need. */
export const nodePeer: readonly Requirement[] = [corpus, thriftCompiler, nodeThrift];

/** The first unmet requirement's explanation, or undefined when all are met. */
export function missing(requirements: readonly Requirement[]): string | undefined {
  const unmet = requirements.filter((r) => r.missing !== undefined);
  if (unmet.length === 0) return undefined;
  return unmet.map((r) => `${r.name}: ${r.missing}`).join("; ");
}

/** True when every requirement is met. */
export function available(requirements: readonly Requirement[]): boolean {
  return missing(requirements) === undefined;
}

/**
 * `describe`, when every requirement is met. Otherwise one test stands in for the group: skipped with
 * the reason as its note, or failed under CI.
 */
export function describeWith(requirements: readonly Requirement[]): (name: string, body: () => void) => void {
  const why = missing(requirements);
  if (why === undefined) return (name, body) => describe(name, body);
  return (name) =>
    describe(name, () => {
      test(`needs ${requirements.filter((r) => r.missing !== undefined).map((r) => r.name).join(" and ")}`, (ctx) => {
        if (IN_CI) throw new Error(`required under CI: ${why}`);
        ctx.skip(why);
      });
    });
}

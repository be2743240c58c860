/**
 * Build step after tsc: bundles the CLI (dist/compiler/cli.js and everything it imports, chevrotain
 * included) into dist/rpcgen-cli.cjs, then runs it once over the repo's IDL files so it writes its V8
 * code cache (dist/rpcgen-cli.cjs.cache). dist/compiler/bin.cjs loads the pair; see
 * compiler/bin.cts for why.
 *
 * Usage: node dist/scripts/bundle-cli.js   (part of `npm run build`)
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { build, type Plugin } from "esbuild";

const root = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
const dist = join(root, "dist");
const bundle = join(dist, "rpcgen-cli.cjs");

/** compiler/chevrotain.ts picks chevrotain's single-file build at run time; in the bundle it is static. */
const chevrotainBundle: Plugin = {
  name: "chevrotain-bundle",
  setup(b) {
    const entry = createRequire(import.meta.url).resolve("chevrotain");
    const file = join(dirname(entry), "..", "chevrotain.mjs");
    if (!existsSync(file)) throw new Error(`chevrotain's single-file build is missing: ${file}`);
    b.onResolve({ filter: /[\\/]chevrotain\.js$/ }, (args) =>
      args.importer.startsWith(join(dist, "compiler")) ? { path: file } : undefined,
    );
  },
};

await build({
  entryPoints: [join(dist, "compiler", "cli.js")],
  outfile: bundle,
  bundle: true,
  platform: "node",
  format: "cjs",
  target: "node20",
  // version.ts finds package.json from its own URL; in the bundle that is the bundle's URL.
  define: { "import.meta.url": "__rpcgenModuleUrl" },
  banner: { js: 'const __rpcgenModuleUrl = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [chevrotainBundle],
  logLevel: "warning",
});
// The build id the code cache is stamped with (bin.cts reads it back from the end of the bundle).
appendFileSync(bundle, `\n//# rpcgenBuildId=${createHash("sha1").update(readFileSync(bundle)).digest("hex")}\n`);

/** Every IDL file under dir (recursively). */
function idlFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return idlFiles(path);
    return /\.(thrift|idl)$/.test(name) ? [path] : [];
  });
}

// The warm-up run: every function it calls lands in the code cache. The golden inputs cover structs,
// unions, exceptions, services, consts and includes; the cache is only an accelerator, so coverage
// need not be complete.
const cases = join(root, "test", "golden", "cases");
const inputs = [
  ...idlFiles(join(root, "idl")),
  ...idlFiles(join(cases, "includes-across-dirs", "input")),
  ...idlFiles(join(cases, "name-clash", "input")),
];
const out = mkdtempSync(join(tmpdir(), "rpcgen-warmup-"));
try {
  const r = spawnSync(process.execPath, [join(dist, "compiler", "bin.cjs"), "-o", out, "--no-warnings", ...inputs], {
    env: { ...process.env, RPCGEN_CODE_CACHE: "write" }, // see bin.cts
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`warm-up run failed (exit ${r.status}):\n${r.stderr}`);
} finally {
  rmSync(out, { recursive: true, force: true });
}

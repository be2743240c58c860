/**
 * Runs the CLI from its one-file bundle (dist/rpcgen-cli.cjs, made by scripts/bundle-cli.ts) with a V8
 * code cache beside it. Start-up is a large share of a CLI run: loading ~40 modules costs ~60 ms, and
 * every function is parsed and compiled on first call. The bundle removes the module graph; the code
 * cache holds the compiled bytecode of every function a warm-up run used. Node 22's
 * `module.enableCompileCache()` does the same for modules; Node 20 lacks it.
 *
 * The cache file is `<sha1 of the bundle><V8 cache data>`. V8 checks its own version and flags but
 * compares sources only by length, so the hash is what keeps a stale cache from being used after a
 * rebuild. A missing, stale or rejected cache costs nothing but speed: the bundle compiles as usual and
 * the cache is rewritten after the run (best effort; a read-only install just stays uncached).
 */
import { createHash } from "node:crypto";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { Script } from "node:vm";

export type CliMain = (argv: string[], out: (s: string) => void, err: (s: string) => void) => Promise<number>;

/** Set to `write` (the build does) to write the code cache after this run even when it was usable. */
export const CODE_CACHE_ENV = "RPCGEN_CODE_CACHE";

const HASH_BYTES = 20;

export interface BundledCli {
  main: CliMain;
  /** Writes the code cache when it was missing, stale or rejected, or when asked to by CODE_CACHE_ENV. */
  saveCodeCache(): void;
}

/** The bundled CLI at `bundlePath`, or undefined when there is no bundle (a tsc-only build). */
export function loadBundledCli(bundlePath: string, cachePath = bundlePath + ".cache"): BundledCli | undefined {
  let source: string;
  try {
    source = readFileSync(bundlePath, "utf8");
  } catch {
    return undefined;
  }
  const hash = createHash("sha1").update(source).digest();
  let cachedData: Buffer | undefined;
  try {
    const file = readFileSync(cachePath);
    if (file.length > HASH_BYTES && hash.equals(file.subarray(0, HASH_BYTES))) cachedData = file.subarray(HASH_BYTES);
  } catch {
    // No cache yet.
  }
  // The same wrapper Node puts around a CommonJS module, so the bundle sees the usual free variables.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundlePath,
    cachedData,
  });
  const module = { exports: {} as { main?: CliMain } };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper(module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath));
  const main = module.exports.main;
  if (typeof main !== "function") throw new Error(`${bundlePath} does not export main()`);
  const stale = cachedData === undefined || script.cachedDataRejected === true;
  return {
    main,
    saveCodeCache() {
      if (!stale && process.env[CODE_CACHE_ENV] !== "write") return;
      try {
        // Written under a private name and renamed, so a concurrent run never reads half a file.
        const tmp = `${cachePath}.${process.pid}.tmp`;
        writeFileSync(tmp, Buffer.concat([hash, script.createCachedData()]));
        renameSync(tmp, cachePath);
      } catch {
        // Read-only install: run uncached.
      }
    },
  };
}

#!/usr/bin/env node
/**
 * The installed `rpcgen` executable. Start-up is a large share of a CLI run, so it runs the CLI from
 * its one-file bundle (dist/rpcgen-cli.cjs, made by scripts/bundle-cli.ts) with a V8 code cache beside
 * it: loading ~40 modules costs ~60 ms, and without a cache every function is parsed and compiled on
 * its first call. Node 22's `module.enableCompileCache()` does this for modules; Node 20 lacks it. This
 * file is CommonJS for the same reason: an ES module entry starts Node's ESM loader first (~10 ms).
 *
 * The cache file is `<build id>\n<V8 cache data>`; the bundle ends with its build id (a hash of its
 * content). V8 checks its own version and flags but compares sources only by length, so the id is what
 * keeps a stale cache from being used after a rebuild. A missing, stale or rejected cache costs only
 * speed: the bundle compiles as usual and the cache is rewritten after the run (best effort: a
 * read-only install stays uncached). Without a usable, up-to-date bundle the modules run instead.
 */
import fs = require("node:fs");
import path = require("node:path");
import vm = require("node:vm");

type Main = (argv: string[], out: (s: string) => void, err: (s: string) => void) => Promise<number>;

/** `write` (the build sets it) writes the code cache after the run even when it was usable. */
const CODE_CACHE_ENV = "RPCGEN_CODE_CACHE";
const BUILD_ID_MARK = "\n//# rpcgenBuildId=";

interface Bundled {
  main: Main;
  saveCodeCache(): void;
}

/**
 * Whether tsc has rebuilt the modules since the bundle was made (`tsc` alone, without the bundle
 * step): the bundle would run yesterday's compiler. tsc rewrites its build info whenever it emits;
 * an installed package has no build info, and then the bundle is current by construction.
 */
function olderThanModules(bundlePath: string): boolean {
  try {
    return fs.statSync(path.join(path.dirname(bundlePath), ".tsbuildinfo")).mtimeMs > fs.statSync(bundlePath).mtimeMs;
  } catch {
    return false;
  }
}

function loadBundled(bundlePath: string): Bundled | undefined {
  let source: string;
  try {
    source = fs.readFileSync(bundlePath, "utf8");
  } catch {
    return undefined;
  }
  if (olderThanModules(bundlePath)) return undefined;
  const mark = source.lastIndexOf(BUILD_ID_MARK);
  const buildId = mark < 0 ? undefined : source.slice(mark + BUILD_ID_MARK.length).trim();
  const cachePath = bundlePath + ".cache";
  let cachedData: Buffer | undefined;
  try {
    const file = fs.readFileSync(cachePath);
    const header = file.indexOf(10);
    if (buildId && header > 0 && file.toString("latin1", 0, header) === buildId) cachedData = file.subarray(header + 1);
  } catch {
    // No cache yet.
  }
  // The wrapper Node puts around a CommonJS module, so the bundle sees the usual free variables.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundlePath,
    cachedData,
  });
  const module = { exports: {} as { main?: Main } };
  (script.runInThisContext() as (...args: unknown[]) => void)(module.exports, require, module, bundlePath, path.dirname(bundlePath));
  const main = module.exports.main;
  if (typeof main !== "function") return undefined;
  const stale = cachedData === undefined || script.cachedDataRejected === true;
  return {
    main,
    saveCodeCache() {
      if (!buildId || (!stale && process.env[CODE_CACHE_ENV] !== "write")) return;
      try {
        // Written under a private name and renamed, so a concurrent run never reads half a file.
        const tmp = `${cachePath}.${process.pid}.tmp`;
        fs.writeFileSync(tmp, Buffer.concat([Buffer.from(buildId + "\n", "latin1"), script.createCachedData()]));
        fs.renameSync(tmp, cachePath);
      } catch {
        // Read-only install: run uncached.
      }
    },
  };
}

function bundled(): Bundled | undefined {
  try {
    return loadBundled(path.join(__dirname, "..", "rpcgen-cli.cjs"));
  } catch {
    return undefined; // A damaged bundle: the modules still work.
  }
}

/**
 * Writes a line to fd 1 or 2 directly. Touching process.stdout builds a stream (for a pipe, a
 * net.Socket and the stream modules behind it: ~5 ms); a CLI printing a few lines needs none of it.
 * A non-blocking descriptor that would block (EAGAIN) hands the rest, and all later lines, to the
 * stream, which queues them in order; a closed reader (EPIPE) just drops the output.
 */
/** Set once any output went to a stream: the process must then end naturally, once it is flushed. */
let streamed = false;

function lineWriter(fd: 1 | 2): (s: string) => void {
  let stream: NodeJS.WriteStream | undefined;
  return (s) => {
    const bytes = Buffer.from(s + "\n");
    if (stream) {
      stream.write(bytes);
      return;
    }
    let offset = 0;
    try {
      while (offset < bytes.length) offset += fs.writeSync(fd, bytes, offset);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EAGAIN") return;
      streamed = true;
      stream = fd === 1 ? process.stdout : process.stderr;
      stream.write(bytes.subarray(offset));
    }
  };
}

function run(main: Main, after?: () => void): void {
  main(process.argv.slice(2), lineWriter(1), lineWriter(2)).then(
    (code) => {
      after?.();
      // Everything is written (synchronously): exiting now skips tearing down the heap, ~10 ms of a
      // run. Output still queued in a stream must drain first, so then the process ends on its own.
      if (streamed) process.exitCode = code;
      else process.exit(code);
    },
    (e: unknown) => {
      lineWriter(2)(`rpcgen: internal error: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    },
  );
}

const cli = bundled();
if (cli) run(cli.main, () => cli.saveCodeCache());
else import("./cli.js").then((m) => run(m.main));

#!/usr/bin/env node
/**
 * The installed `rpcgen` executable: runs the CLI and turns any unexpected failure into a one-line error.
 * It prefers the bundled CLI with its code cache (see bundle-loader.ts) and falls back to the modules
 * when there is no bundle.
 */
import { fileURLToPath } from "node:url";
import { loadBundledCli, type BundledCli, type CliMain } from "./bundle-loader.js";

function bundledCli(): BundledCli | undefined {
  try {
    return loadBundledCli(fileURLToPath(new URL("../rpcgen-cli.cjs", import.meta.url)));
  } catch {
    return undefined; // A damaged bundle: the modules still work.
  }
}

const bundled = bundledCli();
const main: CliMain = bundled?.main ?? (await import("./cli.js")).main;

main(process.argv.slice(2), (s) => process.stdout.write(s + "\n"), (s) => process.stderr.write(s + "\n")).then(
  (code) => {
    bundled?.saveCodeCache();
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`rpcgen: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);

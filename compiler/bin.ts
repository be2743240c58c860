#!/usr/bin/env node
/** The installed `rpcgen` executable: runs the CLI and turns any unexpected failure into a one-line error. */
import { main } from "./cli.js";

main(process.argv.slice(2), (s) => process.stdout.write(s + "\n"), (s) => process.stderr.write(s + "\n")).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`rpcgen: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);

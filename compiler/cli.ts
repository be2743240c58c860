/** The `rpcgen` command line: check IDL files and (with -o) generate TypeScript. The executable is bin.ts. */
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { compile } from "./compile.js";
import { formatDiagnostic, type Diagnostic } from "./diagnostics.js";
import { generateToDirectory } from "./generate.js";
import { OutputPathClash } from "./output-paths.js";
import { rpcgenVersion } from "./version.js";

const USAGE = `Usage: rpcgen <files...> [-I <dir>]... [-o <dir>] [options]

Compiles Thrift IDL files: parses and checks them and, with -o, writes TypeScript
(types, codecs, client and server stubs) for each file and its includes.

Options:
  -o, --out <dir>        write generated TypeScript into <dir>
  -I, --include <dir>    search <dir> for included files (after the including file's own directory); repeatable
      --no-warnings      do not print warnings
  -h, --help             show this help
  -v, --version          print the version

Exit status: 0 when there are no errors, 1 otherwise.`;

export async function main(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  let args;
  try {
    args = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        out: { type: "string", short: "o" },
        include: { type: "string", short: "I", multiple: true },
        "no-warnings": { type: "boolean" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    });
  } catch (e) {
    err(`rpcgen: error: ${(e as Error).message.replace(/\. To specify.*$/s, "")}\nRun 'rpcgen --help' for usage.`);
    return 1;
  }
  const { values, positionals } = args;
  if (values.help) {
    out(USAGE);
    return 0;
  }
  if (values.version) {
    out(`rpcgen ${rpcgenVersion()}`);
    return 0;
  }
  if (positionals.length === 0) {
    err("rpcgen: error: no input files\nRun 'rpcgen --help' for usage.");
    return 1;
  }
  const result = compile({ files: positionals, includeDirs: values.include ?? [] });
  const shown = values["no-warnings"] ? result.diagnostics.filter((d) => d.severity === "error") : result.diagnostics;
  for (const d of shown) err(formatDiagnostic(d, d.loc && result.sources.get(d.loc.file), d.loc && displayPath(d.loc.file)));
  if (shown.length) err(summary(result.diagnostics, shown));
  if (result.hasErrors) return 1;
  if (values.out !== undefined) {
    try {
      const written = await generateToDirectory(result, values.out);
      out(`rpcgen: wrote ${written.length} file${written.length === 1 ? "" : "s"} to ${values.out}`);
    } catch (e) {
      if (e instanceof OutputPathClash) err(`rpcgen: error: ${new OutputPathClash(e.module, e.files, displayPath).message}`);
      else err(`rpcgen: error: cannot write output: ${(e as Error).message}`);
      return 1;
    }
  }
  return 0;
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

function summary(all: readonly Diagnostic[], shown: readonly Diagnostic[]): string {
  const errors = all.filter((d) => d.severity === "error").length;
  const warnings = shown.filter((d) => d.severity === "warning").length;
  const parts = [];
  if (errors) parts.push(`${errors} error${errors === 1 ? "" : "s"}`);
  if (warnings) parts.push(`${warnings} warning${warnings === 1 ? "" : "s"}`);
  return parts.join(", ");
}

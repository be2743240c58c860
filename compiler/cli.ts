/** The `rpcgen` command line: check IDL files and (with -o) generate TypeScript. The executable is bin.ts. */
import { fstatSync } from "node:fs";
import { createRequire } from "node:module";
import { relative } from "node:path";
import { parseArgs } from "node:util";
import { colors, noColors, type Palette } from "./ansi.js";
import { compile } from "./compile.js";
import { formatDiagnostic, type Diagnostic } from "./diagnostics.js";
import { generateToDirectory } from "./generate.js";
import { OutputPathClash } from "./output-paths.js";
import { Suggester } from "./suggest.js";
import { rpcgenVersion } from "./version.js";

const USAGE = `Usage: rpcgen <files...> [-I <dir>]... [-o <dir>] [options]

Compiles Thrift IDL files: parses and checks them and, with -o, writes TypeScript
(types, codecs, client and server stubs) for each file and its includes.

Options:
  -o, --out <dir>        write generated TypeScript into <dir>
  -I, --include <dir>    search <dir> for included files (after the including file's own directory); repeatable
      --no-warnings      do not print warnings
      --color <when>     colour diagnostics: auto (on a terminal; the default), always or never
  -h, --help             show this help
  -v, --version          print the version

Exit status: 0 when there are no errors, 1 otherwise.`;

const OPTIONS = {
  out: { type: "string", short: "o" },
  include: { type: "string", short: "I", multiple: true },
  "no-warnings": { type: "boolean" },
  color: { type: "string" },
  help: { type: "boolean", short: "h" },
  version: { type: "boolean", short: "v" },
} as const;

/** What the CLI asks of its surroundings; tests pass their own. */
export interface CliEnvironment {
  /** Environment variables: NO_COLOR, FORCE_COLOR, TERM. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Whether stderr is a terminal; only asked when colour depends on it. */
  stderrIsTerminal(): boolean;
}

const processEnvironment: CliEnvironment = {
  env: process.env,
  stderrIsTerminal() {
    // node:tty loads the net and stream modules (a few ms), so a pipe or a file, which fstat tells
    // apart cheaply, is answered without it; a character device may be a terminal or /dev/null.
    try {
      if (!fstatSync(2).isCharacterDevice()) return false;
    } catch {
      return false;
    }
    const tty = createRequire(import.meta.url)("node:tty") as typeof import("node:tty");
    return tty.isatty(2);
  },
};

type ColorChoice = "auto" | "always" | "never";

/**
 * Colour per the usual conventions: `--color` decides when given; else FORCE_COLOR (unless "0" or
 * "false") turns it on, a non-empty NO_COLOR or TERM=dumb off, and otherwise it is on when stderr is a
 * terminal.
 */
function useColor(choice: ColorChoice, cli: CliEnvironment): boolean {
  if (choice !== "auto") return choice === "always";
  const force = cli.env["FORCE_COLOR"];
  if (force !== undefined) return force !== "0" && force !== "false";
  if (cli.env["NO_COLOR"] || cli.env["TERM"] === "dumb") return false;
  return cli.stderrIsTerminal();
}

export async function main(argv: string[], out: (s: string) => void, err: (s: string) => void, cli: CliEnvironment = processEnvironment): Promise<number> {
  const usageError = (message: string): number => {
    const palette = useColor("auto", cli) ? colors : noColors;
    err(`rpcgen: ${palette.severity("error", "error:")} ${message}\nRun 'rpcgen --help' for usage.`);
    return 1;
  };
  let args;
  try {
    args = parseArgs({ args: argv, allowPositionals: true, strict: true, options: OPTIONS });
  } catch (e) {
    return usageError(optionErrorMessage(e as Error & { code?: string }));
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
  const choice = values.color ?? "auto";
  if (choice !== "auto" && choice !== "always" && choice !== "never") {
    return usageError(`--color takes auto, always or never, not '${choice}'`);
  }
  if (positionals.length === 0) return usageError("no input files");
  const result = compile({ files: positionals, includeDirs: values.include ?? [] });
  const shown = values["no-warnings"] ? result.diagnostics.filter((d) => d.severity === "error") : result.diagnostics;
  if (shown.length) {
    const color = useColor(choice, cli);
    for (const d of shown) err(formatDiagnostic(d, d.loc && result.sources.get(d.loc.file), d.loc && displayPath(d.loc.file), { color }));
    err(summary(result.diagnostics, shown, color ? colors : noColors));
  }
  if (result.hasErrors) return 1;
  if (values.out !== undefined) {
    try {
      const written = await generateToDirectory(result, values.out);
      out(`rpcgen: wrote ${written.length} file${written.length === 1 ? "" : "s"} to ${values.out}`);
    } catch (e) {
      const palette = useColor(choice, cli) ? colors : noColors;
      const message = e instanceof OutputPathClash ? new OutputPathClash(e.module, e.files, displayPath).message : `cannot write output: ${(e as Error).message}`;
      err(`rpcgen: ${palette.severity("error", "error:")} ${message}`);
      return 1;
    }
  }
  return 0;
}

/** parseArgs' message without its advice about '--', and a suggestion for a misspelt option. */
function optionErrorMessage(e: Error & { code?: string }): string {
  const message = e.message.replace(/\. To specify.*$/s, "");
  const unknown = e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" ? /^Unknown option '(--[^']+)'/.exec(message)?.[1] : undefined;
  if (unknown === undefined) return message;
  const longOptions = Object.keys(OPTIONS).map((name) => `--${name}`);
  return message + new Suggester().didYouMean(unknown, longOptions);
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel.startsWith("..") ? file : rel;
}

function summary(all: readonly Diagnostic[], shown: readonly Diagnostic[], palette: Palette): string {
  const errors = all.filter((d) => d.severity === "error").length;
  const warnings = shown.filter((d) => d.severity === "warning").length;
  const parts = [];
  if (errors) parts.push(palette.severity("error", `${errors} error${errors === 1 ? "" : "s"}`));
  if (warnings) parts.push(palette.severity("warning", `${warnings} warning${warnings === 1 ? "" : "s"}`));
  return parts.join(", ");
}

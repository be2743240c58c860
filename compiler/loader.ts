/**
 * Loads the IDL files of a compilation and, transitively, their includes: relative to the including
 * file first, then each `-I` directory in order, as Apache's compiler does. Reports missing files
 * (listing where it looked) and include cycles.
 */
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DiagnosticBag, type Diagnostic } from "./diagnostics.js";
import type { Program } from "./model.js";
import { parse } from "./parse.js";
import type { SourceFile } from "./source-file.js";

export interface FileSystem {
  /** Returns the file's text, or undefined when it does not exist or is not a file. */
  readFile(path: string): string | undefined;
}

export const nodeFileSystem: FileSystem = {
  readFile(path) {
    try {
      if (!existsSync(path) || !statSync(path).isFile()) return undefined;
      return readFileSync(path, "utf8");
    } catch {
      return undefined;
    }
  },
};

export interface LoadResult {
  /** Every loaded program, each after the programs it includes. */
  programs: Program[];
  /** The programs of the files asked for, in the order given. */
  roots: Program[];
  sources: Map<string, SourceFile>;
  /** The `-I` directories, absolute, in order. */
  includeDirs: string[];
  diagnostics: Diagnostic[];
}

export function loadPrograms(files: readonly string[], includeDirs: readonly string[], fs: FileSystem): LoadResult {
  const diagnostics = new DiagnosticBag();
  const parsedDiagnostics: Diagnostic[] = [];
  const programs: Program[] = [];
  const sources = new Map<string, SourceFile>();
  const byPath = new Map<string, Program>();
  const inProgress: string[] = [];
  const dirs = includeDirs.map((d) => resolve(d));

  const load = (path: string): Program | undefined => {
    const cached = byPath.get(path);
    if (cached) return cached;
    const text = fs.readFile(path);
    if (text === undefined) return undefined;
    const parsed = parse(text, path);
    parsedDiagnostics.push(...parsed.diagnostics);
    sources.set(path, parsed.source);
    byPath.set(path, parsed.program);
    inProgress.push(path);
    for (const inc of parsed.program.includes) {
      const candidates = [resolve(dirname(path), inc.path), ...dirs.map((d) => resolve(d, inc.path))];
      const found = candidates.find((c) => fs.readFile(c) !== undefined);
      if (!found) {
        const where = [...new Set(candidates.map((c) => dirname(c)))].join(", ");
        diagnostics.error(`cannot find included file '${inc.path}' (looked in: ${where})`, inc.loc);
        continue;
      }
      const cycleStart = inProgress.indexOf(found);
      if (cycleStart >= 0) {
        const chain = [...inProgress.slice(cycleStart), found].map((p) => p.split("/").pop()).join(" -> ");
        diagnostics.error(`include cycle: ${chain}`, inc.loc);
        continue;
      }
      const included = load(found);
      if (included) inc.program = included;
    }
    inProgress.pop();
    programs.push(parsed.program);
    return parsed.program;
  };

  const roots: Program[] = [];
  for (const file of files) {
    const path = resolve(file);
    const program = load(path);
    if (program) roots.push(program);
    else diagnostics.error(`cannot read '${file}': no such file`);
  }
  return { programs, roots, sources, includeDirs: dirs, diagnostics: [...parsedDiagnostics, ...diagnostics.items] };
}

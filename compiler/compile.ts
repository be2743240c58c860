/** The front-end pipeline: load (lex, parse, build) → resolve → check. */
import { checkPrograms } from "./checker.js";
import { DiagnosticBag, sortDiagnostics, type Diagnostic } from "./diagnostics.js";
import { loadPrograms, nodeFileSystem, type FileSystem } from "./loader.js";
import type { Program } from "./model.js";
import { createScopes, resolvePrograms } from "./resolver.js";
import type { SourceFile } from "./source-file.js";

export interface CompileOptions {
  /** IDL files to compile. */
  files: readonly string[];
  /** `-I` directories searched, in order, after the including file's own directory. */
  includeDirs?: readonly string[];
  /** Where files are read from; the real file system by default. */
  fileSystem?: FileSystem;
}

export interface CompileResult {
  /** The programs of the files asked for, in order. */
  roots: Program[];
  /** Every program loaded, each after the programs it includes. */
  programs: Program[];
  /** Sorted by file and position. */
  diagnostics: Diagnostic[];
  /** The `-I` directories, absolute, in order. */
  includeDirs: string[];
  /** Source text of every loaded file, for rendering diagnostics. */
  sources: Map<string, SourceFile>;
  /** True when any diagnostic is an error. */
  hasErrors: boolean;
}

export function compile(options: CompileOptions): CompileResult {
  const loaded = loadPrograms(options.files, options.includeDirs ?? [], options.fileSystem ?? nodeFileSystem);
  const bag = new DiagnosticBag();
  const scopeOf = createScopes(loaded.programs);
  resolvePrograms(loaded.programs, scopeOf, bag);
  checkPrograms(loaded.programs, scopeOf, bag);
  const diagnostics = sortDiagnostics([...loaded.diagnostics, ...bag.items]);
  return {
    roots: loaded.roots,
    programs: loaded.programs,
    diagnostics,
    includeDirs: loaded.includeDirs,
    sources: loaded.sources,
    hasErrors: diagnostics.some((d) => d.severity === "error"),
  };
}

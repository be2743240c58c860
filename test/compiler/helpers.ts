/** Shared helpers for the front-end tests: an in-memory file system and short views of diagnostics. */
import {
  compile,
  type CompileResult,
  type Definition,
  type Diagnostic,
  type FileSystem,
  type Program,
} from "../../compiler/index.js";

/** A file system backed by a map of absolute paths to contents. */
export function memFs(files: Record<string, string>): FileSystem & { reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile(path: string) {
      reads.push(path);
      return Object.prototype.hasOwnProperty.call(files, path) ? files[path] : undefined;
    },
  };
}

/** The file name used by `compileText`. */
export const MAIN = "/idl/main.thrift";

/** Compiles one in-memory file at /idl/main.thrift. */
export function compileText(text: string): CompileResult {
  return compile({ files: [MAIN], fileSystem: memFs({ [MAIN]: text }) });
}

/** Compiles the in-memory `files`, starting from `root` (default: the first key). */
export function compileFiles(files: Record<string, string>, options: { root?: string; includeDirs?: string[] } = {}): CompileResult {
  const root = options.root ?? Object.keys(files)[0]!;
  return compile({ files: [root], includeDirs: options.includeDirs ?? [], fileSystem: memFs(files) });
}

/** `line:col: severity: message`, with the file's base name when it is not MAIN. */
export function show(d: Diagnostic): string {
  if (!d.loc) return `${d.severity}: ${d.message}`;
  const file = d.loc.file === MAIN ? "" : `${d.loc.file.split("/").pop()}:`;
  return `${file}${d.loc.line}:${d.loc.column}: ${d.severity}: ${d.message}`;
}

export function errors(r: { diagnostics: readonly Diagnostic[] }): string[] {
  return r.diagnostics.filter((d) => d.severity === "error").map(show);
}

export function warnings(r: { diagnostics: readonly Diagnostic[] }): string[] {
  return r.diagnostics.filter((d) => d.severity === "warning").map(show);
}

export function all(r: { diagnostics: readonly Diagnostic[] }): string[] {
  return r.diagnostics.map(show);
}

/** The root program, asserting that it exists. */
export function root(r: CompileResult): Program {
  const p = r.roots[0];
  if (!p) throw new Error(`no root program; diagnostics: ${all(r).join("; ")}`);
  return p;
}

/** The definition type(s) whose `kind` can be K (StructDef covers struct, union and exception). */
type OfKind<D, K> = D extends { kind: infer DK } ? (K extends DK ? D : never) : never;
export type DefinitionOfKind<K extends Definition["kind"]> = OfKind<Definition, K>;

/** A definition of the root program by name and kind. */
export function def<K extends Definition["kind"]>(r: CompileResult | Program, name: string, kind: K): DefinitionOfKind<K> {
  const program = "definitions" in r ? r : root(r);
  const d = program.definitions.find((x) => x.name === name);
  if (!d) throw new Error(`no definition '${name}' in ${program.path}`);
  if (d.kind !== kind) throw new Error(`'${name}' is a ${d.kind}, not a ${kind}`);
  return d as DefinitionOfKind<K>;
}

/** Compiles and asserts there are no errors, returning the result (warnings allowed). */
export function compileOk(text: string): CompileResult {
  const r = compileText(text);
  const e = errors(r);
  if (e.length) throw new Error(`unexpected errors:\n${e.join("\n")}`);
  return r;
}

/** Strips source locations, program back-links and resolver targets, so models can be compared structurally. */
export function shape(value: unknown): unknown {
  return JSON.parse(
    JSON.stringify(value, (k, v: unknown) =>
      k === "loc" || k === "nameLoc" || k === "program" || k === "target" ? undefined : typeof v === "bigint" ? `${v}n` : v,
    ),
  );
}

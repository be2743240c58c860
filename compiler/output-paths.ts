/**
 * Where each IDL file's module goes, as protoc places its outputs: at the file's path relative to the
 * root that contains it. The roots are the `-I` directories, in the order given, then the directories
 * of the files asked for, in order; a file goes under the first root that contains it. A file under no
 * root (an include reached through `..`) counts its own directory as its root. So a file's output
 * path depends only on the command line, never on which files include which: `idl/s.thrift` is
 * `s.ts` whether or not it includes `t.thrift` from `-I third_party` (which is `t.ts`).
 */
import { basename, dirname, isAbsolute, relative, sep } from "node:path";
import type { Program } from "./model.js";

export interface OutputPath {
  /** The module's path in the output directory, `/`-separated, ending in `.ts`. */
  module: string;
  /** The IDL file's path relative to its root, `/`-separated (for the generated file's header). */
  source: string;
}

/** Two IDL files that would be written to the same module. */
export class OutputPathClash extends Error {
  override name = "OutputPathClash";
  readonly module: string;
  readonly files: readonly [string, string];

  constructor(module: string, files: readonly [string, string], show: (path: string) => string = (p) => p) {
    super(
      `'${show(files[0])}' and '${show(files[1])}' would both be written to ${module} (files are placed relative to the first ` +
        "-I directory that contains them, else to their input file's directory): rename one, or pass an -I directory above both",
    );
    this.module = module;
    this.files = files;
  }
}

function toPosix(path: string): string {
  return sep === "/" ? path : path.split(sep).join("/");
}

/** `path` relative to `dir`, when `dir` contains it. */
function within(dir: string, path: string): string | undefined {
  const rel = relative(dir, path);
  if (rel === "" || isAbsolute(rel) || rel === ".." || rel.startsWith(".." + sep)) return undefined;
  return rel;
}

/**
 * The output path of every program. `includeDirs` are absolute, in `-I` order; `inputs` are the
 * programs of the files asked for, in order. Throws OutputPathClash when two files map to one module.
 */
export function outputPaths(programs: readonly Program[], inputs: readonly Program[], includeDirs: readonly string[]): Map<Program, OutputPath> {
  const roots = [...new Set([...includeDirs, ...inputs.map((p) => dirname(p.path))])];
  const paths = new Map<Program, OutputPath>();
  const byModule = new Map<string, Program>();
  for (const program of programs) {
    let rel: string | undefined;
    for (const root of roots) if ((rel = within(root, program.path)) !== undefined) break;
    const source = toPosix(rel ?? basename(program.path));
    const module = source.replace(/\.[^./]*$/, "") + ".ts";
    const other = byModule.get(module);
    if (other !== undefined && other.path !== program.path) throw new OutputPathClash(module, [other.path, program.path]);
    byModule.set(module, program);
    paths.set(program, { module, source });
  }
  return paths;
}

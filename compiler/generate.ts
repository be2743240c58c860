/** Generation: the checked model → one TypeScript module per IDL file, laid out like the IDL tree. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative, sep } from "node:path";
import type { CompileResult } from "./compile.js";
import { emitProgram } from "./emit/file.js";
import type { Program } from "./model.js";
import { rpcgenVersion } from "./version.js";

export interface GenerateOptions {
  /** Module specifier generated code imports the runtime from. */
  runtimeImport?: string;
}

export interface GeneratedOutput {
  /** Path relative to the output directory, `/`-separated. */
  path: string;
  content: string;
}


/** The deepest directory containing every program. */
function commonRoot(programs: readonly Program[]): string {
  let root = dirname(programs[0]!.path);
  for (const p of programs) {
    while (relative(root, p.path).startsWith("..")) root = dirname(root);
  }
  return root;
}

export function generate(result: CompileResult, options: GenerateOptions = {}): GeneratedOutput[] {
  if (result.programs.length === 0) return [];
  const root = commonRoot(result.programs);
  const toPosix = (p: string): string => p.split(sep).join("/");
  const paths = new Map<Program, string>();
  const modulePath = (p: Program): string => {
    let path = paths.get(p);
    if (path === undefined) {
      path = toPosix(relative(root, p.path)).replace(/\.[^./]*$/, "") + ".ts";
      paths.set(p, path);
    }
    return path;
  };
  const ctx = {
    version: rpcgenVersion(),
    runtimeImport: options.runtimeImport ?? "rpcgen/runtime",
    modulePath,
    sourceName: (p: Program) => toPosix(relative(root, p.path)),
  };
  return result.programs.map((p) => ({ path: modulePath(p), content: emitProgram(p, ctx).print() }));
}

export async function generateToDirectory(result: CompileResult, outDir: string, options: GenerateOptions = {}): Promise<string[]> {
  const outputs = generate(result, options);
  for (const o of outputs) {
    const target = join(outDir, o.path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, o.content);
  }
  return outputs.map((o) => o.path);
}

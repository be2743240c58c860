/** Generation: the checked model → one TypeScript module per IDL file (placed as output-paths.ts says). */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { CompileResult } from "./compile.js";
import { emitProgram } from "./emit/file.js";
import type { Program } from "./model.js";
import { outputPaths, type OutputPath } from "./output-paths.js";
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

/**
 * One module per program, each at its output path (see output-paths.ts). Throws OutputPathClash, before
 * generating anything, when two files would be written to the same module.
 */
export function generate(result: CompileResult, options: GenerateOptions = {}): GeneratedOutput[] {
  const paths = outputPaths(result.programs, result.roots, result.includeDirs);
  const pathOf = (p: Program): OutputPath => {
    const path = paths.get(p);
    if (path === undefined) throw new Error(`internal error: ${p.path} is not among the compiled programs`);
    return path;
  };
  const ctx = {
    version: rpcgenVersion(),
    runtimeImport: options.runtimeImport ?? "rpcgen/runtime",
    modulePath: (p: Program) => pathOf(p).module,
    sourceName: (p: Program) => pathOf(p).source,
  };
  return result.programs.map((p) => ({ path: pathOf(p).module, content: emitProgram(p, ctx).print() }));
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

/**
 * Golden cases: each folder under cases/ holds IDL input (input/*.thrift|idl, or case.json naming
 * files in ../shared/corpus) and the committed expected output (expected/). `npm run golden:update`
 * rewrites expected/ from the current emitter.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { compile } from "../../compiler/compile.js";
import { generate, type GeneratedOutput } from "../../compiler/generate.js";

import { corpus, SHARED_DIR } from "../support/environment.js";

export const casesDir = resolve(import.meta.dirname, "cases");
export const sharedDir = SHARED_DIR;

export interface GoldenCase {
  name: string;
  dir: string;
  inputs: string[];
  includeDirs: string[];
  /** Why the case cannot run here (its inputs are in the corpus, which is missing); undefined when it can. */
  unavailable?: string | undefined;
}

export function listCases(): GoldenCase[] {
  return readdirSync(casesDir)
    .filter((n) => statSync(join(casesDir, n)).isDirectory())
    .sort()
    .map((name) => {
      const dir = join(casesDir, name);
      const spec = join(dir, "case.json");
      if (existsSync(spec)) {
        const json = JSON.parse(readFileSync(spec, "utf8")) as { inputs: string[]; includeDirs?: string[] };
        return {
          name,
          dir,
          inputs: json.inputs.map((p) => resolve(sharedDir, p)),
          includeDirs: (json.includeDirs ?? []).map((p) => resolve(sharedDir, p)),
          unavailable: corpus.missing === undefined ? undefined : `${corpus.name}: ${corpus.missing}`,
        };
      }
      const inputDir = join(dir, "input");
      const inputs = readdirSync(inputDir)
        .filter((f) => /\.(thrift|idl)$/.test(f))
        .sort()
        .map((f) => join(inputDir, f));
      return { name, dir, inputs, includeDirs: [] };
    });
}

export function generateCase(c: GoldenCase): GeneratedOutput[] {
  const result = compile({ files: c.inputs, includeDirs: c.includeDirs });
  const errors = result.diagnostics.filter((d) => d.severity === "error");
  if (errors.length) throw new Error(`${c.name}: ${errors.map((e) => `${e.loc?.file}:${e.loc?.line}: ${e.message}`).join("\n")}`);
  return generate(result);
}

/** Every file under dir, as `/`-separated relative paths. */
export function listFiles(dir: string, prefix = ""): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? listFiles(p, `${prefix}${n}/`) : [`${prefix}${n}`];
    })
    .sort();
}

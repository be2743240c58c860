/**
 * Type-check gate: the generated code for every corpus file Apache's compiler accepts compiles under
 * `strict` and every stricter setting users turn on (strict-flags.ts), against the built runtime's
 * declarations with skipLibCheck off, in one tsc run. Files are compiled per project (all of a
 * project's accepted files in one compile) so shared includes are generated once.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { afterAll, expect, test } from "vitest";
import { compile } from "../../compiler/compile.js";
import { generate } from "../../compiler/generate.js";
import { APACHE_CORPUS as apache, corpus, describeWith, REAL_WORLD_CORPUS as realWorld } from "../support/environment.js";
import { strictFlags } from "./strict-flags.js";

const root = resolve(import.meta.dirname, "../..");
const typescriptVersion = (JSON.parse(readFileSync(join(root, "node_modules/typescript/package.json"), "utf8")) as { version: string }).version;
const out = mkdtempSync(join(tmpdir(), "rpcgen-typecheck-"));
afterAll(() => rmSync(out, { recursive: true, force: true }));

/** Deliberate differences (see test/compiler/corpus.test.ts): Apache accepts these, rpcgen rejects them. */
const rejected = new Set([
  "creditkarma-thrift-typescript/src/tests/integration/thrift/common/common.thrift",
  "creditkarma-thrift-typescript/src/tests/unit/fixtures/thrift/common.thrift",
  "creditkarma-thrift-typescript/src/tests/unit/fixtures/thrift/calculator.thrift",
]);

interface Row {
  project: string;
  stored: string;
  includeDirs: string[];
}

function acceptedRows(): Row[] {
  const [header, ...lines] = readFileSync(join(realWorld, "MANIFEST.tsv"), "utf8").trimEnd().split("\n");
  const cols = header!.split("\t");
  const col = (name: string): number => cols.indexOf(name);
  return lines
    .map((l) => l.split("\t"))
    .filter((c) => c[col("official_ok")] === "y" && !rejected.has(c[col("stored")]!))
    .map((c) => ({
      project: c[col("project")]!,
      stored: c[col("stored")]!,
      includeDirs: c[col("include_dirs")]!.split(";").filter((d) => d && d !== "<dir of file>").map((d) => join(realWorld, d)),
    }));
}

/** The deepest directory containing every file. */
function commonDir(files: readonly string[]): string {
  let dir = dirname(files[0]!);
  for (const f of files) while (!f.startsWith(dir + sep)) dir = dirname(dir);
  return dir;
}

describeWith([corpus])("the corpus", () => test("generated code for every accepted corpus file type-checks under every strict flag (one tsc run)", () => {
  const groups = new Map<string, Row[]>();
  for (const r of acceptedRows()) groups.set(r.project, [...(groups.get(r.project) ?? []), r]);
  const jobs = [...groups].map(([project, rows]) => ({
    name: project,
    files: rows.map((r) => join(realWorld, r.stored)),
    includeDirs: [...new Set(rows.flatMap((r) => r.includeDirs))],
  }));
  jobs.push({ name: "apache-thrift", files: ["ThriftTest", "DebugProtoTest", "ConstantsDemo", "AnnotationTest", "DocTest", "NameConflictTest", "OptionalRequiredTest", "Recursive", "SmallTest", "tutorial"].map((f) => join(apache, `${f}.thrift`)), includeDirs: [] });

  let files = 0;
  let lines = 0;
  for (const job of jobs) {
    const result = compile({ files: job.files, includeDirs: job.includeDirs });
    expect(result.diagnostics.filter((d) => d.severity === "error").map((d) => `${d.loc?.file}:${d.loc?.line} ${d.message}`), job.name).toEqual([]);
    // One compile holds files from unrelated directories of a project (several are named main.thrift):
    // placed relative to the project's directory, as `-I <project>` would place them, none clash.
    for (const o of generate({ ...result, includeDirs: [commonDir(job.files), ...result.includeDirs] })) {
      const target = join(out, job.name, o.path);
      mkdirSync(dirname(target), { recursive: true });
      writeFileSync(target, o.content);
      files++;
      lines += o.content.split("\n").length;
    }
  }
  expect(files).toBeGreaterThan(100);
  writeFileSync(join(out, "package.json"), JSON.stringify({ type: "module" }));
  // `rpcgen/runtime` is the built package, as an application installing rpcgen sees it.
  mkdirSync(join(out, "node_modules"));
  symlinkSync(root, join(out, "node_modules/rpcgen"), "dir");
  writeFileSync(
    join(out, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "ES2022",
        lib: ["ES2022"],
        module: "NodeNext",
        moduleResolution: "NodeNext",
        ...Object.fromEntries(strictFlags(typescriptVersion).map((flag) => [flag, true])),
        skipLibCheck: false,
        noEmit: true,
        // The runtime's TCP transport needs Node's types; generated code itself is checked for
        // Node-only APIs by the golden tests.
        types: ["node"],
        typeRoots: [join(root, "node_modules/@types")],
      },
      include: ["**/*.ts"],
    }),
  );
  let output = "";
  try {
    execFileSync(process.execPath, ["--max-old-space-size=4096", join(root, "node_modules/typescript/bin/tsc"), "-p", join(out, "tsconfig.json")], { encoding: "utf8", stdio: "pipe" });
  } catch (e) {
    output = (e as { stdout?: string }).stdout ?? String(e);
  }
  expect(output.split("\n").slice(0, 30).join("\n"), `${files} files, ${lines} lines`).toBe("");
}, 600_000));

import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { expect, test } from "vitest";
import { compile } from "../compiler/compile.js";
import { generate } from "../compiler/generate.js";
import { APACHE_CORPUS, corpus, describeWith } from "./support/environment.js";

const root = resolve(import.meta.dirname, "..");
const idlFiles = readdirSync(join(root, "idl"))
  .filter((f) => f.endsWith(".idl") || f.endsWith(".thrift"))
  .map((f) => join(root, "idl", f));

test("generated/ is what rpcgen makes of idl/ today (run `npm run generate` after changing either)", () => {
  const result = compile({ files: idlFiles });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const outputs = generate(result);
  const committed = readdirSync(join(root, "generated")).filter((f) => f.endsWith(".ts")).sort();
  expect(outputs.map((o) => o.path).sort()).toEqual(committed);
  for (const o of outputs) expect(o.content, o.path).toBe(readFileSync(join(root, "generated", o.path), "utf8"));
});

describeWith([corpus])("interop/thrift-test/", () => test("is what rpcgen makes of the shared ThriftTest.v0.16-nouuid.thrift today (run `npm run interop:generate`)", () => {
  const result = compile({ files: [join(APACHE_CORPUS, "ThriftTest.v0.16-nouuid.thrift")] });
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const outputs = generate(result);
  const committed = readdirSync(join(root, "interop/thrift-test")).filter((f) => f.endsWith(".ts")).sort();
  expect(outputs.map((o) => o.path).sort()).toEqual(committed);
  for (const o of outputs) expect(o.content, o.path).toBe(readFileSync(join(root, "interop/thrift-test", o.path), "utf8"));
}));

test("the README shows generated/calc.ts as it is", () => {
  const readme = readFileSync(join(root, "README.md"), "utf8");
  const snippet = /For `idl\/calc.idl`[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(snippet, "README section with the generated calc code").toBeDefined();
  expect(readFileSync(join(root, "generated/calc.ts"), "utf8")).toContain(snippet!.trim());
});

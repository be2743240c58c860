/** `npm run demo` prints what the README says it prints (the port aside, which is whichever was free). */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect, test } from "vitest";
import { ROOT } from "./support/environment.js";

test("the demo's output is the README's", () => {
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const block = /### The demo[\s\S]*?```\n\$ npm run demo\n([\s\S]*?)```/.exec(readme)?.[1];
  expect(block, "README's demo block").toBeDefined();
  const [banner, output] = block!.split("\n\n").map((p) => p.replace(/^\n+/, "")).filter((p) => p !== "") as [string, string];
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { name: string; version: string; scripts: Record<string, string> };
  expect(banner).toBe(`> ${pkg.name}@${pkg.version} demo\n> ${pkg.scripts["demo"]}`);
  const printed = execFileSync(process.execPath, [join(ROOT, "dist/scripts/demo.js")], { encoding: "utf8", timeout: 60_000 });
  const port = /^calc server listening on 127\.0\.0\.1:(\d+)$/m.exec(printed)?.[1];
  expect(port, printed).toBeDefined();
  expect(printed).toBe(output.replace(/127\.0\.0\.1:\d+/, `127.0.0.1:${port}`));
});

/**
 * Ends a test run with what was skipped for want of the corpus or the peers, and how to get them (the
 * notes of the stand-in tests of environment.ts), so such a run says so instead of passing quietly with
 * fewer tests.
 */
import type { Reporter, TestModule } from "vitest/node";
import { REQUIREMENTS } from "./environment.js";

export default class SkipReporter implements Reporter {
  onTestRunEnd(modules: ReadonlyArray<TestModule>): void {
    const notes: { file: string; test: string; note: string }[] = [];
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        const r = t.result();
        if (r.state === "skipped" && r.note !== undefined) notes.push({ file: m.relativeModuleId, test: t.fullName, note: r.note });
      }
    }
    if (notes.length === 0) return;
    const lines = ["", `Skipped here: ${notes.length} test group(s) need what this machine lacks (under CI=true they fail instead):`];
    for (const req of REQUIREMENTS) {
      if (req.missing === undefined) continue;
      const reason = `${req.name}: ${req.missing}`;
      const files = new Map<string, number>();
      for (const n of notes) if (n.note.includes(reason)) files.set(n.file, (files.get(n.file) ?? 0) + 1);
      if (files.size === 0) continue;
      lines.push(`  - ${reason}`);
      lines.push(`    skipped: ${[...files].map(([f, k]) => (k > 1 ? `${f} (${k})` : f)).join(", ")}`);
    }
    const other = notes.filter((n) => !REQUIREMENTS.some((r) => r.missing !== undefined && n.note.includes(`${r.name}: ${r.missing}`)));
    for (const n of other) lines.push(`  - ${n.file} > ${n.test}: ${n.note}`);
    process.stdout.write(lines.join("\n") + "\n\n");
  }
}

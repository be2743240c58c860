import { Suggester } from "./suggest.js";
import type { SourceLocation } from "./model.js";
import type { SourceFile } from "./source-file.js";

export type Severity = "error" | "warning";

export interface Diagnostic {
  readonly severity: Severity;
  readonly message: string;
  /** Absent only for problems with no place in a file (e.g. a file given on the command line that does not exist). */
  readonly loc?: SourceLocation;
}

/** Collects diagnostics in the order they are found. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  /** Did-you-mean suggestions for the messages, within one budget for everything this bag collects. */
  readonly suggester = new Suggester();

  error(message: string, loc?: SourceLocation): void {
    this.items.push({ severity: "error", message, ...(loc && { loc }) });
  }

  warning(message: string, loc?: SourceLocation): void {
    this.items.push({ severity: "warning", message, ...(loc && { loc }) });
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === "error");
}

/** Sorts by file, then position, keeping the discovery order for equal positions. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return diagnostics
    .map((d, i) => ({ d, i }))
    .sort((a, b) => {
      const fa = a.d.loc?.file ?? "";
      const fb = b.d.loc?.file ?? "";
      if (fa !== fb) return fa < fb ? -1 : 1;
      const oa = a.d.loc?.offset ?? -1;
      const ob = b.d.loc?.offset ?? -1;
      return oa - ob || a.i - b.i;
    })
    .map((x) => x.d);
}

/**
 * Renders a diagnostic the way tsc and rustc users expect:
 *
 *     path:line:col: error: message
 *       12 |   1: i32 foo = "x"
 *          |                ^^^
 */
export function formatDiagnostic(d: Diagnostic, source?: SourceFile, displayPath?: string): string {
  if (!d.loc) return `${displayPath ?? "rpcgen"}: ${d.severity}: ${d.message}`;
  const path = displayPath ?? d.loc.file;
  const head = `${path}:${d.loc.line}:${d.loc.column}: ${d.severity}: ${d.message}`;
  if (!source) return head;
  const text = source.lineText(d.loc.line).replace(/\t/g, " ");
  const gutter = String(d.loc.line);
  const pad = " ".repeat(gutter.length);
  const caretLen = Math.max(1, Math.min(d.loc.length, text.length - d.loc.column + 1));
  const caret = " ".repeat(Math.max(0, d.loc.column - 1)) + "^".repeat(caretLen);
  return `${head}\n ${gutter} | ${text}\n ${pad} | ${caret}`;
}

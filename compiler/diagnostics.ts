import { colors, noColors, type Palette } from "./ansi.js";
import { Suggester } from "./suggest.js";
import type { SourceLocation } from "./model.js";
import type { SourceFile } from "./source-file.js";

export type Severity = "error" | "warning";

export interface Diagnostic {
  readonly severity: Severity;
  readonly message: string;
  /** Absent only for problems with no place in a file (e.g. a file given on the command line that does not exist). */
  readonly loc?: SourceLocation;
  /** Other places that explain it (the `{` a missing `}` would close), each shown with its own line. */
  readonly notes?: readonly DiagnosticNote[];
}

export interface DiagnosticNote {
  readonly message: string;
  readonly loc: SourceLocation;
}

/** Collects diagnostics in the order they are found. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  /** Did-you-mean suggestions for the messages, within one budget for everything this bag collects. */
  readonly suggester = new Suggester();

  error(message: string, loc?: SourceLocation, notes?: readonly DiagnosticNote[]): void {
    this.items.push({ severity: "error", message, ...(loc && { loc }), ...(notes?.length && { notes }) });
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
 * Renders a diagnostic the way tsc and rustc users expect, each note after it in the same form:
 *
 *     path:line:col: error: message
 *       12 |   1: i32 foo = "x"
 *          |                ^^^
 *
 * A note in another file than the diagnostic is shown without its line (only `source` is at hand).
 * With `color`, severities, carets, locations and the gutter get rustc's terminal colours.
 */
export function formatDiagnostic(d: Diagnostic, source?: SourceFile, displayPath?: string, options: { color?: boolean } = {}): string {
  const palette = options.color ? colors : noColors;
  if (!d.loc) return `${displayPath ?? "rpcgen"}: ${palette.severity(d.severity, d.severity + ":")} ${palette.strong(d.message)}`;
  const parts = [located(palette, d.severity, d.message, d.loc, source, displayPath)];
  for (const note of d.notes ?? []) {
    const sameFile = note.loc.file === d.loc.file;
    parts.push(located(palette, "note", note.message, note.loc, sameFile ? source : undefined, sameFile ? displayPath : undefined));
  }
  return parts.join("\n");
}

function located(
  palette: Palette,
  label: "error" | "warning" | "note",
  message: string,
  loc: SourceLocation,
  source: SourceFile | undefined,
  displayPath: string | undefined,
): string {
  const head = `${palette.strong(`${displayPath ?? loc.file}:${loc.line}:${loc.column}:`)} ${palette.severity(label, label + ":")} ${palette.strong(message)}`;
  if (!source) return head;
  const text = source.lineText(loc.line).replace(/\t/g, " ");
  const gutter = String(loc.line);
  const pad = " ".repeat(gutter.length);
  const caretLen = Math.max(1, Math.min(loc.length, text.length - loc.column + 1));
  const caret = " ".repeat(Math.max(0, loc.column - 1)) + palette.severity(label, "^".repeat(caretLen));
  return `${head}\n ${palette.gutter(`${gutter} |`)} ${text}\n ${palette.gutter(`${pad} |`)} ${caret}`;
}

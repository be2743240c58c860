/**
 * The colours of diagnostics on a terminal, as rustc has them: the severity in bold red, yellow or
 * green (its carets too), the location and message in bold, the gutter in bold blue. A few escape
 * codes; no colour library (the CLI's start-up time is part of every run).
 */
export interface Palette {
  /** `error`, `warning` or `note`, and the carets under what they point at. */
  severity(label: "error" | "warning" | "note", text: string): string;
  /** The location and the message. */
  strong(text: string): string;
  /** The line number column and its bar. */
  gutter(text: string): string;
}

const codes = { error: "1;31", warning: "1;33", note: "1;32" } as const;
const paint = (code: string, text: string): string => (text === "" ? "" : `\x1b[${code}m${text}\x1b[0m`);

export const colors: Palette = {
  severity: (label, text) => paint(codes[label], text),
  strong: (text) => paint("1", text),
  gutter: (text) => paint("1;34", text),
};

export const noColors: Palette = {
  severity: (_label, text) => text,
  strong: (text) => text,
  gutter: (text) => text,
};

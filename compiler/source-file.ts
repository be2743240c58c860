import type { SourceLocation } from "./model.js";

/** A source text with a line index, so offsets turn into line/column and lines can be quoted. */
export class SourceFile {
  /** Built on first use: only diagnostics and a few locations need it. */
  private starts?: number[];

  constructor(
    readonly path: string,
    readonly text: string,
  ) {}

  private get lineStarts(): number[] {
    if (!this.starts) {
      const starts = [0];
      const text = this.text;
      if (text.indexOf("\r") < 0) {
        // The usual case, searched natively: most of this runs before V8 optimises anything.
        for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
      } else {
        for (let i = 0; i < text.length; i++) {
          const c = text.charCodeAt(i);
          if (c === 10) starts.push(i + 1);
          else if (c === 13 && text.charCodeAt(i + 1) !== 10) starts.push(i + 1);
        }
      }
      this.starts = starts;
    }
    return this.starts;
  }

  /** The line index (0-based) of the last lookup: the model is built front to back, so most lookups land on it or just after. */
  private lastLine = 0;

  /** 1-based line and column of a 0-based offset. */
  position(offset: number): { line: number; column: number } {
    const starts = this.lineStarts;
    let lo = this.lastLine;
    if (!(starts[lo]! <= offset && (lo + 1 >= starts.length || offset < starts[lo + 1]!))) {
      lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if (starts[mid]! <= offset) lo = mid;
        else hi = mid - 1;
      }
      this.lastLine = lo;
    }
    return { line: lo + 1, column: offset - starts[lo]! + 1 };
  }

  location(offset: number, length = 1): SourceLocation {
    const { line, column } = this.position(offset);
    return { file: this.path, line, column, offset, length: Math.max(1, length) };
  }

  /** The text of a 1-based line, without its line break. */
  lineText(line: number): string {
    const start = this.lineStarts[line - 1];
    if (start === undefined) return "";
    const next = this.lineStarts[line];
    let end = next === undefined ? this.text.length : next;
    while (end > start && (this.text[end - 1] === "\n" || this.text[end - 1] === "\r")) end--;
    return this.text.slice(start, end);
  }
}

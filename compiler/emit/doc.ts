/**
 * A small document printer with prettier's layout algorithm (groups that break when their content does
 * not fit in the remaining width, measured up to the next possible line break). The emitter describes
 * generated code as Docs shaped the way prettier prints the same constructs, so the output is already in
 * prettier's form without running prettier on every compile.
 */

export type Doc = string | Doc[] | Group | Indent | Line | IfBreak | BreakParent | Fill | IndentIfBreak | ConditionalGroup | Lines;

interface Group {
  readonly t: "group";
  readonly contents: Doc;
  /** Asked to break whatever its contents (prettier's `shouldBreak`). */
  readonly explicitBreak: boolean;
  /** Whether it breaks: asked to, or its contents force a break. Computed on first need by `breaks`. */
  forced: boolean | undefined;
  /** Lets a later indentIfBreak follow this group's decision. */
  readonly id: symbol | undefined;
  /** The contents printed flat, computed by the printer on first need; null when they cannot be (see flatText). */
  flat: string | null | undefined;
  /**
   * The ids of the groups inside the flat text: printing the text prints them flat, and a later
   * indentIfBreak must see that (the same doc can be printed more than once, so no stale decision
   * may survive).
   */
  flatIds: symbol[] | undefined;
}
/**
 * Tries its states in order (the first flat, the others as they are) and prints the first that fits
 * up to its first line break; the last otherwise. Prettier uses this to hug a last argument.
 */
interface ConditionalGroup {
  readonly t: "conditionalGroup";
  readonly states: readonly Doc[];
}
/** Indents its contents only if the group with `groupId` was printed broken. */
interface IndentIfBreak {
  readonly t: "indentIfBreak";
  readonly contents: Doc;
  readonly groupId: symbol;
}
interface Indent {
  readonly t: "indent";
  readonly contents: Doc;
}
interface Line {
  readonly t: "line";
  /** soft: nothing when flat; hard: always breaks. */
  readonly soft: boolean;
  readonly hard: boolean;
}
interface IfBreak {
  readonly t: "ifBreak";
  readonly broken: Doc;
  readonly flat: Doc;
}
interface BreakParent {
  readonly t: "breakParent";
}
/**
 * Text lines joined by hard lines, each at the current indentation: `join(hardline, lines)` in one
 * node. Doc comments are a quarter of the lines of a well-documented IDL's output, and the printer
 * writes these without a command per line.
 */
interface Lines {
  readonly t: "lines";
  readonly lines: readonly string[];
}
/** Content and separators alternating; a separator breaks only when the next content does not fit. */
interface Fill {
  readonly t: "fill";
  readonly parts: readonly Doc[];
}

export const line: Line = { t: "line", soft: false, hard: false };
export const softline: Line = { t: "line", soft: true, hard: false };
/** A line that always breaks, and breaks its enclosing groups (prettier's `[hardlineWithoutBreakParent, breakParent]` in one node). */
export const hardline: Line = { t: "line", soft: false, hard: true };
const breakParent: BreakParent = { t: "breakParent" };

/** `join(hardline, texts)`, for texts without line breaks. */
export function lines(texts: readonly string[]): Doc {
  return texts.length <= 1 ? (texts[0] ?? "") : { t: "lines", lines: texts };
}

/** A group: printed flat if it fits in the line, otherwise with its lines broken. */
export function group(contents: Doc, shouldBreak = false, id?: symbol): Group {
  // Every group has the same fields in the same order: one hidden class for the printer's hot loop.
  return { t: "group", contents, explicitBreak: shouldBreak, forced: shouldBreak || undefined, id, flat: undefined, flatIds: undefined };
}

/**
 * Whether a group breaks: asked to, or its contents contain a forced break (a hardline, or a group
 * that breaks). Prettier's propagateBreaks, done lazily and once per group: most groups are printed
 * flat as part of a larger flat text and never need asking.
 */
function breaks(g: Group): boolean {
  return g.forced === undefined ? (g.forced = containsForcedBreak(g.contents)) : g.forced;
}

/** Like prettier's propagateBreaks for one group: nested groups answer with their own flag. */
function containsForcedBreak(doc: Doc): boolean {
  if (typeof doc === "string") return false;
  if (Array.isArray(doc)) {
    for (let i = 0; i < doc.length; i++) if (containsForcedBreak(doc[i]!)) return true;
    return false;
  }
  switch (doc.t) {
    case "breakParent":
      return true;
    case "group":
      return breaks(doc);
    case "indent":
    case "indentIfBreak":
      return containsForcedBreak(doc.contents);
    case "ifBreak":
      return containsForcedBreak(doc.broken) || containsForcedBreak(doc.flat);
    case "fill":
      return doc.parts.some(containsForcedBreak);
    case "line":
      return doc.hard;
    case "lines":
      return true;
    case "conditionalGroup":
      // A conditional group stops propagation, as in prettier.
      return false;
  }
}

/**
 * `doc` printed flat as one string, or null when it cannot be: it contains a forced break (a hard line,
 * a breakParent, a group asked to break; also below a conditional group) or a fill. So a group whose
 * flat text is not null never breaks by force. Groups remember theirs: the printer measures a group
 * once and then writes it as one string instead of walking it node by node again.
 */
function flatText(doc: Doc, ids: symbol[]): string | null {
  if (typeof doc === "string") return doc;
  if (Array.isArray(doc)) {
    let s = "";
    for (let i = 0; i < doc.length; i++) {
      const part = flatText(doc[i]!, ids);
      if (part === null) return null;
      s += part;
    }
    return s;
  }
  switch (doc.t) {
    case "group": {
      if (doc.explicitBreak) return null;
      const text = groupFlatText(doc);
      if (text !== null) {
        if (doc.id) ids.push(doc.id);
        if (doc.flatIds) for (const id of doc.flatIds) ids.push(id);
      }
      return text;
    }
    case "indent":
    case "indentIfBreak":
      return flatText(doc.contents, ids);
    case "ifBreak":
      // A forced break in either branch breaks the group (prettier's propagateBreaks sees both).
      return containsForcedBreak(doc.broken) ? null : flatText(doc.flat, ids);
    case "line":
      return doc.hard ? null : doc.soft ? "" : " ";
    case "breakParent":
    case "fill":
    case "lines":
      return null;
    case "conditionalGroup":
      return flatText(doc.states[0]!, ids);
  }
}

/** A group's flat text (see flatText), computed once, with the ids of the groups inside it. */
function groupFlatText(g: Group): string | null {
  if (g.flat === undefined) {
    const ids: symbol[] = [];
    g.flat = flatText(g.contents, ids);
    if (ids.length) g.flatIds = ids;
  }
  return g.flat;
}
export function conditionalGroup(states: readonly Doc[]): ConditionalGroup {
  return { t: "conditionalGroup", states };
}
export function indentIfBreak(contents: Doc, groupId: symbol): IndentIfBreak {
  return { t: "indentIfBreak", contents, groupId };
}
export function indent(contents: Doc): Indent {
  return { t: "indent", contents };
}
export function ifBreak(broken: Doc, flat: Doc = ""): IfBreak {
  return { t: "ifBreak", broken, flat };
}
export function fill(parts: readonly Doc[]): Fill {
  return { t: "fill", parts };
}
export function join(sep: Doc, docs: readonly Doc[]): Doc[] {
  const out: Doc[] = [];
  for (let i = 0; i < docs.length; i++) {
    if (i > 0) out.push(sep);
    out.push(docs[i]!);
  }
  return out;
}

/** `(a, b)` that breaks into one item per line with a trailing comma, as prettier prints argument lists. */
export function delimitedList(open: string, items: readonly Doc[], close: string, trailingComma = true): Doc {
  if (items.length === 0) return open + close;
  return group([open, indent([softline, join([",", line], items)]), trailingComma ? ifBreak(",") : "", softline, close]);
}

/** Whether a doc contains a forced break (prettier's willBreak). */
export function willBreak(doc: Doc): boolean {
  if (typeof doc === "string") return false;
  if (Array.isArray(doc)) return doc.some(willBreak);
  switch (doc.t) {
    case "breakParent":
      return true;
    case "line":
      return doc.hard;
    case "group":
      return breaks(doc) || willBreak(doc.contents);
    case "indent":
    case "indentIfBreak":
      return willBreak(doc.contents);
    case "ifBreak":
      return willBreak(doc.broken) || willBreak(doc.flat);
    case "fill":
      return doc.parts.some(willBreak);
    case "lines":
      return true;
    case "conditionalGroup":
      // As prettier: only the first state counts (later ones are alternatives, often forced to break).
      return willBreak(doc.states[0]!);
  }
}

export { breakParent };

const enum Mode {
  Break,
  Flat,
}

/*
 * The printer keeps its command stack as three parallel arrays (indent, mode, doc) with an explicit
 * top, rather than one tuple per command: generated files run to tens of thousands of lines, and the
 * tuples were most of the garbage the compiler made. Most of this code runs before V8 optimises it,
 * so it avoids per-command calls and closures.
 */
const fitInds: number[] = [];
const fitModes: Mode[] = [];
const fitDocs: Doc[] = [];

/**
 * Does `doc` (printed in `mode`), followed by the pending commands below `restTop` on the printer's
 * stack down to their first line break, fit in `width` columns?
 */
function fits(
  ind: number,
  mode: Mode,
  doc: Doc,
  restInds: readonly number[],
  restModes: readonly Mode[],
  restDocs: readonly Doc[],
  restTop: number,
  width: number,
  mustBeFlat: boolean,
): boolean {
  let remaining = width;
  let restIdx = restTop;
  fitInds[0] = ind;
  fitModes[0] = mode;
  fitDocs[0] = doc;
  let top = 1;
  while (remaining >= 0) {
    let i: number;
    let m: Mode;
    let d: Doc;
    if (top === 0) {
      if (restIdx === 0) return true;
      restIdx--;
      i = restInds[restIdx]!;
      m = restModes[restIdx]!;
      d = restDocs[restIdx]!;
    } else {
      top--;
      i = fitInds[top]!;
      m = fitModes[top]!;
      d = fitDocs[top]!;
    }
    if (typeof d === "string") {
      remaining -= d.length;
      continue;
    }
    if (Array.isArray(d)) {
      for (let k = d.length - 1; k >= 0; k--) {
        fitInds[top] = i;
        fitModes[top] = m;
        fitDocs[top++] = d[k]!;
      }
      continue;
    }
    switch (d.t) {
      case "indent":
      case "indentIfBreak":
        fitInds[top] = i;
        fitModes[top] = m;
        fitDocs[top++] = d.contents;
        break;
      case "group": {
        const broken = breaks(d);
        if (mustBeFlat && broken) return false;
        fitInds[top] = i;
        fitModes[top] = broken ? Mode.Break : m;
        // Flat, a group already measured is its flat text (in break mode its lines end the measure).
        fitDocs[top++] = m === Mode.Flat && !broken && d.flat != null ? d.flat : d.contents;
        break;
      }
      case "ifBreak":
        fitInds[top] = i;
        fitModes[top] = m;
        fitDocs[top++] = m === Mode.Break ? d.broken : d.flat;
        break;
      case "line":
        if (m === Mode.Break || d.hard) return true;
        if (!d.soft) remaining -= 1;
        break;
      case "breakParent":
        break;
      case "lines":
        // The first line, then a forced line break: the measure ends there.
        return remaining - d.lines[0]!.length >= 0;
      case "fill":
        for (let k = d.parts.length - 1; k >= 0; k--) {
          fitInds[top] = i;
          fitModes[top] = m;
          fitDocs[top++] = d.parts[k]!;
        }
        break;
      case "conditionalGroup":
        fitInds[top] = i;
        fitModes[top] = m;
        fitDocs[top++] = m === Mode.Break ? d.states[d.states.length - 1]! : d.states[0]!;
        break;
    }
  }
  return false;
}

/** Drops spaces at the end of the output before a newline, as prettier does (rare in generated code). */
function trimTrailingSpaces(out: string[]): void {
  let last = out[out.length - 1];
  while (last !== undefined && last.charCodeAt(last.length - 1) === 32) {
    last = last.replace(/ +$/, "");
    if (last === "") {
      out.pop();
      last = out[out.length - 1];
    } else {
      out[out.length - 1] = last;
    }
  }
}

const indents: string[] = [];
function spaces(ind: number): string {
  return (indents[ind] ??= " ".repeat(ind));
}

const NONE: readonly never[] = [];

/** Prints a Doc at the given width (prettier's default is 80) with two-space indentation. */
export function printDoc(doc: Doc, width = 80): string {
  const groupModes = new Map<symbol, Mode>();
  const out: string[] = [];
  let pendingIndent = 0;
  let pos = 0;
  const inds: number[] = [0];
  const modes: Mode[] = [Mode.Break];
  const docs: Doc[] = [doc];
  let top = 1;
  while (top > 0) {
    top--;
    const ind = inds[top]!;
    const mode = modes[top]!;
    const d = docs[top]!;
    if (typeof d === "string") {
      if (d.length) {
        // Indentation is written lazily, so blank lines never carry trailing spaces.
        if (pendingIndent > 0) out.push(spaces(pendingIndent));
        pendingIndent = 0;
        out.push(d);
        pos += d.length;
      }
      continue;
    }
    if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) {
        inds[top] = ind;
        modes[top] = mode;
        docs[top++] = d[i]!;
      }
      continue;
    }
    switch (d.t) {
      case "indent":
        inds[top] = ind + 2;
        modes[top] = mode;
        docs[top++] = d.contents;
        break;
      case "indentIfBreak":
        inds[top] = groupModes.get(d.groupId) === Mode.Break ? ind + 2 : ind;
        modes[top] = mode;
        docs[top++] = d.contents;
        break;
      case "group": {
        const text = d.explicitBreak ? null : groupFlatText(d);
        let chosen = Mode.Break;
        if (text !== null) {
          // No forced break inside: flat if it fits, and then written as the string it is.
          if (mode === Mode.Flat || fits(ind, Mode.Flat, text, inds, modes, docs, top, width - pos, false)) {
            if (d.id) groupModes.set(d.id, Mode.Flat);
            if (d.flatIds) for (const id of d.flatIds) groupModes.set(id, Mode.Flat);
            if (text.length) {
              if (pendingIndent > 0) out.push(spaces(pendingIndent));
              pendingIndent = 0;
              out.push(text);
              pos += text.length;
            }
            break;
          }
        } else if (!breaks(d) && (mode === Mode.Flat || fits(ind, Mode.Flat, d.contents, inds, modes, docs, top, width - pos, false))) {
          chosen = Mode.Flat;
        }
        if (d.id) groupModes.set(d.id, chosen);
        inds[top] = ind;
        modes[top] = chosen;
        docs[top++] = d.contents;
        break;
      }
      case "ifBreak":
        inds[top] = ind;
        modes[top] = mode;
        docs[top++] = mode === Mode.Break ? d.broken : d.flat;
        break;
      case "line":
        if (mode === Mode.Flat && !d.hard) {
          if (!d.soft) {
            if (pendingIndent > 0) out.push(spaces(pendingIndent));
            pendingIndent = 0;
            out.push(" ");
            pos += 1;
          }
        } else {
          trimTrailingSpaces(out);
          out.push("\n");
          pendingIndent = ind;
          pos = ind;
        }
        break;
      case "breakParent":
        break;
      case "lines": {
        const texts = d.lines;
        const first = texts[0]!;
        if (first.length) {
          if (pendingIndent > 0) out.push(spaces(pendingIndent));
          pendingIndent = 0;
          out.push(first);
          pos += first.length;
        }
        trimTrailingSpaces(out);
        const indentation = spaces(ind);
        const lastIndex = texts.length - 1;
        for (let k = 1; k <= lastIndex; k++) {
          let text = texts[k]!;
          // Spaces before a break go, as everywhere; indentation only before text, for the same reason.
          if (k < lastIndex && text.charCodeAt(text.length - 1) === 32) text = text.replace(/ +$/, "");
          out.push(text.length ? "\n" + indentation + text : "\n");
        }
        const last = texts[texts.length - 1]!;
        pendingIndent = last.length ? 0 : ind;
        pos = last.length ? ind + last.length : ind;
        break;
      }
      case "conditionalGroup": {
        let state = d.states.length - 1;
        let stateMode = Mode.Break;
        if (mode === Mode.Flat || fits(ind, Mode.Flat, d.states[0]!, inds, modes, docs, top, width - pos, false)) {
          state = 0;
          stateMode = Mode.Flat;
        } else {
          for (let i = 1; i < d.states.length - 1; i++) {
            if (fits(ind, Mode.Flat, d.states[i]!, inds, modes, docs, top, width - pos, false)) {
              state = i;
              stateMode = Mode.Flat;
              break;
            }
          }
        }
        inds[top] = ind;
        modes[top] = stateMode;
        docs[top++] = d.states[state]!;
        break;
      }
      case "fill": {
        // Print the first content, then decide each separator by whether [separator, next content] fits.
        const [content, separator, next, ...rest] = d.parts;
        if (content === undefined) break;
        const contentFits = fits(ind, Mode.Flat, content, NONE, NONE, NONE, 0, width - pos, true);
        const contentMode = contentFits ? Mode.Flat : Mode.Break;
        if (separator === undefined) {
          inds[top] = ind;
          modes[top] = contentMode;
          docs[top++] = content;
          break;
        }
        const pairFits = next !== undefined && fits(ind, Mode.Flat, [content, separator, next], NONE, NONE, NONE, 0, width - pos, true);
        inds[top] = ind;
        modes[top] = mode;
        docs[top++] = fill(next === undefined ? [] : [next, ...rest]);
        inds[top] = ind;
        modes[top] = pairFits ? Mode.Flat : Mode.Break;
        docs[top++] = separator;
        inds[top] = ind;
        modes[top] = contentMode;
        docs[top++] = content;
        break;
      }
    }
  }
  return out.join("");
}

/**
 * A small document printer with prettier's layout algorithm (groups that break when their content does
 * not fit in the remaining width, measured up to the next possible line break). The emitter describes
 * generated code as Docs shaped the way prettier prints the same constructs, so the output is already in
 * prettier's form without running prettier on every compile.
 */

export type Doc = string | Doc[] | Group | Indent | Line | IfBreak | BreakParent | Fill | IndentIfBreak | ConditionalGroup;

interface Group {
  readonly t: "group";
  readonly contents: Doc;
  shouldBreak: boolean;
  /** Lets a later indentIfBreak follow this group's decision. */
  readonly id?: symbol;
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
/** Content and separators alternating; a separator breaks only when the next content does not fit. */
interface Fill {
  readonly t: "fill";
  readonly parts: readonly Doc[];
}

export const line: Line = { t: "line", soft: false, hard: false };
export const softline: Line = { t: "line", soft: true, hard: false };
const hardlineOnly: Line = { t: "line", soft: false, hard: true };
const breakParent: BreakParent = { t: "breakParent" };
export const hardline: Doc = [hardlineOnly, breakParent];

export function group(contents: Doc, shouldBreak = false, id?: symbol): Group {
  return id ? { t: "group", contents, shouldBreak, id } : { t: "group", contents, shouldBreak };
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
  docs.forEach((d, i) => {
    if (i > 0) out.push(sep);
    out.push(d);
  });
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
      return doc.shouldBreak || willBreak(doc.contents);
    case "indent":
    case "indentIfBreak":
      return willBreak(doc.contents);
    case "ifBreak":
      return willBreak(doc.broken);
    case "fill":
      return doc.parts.some(willBreak);
    case "conditionalGroup":
      return doc.states.some(willBreak);
  }
}

export { breakParent };

/** Marks groups that contain a forced break as broken, as prettier's propagateBreaks does. */
function propagateBreaks(doc: Doc): boolean {
  if (typeof doc === "string") return false;
  if (Array.isArray(doc)) {
    let found = false;
    for (const d of doc) if (propagateBreaks(d)) found = true;
    return found;
  }
  switch (doc.t) {
    case "breakParent":
      return true;
    case "group": {
      const inner = propagateBreaks(doc.contents);
      if (inner) doc.shouldBreak = true;
      return doc.shouldBreak;
    }
    case "indent":
    case "indentIfBreak":
      return propagateBreaks(doc.contents);
    case "ifBreak":
      return propagateBreaks(doc.broken) || propagateBreaks(doc.flat);
    case "line":
      return false;
    case "fill": {
      let found = false;
      for (const d of doc.parts) if (propagateBreaks(d)) found = true;
      return found;
    }
    case "conditionalGroup":
      // Like prettier, a forced break inside does not break a conditional group itself.
      for (const d of doc.states) propagateBreaks(d);
      return false;
  }
}

const enum Mode {
  Break,
  Flat,
}
type Cmd = [indent: number, mode: Mode, doc: Doc];

/** Does `next` (then `rest`, up to its first line break) fit in `width` columns? */
function fits(next: Cmd, rest: Cmd[], width: number, mustBeFlat: boolean): boolean {
  let remaining = width;
  let restIdx = rest.length;
  const cmds: Cmd[] = [next];
  while (remaining >= 0) {
    if (cmds.length === 0) {
      if (restIdx === 0) return true;
      cmds.push(rest[--restIdx]!);
      continue;
    }
    const [ind, mode, doc] = cmds.pop()!;
    if (typeof doc === "string") {
      remaining -= doc.length;
    } else if (Array.isArray(doc)) {
      for (let i = doc.length - 1; i >= 0; i--) cmds.push([ind, mode, doc[i]!]);
    } else {
      switch (doc.t) {
        case "indent":
        case "indentIfBreak":
          cmds.push([ind, mode, doc.contents]);
          break;
        case "group": {
          if (mustBeFlat && doc.shouldBreak) return false;
          const m = doc.shouldBreak ? Mode.Break : mode;
          cmds.push([ind, m, doc.contents]);
          break;
        }
        case "ifBreak":
          cmds.push([ind, mode, mode === Mode.Break ? doc.broken : doc.flat]);
          break;
        case "line":
          if (mode === Mode.Break || doc.hard) return true;
          if (!doc.soft) remaining -= 1;
          break;
        case "breakParent":
          break;
        case "fill":
          for (let i = doc.parts.length - 1; i >= 0; i--) cmds.push([ind, mode, doc.parts[i]!]);
          break;
        case "conditionalGroup":
          cmds.push([ind, mode, mode === Mode.Break ? doc.states[doc.states.length - 1]! : doc.states[0]!]);
          break;
      }
    }
  }
  return false;
}

/** Prints a Doc at the given width (prettier's default is 80) with two-space indentation. */
export function printDoc(doc: Doc, width = 80): string {
  propagateBreaks(doc);
  const groupModes = new Map<symbol, Mode>();
  const out: string[] = [];
  let pos = 0;
  const cmds: Cmd[] = [[0, Mode.Break, doc]];
  while (cmds.length) {
    const [ind, mode, d] = cmds.pop()!;
    if (typeof d === "string") {
      out.push(d);
      pos += d.length;
      continue;
    }
    if (Array.isArray(d)) {
      for (let i = d.length - 1; i >= 0; i--) cmds.push([ind, mode, d[i]!]);
      continue;
    }
    switch (d.t) {
      case "indent":
        cmds.push([ind + 2, mode, d.contents]);
        break;
      case "indentIfBreak":
        cmds.push([groupModes.get(d.groupId) === Mode.Break ? ind + 2 : ind, mode, d.contents]);
        break;
      case "group": {
        let chosen: Mode;
        if (mode === Mode.Flat && !d.shouldBreak) {
          chosen = Mode.Flat;
        } else {
          const next: Cmd = [ind, Mode.Flat, d.contents];
          chosen = !d.shouldBreak && fits(next, cmds, width - pos, false) ? Mode.Flat : Mode.Break;
        }
        if (d.id) groupModes.set(d.id, chosen);
        cmds.push([ind, chosen, d.contents]);
        break;
      }
      case "ifBreak":
        cmds.push([ind, mode, mode === Mode.Break ? d.broken : d.flat]);
        break;
      case "line":
        if (mode === Mode.Flat && !d.hard) {
          if (!d.soft) {
            out.push(" ");
            pos += 1;
          }
        } else {
          // Trim trailing spaces before the newline, as prettier does.
          if (out.length) out[out.length - 1] = out[out.length - 1]!.replace(/[ \t]+$/, "");
          out.push("\n" + " ".repeat(ind));
          pos = ind;
        }
        break;
      case "breakParent":
        break;
      case "conditionalGroup": {
        if (mode === Mode.Flat) {
          cmds.push([ind, Mode.Flat, d.states[0]!]);
          break;
        }
        const flat: Cmd = [ind, Mode.Flat, d.states[0]!];
        if (fits(flat, cmds, width - pos, false)) {
          cmds.push(flat);
          break;
        }
        let chosen: Cmd | undefined;
        for (let i = 1; i < d.states.length - 1 && !chosen; i++) {
          const cmd: Cmd = [ind, Mode.Flat, d.states[i]!];
          if (fits(cmd, cmds, width - pos, false)) chosen = cmd;
        }
        cmds.push(chosen ?? [ind, Mode.Break, d.states[d.states.length - 1]!]);
        break;
      }
      case "fill": {
        // Print the first content, then decide each separator by whether [separator, next content] fits.
        const [content, separator, next, ...rest] = d.parts;
        if (content === undefined) break;
        const contentFlat: Cmd = [ind, Mode.Flat, content];
        const contentFits = fits(contentFlat, [], width - pos, true);
        if (separator === undefined) {
          cmds.push(contentFits ? contentFlat : [ind, Mode.Break, content]);
          break;
        }
        const remaining: Cmd = [ind, mode, fill(next === undefined ? [] : [next, ...rest])];
        const pairFits = next !== undefined && fits([ind, Mode.Flat, [content, separator, next]], [], width - pos, true);
        cmds.push(remaining);
        cmds.push([ind, pairFits ? Mode.Flat : Mode.Break, separator]);
        cmds.push(contentFits ? contentFlat : [ind, Mode.Break, content]);
        break;
      }
    }
  }
  return out.join("");
}

/**
 * A TypeScript type, as text, → a Doc whose generic argument lists break one per line when too
 * long, as prettier prints them (`Map<\n  K,\n  V\n>`).
 */
import { group, indent, join, line, softline, type Doc } from "./doc.js";

/** Splits at top-level occurrences of `sep` (outside <> and ()). */
function splitTop(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "<" || c === "(") depth++;
    else if (c === ">" || c === ")") depth--;
    else if (depth === 0 && text.startsWith(sep, i)) {
      parts.push(text.slice(start, i));
      start = i + sep.length;
      i += sep.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts;
}

/** The members of a union type's text (`A | B<C | D>` → `A`, `B<C | D>`); a non-union is one member. */
export function unionMembers(text: string): string[] {
  return text.includes(" | ") ? splitTop(text, " | ") : [text];
}

/** Docs are immutable, so one per distinct type text is shared (types repeat a lot). */
const typeDocs = new Map<string, Doc>();

export function typeDoc(text: string): Doc {
  let doc = typeDocs.get(text);
  if (doc === undefined) {
    doc = buildTypeDoc(text);
    typeDocs.set(text, doc);
  }
  return doc;
}

function buildTypeDoc(text: string): Doc {
  // Most types are a plain name: nothing to split.
  if (!/[<|[(]/.test(text)) return text;
  const union = splitTop(text, " | ");
  if (union.length > 1) return join(" | ", union.map(typeDoc));
  const generic = /^([\w.$]+)<(.*)>$/s.exec(text);
  if (generic) {
    const args = splitTop(generic[2]!, ", ");
    if (args.length === 1 && /^[\w.$]+$/.test(args[0]!)) return text;
    return group([generic[1]!, "<", indent([softline, join([",", line], args.map(typeDoc))]), softline, ">"]);
  }
  const parenArray = /^(readonly )?\((.*)\)\[\]$/s.exec(text);
  if (parenArray) return [parenArray[1] ?? "", "(", typeDoc(parenArray[2]!), ")[]"];
  const array = /^(readonly )?(.*)\[\]$/s.exec(text);
  if (array && !array[2]!.startsWith("(")) return [array[1] ?? "", typeDoc(array[2]!), "[]"];
  return text;
}

/**
 * Prettier lays out `const x: T = value` with the type broken first ("break-lhs") when T has two or
 * more type arguments and one of them is itself generic or a readonly array.
 */
export function isComplexTypeAnnotation(text: string): boolean {
  const generic = /^([\w.$]+)<(.*)>$/s.exec(text);
  if (!generic) return false;
  const args = splitTop(generic[2]!, ", ");
  return args.length > 1 && args.some((a) => /^[\w.$]+</.test(a) || a.startsWith("readonly "));
}

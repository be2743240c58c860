/**
 * Naming rules for generated TypeScript (written down in the README):
 * - Type-level names (structs, enums, services, typedefs, consts) are kept, with `_` appended when the
 *   name is a JavaScript/TypeScript reserved word or a primitive type name (`delete` → `delete_`).
 * - Field names are kept as property names (`v.delete` is valid), except `__proto__` and `constructor`,
 *   which get a trailing `_`; in exceptions, `name`, `stack` and `cause` (Error's own) and a non-string
 *   `message` also get a trailing `_`.
 * - Local variables in generated code use the field name, with `_` appended when it is reserved or
 *   collides with a generated parameter (`r`, `w`, `v`, `init`, `options`, `ctx`).
 */

import type { Definition, Program } from "../model.js";

const reserved = new Set(
  (
    "break case catch class const continue debugger default delete do else enum export extends false finally for " +
    "function if import in instanceof new null return super switch this throw true try typeof var void while with " +
    "yield let static implements interface package private protected public await arguments eval " +
    "any boolean never number object string symbol undefined unknown bigint"
  ).split(" "),
);

/** Names every generated module may use at top level (runtime imports are aliased by the printer). */
export function isReserved(name: string): boolean {
  return reserved.has(name);
}

export function typeName(idlName: string): string {
  const safe = idlName.replace(/\./g, "_");
  return reserved.has(safe) ? safe + "_" : safe;
}

const declNames = new WeakMap<Program, Map<Definition, string>>();

/**
 * The TypeScript name of a definition. Thrift keeps consts apart from types, TypeScript does not: a
 * const whose name a type, service or their companions (`FooInit`, `FooClient`, ...) already use gets
 * `_` appended until it is unique.
 */
export function declName(def: Definition): string {
  let names = declNames.get(def.program);
  if (!names) {
    names = new Map();
    const taken = new Set<string>();
    for (const d of def.program.definitions) {
      if (d.kind === "const") continue;
      const n = typeName(d.name);
      names.set(d, n);
      taken.add(n);
      for (const suffix of companionSuffixes(d)) taken.add(n + suffix);
    }
    for (const d of def.program.definitions) {
      if (d.kind !== "const") continue;
      let n = typeName(d.name);
      while (taken.has(n)) n += "_";
      names.set(d, n);
      taken.add(n);
    }
    declNames.set(def.program, names);
  }
  return names.get(def) ?? typeName(def.name);
}

export function companionSuffixes(d: Definition): string[] {
  if (d.kind === "struct" || d.kind === "union" || d.kind === "exception") return ["Init"];
  if (d.kind === "service") return ["Client", "Handler"];
  return [];
}

const unsafeProperties = new Set(["__proto__", "constructor"]);
const errorProperties = new Set(["name", "stack", "cause"]);

export function propertyName(field: string, opts: { inException?: boolean; isString?: boolean } = {}): string {
  if (unsafeProperties.has(field)) return field + "_";
  if (opts.inException && (errorProperties.has(field) || (field === "message" && !opts.isString))) return field + "_";
  return field;
}

const generatedParams = new Set(["r", "w", "v", "init", "options", "ctx", "t"]);

export function localName(field: string): string {
  return reserved.has(field) || generatedParams.has(field) || field.startsWith("$") ? field + "_" : field;
}

/** A JS string literal in prettier's preferred quotes (double, unless that needs more escapes). */
export function stringLiteral(value: string): string {
  // Fast path: printable ASCII without quotes or backslashes (names, most messages).
  if (/^[\x20-\x21\x23-\x26\x28-\x5b\x5d-\x7e]*$/.test(value)) return `"${value}"`;
  const doubles = (value.match(/"/g) ?? []).length;
  const singles = (value.match(/'/g) ?? []).length;
  const quote = doubles > singles ? "'" : '"';
  let out = "";
  for (const ch of value) {
    const code = ch.codePointAt(0)!;
    if (ch === quote) out += "\\" + ch;
    else if (ch === "\\") out += "\\\\";
    else if (ch === "\n") out += "\\n";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f || code === 0x2028 || code === 0x2029) out += "\\u" + code.toString(16).padStart(4, "0");
    else out += ch;
  }
  return quote + out + quote;
}

/** An object key: bare when it is an identifier, quoted otherwise. */
export function objectKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : stringLiteral(key);
}

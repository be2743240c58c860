/** IDL constant values → TypeScript expressions of the matching output type. */
import { resolveTypedefs, type ConstValue, type EnumDef, type TypeRef } from "../model.js";
import { fill, group, ifBreak, indent, join, line, softline, type Doc } from "./doc.js";
import type { GeneratedFile } from "./generated-file.js";
import { call, huggedCall, objectLiteral } from "./layout.js";
import { objectKey, propertyName, stringLiteral } from "./names.js";
import { typeDoc } from "./type-doc.js";
import { outputType } from "./types.js";

/**
 * `[a, b]`. `elementsAreCompound` says every element is an object or array literal with more than one
 * entry: prettier always breaks such arrays (of two or more elements) one element per line.
 */
export function arrayLiteral(items: readonly Doc[], elementsAreCompound = false): Doc {
  if (items.length === 0) return "[]";
  // Prettier packs arrays of plain numbers several to a line.
  if (items.every((i) => typeof i === "string" && /^-?(\d|\.\d)[\d.e+-]*$/.test(i))) {
    const parts: Doc[] = [];
    items.forEach((item, i) => {
      if (i > 0) parts.push(line);
      parts.push(i === items.length - 1 ? item : [item, ","]);
    });
    return group(["[", indent([softline, fill(parts), ifBreak(",")]), softline, "]"]);
  }
  return group(["[", indent([softline, join([",", line], items)]), ifBreak(","), softline, "]"], elementsAreCompound && items.length > 1);
}

/** `Name<A, B>`, breaking the arguments one per line (no trailing comma) when too long. */
const typeArgDocs = new Map<string, Doc>();

export function typeArgs(name: string, args: readonly string[]): Doc {
  // Prettier keeps a single plain type argument hugged: `Readonly<SomeLongName>` never breaks.
  if (args.length === 1 && /^[\w.$]+$/.test(args[0]!)) return `${name}<${args[0]}>`;
  const key = `${name}<${args.join(", ")}>`;
  let doc = typeArgDocs.get(key);
  if (doc === undefined) {
    doc = group([name, "<", indent([softline, join([",", line], args.map(typeDoc))]), softline, ">"]);
    typeArgDocs.set(key, doc);
  }
  return doc;
}


function numberText(n: number): string {
  if (Object.is(n, -0)) return "-0";
  return String(n);
}

function canonicalUuid(s: string): string {
  return s.replace(/^\{|\}$/g, "").toLowerCase();
}

/**
 * The expression for `value` as a value of `type`. With `fresh`, references to container consts are
 * copied, so a default value never shares (or exposes as mutable) a readonly const.
 */
export function constExpr(f: GeneratedFile, value: ConstValue, type: TypeRef, fresh = false): Doc {
  const t = resolveTypedefs(type);
  if (value.kind === "identifier") {
    const target = value.target;
    if (target?.kind === "enum") return `${f.ref(target.def)}.${target.member.name}`;
    if (target?.kind !== "const") return "undefined";
    const ref = f.ref(target.def);
    if (!fresh) return ref;
    if (t.kind === "list") return `[...${ref}]`;
    if (t.kind === "set") return `new Set(${ref})`;
    if (t.kind === "map") return `new Map(${ref})`;
    return ref;
  }
  switch (t.kind) {
    case "base":
      switch (t.name) {
        case "bool":
          return value.kind === "int" && value.value !== 0n ? "true" : "false";
        case "i64":
          return value.kind === "int" ? `${value.value}n` : "0n";
        case "byte":
        case "i8":
        case "i16":
        case "i32": {
          if (value.kind !== "int") return "0";
          const bits = t.name === "i16" ? 16 : t.name === "i32" ? 32 : 8;
          return String(BigInt.asIntN(bits, value.value));
        }
        case "double":
        case "float":
          return value.kind === "int" ? String(value.value) : value.kind === "double" ? numberText(value.value) : "0";
        case "string":
          return value.kind === "string" ? stringLiteral(value.value) : '""';
        case "uuid":
          return value.kind === "string" ? stringLiteral(canonicalUuid(value.value)) : '""';
        case "binary":
          return value.kind === "string" ? call(f.runtime("utf8Bytes"), [stringLiteral(value.value)]) : "new Uint8Array(0)";
      }
    // eslint-disable-next-line no-fallthrough
    case "list": {
      const items = value.kind === "list" ? value.items.map((i) => constExpr(f, i, t.elem, fresh)) : [];
      return arrayLiteral(items);
    }
    case "set": {
      const items = value.kind === "list" ? value.items.map((i) => constExpr(f, i, t.elem, fresh)) : [];
      return items.length ? huggedCall("new Set", arrayLiteral(items)) : [typeArgs("new Set", [outputType(f, t.elem)]), "()"];
    }
    case "map": {
      const entries = value.kind === "map" ? value.entries.map(([k, v]) => arrayLiteral([constExpr(f, k, t.key, fresh), constExpr(f, v, t.value, fresh)])) : [];
      return entries.length ? huggedCall("new Map", arrayLiteral(entries, true)) : [typeArgs("new Map", [outputType(f, t.key), outputType(f, t.value)]), "()"];
    }
    case "named": {
      const def = t.target;
      if (!def) return "undefined";
      if (def.kind === "enum") return enumLiteral(f, def, value.kind === "int" ? Number(value.value) : 0);
      if (def.kind === "typedef") return "undefined";
      const props: Doc[] = [];
      if (value.kind === "map") {
        for (const [k, v] of value.entries) {
          if (k.kind !== "string") continue;
          const field = def.fields.find((x) => x.name === k.value);
          if (!field) continue;
          const isString = resolveTypedefs(field.type).kind === "base" && (resolveTypedefs(field.type) as { name: string }).name === "string";
          const key = propertyName(field.name, { inException: def.kind === "exception", isString });
          props.push([objectKey(key), ": ", constExpr(f, v, field.type, fresh)]);
        }
      }
      const ctor = f.ref(def);
      return def.kind === "exception" ? huggedCall(`new ${ctor}`, objectLiteral(props)) : huggedCall(`${ctor}.create`, objectLiteral(props));
    }
  }
}

function enumLiteral(f: GeneratedFile, def: EnumDef, n: number): string {
  const member = def.members.find((m) => m.value === n);
  return member ? `${f.ref(def)}.${member.name}` : `${n} as ${f.ref(def, "", true)}`;
}

/** const → an exported, deeply readonly value: bigint for i64, Map/Set for containers, structs built. */
import { resolveTypedefs, type ConstDef, type TypeRef } from "../model.js";
import { group, indent, line, type Doc } from "./doc.js";
import { withDoc, type GeneratedFile } from "./generated-file.js";
import { outputType } from "./types.js";
import { constExpr, huggedCall } from "./values.js";

function constType(f: GeneratedFile, t: TypeRef): string {
  const r = resolveTypedefs(t);
  switch (r.kind) {
    case "list": {
      const elem = constType(f, r.elem);
      return /[ |]/.test(elem) ? `ReadonlyArray<${elem}>` : `readonly ${elem}[]`;
    }
    case "set":
      return `ReadonlySet<${constType(f, r.elem)}>`;
    case "map":
      return `ReadonlyMap<${constType(f, r.key)}, ${constType(f, r.value)}>`;
    case "named":
      if (r.target && r.target.kind !== "enum" && r.target.kind !== "typedef") return `Readonly<${outputType(f, t)}>`;
      return outputType(f, t);
    case "base":
      return outputType(f, t);
  }
}

export function emitConst(f: GeneratedFile, def: ConstDef): void {
  const r = resolveTypedefs(def.type);
  let value = constExpr(f, def.value, def.type);
  const frozen = def.value.kind !== "identifier" && (r.kind === "list" || (r.kind === "named" && r.target?.kind !== "enum"));
  if (frozen) value = huggedCall("Object.freeze", value);
  const head = `export const ${f.ref(def)}: ${constType(f, def.type)} =`;
  // Prettier breaks after `=` for a long string literal; other values break inside themselves.
  const rhs: Doc = def.value.kind === "string" && !frozen ? group(indent([line, value])) : [" ", value];
  f.add(withDoc(def.doc, [head, rhs, ";"]));
}

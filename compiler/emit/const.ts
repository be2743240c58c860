/** const → an exported, deeply readonly value: bigint for i64, Map/Set for containers, structs built. */
import { resolveTypedefs, type ConstDef, type TypeRef } from "../model.js";
import { withDoc, type GeneratedFile } from "./generated-file.js";
import { outputType } from "./types.js";
import { call, declaration, huggedCall, rhs, type RightSide } from "./layout.js";
import { isComplexTypeAnnotation, typeDoc } from "./type-doc.js";
import { constExpr } from "./values.js";

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
  const isList = def.value.kind !== "identifier" && r.kind === "list";
  const isStruct = def.value.kind !== "identifier" && r.kind === "named" && r.target?.kind !== "enum" && r.target?.kind !== "typedef";
  // An array literal is hugged by the call; a struct's create(...) call is not.
  if (isList) value = huggedCall("Object.freeze", value);
  else if (isStruct) value = call("Object.freeze", [value]);
  const frozen = isList || isStruct;
  // Prettier breaks after `=` for a long string literal; other values follow the fluid layout.
  const breakAfter = def.value.kind === "string" && !frozen;
  const type = constType(f, def.type);
  const value_: RightSide = isComplexTypeAnnotation(type) ? { doc: value, layout: "break-lhs" } : rhs(value, breakAfter);
  f.add(withDoc(def.doc, declaration("export const", [`${f.ref(def)}: `, typeDoc(type)], value_)));
}

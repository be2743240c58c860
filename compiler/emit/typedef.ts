/** typedef → a type alias of the target's decoded form. */
import type { TypedefDef } from "../model.js";
import { withDoc, type GeneratedFile } from "./generated-file.js";
import { outputType } from "./types.js";

export function emitTypedef(f: GeneratedFile, def: TypedefDef): void {
  f.add(withDoc(def.doc, `export type ${f.ref(def)} = ${outputType(f, def.type)};`));
}

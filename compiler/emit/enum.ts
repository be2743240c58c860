/**
 * enum → a frozen const object plus a union type of its values. Chosen over a TS `enum` because it is
 * plain JavaScript (no TS-only runtime syntax, fine under isolatedModules, erasable-syntax-only setups
 * and bundlers), and the type admits only the declared values.
 */
import type { EnumDef } from "../model.js";
import { withDoc, type GeneratedFile } from "./generated-file.js";
import { block, declaration, rhs } from "./layout.js";

export function emitEnum(f: GeneratedFile, def: EnumDef): void {
  const name = f.ref(def);
  const members = def.members.map((m) => withDoc(m.doc, `${m.name}: ${m.value},`));
  f.add(withDoc(def.doc, declaration("export const", name, rhs([block(members), " as const"]))));
  f.add(declaration("export type", name, rhs(`(typeof ${name})[keyof typeof ${name}]`, true)));
}

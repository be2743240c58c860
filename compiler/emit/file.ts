/** One program → one module: declarations in an order that is safe at module evaluation time. */
import type { ConstDef, Program, ServiceDef } from "../model.js";
import { emitConst } from "./const.js";
import { emitEnum } from "./enum.js";
import { GeneratedFile, type FileContext } from "./generated-file.js";
import { emitService } from "./service.js";
import { emitStruct } from "./struct.js";
import { emitTypedef } from "./typedef.js";

export function emitProgram(program: Program, ctx: FileContext): GeneratedFile {
  const f = new GeneratedFile(program, ctx);
  const defs = program.definitions;
  for (const d of defs) if (d.kind === "typedef") emitTypedef(f, d);
  for (const d of defs) if (d.kind === "enum") emitEnum(f, d);
  for (const d of defs) if (d.kind === "struct" || d.kind === "union" || d.kind === "exception") emitStruct(f, d);
  // Consts and services are values evaluated when the module loads: each after what it uses.
  for (const d of orderConsts(defs.filter((x): x is ConstDef => x.kind === "const"))) emitConst(f, d);
  for (const d of orderServices(defs.filter((x): x is ServiceDef => x.kind === "service"))) emitService(f, d);
  return f;
}

function orderConsts(consts: ConstDef[]): ConstDef[] {
  const local = new Set(consts);
  const out: ConstDef[] = [];
  const state = new Map<ConstDef, "visiting" | "done">();
  const visit = (c: ConstDef): void => {
    if (state.get(c)) return;
    state.set(c, "visiting");
    for (const dep of constDeps(c.value)) if (local.has(dep)) visit(dep);
    state.set(c, "done");
    out.push(c);
  };
  consts.forEach(visit);
  return out;
}

function constDeps(v: ConstDef["value"]): ConstDef[] {
  switch (v.kind) {
    case "identifier":
      return v.target?.kind === "const" ? [v.target.def] : [];
    case "list":
      return v.items.flatMap(constDeps);
    case "map":
      return v.entries.flatMap(([k, x]) => [...constDeps(k), ...constDeps(x)]);
    default:
      return [];
  }
}

function orderServices(services: ServiceDef[]): ServiceDef[] {
  const local = new Set(services);
  const out: ServiceDef[] = [];
  const seen = new Set<ServiceDef>();
  const visit = (s: ServiceDef): void => {
    if (seen.has(s)) return;
    seen.add(s);
    const parent = s.extends?.target;
    if (parent && local.has(parent)) visit(parent);
    out.push(s);
  };
  services.forEach(visit);
  return out;
}

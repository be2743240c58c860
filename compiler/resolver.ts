/**
 * Binds every type reference to its definition and every `extends` to its service; reports unknown
 * names (with a suggestion), duplicate definitions (also across an include, where Apache's compiler
 * rejects them) and typedef cycles.
 */
import type { DiagnosticBag } from "./diagnostics.js";
import type { Field, NamedType, Program, TypeRef } from "./model.js";
import { Scope, type Named } from "./scope.js";

/** Base type names, also offered as suggestions for a misspelled type. */
const baseTypeNames = ["bool", "byte", "i8", "i16", "i32", "i64", "double", "float", "string", "binary", "uuid"];

export function createScopes(programs: readonly Program[]): (p: Program) => Scope {
  const scopes = new Map<Program, Scope>();
  const scopeOf = (p: Program): Scope => {
    let s = scopes.get(p);
    if (!s) {
      s = new Scope(p, scopeOf);
      scopes.set(p, s);
    }
    return s;
  };
  for (const p of programs) scopeOf(p);
  return scopeOf;
}

export function resolvePrograms(programs: readonly Program[], scopeOf: (p: Program) => Scope, diagnostics: DiagnosticBag): void {
  for (const program of programs) {
    const scope = scopeOf(program);
    checkDuplicateDefinitions(program, diagnostics);
    checkTypesUniqueAcrossIncludes(program, diagnostics);
    const resolveRef = (t: TypeRef): void => resolveType(t, scope, diagnostics);
    const resolveFields = (fields: readonly Field[]): void => {
      for (const f of fields) {
        resolveRef(f.type);
        if (f.xsdAttrs) resolveFields(f.xsdAttrs);
      }
    };
    for (const d of program.definitions) {
      switch (d.kind) {
        case "const":
        case "typedef":
          resolveRef(d.type);
          break;
        case "struct":
        case "union":
        case "exception":
          resolveFields(d.fields);
          break;
        case "service":
          if (d.extends) {
            const parent = scope.lookupType(d.extends.name);
            if (!parent) {
              // Behind an include that was not loaded, the include's own error says it all.
              if (!scope.behindUnloadedInclude(d.extends.name)) {
                diagnostics.error(`unknown service '${d.extends.name}'${diagnostics.suggester.didYouMean(d.extends.name, scope.typeNames())}`, d.extends.loc);
              }
            } else if (parent.kind !== "service") {
              diagnostics.error(`service '${d.name}' cannot extend '${d.extends.name}': it is ${describeDefinition(parent)}, not a service`, d.extends.loc);
            } else {
              d.extends.target = parent;
            }
          }
          for (const f of d.functions) {
            if (f.returnType) resolveRef(f.returnType);
            resolveFields(f.params);
            resolveFields(f.throws);
          }
          break;
        case "enum":
          break;
      }
    }
  }
  const acyclic = new Set<unknown>();
  for (const program of programs) {
    for (const d of program.definitions) {
      if (d.kind === "typedef" && typedefCycle(d.type, acyclic)) {
        diagnostics.error(`typedef '${d.name}' refers to itself`, d.nameLoc);
      }
      if (d.kind === "service") checkExtendsCycle(d, diagnostics);
    }
  }
}

function resolveType(t: TypeRef, scope: Scope, diagnostics: DiagnosticBag): void {
  switch (t.kind) {
    case "base":
      return;
    case "list":
    case "set":
      resolveType(t.elem, scope, diagnostics);
      return;
    case "map":
      resolveType(t.key, scope, diagnostics);
      resolveType(t.value, scope, diagnostics);
      return;
    case "named":
      bindNamed(t, scope, diagnostics);
  }
}

function bindNamed(t: NamedType, scope: Scope, diagnostics: DiagnosticBag): void {
  if (t.typeArgs) {
    // A misspelt container, reported by the parser: only its arguments can still have errors of their own.
    for (const a of t.typeArgs) resolveType(a, scope, diagnostics);
    return;
  }
  const def = scope.lookupType(t.name);
  if (!def) {
    if (scope.behindUnloadedInclude(t.name)) return; // the include's own error says it all
    if (scope.lookupConst(t.name)) diagnostics.error(`'${t.name}' is a constant, not a type`, t.loc);
    else diagnostics.error(`unknown type '${t.name}'${diagnostics.suggester.didYouMean(t.name, scope.typeNames(), baseTypeNames)}`, t.loc);
    return;
  }
  if (def.kind === "service") {
    diagnostics.error(`'${t.name}' is a service, not a type`, t.loc);
    return;
  }
  t.target = def;
}

/** Whether following typedefs from `start` loops; `acyclic` remembers typedefs known to end, so long chains stay linear. */
function typedefCycle(start: TypeRef, acyclic: Set<unknown>): boolean {
  const seen = new Set<unknown>();
  let t = start;
  while (t.kind === "named" && t.target?.kind === "typedef" && !acyclic.has(t.target)) {
    if (seen.has(t.target)) return true;
    seen.add(t.target);
    t = t.target.type;
  }
  for (const s of seen) acyclic.add(s);
  return false;
}

function checkExtendsCycle(service: Named & { kind: "service" }, diagnostics: DiagnosticBag): void {
  const seen = new Set<unknown>([service]);
  for (let s = service.extends?.target; s; s = s.extends?.target) {
    if (s === service) {
      diagnostics.error(`service '${service.name}' extends itself through its parents`, service.nameLoc);
      return;
    }
    if (seen.has(s)) return;
    seen.add(s);
  }
}

export function describeDefinition(d: Named): string {
  switch (d.kind) {
    case "enum":
      return `enum '${d.name}'`;
    case "typedef":
      return `typedef '${d.name}'`;
    case "service":
      return `service '${d.name}'`;
    case "exception":
      return `exception '${d.name}'`;
    case "union":
      return `union '${d.name}'`;
    case "struct":
      return `struct '${d.name}'`;
  }
}

function checkDuplicateDefinitions(program: Program, diagnostics: DiagnosticBag): void {
  const types = new Map<string, { line: number }>();
  const consts = new Map<string, { line: number }>();
  for (const d of program.definitions) {
    const table = d.kind === "const" ? consts : types;
    const first = table.get(d.name);
    if (first) {
      diagnostics.error(`'${d.name}' is already defined at line ${first.line}`, d.nameLoc);
    } else {
      table.set(d.name, { line: d.nameLoc.line });
    }
  }
}

/**
 * Apache's compiler (t_program::is_unique_typename) rejects a type whose name is also defined in a
 * directly included program when both programs declare the same namespaces (or neither declares any).
 */
function checkTypesUniqueAcrossIncludes(program: Program, diagnostics: DiagnosticBag): void {
  for (const inc of program.includes) {
    const other = inc.program;
    if (!other || other === program || !sameNamespaces(program, other)) continue;
    const names = new Set(other.definitions.filter((d) => d.kind !== "const").map((d) => d.name));
    for (const d of program.definitions) {
      if (d.kind !== "const" && names.has(d.name)) {
        diagnostics.error(`type '${d.name}' is already defined in included file '${inc.path}', which has the same namespaces`, d.nameLoc);
      }
    }
  }
}

/**
 * Apache's is_common_namespace: every namespace one program declares must be what the other program's
 * get_namespace(scope) answers, which falls back to its `namespace *`.
 */
function sameNamespaces(a: Program, b: Program): boolean {
  const ns = (p: Program): Map<string, string> => new Map(p.namespaces.map((n) => [n.scope, n.name]));
  const na = ns(a);
  const nb = ns(b);
  const get = (m: Map<string, string>, scope: string): string => m.get(scope) ?? m.get("*") ?? "";
  for (const [scope, name] of na) if (get(nb, scope) !== name) return false;
  for (const [scope, name] of nb) if (get(na, scope) !== name) return false;
  return true;
}

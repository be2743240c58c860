/**
 * Semantic checks on resolved programs: field ids and names, throws clauses, oneway rules, enum
 * members, and const values against their types (Apache's validate_const_rec, plus range checks for
 * the integer types). Binds const identifiers to the const or enum member they name.
 */
import { DiagnosticBag } from "./diagnostics.js";
import type { ConstDef, ConstValue, EnumDef, Field, Program, TypeRef } from "./model.js";
import { resolveTypedefs } from "./model.js";
import { describeDefinition } from "./resolver.js";
import type { Scope } from "./scope.js";

const intRanges: Record<string, readonly [bigint, bigint]> = {
  byte: [-128n, 127n],
  i8: [-128n, 127n],
  i16: [-32768n, 32767n],
  i32: [-(2n ** 31n), 2n ** 31n - 1n],
  i64: [-(2n ** 63n), 2n ** 63n - 1n],
};

const bits: Record<string, number> = { byte: 8, i8: 8, i16: 16, i32: 32, i64: 64 };

const UUID_RE = /^\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$/;

export function checkPrograms(programs: readonly Program[], scopeOf: (p: Program) => Scope, diagnostics: DiagnosticBag): void {
  const shared: SharedState = { active: new Set(), chainEnds: new Map(), misfits: new Map() };
  for (const program of programs) new ProgramChecker(scopeOf, program, diagnostics, shared).check();
  // After binding: a constant defined in terms of itself has no value (and would send anything that
  // evaluates it round in circles).
  const consts = programs.flatMap((p) => p.definitions.filter((d): d is ConstDef => d.kind === "const"));
  for (const [c, cycle] of constCycles(consts)) {
    diagnostics.error(`const '${c.name}' is defined in terms of itself (${cycle.map((x) => x.name).join(" -> ")})`, c.nameLoc);
  }
}

/**
 * Every const that reaches itself through the references in its value, with one such path
 * (`A -> B -> A`). Tarjan's strongly connected components, without recursion: a const is on a cycle
 * when its component has several members or it refers to itself.
 */
function constCycles(consts: readonly ConstDef[]): Map<ConstDef, ConstDef[]> {
  const edges = new Map<ConstDef, ConstDef[]>(consts.map((c) => [c, constRefs(c.value)]));
  const index = new Map<ConstDef, number>();
  const low = new Map<ConstDef, number>();
  const onStack = new Set<ConstDef>();
  const stack: ConstDef[] = [];
  const components: ConstDef[][] = [];
  let counter = 0;
  for (const root of consts) {
    if (index.has(root)) continue;
    const work: { node: ConstDef; next: number }[] = [{ node: root, next: 0 }];
    index.set(root, counter);
    low.set(root, counter++);
    stack.push(root);
    onStack.add(root);
    while (work.length) {
      const frame = work[work.length - 1]!;
      const out = edges.get(frame.node) ?? [];
      if (frame.next < out.length) {
        const to = out[frame.next++]!;
        if (!edges.has(to)) continue;
        if (!index.has(to)) {
          index.set(to, counter);
          low.set(to, counter++);
          stack.push(to);
          onStack.add(to);
          work.push({ node: to, next: 0 });
        } else if (onStack.has(to)) {
          low.set(frame.node, Math.min(low.get(frame.node)!, index.get(to)!));
        }
        continue;
      }
      work.pop();
      const parent = work[work.length - 1];
      if (parent) low.set(parent.node, Math.min(low.get(parent.node)!, low.get(frame.node)!));
      if (low.get(frame.node) === index.get(frame.node)) {
        const component: ConstDef[] = [];
        let x: ConstDef;
        do {
          x = stack.pop()!;
          onStack.delete(x);
          component.push(x);
        } while (x !== frame.node);
        components.push(component);
      }
    }
  }
  const result = new Map<ConstDef, ConstDef[]>();
  for (const component of components) {
    const members = new Set(component);
    if (component.length === 1 && !edges.get(component[0]!)!.includes(component[0]!)) continue;
    for (const start of consts.filter((c) => members.has(c))) result.set(start, cyclePath(start, members, edges));
  }
  return result;
}

/** A shortest path from `start` back to itself inside its component (breadth first). */
function cyclePath(start: ConstDef, members: Set<ConstDef>, edges: Map<ConstDef, ConstDef[]>): ConstDef[] {
  const previous = new Map<ConstDef, ConstDef>();
  const queue = [start];
  for (let i = 0; i < queue.length; i++) {
    const node = queue[i]!;
    for (const to of edges.get(node) ?? []) {
      if (to === start) {
        const path = [start];
        for (let n: ConstDef | undefined = node; n !== start && n; n = previous.get(n)) path.splice(1, 0, n);
        return [...path, start];
      }
      if (members.has(to) && !previous.has(to)) {
        previous.set(to, node);
        queue.push(to);
      }
    }
  }
  return [start, start];
}

function constRefs(v: ConstValue): ConstDef[] {
  switch (v.kind) {
    case "identifier":
      return v.target?.kind === "const" ? [v.target.def] : [];
    case "list":
      return v.items.flatMap(constRefs);
    case "map":
      return v.entries.flatMap(([k, x]) => [...constRefs(k), ...constRefs(x)]);
    default:
      return [];
  }
}

export function describeType(t: TypeRef): string {
  switch (t.kind) {
    case "base":
      return t.name;
    case "list":
    case "set":
      return `${t.kind}<${describeType(t.elem)}>`;
    case "map":
      return `map<${describeType(t.key)}, ${describeType(t.value)}>`;
    case "named":
      return t.name;
  }
}

/** The names of an enum type as a qualifier of its values may spell it: the enum's and each typedef's on the way to it. */
function namesOfEnumType(type: TypeRef): string[] {
  const names: string[] = [];
  for (let t = type, guard = 0; t.kind === "named" && t.target && guard < 100; guard++) {
    names.push(t.target.name);
    if (t.target.kind !== "typedef") break;
    t = t.target.type;
  }
  return names;
}

function describeValue(v: ConstValue): string {
  switch (v.kind) {
    case "int":
      return `the integer ${v.value}`;
    case "double":
      return `the number ${v.value}`;
    case "string":
      return "a string literal";
    case "identifier":
      return `'${v.name}'`;
    case "list":
      return "a list literal";
    case "map":
      return "a map literal";
  }
}

/** State shared by the checkers of one compilation. */
interface SharedState {
  /** Consts being validated, to stop on `const i32 A = B; const i32 B = A`. */
  readonly active: Set<ConstDef>;
  /** Where a chain of plain references (`A = B`, `B = C`) ends; null when it never does. */
  readonly chainEnds: Map<ConstDef, ConstDef | null>;
  /** Whether a const's value has errors against its own type, once checked (which also binds its names). */
  readonly misfits: Map<ConstDef, boolean>;
}

class ProgramChecker {
  private readonly scope: Scope;
  private readonly active: Set<ConstDef>;

  /**
   * `referenced`: checking the value of a const that another const or default refers to, against the
   * referrer's type. Its names were bound against its own type where it is declared, and are taken as
   * bound: a value written in place may be read by name alone (as Apache's compiler reads enum values),
   * a referenced one keeps the meaning it has where it is written.
   */
  constructor(
    private readonly scopeOf: (p: Program) => Scope,
    program: Program,
    private readonly diagnostics: DiagnosticBag,
    private readonly shared: SharedState,
    private readonly referenced = false,
  ) {
    this.scope = scopeOf(program);
    this.active = shared.active;
  }

  check(): void {
    for (const d of this.scope.program.definitions) {
      switch (d.kind) {
        case "const":
          this.checkConst(d);
          break;
        case "typedef":
          break;
        case "enum": {
          const seen = new Set<string>();
          for (const m of d.members) {
            if (seen.has(m.name)) this.diagnostics.error(`enum '${d.name}' already has a value named '${m.name}'`, m.nameLoc);
            seen.add(m.name);
          }
          break;
        }
        case "struct":
        case "union":
        case "exception":
          this.checkFields(d.fields, `${d.kind} '${d.name}'`);
          break;
        case "service": {
          const names = new Map<string, number>();
          for (const f of d.functions) {
            const line = names.get(f.name);
            if (line !== undefined) this.diagnostics.error(`function '${f.name}' is already defined in service '${d.name}' at line ${line}`, f.nameLoc);
            else names.set(f.name, f.nameLoc.line);
            this.checkFields(f.params, `the arguments of '${f.name}'`);
            this.checkFields(f.throws, `the throws clause of '${f.name}'`);
            for (const t of f.throws) {
              const target = resolveTypedefs(t.type);
              if (target.kind === "named" && !target.target) continue; // an unknown type, reported where it is named
              if (target.kind !== "named" || target.target?.kind !== "exception") {
                const what = target.kind === "named" && target.target ? describeDefinition(target.target) : describeType(target);
                this.diagnostics.error(`'${f.name}' can only throw exceptions, but '${describeType(t.type)}' is ${what}`, t.type.loc);
              }
            }
            if (f.oneway && f.returnType) {
              this.diagnostics.warning(`oneway function '${f.name}' cannot return a value; its result is ignored (declare it 'void')`, f.returnType.loc);
            }
            if (f.oneway && f.throws.length) {
              this.diagnostics.error(`oneway function '${f.name}' cannot throw exceptions: no reply is ever sent`, f.throws[0]!.loc);
            }
          }
          break;
        }
      }
    }
  }

  private checkFields(fields: readonly Field[], owner: string): void {
    const ids = new Map<number, Field>();
    const names = new Map<string, Field>();
    for (const f of fields) {
      const sameId = ids.get(f.id);
      if (sameId) this.diagnostics.error(`field id ${f.id} of '${f.name}' is already used by '${sameId.name}' in ${owner}`, f.loc);
      else ids.set(f.id, f);
      const sameName = names.get(f.name);
      if (sameName) this.diagnostics.error(`field '${f.name}' is already defined in ${owner} at line ${sameName.nameLoc.line}`, f.nameLoc);
      else names.set(f.name, f);
      if (f.defaultValue) this.checkValue(f.defaultValue, f.type, `default value of '${f.name}'`);
      if (f.xsdAttrs) this.checkFields(f.xsdAttrs, `the xsd_attrs of '${f.name}'`);
    }
  }

  private checkConst(c: ConstDef): void {
    if (this.active.has(c)) return;
    this.active.add(c);
    this.checkValue(c.value, c.type, `const '${c.name}'`);
    this.active.delete(c);
  }

  /** Validates `value` against `type`; `what` names the thing for messages. */
  private checkValue(value: ConstValue, type: TypeRef, what: string): void {
    if (type.kind === "named" && !type.target) return; // already reported as an unknown type
    const t = resolveTypedefs(type);
    if (t.kind === "named" && !t.target) return;
    const typeName = describeType(type);
    const mismatch = (): void => {
      this.diagnostics.error(`${what} has type ${typeName} but is ${describeValue(value)}`, value.loc);
    };

    if (value.kind === "identifier") {
      this.checkIdentifier(value, type, t, typeName, what);
      return;
    }

    switch (t.kind) {
      case "base":
        switch (t.name) {
          case "string":
          case "binary":
            if (value.kind !== "string") mismatch();
            return;
          case "uuid":
            if (value.kind !== "string") mismatch();
            else if (!UUID_RE.test(value.value)) this.diagnostics.error(`${what} is not a valid uuid: '${value.value}'`, value.loc);
            return;
          case "bool":
            if (value.kind !== "int") mismatch();
            return;
          case "double":
          case "float":
            if (value.kind !== "int" && value.kind !== "double") mismatch();
            return;
          default: {
            if (value.kind !== "int") return mismatch();
            const [min, max] = intRanges[t.name]!;
            if (value.value < min || value.value > max) {
              // Apache accepts these (other languages truncate), so this stays a warning.
              this.diagnostics.warning(`${what} is ${value.value}, which does not fit in ${t.name} (${min} to ${max}); it wraps to ${BigInt.asIntN(Number(bits[t.name]), value.value)}`, value.loc);
            }
            return;
          }
        }
      case "list":
      case "set":
        if (value.kind === "map" && value.entries.length === 0) return;
        if (value.kind !== "list") return mismatch();
        for (const item of value.items) this.checkValue(item, t.elem, `an element of ${what}`);
        return;
      case "map":
        if (value.kind === "list" && value.items.length === 0) return;
        if (value.kind !== "map") return mismatch();
        for (const [k, v] of value.entries) {
          this.checkValue(k, t.key, `a key of ${what}`);
          this.checkValue(v, t.value, `a value of ${what}`);
        }
        return;
      case "named": {
        const def = t.target!;
        if (def.kind === "enum") {
          // An integer must be the number of one of the enum's values (Apache's resolve_const_value).
          if (value.kind !== "int") return mismatch();
          if (!def.members.some((m) => BigInt(m.value) === value.value)) {
            this.diagnostics.error(`${what} is ${value.value}, which is not a value of enum '${this.seenName(def)}'`, value.loc);
          }
          return;
        }
        if (def.kind === "typedef") return;
        if (value.kind !== "map") return mismatch();
        for (const [k, v] of value.entries) {
          if (k.kind !== "string") {
            this.diagnostics.error(`the keys of ${what} must be field names of ${def.kind} '${def.name}' in quotes`, k.loc);
            continue;
          }
          const field = def.fields.find((f) => f.name === k.value);
          if (!field) {
            this.diagnostics.error(`${def.kind} '${def.name}' has no field '${k.value}'${this.diagnostics.suggester.didYouMean(k.value, def.fields.map((f) => f.name))}`, k.loc);
            continue;
          }
          this.checkValue(v, field.type, `field '${k.value}' of ${what}`);
        }
        return;
      }
    }
  }

  /**
   * Whether a const's value has errors against its own declared type (checked quietly, once). The
   * check also binds the value's names as they read where the const is declared.
   */
  private misfitsOwnType(c: ConstDef): boolean {
    let misfits = this.shared.misfits.get(c);
    if (misfits === undefined) {
      const scratch = new DiagnosticBag();
      this.active.add(c);
      new ProgramChecker(this.scopeOf, c.program, scratch, this.shared).checkValue(c.value, c.type, `const '${c.name}'`);
      this.active.delete(c);
      misfits = scratch.hasErrors;
      this.shared.misfits.set(c, misfits);
    }
    return misfits;
  }

  /** A definition's name as written here: `Name`, or `prefix.Name` for one from an included file. */
  private seenName(d: { readonly name: string; readonly program: Program }): string {
    return d.program === this.scope.program ? d.name : `${d.program.name}.${d.name}`;
  }

  /** A type as written here (describeType gives it as written where it is declared). */
  private seenType(t: TypeRef): string {
    switch (t.kind) {
      case "base":
        return t.name;
      case "list":
      case "set":
        return `${t.kind}<${this.seenType(t.elem)}>`;
      case "map":
        return `map<${this.seenType(t.key)}, ${this.seenType(t.value)}>`;
      case "named":
        return t.target ? this.seenName(t.target) : t.name;
    }
  }

  /**
   * The const at the end of a chain of plain references starting at `start`: the first whose value is
   * not a reference to another const. Undefined when the chain reaches an unknown name or a cycle.
   * Memoised for the whole chain, so resolving every const of a long chain stays linear.
   */
  private chainEnd(start: ConstDef): ConstDef | undefined {
    const ends = this.shared.chainEnds;
    const path: ConstDef[] = [];
    const onPath = new Set<ConstDef>();
    let c = start;
    let end: ConstDef | null;
    for (;;) {
      const known = ends.get(c);
      if (known !== undefined) {
        end = known;
        break;
      }
      if (onPath.has(c)) {
        end = null;
        break;
      }
      path.push(c);
      onPath.add(c);
      const v = c.value;
      const scope = this.scopeOf(c.program);
      if (v.kind !== "identifier" || scope.lookupEnumMember(v.name)) {
        end = c;
        break;
      }
      const next = scope.lookupConst(v.name);
      if (!next) {
        end = null;
        break;
      }
      c = next;
    }
    for (const p of path) ends.set(p, end);
    return end ?? undefined;
  }

  /**
   * A name where a value of `type` (`t` with typedefs followed) is expected: an enum value, a const,
   * or, for an enum type, a name Apache's compiler reads as one of the enum's values.
   */
  private checkIdentifier(value: ConstValue & { kind: "identifier" }, type: TypeRef, t: TypeRef, typeName: string, what: string): void {
    const targetEnum = t.kind === "named" && t.target?.kind === "enum" ? t.target : undefined;
    if (this.referenced && value.target?.kind === "enum") {
      // Bound where the const is declared (perhaps to another enum's value read by name): keep that.
      const bound = value.target.def;
      if (targetEnum ? bound !== targetEnum : !(t.kind === "base" && t.name in intRanges)) {
        this.diagnostics.error(`${what} has type ${typeName} but '${value.name}' is a value of enum '${this.seenName(bound)}'`, value.loc);
      }
      return;
    }
    const constDef = this.scope.lookupConst(value.name);
    const member = this.scope.lookupEnumMember(value.name);
    if (!constDef && !member && this.scope.behindUnloadedInclude(value.name)) return; // the include's own error says it all
    if (member) {
      value.target = { kind: "enum", def: member.def, member: member.member };
      if (!targetEnum) {
        if (!(t.kind === "base" && t.name in intRanges)) this.diagnostics.error(`${what} has type ${typeName} but '${value.name}' is an enum value`, value.loc);
        return;
      }
      if (member.def === targetEnum) return;
      const mismatch = `${what} has enum type ${typeName} but '${value.name}' is a value of enum '${this.seenName(member.def)}'`;
      // Apache's compiler takes the value of the expected enum with the same name (enum values are
      // integers to it): accepted, but hardly what was meant.
      const same = targetEnum.members.find((m) => m.name === member.member.name);
      if (!same || this.referenced) {
        this.diagnostics.error(mismatch, value.loc);
        return;
      }
      value.target = { kind: "enum", def: targetEnum, member: same };
      this.diagnostics.warning(
        `${mismatch}; it is taken as ${this.seenName(targetEnum)}.${same.name} (${same.value}), the value of the same name, as Apache's compiler does`,
        value.loc,
      );
      return;
    }
    if (constDef && targetEnum && !value.name.includes(".")) {
      // Apache's validate_const_rec insists on a dotted name wherever an enum value is expected.
      this.diagnostics.error(
        `'${value.name}' is unqualified where a value of enum '${this.seenName(targetEnum)}' is expected; write a qualified value such as '${this.seenName(targetEnum)}.${targetEnum.members[0]?.name ?? "VALUE"}'`,
        value.loc,
      );
      return;
    }
    if (constDef) {
      value.target = { kind: "const", def: constDef };
      // Apache copies the referenced value and checks it against this type; the value's own names
      // are resolved where the const is declared, and its own problems are reported there. A chain of
      // plain references (`A = B`, `B = C`, ...) is resolved once, without recursion, to the const
      // holding the actual value.
      if (this.active.has(constDef)) return;
      const end = this.chainEnd(constDef);
      if (!end || this.active.has(end)) return; // an unknown name or a cycle, reported elsewhere
      // When the referenced value does not even fit its own type, that is reported where it is written.
      if (this.misfitsOwnType(end)) return;
      this.active.add(constDef);
      this.active.add(end);
      const scratch = new DiagnosticBag();
      new ProgramChecker(this.scopeOf, end.program, scratch, this.shared, true).checkValue(end.value, t, what);
      this.active.delete(constDef);
      this.active.delete(end);
      if (scratch.hasErrors) {
        this.diagnostics.error(`${what} has type ${typeName} but const '${value.name}' has type ${this.seenType(constDef.type)}`, value.loc);
      }
      return;
    }
    if (targetEnum) {
      this.checkEnumValueName(value, type, targetEnum, typeName, what);
      return;
    }
    this.diagnostics.error(`unknown constant '${value.name}'${this.diagnostics.suggester.didYouMean(value.name, this.scope.constNames())}`, value.loc);
  }

  /**
   * A name that is no enum value and no const, where a value of `targetEnum` is expected. Apache's
   * compiler reads it by its last name: it drops the first dotted part and, if a dot remains, the
   * second (t_const_value::get_identifier_name), and what is left must name one of the enum's values.
   * The parts dropped are never looked at, so `Color.RED` for an included `other.Color` is fine (and
   * passes silently here), while `Anything.RED` passes with a warning.
   */
  private checkEnumValueName(value: ConstValue & { kind: "identifier" }, type: TypeRef, targetEnum: EnumDef, typeName: string, what: string): void {
    const enumName = this.seenName(targetEnum);
    const parts = value.name.split(".");
    const last = parts[parts.length - 1]!;
    const named = targetEnum.members.find((x) => x.name === last);
    if (named && parts.length === 1) {
      this.diagnostics.error(`enum value '${value.name}' is unqualified; write '${enumName}.${value.name}'`, value.loc);
      return;
    }
    if (named && parts.length <= 3 && !this.referenced) {
      value.target = { kind: "enum", def: targetEnum, member: named };
      const qualifier = parts.slice(0, -1).join(".");
      if (namesOfEnumType(type).includes(qualifier)) return;
      let qualified = this.scope.lookupType(qualifier);
      if (qualified?.kind === "typedef") {
        const r = resolveTypedefs(qualified.type);
        qualified = r.kind === "named" ? r.target : undefined;
      }
      const reason = qualified?.kind === "enum" ? `enum '${this.seenName(qualified)}' has no value '${last}'` : `'${qualifier}' names no enum`;
      this.diagnostics.warning(
        `${what} has enum type ${typeName} but ${reason}; '${value.name}' is taken as ${enumName}.${named.name} (${named.value}), as Apache's compiler does`,
        value.loc,
      );
      return;
    }
    if (named) {
      this.diagnostics.error(`'${value.name}' is not a value of enum '${enumName}'; write '${enumName}.${last}'`, value.loc);
      return;
    }
    this.diagnostics.error(
      `'${last}' is not a value of enum '${enumName}'${this.diagnostics.suggester.didYouMean(last, targetEnum.members.map((x) => x.name))}`,
      value.loc,
    );
  }
}

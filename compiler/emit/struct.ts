/**
 * struct → interface (decoded shape) + `FooInit` (input shape) + a same-named codec object;
 * union → discriminated union types (exactly one field, enforced with `?: never`) + codec;
 * exception → a class extending TException with static codec methods.
 */
import { resolveTypedefs, type Field, type StructDef, type TypeRef } from "../model.js";
import { group, hardline, ifBreak, indent, join, line, type Doc } from "./doc.js";
import { withDoc, type GeneratedFile } from "./generated-file.js";
import { assign, assignment, binaryRhs, block, call, callStatement, declaration, letUnion, huggedCall, ifBlock, method, nullish, objectLiteral, property, rhs, spacedBody, ternary, unionAnnotation, type RightSide } from "./layout.js";
import { propertyName, stringLiteral } from "./names.js";
import { readValue, ttype, writeValue } from "./codec.js";
import { fieldsMethod } from "./schema.js";
import { typeDoc } from "./type-doc.js";
import { hasZeroValue, inputType, needsConversion, outputType, zeroValue } from "./types.js";
import { constExpr, typeArgs } from "./values.js";

/** How one field is represented and coded. */
export interface FieldPlan {
  field: Field;
  /** Property name in generated types. */
  prop: string;
  /** Local variable name in generated functions. */
  local: string;
  /** `?:` in the decoded type. */
  outOptional: boolean;
  /** `?:` in the input type. */
  inOptional: boolean;
  /** Value when absent on the wire (and when omitted on input), if any. */
  fallback: Doc | undefined;
  /** The fallback is the type's zero value (not an IDL default). */
  zeroFallback: boolean;
  /** `required` in the IDL: checked on write and on read. */
  required: boolean;
}

function isStringType(t: TypeRef): boolean {
  const r = resolveTypedefs(t);
  return r.kind === "base" && r.name === "string";
}

const planCache = new WeakMap<GeneratedFile, Map<readonly Field[], FieldPlan[]>>();

/** The plans for a field list (cached: services plan each argument list several times). */
export function planFields(f: GeneratedFile, def: { kind: string; fields: readonly Field[] }): FieldPlan[] {
  let byFields = planCache.get(f);
  if (!byFields) planCache.set(f, (byFields = new Map()));
  const key = def.fields;
  const cached = byFields.get(key);
  if (cached && (def.kind !== "union" && def.kind !== "exception")) return cached;
  const plans = computePlans(f, def);
  if (def.kind !== "union" && def.kind !== "exception") byFields.set(key, plans);
  return plans;
}

function computePlans(f: GeneratedFile, def: { kind: string; fields: readonly Field[] }): FieldPlan[] {
  const inException = def.kind === "exception";
  const usedLocals = new Set<string>();
  return [...def.fields]
    .sort((a, b) => a.id - b.id)
    .map((field): FieldPlan => {
      const prop = propertyName(field.name, { inException, isString: isStringType(field.type) });
      let local = f.local(prop);
      while (usedLocals.has(local)) local += "_";
      usedLocals.add(local);
      // Every plan has the same shape (fallback may be undefined): one hidden class.
      const plan: FieldPlan = { field, prop, local, outOptional: true, inOptional: true, fallback: undefined, zeroFallback: false, required: false };
      const idlDefault = field.defaultValue ? constExpr(f, field.defaultValue, field.type, true) : undefined;
      if (def.kind === "union") return plan;
      if (field.requiredness === "optional") {
        // Apache's constructors set an optional field's IDL default, so it is written and read back.
        if (idlDefault !== undefined) {
          plan.outOptional = false;
          plan.fallback = idlDefault;
        }
        return plan;
      }
      if (field.requiredness === "required") {
        plan.outOptional = false;
        plan.inOptional = idlDefault !== undefined;
        plan.fallback = idlDefault;
        plan.required = true;
      } else if (idlDefault !== undefined) {
        plan.outOptional = false;
        plan.fallback = idlDefault;
      } else if (hasZeroValue(field.type)) {
        plan.outOptional = false;
        plan.fallback = zeroValue(f, field.type);
        plan.zeroFallback = true;
      }
      return plan;
    });
}

/**
 * A property signature. An optional one also admits `undefined` (`x?: T | undefined`): decoders and
 * `create` keep every key (one object shape, so property access stays monomorphic), and under
 * `exactOptionalPropertyTypes` a plain `x?: T` would reject both those values and callers that pass
 * `x: maybeT`. Writers treat `undefined` as unset either way.
 */
function member(prop: string, optional: boolean, type: string, doc: string | undefined): Doc {
  if (!optional) return withDoc(doc, [`${prop}: `, typeDoc(type), ";"]);
  return withDoc(doc, [`${prop}?:`, unionAnnotation([type, "undefined"]), ";"]);
}

function interfaceDecl(name: string, members: Doc[], doc: string | undefined, exported: boolean): Doc {
  return withDoc(doc, [`${exported ? "export " : ""}interface ${name} `, block(members)]);
}

export function emitStruct(f: GeneratedFile, def: StructDef, opts: { exported?: boolean; name?: string } = {}): void {
  const name = opts.name ?? f.ref(def);
  const plans = planFields(f, def);
  if (def.kind === "exception") return emitException(f, def, name, plans);
  const exported = opts.exported ?? true;
  const ex = exported ? "export " : "";
  const initName = `${name}Init`;
  if (def.kind === "union") {
    f.add(withDoc(def.doc, unionType(`${ex}type ${name}`, plans.map((p) => [p.prop, outputType(f, p.field.type)]))));
    f.add(withDoc(`The input form of {@link ${name}}.`, unionType(`${ex}type ${initName}`, plans.map((p) => [p.prop, inputType(f, p.field.type)]))));
  } else {
    f.add(interfaceDecl(name, plans.map((p) => member(p.prop, p.outOptional, outputType(f, p.field.type), p.field.doc)), def.doc, exported));
    const inMembers = plans.map((p) => member(p.prop, p.inOptional, inputType(f, p.field.type), undefined));
    f.add(interfaceDecl(initName, inMembers, `The input form of {@link ${name}}: fields with defaults may be omitted.`, exported));
  }
  // A method's args and result structs (module-private) only need encoding and decoding.
  const codecType = typeArgs(f.runtime(exported ? "StructCodec" : "MessageCodec", true), [name, initName]);
  const props: Doc[] = [[property("name", rhs(stringLiteral(def.name), true)), ","]];
  const annotations = annotationsProp(def.annotations);
  if (annotations) props.push(annotations);
  props.push(`kind: ${stringLiteral(def.kind)},`);
  props.push([fieldsMethod(f, def.kind, plans, false), ","]);
  const isUnion = def.kind === "union";
  if (exported) props.push([isUnion ? unionCreate(f, name, initName, plans) : structCreate(f, name, initName, plans), ","]);
  props.push([writeMethod(f, def, initName, plans), ","]);
  props.push([readMethod(f, def, name, plans), ","]);
  f.add(declaration(`${ex}const`, [`${name}: `, codecType], rhs(block(props))));
}

function annotationsProp(annotations: readonly { key: string; value: string }[]): Doc | undefined {
  if (!annotations.length) return undefined;
  const last = new Map(annotations.map((a) => [a.key, a.value]));
  return ["annotations: ", objectLiteral([...last].map(([k, v]) => `${/^[A-Za-z_$][\w$]*$/.test(k) ? k : stringLiteral(k)}: ${stringLiteral(v)}`)), ","];
}

/** `type X =` a union of object types, each holding exactly one of the fields. */
function unionType(head: string, fields: [string, string][]): Doc {
  if (fields.length === 0) return `${head} = Record<string, never>;`;
  const members = fields.map(([prop, type], i) =>
    indent(group(["{", indent([line, join([";", line], fields.map(([p], j): Doc => (j === i ? [`${prop}: `, typeDoc(type)] : `${p}?: never`)))]), ifBreak(";"), line, "}"])),
  );
  if (fields.length === 1) {
    const [prop, type] = fields[0]!;
    return [head, " = ", group(["{", indent([line, `${prop}: `, typeDoc(type)]), ifBreak(";"), line, "}"]), ";"];
  }
  // On the next line as a whole if it fits there; otherwise one `| member` per line.
  return [head, " =", group(indent([line, group([ifBreak("| "), join([line, "| "], members)])])), ";"];
}

/** The converter (a function expression) turning an input-form value of `t` into its output form. */
function converter(f: GeneratedFile, t: TypeRef): Doc {
  const r = resolveTypedefs(t);
  switch (r.kind) {
    case "base":
      return r.name === "i64" ? f.runtime("i64") : r.name === "uuid" ? f.runtime("canonicalUuid") : f.runtime("same");
    case "named":
      return !r.target || r.target.kind === "enum" || r.target.kind === "typedef" ? f.runtime("same") : `${f.ref(r.target)}.create`;
    case "list":
      return call(f.runtime("listOf"), [converter(f, r.elem)]);
    case "set":
      return call(f.runtime("setOf"), [converter(f, r.elem)]);
    case "map":
      return call(f.runtime("mapOf"), [converter(f, r.key), converter(f, r.value)]);
  }
}

/** Converts an input-form expression to a fresh output-form value (i64 numbers to bigint, Init to full values, container copies). */
function convert(f: GeneratedFile, expr: string, t: TypeRef): Doc {
  const r = resolveTypedefs(t);
  switch (r.kind) {
    case "base":
      if (r.name === "i64") return call(f.runtime("i64"), [expr]);
      return r.name === "uuid" ? call(f.runtime("canonicalUuid"), [expr]) : expr;
    case "named":
      return !r.target || r.target.kind === "enum" || r.target.kind === "typedef" ? expr : call(`${f.ref(r.target)}.create`, [expr]);
    case "list":
      return needsConversion(r.elem) ? call(f.runtime("convertList"), [expr, converter(f, r.elem)]) : `[...${expr}]`;
    case "set":
      return needsConversion(r.elem) ? call(f.runtime("convertSet"), [expr, converter(f, r.elem)]) : call("new Set", [expr]);
    case "map":
      if (!needsConversion(r.key) && !needsConversion(r.value)) return call("new Map", [expr]);
      return call(f.runtime("convertMap"), [expr, converter(f, r.key), converter(f, r.value)]);
  }
}

/** The output-form value of a field given its input `src`, applying its fallback. */
function fieldValue(f: GeneratedFile, p: FieldPlan, src: string): RightSide {
  const conversion = needsConversion(p.field.type);
  if (p.fallback !== undefined) {
    if (!conversion) return binaryRhs(nullish(src, p.fallback));
    return binaryRhs(ternary(`${src} === undefined`, p.fallback, convert(f, src, p.field.type)));
  }
  if (p.outOptional && conversion) return binaryRhs(ternary(`${src} === undefined`, "undefined", convert(f, src, p.field.type)));
  return rhs(convert(f, src, p.field.type));
}

/** A parameter's name, `_`-prefixed when the body does not read it (as `noUnusedParameters` asks). */
export function unusedIf(unused: boolean, name: string): string {
  return unused ? `_${name}` : name;
}

function structCreate(f: GeneratedFile, name: string, initName: string, plans: FieldPlan[]): Doc {
  const props = plans.map((p) => property(p.prop, fieldValue(f, p, `init.${p.prop}`)));
  return method("create", [`${unusedIf(plans.length === 0, "init")}: ${initName}`], name, [["return ", objectLiteral(props), ";"]]);
}

function unionCreate(f: GeneratedFile, name: string, initName: string, plans: FieldPlan[]): Doc {
  const stmts: Doc[] = plans.map((p) => ifBlock(`init.${p.prop} !== undefined`, [["return ", objectLiteral([property(p.prop, rhs(convert(f, `init.${p.prop}`, p.field.type)))]), ";"]]));
  stmts.push(["throw ", call(f.runtime("unionFieldCount"), [stringLiteral(name), "0"]), ";"]);
  return method("create", [`${unusedIf(plans.length === 0, "init")}: ${initName}`], name, stmts);
}

function writeMethod(f: GeneratedFile, def: StructDef, initName: string, plans: FieldPlan[], isStatic = false): Doc {
  const stmts: Doc[] = [callStatement("w.writeStructBegin", [stringLiteral(def.name)])];
  const isUnion = def.kind === "union";
  if (isUnion) stmts.push("let $count = 0;");
  for (const p of plans) {
    const fieldStmts = (expr: string): Doc[] => [
      callStatement("w.writeFieldBegin", [stringLiteral(p.field.name), ttype(f, p.field.type), String(p.field.id)]),
      ...writeValue(f, expr, p.field.type, 0),
      "w.writeFieldEnd();",
    ];
    const src = `v.${p.prop}`;
    // IDL defaults are written when the value is omitted (as Apache's constructors set them); a
    // field without one is written only when set ("opt-in, req-out").
    if (p.fallback !== undefined && !p.zeroFallback) {
      stmts.push(declaration("const", p.local, binaryRhs(nullish(src, p.fallback))));
      stmts.push(...fieldStmts(p.local));
    } else if (p.required) {
      stmts.push(ifBlock(`${src} === undefined`, [["throw ", call(f.runtime("unsetField"), [stringLiteral(def.name), stringLiteral(p.field.name)]), ";"]]));
      stmts.push(...fieldStmts(src));
    } else {
      stmts.push(ifBlock(`${src} !== undefined`, [...(isUnion ? ["$count++;"] : []), ...fieldStmts(src)]));
    }
  }
  if (isUnion) stmts.push(ifBlock("$count !== 1", [["throw ", call(f.runtime("unionFieldCount"), [stringLiteral(def.name), "$count"]), ";"]]));
  stmts.push("w.writeFieldStop();", "w.writeStructEnd();");
  return method(`${isStatic ? "static " : ""}write`, [`w: ${f.runtime("ProtocolWriter", true)}`, `${unusedIf(plans.length === 0, "v")}: ${initName}`], "void", stmts);
}

/** The field loop of a read method; `store` gives the statements that keep a field's decoded value. */
function readLoop(f: GeneratedFile, plans: FieldPlan[], store: (p: FieldPlan, expr: string) => Doc[]): Doc[] {
  const cases: Doc[] = plans.map((p) => {
    const value = readValue(f, p.field.type);
    const test = `if (t === ${ttype(f, p.field.type)})`;
    // A value read in one expression takes the brace-less form prettier keeps:
    // `if (t === TType.I32) x = r.readI32();` then `else r.skip(t);`.
    const assigned = store(p, value.expr);
    const branch: Doc =
      value.statements.length === 0 && assigned.length === 1
        ? [group([test, indent([line, assigned[0]!])]), hardline, "else r.skip(t);"]
        : [test, " ", block([...value.statements, ...assigned]), " else ", block(["r.skip(t);"])];
    return [`case ${p.field.id}:`, indent([hardline, branch, hardline, "break;"])];
  });
  cases.push(["default:", indent([hardline, "r.skip(t);"])]);
  return [
    "r.readStructBegin();",
    ["for (;;) ", block(["const t = r.readFieldBegin();", `if (t === ${f.runtime("TType")}.STOP) break;`, ["switch (r.fieldId) ", block(cases)], "r.readFieldEnd();"])],
    "r.readStructEnd();",
  ];
}

function requiredChecks(f: GeneratedFile, def: StructDef, plans: FieldPlan[]): Doc[] {
  return plans
    .filter((p) => p.required)
    .map((p) => ifBlock(`${p.local} === undefined`, [["throw ", call(f.runtime("missingField"), [stringLiteral(def.name), stringLiteral(p.field.name)]), ";"]]));
}

function readMethod(f: GeneratedFile, def: StructDef, name: string, plans: FieldPlan[]): Doc {
  const reader = f.runtime("ProtocolReader", true);
  if (def.kind === "union") {
    const stmts: Doc[] = [`let $value: ${name} | undefined;`, "let $count = 0;"];
    stmts.push(...readLoop(f, plans, (p, expr) => [["$value = ", objectLiteral([property(p.prop, rhs(expr))]), ";"], "$count++;"]));
    stmts.push(ifBlock("$count !== 1 || $value === undefined", [["throw ", call(f.runtime("unionFieldCount"), [stringLiteral(def.name), "$count"]), ";"]]));
    stmts.push("return $value;");
    return method("read", [`r: ${reader}`], name, stmts);
  }
  const stmts: Doc[] = [...declareLocals(f, plans), ...readLoop(f, plans, (p, expr) => [assign(p.local, expr)]), ...requiredChecks(f, def, plans)];
  stmts.push(["return ", objectLiteral(plans.map((p) => (p.prop === p.local ? p.prop : `${p.prop}: ${p.local}`))), ";"]);
  return method("read", [`r: ${reader}`], name, stmts);
}

/** Whether `let x = <zero value>` infers exactly the field's output type. */
function inferable(p: FieldPlan): boolean {
  const r = resolveTypedefs(p.field.type);
  if (r.kind === "base") return r.name !== "binary";
  return p.zeroFallback && (r.kind === "map" || r.kind === "set");
}

function declareLocals(f: GeneratedFile, plans: FieldPlan[]): Doc[] {
  return plans.map((p) => {
    const type = outputType(f, p.field.type);
    if (p.fallback === undefined || p.required) {
      // A very long type is named through the struct's own type instead, to keep the line short.
      return letUnion(p.local, [type, "undefined"]);
    }
    if (inferable(p)) return declaration("let", p.local, rhs(p.fallback));
    return declaration("let", [p.local, ": ", typeDoc(type)], rhs(p.fallback));
  });
}

function emitException(f: GeneratedFile, def: StructDef, name: string, plans: FieldPlan[]): void {
  const initName = `${name}Init`;
  // As for structs, only `required` fields without a default must be given.
  f.add(interfaceDecl(initName, plans.map((p) => member(p.prop, p.inOptional, inputType(f, p.field.type), undefined)), `The input form of {@link ${name}}.`, true));
  const allOptional = plans.every((p) => p.inOptional);
  const messagePlan = plans.find((p) => p.prop === "message");
  const members: Doc[] = [`static readonly kind = "exception";`, `override name = ${stringLiteral(def.name)};`];
  for (const p of plans) if (p !== messagePlan) members.push(member(p.prop, p.outOptional, outputType(f, p.field.type), p.field.doc));
  const ctor: Doc[] = [[call("super", [messagePlan ? `init.message ?? ""` : stringLiteral(def.name)]), ";"]];
  for (const p of plans) {
    if (p === messagePlan) continue;
    const value = fieldValue(f, p, `init.${p.prop}`);
    ctor.push([assignment(`this.${p.prop}`, " =", value), ";"]);
  }
  const initParam = `${unusedIf(plans.length === 0, "init")}: ${initName}`;
  members.push(method("constructor", [allOptional ? `${initParam} = {}` : initParam], undefined, ctor));
  members.push(method("static create", [`init: ${initName}`], name, [`return new ${name}(init);`]));
  members.push(fieldsMethod(f, def.kind, plans, true));
  members.push(writeMethod(f, def, initName, plans, true));
  const stmts: Doc[] = [...declareLocals(f, plans), ...readLoop(f, plans, (p, expr) => [assign(p.local, expr)]), ...requiredChecks(f, def, plans)];
  stmts.push(["return ", huggedCall(`new ${name}`, objectLiteral(plans.map((p) => (p.prop === p.local ? p.prop : `${p.prop}: ${p.local}`)))), ";"]);
  members.push(method("static read", [`r: ${f.runtime("ProtocolReader", true)}`], name, stmts));
  f.add(withDoc(def.doc, [`export class ${name} extends ${f.runtime("TException")} `, spacedBody(members)]));
}


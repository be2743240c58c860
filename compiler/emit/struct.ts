/**
 * struct → interface (decoded shape) + `FooInit` (input shape) + a same-named codec object;
 * union → discriminated union types (exactly one field, enforced with `?: never`) + codec;
 * exception → a class extending TException with static codec methods.
 */
import { resolveTypedefs, type Field, type StructDef, type TypeRef } from "../model.js";
import { ifBreak, type Doc } from "./doc.js";
import { block, call, group, hardline, indent, join, line, withDoc, type GeneratedFile } from "./generated-file.js";
import { propertyName, stringLiteral } from "./names.js";
import { readValue, ttype, writeValue } from "./codec.js";
import { hasZeroValue, inputType, needsConversion, outputType, zeroValue } from "./types.js";
import { constExpr, huggedCall, objectLiteral, typeArgs } from "./values.js";

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
  fallback?: Doc;
  /** True when the fallback applies on input too (an IDL default, or a default-requiredness zero value). */
  required: boolean;
}

function isStringType(t: TypeRef): boolean {
  const r = resolveTypedefs(t);
  return r.kind === "base" && r.name === "string";
}

export function planFields(f: GeneratedFile, def: { kind: string; fields: readonly Field[] }): FieldPlan[] {
  const inException = def.kind === "exception";
  const usedLocals = new Set<string>();
  return [...def.fields]
    .sort((a, b) => a.id - b.id)
    .map((field) => {
      const prop = propertyName(field.name, { inException, isString: isStringType(field.type) });
      let local = f.local(prop);
      while (usedLocals.has(local)) local += "_";
      usedLocals.add(local);
      const idlDefault = field.defaultValue ? constExpr(f, field.defaultValue, field.type, true) : undefined;
      if (def.kind === "union" || field.requiredness === "optional") {
        return { field, prop, local, outOptional: true, inOptional: true, required: false };
      }
      if (field.requiredness === "required") {
        return { field, prop, local, outOptional: false, inOptional: idlDefault !== undefined, ...(idlDefault !== undefined && { fallback: idlDefault }), required: true };
      }
      const fallback = idlDefault ?? (hasZeroValue(field.type) ? zeroValue(f, field.type) : undefined);
      return { field, prop, local, outOptional: fallback === undefined, inOptional: true, ...(fallback !== undefined && { fallback }), required: false };
    });
}

function member(prop: string, optional: boolean, type: string, doc: string | undefined): Doc {
  return withDoc(doc, `${prop}${optional ? "?" : ""}: ${type};`);
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
    const outMembers = plans.map((p) => member(p.prop, p.outOptional, outputType(f, p.field.type), p.field.doc));
    f.add(interfaceDecl(name, outMembers, def.doc, exported));
    const inMembers = plans.map((p) => member(p.prop, p.inOptional, inputType(f, p.field.type), undefined));
    f.add(interfaceDecl(initName, inMembers, `The input form of {@link ${name}}: fields with defaults may be omitted.`, exported));
  }
  const codecType = typeArgs(f.runtime("StructCodec", true), [name, initName]);
  const methods = [createMethod(f, name, initName, plans, def.kind === "union"), writeMethod(f, def, initName, plans), readMethod(f, def, name, plans)];
  f.add([`${ex}const ${name}: `, codecType, " = ", block([`name: ${stringLiteral(def.name)},`, ...methods.map((m) => [m, ","])]), ";"]);
}

/** `type X =` a union of object types, each holding exactly one of the fields. */
function unionType(head: string, fields: [string, string][]): Doc {
  if (fields.length === 0) return `${head} = Record<string, never>;`;
  const members = fields.map(([prop, type], i) =>
    indent(
      group([
        "{",
        indent([line, join([";", line], fields.map(([p], j) => (j === i ? `${prop}: ${type}` : `${p}?: never`)))]),
        ifBreak(";"),
        line,
        "}",
      ]),
    ),
  );
  return [head, " =", group(indent([line, ifBreak("| "), join([line, "| "], members)])), ";"];
}

function createMethod(f: GeneratedFile, name: string, initName: string, plans: FieldPlan[], isUnion: boolean): Doc {
  const props: Doc[] = [];
  if (isUnion) {
    // Copy the one field that is set.
    const stmts: Doc[] = plans.map((p) => [`if (init.${p.prop} !== undefined) `, block([`return { ${p.prop}: ${convert(f, `init.${p.prop}`, p.field.type)} };`])]);
    stmts.push([`throw `, call(f.runtime("unionFieldCount"), [stringLiteral(name), "0"]), ";"]);
    return [`create(init: ${initName}): ${name} `, block(stmts)];
  }
  for (const p of plans) {
    const src = `init.${p.prop}`;
    let value: Doc;
    if (p.fallback !== undefined) {
      value = needsConversion(p.field.type) ? [`${src} === undefined ? `, p.fallback, ` : ${convert(f, src, p.field.type)}`] : [`${src} ?? `, p.fallback];
    } else if (p.outOptional && needsConversion(p.field.type)) {
      value = `${src} === undefined ? undefined : ${convert(f, src, p.field.type)}`;
    } else {
      value = convert(f, src, p.field.type);
    }
    props.push([p.prop, ": ", value]);
  }
  return [`create(init: ${initName}): ${name} `, block([["return ", objectLiteral(props), ";"]])];
}

/** Converts an input-form expression to the output form (i64 numbers to bigint, Init to full values, copies of containers). */
function convert(f: GeneratedFile, expr: string, t: TypeRef): string {
  const r = resolveTypedefs(t);
  switch (r.kind) {
    case "base":
      return r.name === "i64" ? `${f.runtime("i64")}(${expr})` : expr;
    case "named":
      if (!r.target || r.target.kind === "enum" || r.target.kind === "typedef") return expr;
      return `${f.ref(r.target)}.create(${expr})`;
    case "list":
      return needsConversion(r.elem) ? `${expr}.map((e) => ${convert(f, "e", r.elem)})` : `[...${expr}]`;
    case "set":
      return needsConversion(r.elem) ? `new Set([...${expr}].map((e) => ${convert(f, "e", r.elem)}))` : `new Set(${expr})`;
    case "map":
      if (!needsConversion(r.key) && !needsConversion(r.value)) return `new Map(${expr})`;
      return `new Map([...${expr}].map(([k, v]) => [${convert(f, "k", r.key)}, ${convert(f, "v", r.value)}]))`;
  }
}

function writeMethod(f: GeneratedFile, def: StructDef, initName: string, plans: FieldPlan[]): Doc {
  const stmts: Doc[] = [[call("w.writeStructBegin", [stringLiteral(def.name)]), ";"]];
  const isUnion = def.kind === "union";
  if (isUnion) stmts.push("let $count = 0;");
  for (const p of plans) {
    const fieldStmts = (expr: string): Doc[] => [
      [call("w.writeFieldBegin", [stringLiteral(p.field.name), ttype(f, p.field.type), String(p.field.id)]), ";"],
      ...writeValue(f, expr, p.field.type, 0),
      "w.writeFieldEnd();",
    ];
    const src = `v.${p.prop}`;
    if (p.fallback !== undefined) {
      stmts.push(["const ", p.local, " = ", src, " ?? ", p.fallback, ";"]);
      stmts.push(...fieldStmts(p.local));
    } else if (p.required) {
      stmts.push([`if (${src} === undefined) throw `, call(f.runtime("unsetField"), [stringLiteral(def.name), stringLiteral(p.field.name)]), ";"]);
      stmts.push(...fieldStmts(src));
    } else {
      stmts.push([`if (${src} !== undefined) `, block([...(isUnion ? ["$count++;"] : []), ...fieldStmts(src)])]);
    }
  }
  if (isUnion) {
    stmts.push([`if ($count !== 1) throw `, call(f.runtime("unionFieldCount"), [stringLiteral(def.name), "$count"]), ";"]);
  }
  stmts.push("w.writeFieldStop();", "w.writeStructEnd();");
  return [`write(w: ${f.runtime("ProtocolWriter", true)}, v: ${initName}): void `, block(stmts)];
}

function readLoop(f: GeneratedFile, plans: FieldPlan[], assign: (p: FieldPlan, expr: string) => Doc[]): Doc[] {
  const cases: Doc[] = plans.map((p) => {
    const value = readValue(f, p.field.type);
    return [
      `case ${p.field.id}:`,
      indent([
        hardline,
        [`if (t === ${ttype(f, p.field.type)}) `, block([...value.statements, ...assign(p, value.expr)]), " else ", block(["r.skip(t);"])],
        hardline,
        "break;",
      ]),
    ];
  });
  cases.push(["default:", indent([hardline, "r.skip(t);"])]);
  return [
    "r.readStructBegin();",
    [
      "for (;;) ",
      block([
        "const t = r.readFieldBegin();",
        `if (t === ${f.runtime("TType")}.STOP) break;`,
        ["switch (r.fieldId) ", block(cases)],
        "r.readFieldEnd();",
      ]),
    ],
    "r.readStructEnd();",
  ];
}

function readMethod(f: GeneratedFile, def: StructDef, name: string, plans: FieldPlan[]): Doc {
  const reader = f.runtime("ProtocolReader", true);
  if (def.kind === "union") {
    const stmts: Doc[] = [`let $value: ${name} | undefined;`, "let $count = 0;"];
    stmts.push(...readLoop(f, plans, (p, expr) => [`$value = { ${p.prop}: ${expr} };`, "$count++;"]));
    stmts.push([`if ($count !== 1 || $value === undefined) throw `, call(f.runtime("unionFieldCount"), [stringLiteral(def.name), "$count"]), ";"]);
    stmts.push("return $value;");
    return [`read(r: ${reader}): ${name} `, block(stmts)];
  }
  const stmts: Doc[] = [...declareLocals(f, plans)];
  stmts.push(...readLoop(f, plans, (p, expr) => [`${p.local} = ${expr};`]));
  for (const p of plans) {
    if (p.required) stmts.push([`if (${p.local} === undefined) throw `, call(f.runtime("missingField"), [stringLiteral(def.name), stringLiteral(p.field.name)]), ";"]);
  }
  stmts.push(["return ", objectLiteral(plans.map((p) => (p.prop === p.local ? p.prop : `${p.prop}: ${p.local}`))), ";"]);
  return [`read(r: ${reader}): ${name} `, block(stmts)];
}

function declareLocals(f: GeneratedFile, plans: FieldPlan[]): Doc[] {
  return plans.map((p) => {
    const type = outputType(f, p.field.type);
    if (p.fallback !== undefined && !p.required) return [`let ${p.local}: ${type} = `, p.fallback, ";"];
    return `let ${p.local}: ${type} | undefined;`;
  });
}

function emitException(f: GeneratedFile, def: StructDef, name: string, plans: FieldPlan[]): void {
  const initName = `${name}Init`;
  // Every field may be omitted when constructing an exception; write() still insists on required ones.
  const inMembers = plans.map((p) => member(p.prop, true, inputType(f, p.field.type), undefined));
  f.add(interfaceDecl(initName, inMembers, `The input form of {@link ${name}}.`, true));
  const messagePlan = plans.find((p) => p.prop === "message");
  const classMembers: Doc[] = [`override name = ${stringLiteral(def.name)};`];
  for (const p of plans) {
    if (p === messagePlan) continue;
    classMembers.push(member(p.prop, p.outOptional, outputType(f, p.field.type), p.field.doc));
  }
  const ctorStmts: Doc[] = [[call("super", [messagePlan ? `init.message ?? ""` : stringLiteral(def.name)]), ";"]];
  for (const p of plans) {
    if (p === messagePlan) continue;
    const src = `init.${p.prop}`;
    let value: Doc;
    if (p.fallback !== undefined) value = needsConversion(p.field.type) ? [`${src} === undefined ? `, p.fallback, ` : ${convert(f, src, p.field.type)}`] : [`${src} ?? `, p.fallback];
    else if (needsConversion(p.field.type)) value = `${src} === undefined ? undefined : ${convert(f, src, p.field.type)}`;
    else value = src;
    ctorStmts.push([`this.${p.prop} = `, value, ";"]);
  }
  classMembers.push([`constructor(init: ${initName} = {}) `, block(ctorStmts)]);
  classMembers.push([`static create(init: ${initName}): ${name} `, block([`return new ${name}(init);`])]);
  const w = writeMethod(f, def, initName, plans);
  classMembers.push(["static ", w]);
  const stmts: Doc[] = [...declareLocals(f, plans)];
  stmts.push(...readLoop(f, plans, (p, expr) => [`${p.local} = ${expr};`]));
  for (const p of plans) {
    if (p.required) stmts.push([`if (${p.local} === undefined) throw `, call(f.runtime("missingField"), [stringLiteral(def.name), stringLiteral(p.field.name)]), ";"]);
  }
  stmts.push(["return ", huggedCall(`new ${name}`, objectLiteral(plans.map((p) => (p.prop === p.local ? p.prop : `${p.prop}: ${p.local}`)))), ";"]);
  classMembers.push([`static read(r: ${f.runtime("ProtocolReader", true)}): ${name} `, block(stmts)]);
  f.add(withDoc(def.doc, [`export class ${name} extends ${f.runtime("TException")} `, classBody(classMembers)]));
}

function classBody(members: Doc[]): Doc {
  return ["{", indent([hardline, join([hardline, hardline], members)]), hardline, "}"];
}

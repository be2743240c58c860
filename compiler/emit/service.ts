/**
 * service → a handler interface, a client class, one method descriptor per function (with its
 * `<fn>_args` / `<fn>_result` codecs) and the service descriptor that ties them together. `extends`
 * becomes interface/class inheritance and an inherited method table.
 */
import { resolveTypedefs, type FunctionDef, type ServiceDef, type StructDef } from "../model.js";
import type { Doc } from "./doc.js";
import { block, call, group, hardline, indent, join, line, softline, ifBreak, withDoc, type GeneratedFile } from "./generated-file.js";
import { objectKey, propertyName, stringLiteral } from "./names.js";
import { emitStruct, planFields } from "./struct.js";
import { inputType, outputType } from "./types.js";
import { arrayLiteral, constExpr, objectLiteral, typeArgs } from "./values.js";

/** Names a client method may not take (they belong to the ServiceClient base). */
const clientReserved = new Set(["channel", "service", "constructor"]);

function methodName(fn: FunctionDef): string {
  return clientReserved.has(fn.name) ? fn.name + "_" : fn.name;
}

/** `name(a: A, b: B): R` with the parameter list breaking one per line, as prettier prints signatures. */
function signature(name: string, params: Doc[], returns: string): Doc {
  if (params.length === 0) return `${name}(): ${returns}`;
  return group([name, "(", indent([softline, join([",", line], params)]), ifBreak(","), softline, `): ${returns}`]);
}

function annotationsObject(annotations: readonly { key: string; value: string }[]): Doc {
  const last = new Map(annotations.map((a) => [a.key, a.value]));
  return objectLiteral([...last].map(([k, v]) => `${objectKey(k)}: ${stringLiteral(v)}`));
}

export function emitService(f: GeneratedFile, def: ServiceDef): void {
  const name = f.ref(def);
  const parent = def.extends?.target;
  const handlerName = `${name}Handler`;
  const clientName = `${name}Client`;
  const descriptors: { fn: FunctionDef; descriptor: string }[] = [];

  for (const fn of def.functions) {
    const argsName = f.privateName(`${name}_${fn.name}_args`);
    const resultName = f.privateName(`${name}_${fn.name}_result`);
    const argsDef: StructDef = { kind: "struct", name: argsName, nameLoc: fn.nameLoc, loc: fn.loc, annotations: [], program: def.program, fields: fn.params, xsdAll: false };
    emitStruct(f, argsDef, { exported: false, name: argsName });
    const resultFields = [...fn.throws];
    if (fn.returnType) {
      resultFields.unshift({
        name: "success",
        nameLoc: fn.nameLoc,
        loc: fn.loc,
        id: 0,
        idAssigned: false,
        requiredness: "optional",
        type: fn.returnType,
        annotations: [],
        reference: false,
        xsdOptional: false,
        xsdNillable: false,
      });
    }
    const resultDef: StructDef = { kind: "struct", name: resultName, nameLoc: fn.nameLoc, loc: fn.loc, annotations: [], program: def.program, fields: resultFields.map((x) => ({ ...x, requiredness: "optional" as const })), xsdAll: false };
    emitStruct(f, resultDef, { exported: false, name: resultName });
    descriptors.push({ fn, descriptor: emitMethodDescriptor(f, def, fn, argsName, resultName, handlerName) });
  }

  // Handler interface.
  const handlerMembers = def.functions.map((fn) => {
    const argPlans = planFields(f, { kind: "struct", fields: fn.params });
    const params = fn.params.map((p) => {
      const plan = argPlans.find((x) => x.field === p)!;
      return `${f.local(p.name)}: ${outputType(f, p.type)}${plan.outOptional ? " | undefined" : ""}`;
    });
    params.push(`ctx: ${f.runtime("CallContext", true)}`);
    const ret = fn.returnType ? inputType(f, fn.returnType) : "void";
    return withDoc(fn.doc, [signature(methodName(fn), params, `${ret} | Promise<${ret}>`), ";"]);
  });
  const handlerExtends = parent ? ` extends ${f.ref(parent, "Handler", true)}` : "";
  f.add(withDoc(def.doc ?? `Implement this to serve ${def.name}.`, [`export interface ${handlerName}${handlerExtends} `, block(handlerMembers)]));

  // Client class.
  const clientMembers = def.functions.map((fn, i) => {
    const params: Doc[] = fn.params.map((p): Doc => {
      const type = inputType(f, p.type);
      const dflt = p.defaultValue ? [" = ", constExpr(f, p.defaultValue, p.type, true)] : "";
      return [`${f.local(p.name)}: ${type}`, dflt];
    });
    params.push(`options?: ${f.runtime("CallOptions", true)}`);
    const ret = fn.oneway || !fn.returnType ? "void" : outputType(f, fn.returnType);
    const args = objectLiteral(fn.params.map((p) => (f.local(p.name) === p.name ? p.name : `${objectKey(propertyName(p.name))}: ${f.local(p.name)}`)));
    const body = block([["return ", call("this.channel.call", [descriptors[i]!.descriptor, args, "options", "this.service"]), ";"]]);
    return withDoc(fn.doc, [signature(methodName(fn), params, `Promise<${ret}>`), " ", body]);
  });
  const clientBase = parent ? f.ref(parent, "Client") : f.runtime("ServiceClient");
  f.add(withDoc(`A typed client for ${def.name}; build one with \`createClient(${name}, channel)\`.`, [`export class ${clientName} extends ${clientBase} `, classBody(clientMembers)]));

  // Service descriptor.
  const methods: Doc[] = [];
  if (parent) methods.push(`...${f.ref(parent)}.methods`);
  for (const { fn, descriptor } of descriptors) methods.push(descriptor === fn.name ? fn.name : `${objectKey(fn.name)}: ${descriptor}`);
  const props: Doc[] = [
    `name: ${stringLiteral(def.name)},`,
    ...(parent ? [`parent: ${f.ref(parent)},`] : []),
    ["methods: ", objectLiteral(methods), ","],
    ["annotations: ", annotationsObject(def.annotations), ","],
    [
      `createClient(channel: ${f.runtime("ClientChannel", true)}): ${clientName} `,
      block([`return new ${clientName}(channel, ${stringLiteral(def.name)});`]),
      ",",
    ],
  ];
  const type = typeArgs(f.runtime("ServiceDescriptor", true), [clientName, handlerName]);
  f.add(withDoc(def.doc, [`export const ${name}: `, type, " = ", block(props), ";"]));
}

function emitMethodDescriptor(f: GeneratedFile, service: ServiceDef, fn: FunctionDef, argsName: string, resultName: string, handlerName: string): string {
  const descriptor = f.privateName(`${f.ref(service)}_${fn.name}`);
  const argPlans = planFields(f, { kind: "struct", fields: fn.params });
  const params = [...fn.params]
    .sort((a, b) => a.id - b.id)
    .map((p) => objectLiteral([`id: ${p.id}`, `name: ${stringLiteral(p.name)}`, ...(p.defaultValue ? [["defaultValue: ", constExpr(f, p.defaultValue, p.type, true)] as Doc] : [])]));
  const throws = fn.throws.map((t) => {
    const r = resolveTypedefs(t.type);
    const cls = r.kind === "named" && r.target ? f.ref(r.target) : "Error";
    return objectLiteral([`id: ${t.id}`, `name: ${stringLiteral(propertyName(t.name))}`, `type: ${cls}`]);
  });
  const returns = fn.returnType ? outputType(f, fn.returnType) : "void";
  const invokeArgs = [...fn.params.map((p) => `a.${argPlans.find((x) => x.field === p)!.prop}`), "ctx"];
  const invokeParams = [`h: ${handlerName}`, `a: ${argsName}`, `ctx: ${f.runtime("CallContext", true)}`];
  const props: Doc[] = [
    `name: ${stringLiteral(fn.name)},`,
    `oneway: ${fn.oneway},`,
    `returnsVoid: ${fn.returnType === undefined},`,
    ["params: ", arrayLiteral(params, true), ","],
    `args: ${argsName},`,
    `result: ${resultName},`,
    ["throws: ", arrayLiteral(throws, true), ","],
    ["annotations: ", annotationsObject(fn.annotations), ","],
    [signature("invoke", invokeParams, `${fn.returnType ? inputType(f, fn.returnType) : "void"} | Promise<${fn.returnType ? inputType(f, fn.returnType) : "void"}>`), " ", block([["return ", call(`h.${methodName(fn)}`, invokeArgs), ";"]]), ","],
  ];
  const type = typeArgs(f.runtime("MethodDescriptor", true), [argsName, returns, handlerName, `${argsName}Init`]);
  f.add([`const ${descriptor}: `, type, " = ", block(props), ";"]);
  return descriptor;
}

function classBody(members: Doc[]): Doc {
  if (members.length === 0) return "{}";
  return ["{", indent([hardline, join([hardline, hardline], members)]), hardline, "}"];
}

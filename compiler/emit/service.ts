/**
 * service → a handler interface, a client class, one method descriptor per function (with its
 * `<fn>_args` / `<fn>_result` codecs) and the service descriptor that ties them together. `extends`
 * becomes interface/class inheritance and an inherited method table.
 */
import { resolveTypedefs, type Field, type FunctionDef, type ServiceDef, type StructDef } from "../model.js";
import type { Doc } from "./doc.js";
import { withDoc, type GeneratedFile } from "./generated-file.js";
import { block, call, declaration, method, objectLiteral, property, rhs, signature, spacedBody } from "./layout.js";
import { objectKey, propertyName, stringLiteral } from "./names.js";
import { emitStruct, planFields, unusedIf } from "./struct.js";
import { typeDoc } from "./type-doc.js";
import { inputType, outputType } from "./types.js";
import { arrayLiteral, constExpr, typeArgs } from "./values.js";

/** Names a client method may not take (they belong to the ServiceClient base). */
const clientReserved = new Set(["channel", "service", "constructor"]);

function methodName(fn: FunctionDef): string {
  return clientReserved.has(fn.name) ? fn.name + "_" : fn.name;
}

function annotationsObject(annotations: readonly { key: string; value: string }[]): Doc {
  const last = new Map(annotations.map((a) => [a.key, a.value]));
  return objectLiteral([...last].map(([k, v]) => `${objectKey(k)}: ${stringLiteral(v)}`));
}

function resultField(fn: FunctionDef): Field | undefined {
  if (!fn.returnType) return undefined;
  return {
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
  };
}

export function emitService(f: GeneratedFile, def: ServiceDef): void {
  const name = f.ref(def);
  const parent = def.extends?.target;
  const handlerName = `${name}Handler`;
  const clientName = `${name}Client`;
  const descriptors = new Map<FunctionDef, string>();

  for (const fn of def.functions) {
    const argsName = f.privateName(`${name}_${fn.name}_args`);
    const resultName = f.privateName(`${name}_${fn.name}_result`);
    const struct = (structName: string, fields: readonly Field[]): StructDef => ({
      kind: "struct",
      name: structName,
      nameLoc: fn.nameLoc,
      loc: fn.loc,
      annotations: [],
      program: def.program,
      fields,
      xsdAll: false,
    });
    emitStruct(f, struct(argsName, fn.params), { exported: false, name: argsName });
    const success = resultField(fn);
    const resultFields = [...(success ? [success] : []), ...fn.throws].map((x) => ({ ...x, requiredness: "optional" as const }));
    emitStruct(f, struct(resultName, resultFields), { exported: false, name: resultName });
    descriptors.set(fn, emitMethodDescriptor(f, def, fn, argsName, resultName, handlerName));
  }

  // Handler interface: decoded arguments in, a value or a promise of one out.
  const handlerMembers = def.functions.map((fn) => {
    const plans = planFields(f, { kind: "struct", fields: fn.params });
    const params: Doc[] = fn.params.map((p) => {
      const plan = plans.find((x) => x.field === p)!;
      return [`${plan.local}: `, typeDoc(`${outputType(f, p.type)}${plan.outOptional ? " | undefined" : ""}`)];
    });
    params.push(`ctx: ${f.runtime("CallContext", true)}`);
    const ret = fn.returnType ? inputType(f, fn.returnType) : "void";
    return withDoc(fn.doc, [signature(methodName(fn), params, `${f.runtime("MaybePromise", true)}<${ret}>`), ";"]);
  });
  const handlerExtends = parent ? ` extends ${f.ref(parent, "Handler", true)}` : "";
  f.add(withDoc(`Implement this to serve ${def.name}.`, [`export interface ${handlerName}${handlerExtends} `, block(handlerMembers)]));

  // Client class: input-form arguments, IDL defaults as parameter defaults.
  const clientMembers = def.functions.map((fn) => {
    const plans = planFields(f, { kind: "struct", fields: fn.params });
    const ordered = fn.params.map((p) => plans.find((x) => x.field === p)!);
    const params: Doc[] = ordered.map((plan) => {
      const p = plan.field;
      const dflt: Doc = p.defaultValue ? [" = ", constExpr(f, p.defaultValue, p.type, true)] : "";
      return [`${plan.local}: `, typeDoc(inputType(f, p.type)), dflt];
    });
    params.push(`options?: ${f.runtime("CallOptions", true)}`);
    const ret = fn.oneway || !fn.returnType ? "void" : outputType(f, fn.returnType);
    const args = objectLiteral(ordered.map((plan) => (plan.local === plan.prop ? plan.prop : `${plan.prop}: ${plan.local}`)));
    const body = [["return ", call("this.channel.call", [descriptors.get(fn)!, args, "options", "this.service"]), ";"]];
    return withDoc(fn.doc, method(methodName(fn), params, `Promise<${ret}>`, body));
  });
  const clientBase = parent ? f.ref(parent, "Client") : f.runtime("ServiceClient");
  f.add(withDoc(`A typed client for ${def.name}; build one with \`createClient(${name}, channel)\`.`, [`export class ${clientName} extends ${clientBase} `, spacedBody(clientMembers)]));

  // Service descriptor.
  const methods: Doc[] = [];
  if (parent) methods.push(`...${f.ref(parent)}.methods`);
  for (const fn of def.functions) {
    const d = descriptors.get(fn)!;
    methods.push(d === fn.name ? fn.name : property(objectKey(fn.name), rhs(d)));
  }
  const props: Doc[] = [
    [property("name", rhs(stringLiteral(def.name), true)), ","],
    ...(parent ? [[property("parent", rhs(f.ref(parent))), ","]] : []),
    [property("methods", rhs(objectLiteral(methods))), ","],
    [property("annotations", rhs(annotationsObject(def.annotations))), ","],
    [method("createClient", [`channel: ${f.runtime("ClientChannel", true)}`], clientName, [["return ", call(`new ${clientName}`, ["channel", stringLiteral(def.name)]), ";"]]), ","],
  ];
  const type = typeArgs(f.runtime("ServiceDescriptor", true), [clientName, handlerName]);
  f.add(withDoc(def.doc, declaration("export const", [`${name}: `, type], rhs(block(props)))));
}

function emitMethodDescriptor(f: GeneratedFile, service: ServiceDef, fn: FunctionDef, argsName: string, resultName: string, handlerName: string): string {
  const descriptor = f.privateName(`${f.ref(service)}_${fn.name}`);
  const plans = planFields(f, { kind: "struct", fields: fn.params });
  const params = plans.map((p) =>
    objectLiteral([`id: ${p.field.id}`, `name: ${stringLiteral(p.field.name)}`, ...(p.field.defaultValue ? [["defaultValue: ", constExpr(f, p.field.defaultValue, p.field.type, true)] as Doc] : [])]),
  );
  const throws = fn.throws.map((t) => {
    const r = resolveTypedefs(t.type);
    const cls = r.kind === "named" && r.target ? f.ref(r.target) : "Error";
    return objectLiteral([`id: ${t.id}`, `name: ${stringLiteral(propertyName(t.name))}`, `type: ${cls}`]);
  });
  const returns = fn.returnType ? outputType(f, fn.returnType) : "void";
  const invokeArgs = [...fn.params.map((p) => `a.${plans.find((x) => x.field === p)!.prop}`), "ctx"];
  const invokeParams = [`h: ${handlerName}`, `${unusedIf(fn.params.length === 0, "a")}: ${argsName}`, `ctx: ${f.runtime("CallContext", true)}`];
  const props: Doc[] = [
    [property("name", rhs(stringLiteral(fn.name), true)), ","],
    // The handler's method is renamed where the IDL name clashes (`channel` → `channel_`): say so.
    ...(methodName(fn) !== fn.name ? [[property("handlerName", rhs(stringLiteral(methodName(fn)), true)), ","] as Doc] : []),
    `oneway: ${fn.oneway},`,
    `returnsVoid: ${fn.returnType === undefined},`,
    [property("params", rhs(arrayLiteral(params, true))), ","],
    [property("args", rhs(argsName)), ","],
    [property("result", rhs(resultName)), ","],
    [property("throws", rhs(arrayLiteral(throws, true))), ","],
    [property("annotations", rhs(annotationsObject(fn.annotations))), ","],
    [method("invoke", invokeParams, "unknown", [["return ", call(`h.${methodName(fn)}`, invokeArgs), ";"]]), ","],
  ];
  const type = typeArgs(f.runtime("MethodDescriptor", true), [argsName, returns, handlerName, `${argsName}Init`]);
  f.add(declaration("const", [`${descriptor}: `, type], rhs(block(props))));
  return descriptor;
}

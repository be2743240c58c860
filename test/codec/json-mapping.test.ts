/**
 * Property tests of the JSON mapping (runtime/reflect/json-mapping.ts) and of the type descriptions
 * it runs on, for EVERY struct, union and exception of ThriftTest (v0.16 without uuid, and the full
 * uuid-bearing file) and DebugProtoTest, and every method's args, with values generated from the IDL
 * model (test/codec/arbitraries.ts):
 *
 *   - each codec's fields() says what the IDL model says (ids, names, requiredness, type trees);
 *   - toJson → JSON.stringify → JSON.parse → fromJson gives back create(v), for the decoded form and
 *     for the input form (maps keyed by numbers come back in another order: compared as maps);
 *   - a method's args (no create: completed from the schema) come back as the binary decoder gives them;
 *   - random JSON, and valid JSON with a part replaced, removed or added, never makes fromJson throw
 *     anything but a JsonMappingError.
 */
import fc from "fast-check";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { resolveTypedefs, type Field, type FunctionDef, type ServiceDef, type StructDef } from "../../compiler/model.js";
import { propertyName } from "../../compiler/emit/names.js";
import {
  BinaryProtocol,
  fromJson,
  JsonMappingError,
  toJson,
  typeKind,
  type EnumSchema,
  type MapSchema,
  type MessageCodec,
  type ServiceDescriptor,
  type StructSchema,
  type TypeSchema,
} from "../../runtime/index.js";
import * as DebugProtoTest from "../golden/cases/apache-DebugProtoTest/expected/DebugProtoTest.js";
import * as ThriftTestFull from "../golden/cases/apache-ThriftTest/expected/ThriftTest.js";
import * as ThriftTest from "../golden/cases/apache-ThriftTest-v0-16-nouuid/expected/ThriftTest.v0.16-nouuid.js";
import { available, corpus, describeWith } from "../support/environment.js";
import { ValueArbitraries } from "./arbitraries.js";
import { diffValues, loadSchema, structTy, ty, type SchemaModule, type Ty } from "./json-values.js";
import { CORPUS } from "./peers.js";

const modules: [SchemaModule, Record<string, unknown>][] = !available([corpus])
  ? []
  : [
      [loadSchema("ThriftTest.v0.16-nouuid", resolve(CORPUS, "ThriftTest.v0.16-nouuid.thrift"), ThriftTest), ThriftTest],
      [loadSchema("ThriftTest", resolve(CORPUS, "ThriftTest.thrift"), ThriftTestFull), ThriftTestFull],
      [loadSchema("DebugProtoTest", resolve(CORPUS, "DebugProtoTest.thrift"), DebugProtoTest), DebugProtoTest],
    ];

const SCALE = Number(process.env.CODEC_FC_SCALE ?? 1);
const RUNS = Math.round(100 * SCALE);
const SEED = Number(process.env.CODEC_FC_SEED ?? 0x15011);

/** Where a codec's type description differs from the IDL model, or undefined. */
function schemaDiff(schema: SchemaModule, t: TypeSchema, model: Ty, where: string): string | undefined {
  const kind = typeKind(t);
  switch (model.kind) {
    case "base": {
      const want = model.name === "byte" ? "i8" : model.name;
      return t === want ? undefined : `${where}: ${String(kind)} vs ${want}`;
    }
    case "enum": {
      const e = t as EnumSchema;
      if (kind !== "enum" || e.name !== model.def.name) return `${where}: not enum ${model.def.name}`;
      const members = model.def.members.map((m) => [m.name, m.value]);
      return JSON.stringify(Object.entries(e.enum)) === JSON.stringify(members) ? undefined : `${where}: enum members differ`;
    }
    case "list":
    case "set":
      if (kind !== model.kind) return `${where}: ${kind} vs ${model.kind}`;
      return schemaDiff(schema, model.kind === "list" ? (t as { list: TypeSchema }).list : (t as { set: TypeSchema }).set, ty(model.elem), `${where}[]`);
    case "map":
      if (kind !== "map") return `${where}: ${kind} vs map`;
      return schemaDiff(schema, (t as MapSchema).key, ty(model.key), `${where}.key`) ?? schemaDiff(schema, (t as MapSchema).value, ty(model.value), `${where}.value`);
    case "struct":
      return t === (schema.codec(model.def) as unknown) ? undefined : `${where}: not the codec of ${model.def.name}`;
  }
}

function fieldsDiff(schema: SchemaModule, s: StructSchema, def: { kind: string; fields: readonly Field[] }, where: string): string | undefined {
  const fields = s.fields();
  const want = [...def.fields].sort((a, b) => a.id - b.id);
  if (fields.length !== want.length) return `${where}: ${fields.length} fields vs ${want.length}`;
  for (let i = 0; i < want.length; i++) {
    const f = fields[i]!;
    const m = want[i]!;
    const at = `${where}.${m.name}`;
    if (f.id !== m.id || f.name !== m.name) return `${at}: ${f.id}:${f.name} vs ${m.id}:${m.name}`;
    const requiredness = def.kind === "union" || m.requiredness === "default" ? undefined : m.requiredness;
    if (f.requiredness !== requiredness) return `${at}: requiredness ${f.requiredness} vs ${requiredness}`;
    const r = resolveTypedefs(m.type);
    const isString = r.kind === "base" && r.name === "string";
    if ((f.prop ?? f.name) !== propertyName(m.name, { inException: def.kind === "exception", isString })) return `${at}: property ${f.prop}`;
    if (("default" in f) !== (m.defaultValue !== undefined && def.kind !== "union")) return `${at}: default ${"default" in f}`;
    const d = schemaDiff(schema, f.type, ty(m.type), at);
    if (d) return d;
  }
  return undefined;
}

/** `got` with the entries of its maps (at any depth) in the order of `like`'s (JSON objects order integer keys first). */
function reorderLike(t: Ty, got: unknown, like: unknown): unknown {
  switch (t.kind) {
    case "list":
      return Array.isArray(got) && Array.isArray(like) ? got.map((x, i) => reorderLike(ty(t.elem), x, like[i])) : got;
    case "set": {
      if (!(got instanceof Set) || !(like instanceof Set)) return got;
      const l = [...like];
      return new Set([...got].map((x, i) => reorderLike(ty(t.elem), x, l[i])));
    }
    case "map": {
      if (!(got instanceof Map) || !(like instanceof Map)) return got;
      const out = new Map();
      const key = ty(t.key);
      if (key.kind === "base" || key.kind === "enum") {
        // Scalar keys: found by value (a JSON object may list them in another order).
        for (const [k, v] of like) if (got.has(k)) out.set(k, reorderLike(ty(t.value), got.get(k), v));
        for (const [k, v] of got) if (!out.has(k)) out.set(k, v);
        return out;
      }
      // Other keys compare by identity; [key, value] pairs keep their order.
      const l = [...like];
      let i = 0;
      for (const [k, v] of got) {
        const [lk, lv] = l[i++] ?? [];
        out.set(reorderLike(key, k, lk), reorderLike(ty(t.value), v, lv));
      }
      return out;
    }
    case "struct": {
      if (typeof got !== "object" || got === null || typeof like !== "object" || like === null) return got;
      const g = got as Record<string, unknown>;
      const l = like as Record<string, unknown>;
      for (const f of t.def.fields) {
        const p = propertyName(f.name, { inException: t.def.kind === "exception", isString: ((r) => r.kind === "base" && r.name === "string")(resolveTypedefs(f.type)) });
        if (g[p] !== undefined) g[p] = reorderLike(ty(f.type), g[p], l[p]);
      }
      return got;
    }
    default:
      return got;
  }
}

function viaText(t: TypeSchema, v: unknown): unknown {
  return fromJson(t, JSON.parse(JSON.stringify(toJson(t, v))));
}

/** fromJson of arbitrary input: a value or a JsonMappingError; anything else fails the property. */
function readAnything(t: TypeSchema, json: unknown, what: string): void {
  try {
    fromJson(t, json);
  } catch (e) {
    if (!(e instanceof JsonMappingError)) {
      throw new Error(`${what}: fromJson of ${JSON.stringify(json).slice(0, 300)} threw ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}`);
    }
  }
}

type Mutation = { at: number; op: "replace" | "remove" | "add"; json: unknown; key: string };

/** `json` with its `at`-th node (pre-order) replaced, removed from its parent, or given a new key. */
function mutate(json: unknown, m: Mutation): unknown {
  let n = 0;
  const walk = (j: unknown): unknown => {
    const here = n++;
    if (here === m.at) {
      if (m.op === "replace") return m.json;
      if (m.op === "add" && typeof j === "object" && j !== null && !Array.isArray(j)) return { ...j, [m.key]: m.json };
      if (m.op === "add" && Array.isArray(j)) return [...j, m.json];
    }
    if (Array.isArray(j)) {
      const out: unknown[] = [];
      for (const x of j) {
        const removeNext = m.op === "remove" && n === m.at;
        const y = walk(x);
        if (!removeNext) out.push(y);
      }
      return out;
    }
    if (typeof j === "object" && j !== null) {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(j)) {
        const removeNext = m.op === "remove" && n === m.at;
        const y = walk(x);
        if (!removeNext) out[k] = y;
      }
      return out;
    }
    return j;
  };
  return walk(json);
}

const mutations: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat({ max: 60 }),
  op: fc.constantFrom("replace", "remove", "add"),
  json: fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.constantFrom(1e30, -1, 2 ** 53, "NaN", "", "AQ==", "x", null, [], {}, [[1, 2]], 1.5)),
  key: fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("__proto__", "constructor", "toString", "1", "-0")),
});

/** A method's args as a struct of the model (what the emitter builds the args codec from). */
function argsDef(service: ServiceDef, fn: FunctionDef): StructDef {
  return { kind: "struct", name: `${service.name}_${fn.name}_args`, nameLoc: fn.nameLoc, loc: fn.loc, annotations: [], program: service.program, fields: fn.params, xsdAll: false };
}

describeWith([corpus])("the JSON mapping of ThriftTest and DebugProtoTest", () => {
  it("has the IDL models", () => expect(modules.length).toBe(3));
});

for (const [schema, generated] of modules) {
  const arbs = new ValueArbitraries({ maxDepth: 4, codecOf: (def) => schema.codec(def) });
  describe(`${schema.name}: JSON mapping`, () => {
    for (const def of schema.structs) {
      const codec = schema.codec(def) as unknown as StructSchema & { create(init: unknown): unknown };
      const t = structTy(def);
      const name = `${schema.name}.${def.name}`;

      it(`${def.name} (${def.kind}): fields() matches the IDL`, () => {
        expect(codec.kind).toBe(def.kind);
        expect(fieldsDiff(schema, codec, def, name)).toBeUndefined();
      });

      it(`${def.name}: fromJson(JSON of toJson(v)) = create(v), decoded and input forms`, () => {
        let runs = 0;
        fc.assert(
          fc.property(arbs.top(def), (v) => {
            const want = codec.create(v);
            for (const [form, value] of [["decoded", want], ["input", v]] as const) {
              const got = reorderLike(t, viaText(codec, value), want);
              const d = diffValues(t, got, want);
              if (d) throw new Error(`${name} (${form} form): the JSON round trip differs at ${d}; JSON ${JSON.stringify(toJson(codec, value)).slice(0, 400)}`);
            }
            // Without create (completed from the schema alone), the same value.
            const bare: StructSchema = { name: codec.name, kind: codec.kind, fields: () => codec.fields() };
            if (def.kind !== "exception") {
              const d = diffValues(t, reorderLike(t, viaText(bare, want), want), want);
              if (d) throw new Error(`${name}: completed from the schema, differs from create at ${d}`);
            }
            runs++;
          }),
          { numRuns: RUNS, seed: SEED, endOnFailure: true },
        );
        expect(runs).toBe(RUNS);
      });

      it(`${def.name}: random and mutated JSON throw only JsonMappingError`, () => {
        let runs = 0;
        fc.assert(
          fc.property(fc.jsonValue({ maxDepth: 4 }), (j) => {
            readAnything(codec, j, `${name} random`);
            runs++;
          }),
          { numRuns: RUNS, seed: SEED },
        );
        fc.assert(
          fc.property(arbs.top(def), fc.array(mutations, { minLength: 1, maxLength: 3 }), (v, ms) => {
            let j: unknown = toJson(codec, codec.create(v));
            for (const m of ms) j = mutate(j, m);
            readAnything(codec, j, `${name} mutated`);
            runs++;
          }),
          { numRuns: RUNS, seed: SEED },
        );
        expect(runs).toBe(2 * RUNS);
      });
    }

    const services = schema.program.definitions.filter((d): d is ServiceDef => d.kind === "service");
    for (const service of services) {
      const descriptor = generated[service.name] as ServiceDescriptor;
      for (const fn of service.functions) {
        const args = descriptor.methods[fn.name]!.args as MessageCodec<unknown, unknown>;
        const def = argsDef(service, fn);
        it(`${service.name}.${fn.name} args: fields() matches the IDL; fromJson gives what the decoder gives`, () => {
          expect(fieldsDiff(schema, args, def, `${service.name}.${fn.name}`)).toBeUndefined();
          let runs = 0;
          fc.assert(
            fc.property(arbs.top(def), (v) => {
              const w = BinaryProtocol.createWriter();
              args.write(w, v);
              const decoded = args.read(BinaryProtocol.createReader(w.buffer.finish()));
              const t = structTy(def);
              const d = diffValues(t, reorderLike(t, viaText(args, v), decoded), decoded);
              if (d) throw new Error(`${service.name}.${fn.name} args differ at ${d}`);
              runs++;
            }),
            { numRuns: Math.ceil(RUNS / 4), seed: SEED },
          );
          expect(runs).toBe(Math.ceil(RUNS / 4));
        });
      }
    }
  });
}

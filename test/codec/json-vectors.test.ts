/**
 * rpcgen's TJSONProtocol against Apache Thrift's Python TJSONProtocol (0.17), value by value.
 *
 * test/vectors/py_vectors.py makes deterministic random values of EVERY struct, union and exception
 * of ThriftTest (v0.16, no uuid) and DebugProtoTest (uuid fields removed) with Apache's JSON bytes.
 * For every vector:
 *   (a) rpcgen's `write` of the input-form value gives exactly Apache's JSON bytes;
 *   (b) rpcgen's `read` of Apache's bytes consumes them all and deep-equals `create(input)`;
 *   (c) Apache's Python decodes rpcgen's bytes to the value rpcgen meant to write (set and map order
 *       ignored; skipped where Apache cannot decode even its own binary bytes, "pyDecodeError").
 *
 * Two documented differences:
 *   - Python writes a NaN or infinite double as `nan` / `inf` / `-inf` (bare as a value, which no
 *     Apache reader, Python's included, accepts; quoted as a map key); rpcgen writes the C++ form
 *     "NaN" / "Infinity" / "-Infinity", which Python reads. For those vectors ("jsonNonFinite") (a)
 *     compares with "jsonCpp": Apache's writer with only writeDouble switched to the C++ form;
 *     (b) still reads Apache's own bytes (rpcgen's reader takes the bare tokens too).
 *   - An unset field with an IDL default: py_vectors leaves it None, rpcgen writes the default. As in
 *     apache-vectors.test.ts, the expected bytes are Apache's for the value with the defaults filled
 *     in (`py_vectors.py --encode`), which must reproduce the vector's own bytes for the unfilled value.
 *
 *   - Python writes control characters other than \b \f \n \r \t raw inside strings; rpcgen writes
 *     them as `\u00xx`, as C++ and Go do (JSON allows no raw control character, and Go's reader refuses
 *     one). (a) compares with Apache's bytes so escaped (`escapedControls`); (b) and (c) are unchanged:
 *     both readers take both forms.
 *
 * And one JavaScript limit, not the protocol's: a Set element or Map key -0 is stored as +0
 * (SameValueZero), so rpcgen cannot send -0 in a set<double> or as a double map key. For such
 * vectors (a) and (c) expect the value with +0 there (Apache's bytes for it come from --encode).
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { available, describeWith, pythonPeer } from "../support/environment.js";
import type { StructDef } from "../../compiler/model.js";
import { JSONProtocol } from "../../runtime/index.js";
import * as DebugProtoTest from "../golden/cases/apache-DebugProtoTest/expected/DebugProtoTest.js";
import * as ThriftTest from "../golden/cases/apache-ThriftTest-v0-16-nouuid/expected/ThriftTest.v0.16-nouuid.js";
import {
  bytesOfHex,
  diffValues,
  fillDefaults,
  fromJson,
  hexOf,
  jsonDiff,
  loadSchema,
  stableStringify,
  structTy,
  type Json,
  type SchemaModule,
} from "./json-values.js";
import { CORPUS, DEB_PY, PEER_PY_DIR, PY_VECTORS, ROOT, jsonLines, run } from "./peers.js";

const SEED = process.env.JSON_VECTORS_SEED ?? "rpcgen-json-1";
/** Vectors per type: 56 types x 25, plus one NaN vector per type that can hold a double. */
const COUNT = Number(process.env.JSON_VECTORS_COUNT ?? 25);
const VECTORS_FILE = resolve(ROOT, `.tmp/codec/json-vectors-${SEED}-${COUNT}.json`);

// Loaded only where the corpus and the Python peer are (see test/support/environment.ts).
const withPeer = available(pythonPeer);
const schemas: SchemaModule[] = !withPeer ? [] : [
  loadSchema("ThriftTest", resolve(CORPUS, "ThriftTest.v0.16-nouuid.thrift"), ThriftTest),
  loadSchema("DebugProtoTest", resolve(CORPUS, "DebugProtoTest.thrift"), DebugProtoTest),
];

interface Vector {
  module: string;
  type: string;
  json: string;
  value: Json;
  nan?: boolean;
  pyDecodeError?: string;
  jsonNonFinite?: boolean;
  jsonCpp?: string;
  pyJsonDecodeError?: string;
}

interface Prepared {
  index: number;
  n: number;
  v: Vector;
  schema: SchemaModule;
  def: StructDef;
  input?: unknown;
  convertError?: string;
  written?: Json;
  /** The value holds a -0 set element or map key, which JavaScript collections store as +0. */
  negZeroInCollection: boolean;
  /** Apache's JSON bytes for `written` (hex). */
  expected?: string;
  /** The same with non-finite doubles in the C++ form, when the value has any. */
  expectedCpp?: string;
  helperProblems: string[];
  ours: { hex?: string; error?: string };
  pyDecoded?: Json;
}

const prepared = new Map<string, Prepared[]>();
let allVectors: Vector[] = [];
const key = (module: string, type: string) => `${module}.${type}`;
const text = (hex: string) => new TextDecoder().decode(bytesOfHex(hex));

/** The value with every -0 set element and map key turned into 0, as a JavaScript Set or Map stores it. */
function jsCollectionZeros(j: Json): Json {
  if (Array.isArray(j)) return j.map(jsCollectionZeros);
  if (typeof j !== "object" || j === null) return j;
  const keys = Object.keys(j);
  if (keys.length === 1 && keys[0] === "$set" && Array.isArray(j.$set)) {
    return { $set: j.$set.map((x) => (x === "-0" ? 0 : jsCollectionZeros(x))) };
  }
  if (keys.length === 1 && keys[0] === "$map" && Array.isArray(j.$map)) {
    return { $map: j.$map.map((e) => (Array.isArray(e) ? [e[0] === "-0" ? 0 : jsCollectionZeros(e[0]!), jsCollectionZeros(e[1]!)] : e)) };
  }
  return Object.fromEntries(keys.map((k) => [k, jsCollectionZeros(j[k]!)]));
}

function errText(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
}

/**
 * Apache's (Python's) JSON bytes with every raw control character written as `\u00xx`, as C++ writes
 * it. TJSONProtocol writes no whitespace between tokens, so every byte below 0x20 is inside a string.
 */
function escapedControls(hex: string): string {
  let out = "";
  for (let i = 0; i < hex.length; i += 2) {
    const byte = parseInt(hex.slice(i, i + 2), 16);
    out += byte < 0x20 ? hexOf(new TextEncoder().encode(`\\u00${byte.toString(16).padStart(2, "0")}`)) : hex.slice(i, i + 2);
  }
  return out;
}

function firstDiff(want: string, got: string): string {
  const a = text(want);
  const b = text(got);
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  const around = (s: string) => JSON.stringify(s.slice(Math.max(0, i - 20), i + 30));
  return `lengths ${b.length} (rpcgen) vs ${a.length} (Apache), first difference at char ${i}: rpcgen …${around(b)}… Apache …${around(a)}…`;
}

beforeAll(async () => {
  if (!withPeer) return;
  const t0 = performance.now();
  await run(resolve(ROOT, "scripts/gen-peer-code"), []);
  mkdirSync(resolve(ROOT, ".tmp/codec"), { recursive: true });
  await run(DEB_PY, [PY_VECTORS, "--gen-dir", PEER_PY_DIR, "--seed", SEED, "--count", String(COUNT), "--out", VECTORS_FILE]);
  if (!existsSync(VECTORS_FILE)) throw new Error(`py_vectors.py wrote no ${VECTORS_FILE}`);
  allVectors = JSON.parse(readFileSync(VECTORS_FILE, "utf8")) as Vector[];

  const bySchema = new Map(schemas.map((s) => [s.name, s]));
  const helper: { p: Prepared; value: Json; filled: boolean }[] = [];
  allVectors.forEach((v, index) => {
    const schema = bySchema.get(v.module);
    const def = schema?.structs.find((d) => d.name === v.type);
    if (!schema || !def) throw new Error(`vector ${index}: unknown type ${v.module}.${v.type}`);
    const list = prepared.get(key(v.module, v.type)) ?? [];
    const p: Prepared = { index, n: list.length, v, schema, def, helperProblems: [], ours: {}, negZeroInCollection: false };
    list.push(p);
    prepared.set(key(v.module, v.type), list);
    try {
      p.input = fromJson(structTy(def), v.value);
      p.written = fillDefaults(structTy(def), v.value);
    } catch (e) {
      p.convertError = errText(e);
      return;
    }
    const zeroed = jsCollectionZeros(p.written);
    if (stableStringify(zeroed) !== stableStringify(p.written)) {
      p.negZeroInCollection = true;
      p.written = zeroed;
    }
    if (stableStringify(p.written) === stableStringify(v.value)) {
      p.expected = v.json;
      p.expectedCpp = v.jsonCpp;
    } else {
      helper.push({ p, value: v.value, filled: false }, { p, value: p.written, filled: true });
    }
    try {
      const w = JSONProtocol.createWriter();
      schema.codec(def).write(w, p.input);
      p.ours = { hex: hexOf(w.buffer.finish()) };
    } catch (e) {
      p.ours = { error: errText(e) };
    }
  });

  const toDecode = [...prepared.values()].flat().filter((p) => p.v.pyDecodeError === undefined && p.ours.hex !== undefined);
  const [encoded, decoded] = await Promise.all([
    jsonLines<{ json?: string; jsonCpp?: string; error?: string }>(
      DEB_PY,
      [PY_VECTORS, "--gen-dir", PEER_PY_DIR, "--encode"],
      helper.map(({ p, value }) => ({ module: p.v.module, type: p.v.type, value })),
    ),
    jsonLines<Json>(
      DEB_PY,
      [PY_VECTORS, "--gen-dir", PEER_PY_DIR, "--decode"],
      toDecode.map((p) => ({ module: p.v.module, type: p.v.type, protocol: "json", hex: p.ours.hex })),
    ),
  ]);
  helper.forEach(({ p, filled }, i) => {
    const res = encoded[i]!;
    if (res.error !== undefined || res.json === undefined) {
      p.helperProblems.push(`py_vectors.py --encode failed on the ${filled ? "filled" : "original"} value: ${res.error}`);
    } else if (filled) {
      p.expected = res.json;
      p.expectedCpp = res.jsonCpp;
    } else if (res.json !== p.v.json || res.jsonCpp !== p.v.jsonCpp) {
      p.helperProblems.push(`py_vectors.py --encode does not reproduce the vector's bytes: ${firstDiff(p.v.json, res.json)}`);
    }
  });
  toDecode.forEach((p, i) => (p.pyDecoded = decoded[i]));
  console.log(
    `json-vectors: ${allVectors.length} vectors (${allVectors.filter((v) => v.jsonNonFinite).length} with non-finite doubles), ` +
      `${helper.length / 2} with defaults filled; setup ${((performance.now() - t0) / 1000).toFixed(1)}s`,
  );
}, 120_000);

describeWith(pythonPeer)("TJSONProtocol against Apache Thrift 0.17 Python vectors", () => {
  it("cover every struct, union and exception of both IDLs; Apache reads back all but the documented cases", () => {
    const want = new Set(schemas.flatMap((s) => s.structs.map((d) => key(s.name, d.name))));
    expect(new Set(allVectors.map((v) => key(v.module, v.type)))).toEqual(want);
    expect(want.size).toBe(56);
    for (const v of allVectors) expect(typeof v.json, key(v.module, v.type)).toBe("string");
    // Apache's JSON round trip fails only for its bare non-finite doubles and for what it cannot hash.
    const other = allVectors.filter((v) => v.pyJsonDecodeError !== undefined && !v.jsonNonFinite && v.pyDecodeError === undefined);
    expect(other.map((v) => `${key(v.module, v.type)}: ${v.pyJsonDecodeError}`)).toEqual([]);
    expect(allVectors.filter((v) => v.jsonNonFinite).length).toBeGreaterThan(5);
  });

  for (const schema of schemas) {
    for (const def of schema.structs) {
      it(`${schema.name}.${def.name}: write = Apache JSON, read(Apache JSON) = create(input), Apache reads rpcgen JSON`, () => {
        const vectors = prepared.get(key(schema.name, def.name)) ?? [];
        expect(vectors.length).toBeGreaterThanOrEqual(COUNT);
        const codec = schema.codec(def);
        const t = structTy(def);
        const failures: string[] = [];
        const counts = { a: 0, b: 0, c: 0, negZero: 0 };
        for (const p of vectors) {
          const at = (check: string) => `${schema.name}.${def.name} #${p.n} (vector ${p.index}${p.v.jsonNonFinite ? ", non-finite" : ""}) ${check}`;
          if (p.convertError !== undefined || p.written === undefined) {
            failures.push(`${at("convert")}: ${p.convertError}`);
            continue;
          }
          for (const msg of p.helperProblems) failures.push(`${at("(a) expected bytes")}: ${msg}`);
          let created: unknown;
          try {
            created = codec.create(p.input);
          } catch (e) {
            failures.push(`${at("create")}: ${errText(e)}`);
          }
          // (a) rpcgen's bytes are Apache's bytes.
          const ours = p.ours;
          const apache = p.v.jsonNonFinite ? p.expectedCpp : p.expected;
          const want = apache === undefined ? undefined : escapedControls(apache);
          if (ours.error !== undefined) failures.push(`${at("(a) write")} threw ${ours.error}`);
          else if (want === undefined) failures.push(`${at("(a) write")}: no Apache bytes to compare with`);
          else if (ours.hex !== want) failures.push(`${at("(a) write")}: ${firstDiff(want, ours.hex!)}`);
          counts.a++;
          if (p.negZeroInCollection) counts.negZero++;
          // (b) rpcgen reads Apache's bytes (the vector's own and the filled ones) as create(input).
          for (const hex of new Set([p.v.json, ...(p.expected !== undefined ? [p.expected] : [])])) {
            const which = hex === p.v.json ? "vector bytes" : "filled bytes";
            try {
              const r = JSONProtocol.createReader(bytesOfHex(hex));
              const got = codec.read(r);
              if (r.remaining !== 0) failures.push(`${at(`(b) read ${which}`)}: ${r.remaining} bytes left unread`);
              const d = created === undefined ? "no create() value" : diffValues(t, got, created);
              if (d) failures.push(`${at(`(b) read ${which}`)} differs from create(input) at ${d}`);
            } catch (e) {
              failures.push(`${at(`(b) read ${which}`)} threw ${errText(e)}`);
            }
          }
          counts.b++;
          // (c) Apache decodes rpcgen's bytes to what rpcgen meant to write.
          if (p.v.pyDecodeError === undefined && ours.hex !== undefined) {
            const dec = p.pyDecoded;
            if (dec === undefined) failures.push(`${at("(c) Apache decode")}: no answer`);
            else if (typeof dec === "object" && dec !== null && !Array.isArray(dec) && "error" in dec && Object.keys(dec).length === 1) {
              failures.push(`${at("(c) Apache decode")} failed: ${String(dec.error)}`);
            } else {
              const d = jsonDiff(dec, p.written, "value", true);
              if (d) failures.push(`${at("(c) Apache decode")} differs (Apache's vs rpcgen's intended value) at ${d}`);
            }
            counts.c++;
          }
        }
        expect(failures.slice(0, 20), `${failures.length} failure(s)`).toEqual([]);
        const decodable = vectors.filter((p) => p.v.pyDecodeError === undefined).length;
        expect(counts).toEqual({ a: vectors.length, b: vectors.length, c: decodable, negZero: vectors.filter((p) => p.negZeroInCollection).length });
      });
    }
  }
});

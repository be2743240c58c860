/**
 * rpcgen's generated codecs against Apache Thrift's own Python implementation (0.17), value by value.
 *
 * test/vectors/py_vectors.py makes deterministic random values of EVERY struct, union and exception
 * of ThriftTest (v0.16, no uuid) and DebugProtoTest (uuid fields removed), with Apache's binary and
 * compact bytes. For every vector, in both protocols:
 *   (a) rpcgen's `write` of the input-form value gives exactly Apache's bytes (NaN vectors: same
 *       length; the NaN payload may differ);
 *   (b) rpcgen's `read` of Apache's bytes consumes them all and deep-equals `create(input)`;
 *   (c) Apache's Python decodes rpcgen's bytes to the value rpcgen meant to write (set and map order
 *       ignored; skipped where Apache cannot decode even its own bytes, "pyDecodeError").
 *
 * py_vectors.py leaves every unset field None, so an unset field with an IDL default is not on
 * Apache's wire, while rpcgen's `write` sends `v.x ?? default` (by design: an omitted defaulted field
 * means "the default"). For those vectors the expected bytes of (a) are Apache's bytes for the value
 * with the defaults filled in (from the IDL model), encoded by Apache (`py_vectors.py --encode`);
 * that encoder is itself checked to reproduce the vector's own bytes for the unfilled value. (b) still
 * reads the vector's own bytes (where the default is absent, so `read` must fall back to it).
 *
 * Not accommodated: a -0 element of a set<double> or -0 key of a map<double, _>. rpcgen types them
 * as Set<number> / Map<number, _>, and JavaScript stores a -0 element or key as +0 (SameValueZero),
 * so the value cannot be represented and rpcgen sends +0 where Apache sent -0: such vectors fail
 * "convert", (a) and (c) (CompactProtoTestStruct.double_set / double_byte_map), by design of the test.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { beforeAll, expect, it } from "vitest";
import { available, describeWith, pythonPeer } from "../support/environment.js";
import type { StructDef } from "../../compiler/model.js";
import { BinaryProtocol, CompactProtocol, type Protocol } from "../../runtime/index.js";
import * as DebugProtoTest from "../golden/cases/apache-DebugProtoTest/expected/DebugProtoTest.js";
import * as ThriftTest from "../golden/cases/apache-ThriftTest-v0-16-nouuid/expected/ThriftTest.v0.16-nouuid.js";
import { bytesOfHex, diffValues, fillDefaults, fromJson, hexOf, jsonDiff, loadSchema, stableStringify, structTy, toJson, ty, type Codec, type Json, type SchemaModule } from "./json-values.js";
import { CORPUS, DEB_PY, PEER_PY_DIR, PY_VECTORS, ROOT, jsonLines, run } from "./peers.js";

/** CODEC_VECTORS_SEED / CODEC_VECTORS_COUNT override these for a wider local search. */
const SEED = process.env.CODEC_VECTORS_SEED ?? "rpcgen-codec-1";
/** Vectors per type: 56 types x 60 = 3360 vectors, plus one NaN vector per type that can hold a double. */
const COUNT = Number(process.env.CODEC_VECTORS_COUNT ?? 60);
const VECTORS_FILE = resolve(ROOT, `.tmp/codec/vectors-${SEED}-${COUNT}.json`);

// Loaded only where the corpus and the Python peer are (see test/support/environment.ts).
const withPeer = available(pythonPeer);
const schemas: SchemaModule[] = !withPeer ? [] : [
  loadSchema("ThriftTest", resolve(CORPUS, "ThriftTest.v0.16-nouuid.thrift"), ThriftTest),
  loadSchema("DebugProtoTest", resolve(CORPUS, "DebugProtoTest.thrift"), DebugProtoTest),
];

type ProtoName = "binary" | "compact";
const PROTOCOLS: [ProtoName, Protocol][] = [
  ["binary", BinaryProtocol],
  ["compact", CompactProtocol],
];

interface Vector {
  module: string;
  type: string;
  binary: string;
  compact: string;
  value: Json;
  nan?: boolean;
  pyDecodeError?: string;
}

interface Prepared {
  /** Index in the vector file. */
  index: number;
  /** Index among the vectors of this type. */
  n: number;
  v: Vector;
  schema: SchemaModule;
  def: StructDef;
  /** rpcgen's input-form value, or why it could not be built. */
  input?: unknown;
  convertError?: string;
  /** What rpcgen's write should put on the wire (the value, defaults filled in). */
  written?: Json;
  /** Apache's bytes for `written`, per protocol (the vector's own bytes when nothing was filled). */
  expected: Partial<Record<ProtoName, string>>;
  /** Problems with the Apache re-encoding of a filled vector. */
  helperProblems: string[];
  /** rpcgen's bytes (hex) or the error its write threw. */
  ours: Partial<Record<ProtoName, { hex?: string; error?: string }>>;
  /** Apache's decoding of rpcgen's bytes. */
  pyDecoded: Partial<Record<ProtoName, Json>>;
}

const prepared = new Map<string, Prepared[]>(); // "module.type" -> vectors
let allVectors: Vector[] = [];
let pythonSeconds = 0;

const key = (module: string, type: string) => `${module}.${type}`;

function writeBytes(p: Protocol, codec: Codec, value: unknown): Uint8Array {
  const w = p.createWriter();
  codec.write(w, value);
  return w.buffer.finish();
}

function errText(e: unknown): string {
  return e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e);
}

function firstByteDiff(a: string, b: string): string {
  const x = bytesOfHex(a);
  const y = bytesOfHex(b);
  let i = 0;
  while (i < x.length && i < y.length && x[i] === y[i]) i++;
  const around = (h: Uint8Array) => hexOf(h.subarray(Math.max(0, i - 4), i + 12));
  return `lengths ${y.length} (rpcgen) vs ${x.length} (Apache), first difference at byte ${i}: rpcgen …${around(y)}… Apache …${around(x)}…`;
}

/** True when a and b have the same length and every differing byte lies in an 8-byte NaN in both. */
function differsOnlyInNaNPayloads(aHex: string, bHex: string): boolean {
  const a = bytesOfHex(aHex);
  const b = bytesOfHex(bHex);
  if (a.length !== b.length) return false;
  const isNaNAt = (x: Uint8Array, s: number) => {
    const v = new DataView(x.buffer, x.byteOffset + s, 8);
    return Number.isNaN(v.getFloat64(0, false)) || Number.isNaN(v.getFloat64(0, true));
  };
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    let covered = false;
    for (let s = Math.max(0, i - 7); s <= i && s + 8 <= a.length && !covered; s++) covered = isNaNAt(a, s) && isNaNAt(b, s);
    if (!covered) return false;
  }
  return true;
}

/** Types whose values can hold a double outside map keys: py_vectors adds one NaN vector for each. */
function canHoldDouble(def: StructDef): boolean {
  const seen = new Set<StructDef>();
  const visit = (t: Parameters<typeof ty>[0]): boolean => {
    const r = ty(t);
    switch (r.kind) {
      case "base":
        return r.name === "double";
      case "enum":
        return false;
      case "list":
      case "set":
        return visit(r.elem);
      case "map":
        return visit(r.value);
      case "struct":
        if (seen.has(r.def)) return false;
        seen.add(r.def);
        return r.def.fields.some((f) => visit(f.type));
    }
  };
  return visit(structTy(def));
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
  const helperRequests: { p: Prepared; module: string; type: string; value: Json; filled: boolean }[] = [];
  allVectors.forEach((v, index) => {
    const schema = bySchema.get(v.module);
    const def = schema?.structs.find((d) => d.name === v.type);
    if (!schema || !def) throw new Error(`vector ${index}: unknown type ${v.module}.${v.type}`);
    const list = prepared.get(key(v.module, v.type)) ?? [];
    const p: Prepared = { index, n: list.length, v, schema, def, expected: {}, helperProblems: [], ours: {}, pyDecoded: {} };
    list.push(p);
    prepared.set(key(v.module, v.type), list);
    try {
      p.input = fromJson(structTy(def), v.value);
      p.written = fillDefaults(structTy(def), v.value);
    } catch (e) {
      p.convertError = errText(e);
      return;
    }
    if (stableStringify(p.written) === stableStringify(v.value)) {
      p.expected = { binary: v.binary, compact: v.compact };
    } else {
      helperRequests.push({ p, module: v.module, type: v.type, value: v.value, filled: false });
      helperRequests.push({ p, module: v.module, type: v.type, value: p.written, filled: true });
    }
    for (const [name, proto] of PROTOCOLS) {
      try {
        p.ours[name] = { hex: hexOf(writeBytes(proto, schema.codec(def), p.input)) };
      } catch (e) {
        p.ours[name] = { error: errText(e) };
      }
    }
  });

  // Apache: re-encode the filled vectors, and decode everything rpcgen wrote (one process each).
  const decodeFor = (proto: ProtoName) => {
    const items = [...prepared.values()].flat().filter((p) => p.v.pyDecodeError === undefined && p.ours[proto]?.hex !== undefined);
    return { items, requests: items.map((p) => ({ module: p.v.module, type: p.v.type, protocol: proto, hex: p.ours[proto]!.hex })) };
  };
  const dBin = decodeFor("binary");
  const dCom = decodeFor("compact");
  const t1 = performance.now();
  const [encoded, decBin, decCom] = await Promise.all([
    jsonLines<{ binary?: string; compact?: string; error?: string }>(DEB_PY, [PY_VECTORS, "--gen-dir", PEER_PY_DIR, "--encode"], helperRequests.map(({ module, type, value }) => ({ module, type, value }))),
    jsonLines<Json>(DEB_PY, [PY_VECTORS, "--gen-dir", PEER_PY_DIR, "--decode"], dBin.requests),
    jsonLines<Json>(DEB_PY, [PY_VECTORS, "--gen-dir", PEER_PY_DIR, "--decode"], dCom.requests),
  ]);
  pythonSeconds = (performance.now() - t1) / 1000;
  helperRequests.forEach((req, i) => {
    const res = encoded[i]!;
    const { p } = req;
    for (const [proto] of PROTOCOLS) {
      const hex = res[proto];
      if (res.error !== undefined || hex === undefined) {
        p.helperProblems.push(`py_vectors.py --encode failed on the ${req.filled ? "filled" : "original"} value: ${res.error}`);
        continue;
      }
      if (req.filled) p.expected[proto] = hex;
      else if (hex !== p.v[proto]) p.helperProblems.push(`py_vectors.py --encode does not reproduce the vector's ${proto} bytes: ${firstByteDiff(p.v[proto], hex)}`);
    }
  });
  dBin.items.forEach((p, i) => (p.pyDecoded.binary = decBin[i]));
  dCom.items.forEach((p, i) => (p.pyDecoded.compact = decCom[i]));
  console.log(
    `apache-vectors: ${allVectors.length} vectors, ${helperRequests.length / 2} with defaults filled; ` +
      `setup ${((performance.now() - t0) / 1000).toFixed(1)}s (Python encode/decode ${pythonSeconds.toFixed(1)}s)`,
  );
}, 120_000);

describeWith(pythonPeer)("Apache Thrift 0.17 Python vectors", () => {
  it("cover every struct, union and exception of both IDLs, with the expected number of vectors", () => {
    const want = new Set(schemas.flatMap((s) => s.structs.map((d) => key(s.name, d.name))));
    const got = new Set(allVectors.map((v) => key(v.module, v.type)));
    expect([...got].sort()).toEqual([...want].sort());
    expect(want.size).toBe(56); // 28 + 28
    let nanTypes = 0;
    for (const s of schemas) {
      for (const def of s.structs) {
        const vs = allVectors.filter((v) => v.module === s.name && v.type === def.name);
        const nan = canHoldDouble(def) ? 1 : 0;
        nanTypes += nan;
        expect({ type: key(s.name, def.name), plain: vs.filter((v) => !v.nan).length, nan: vs.filter((v) => v.nan).length }).toEqual({
          type: key(s.name, def.name),
          plain: COUNT,
          nan,
        });
      }
    }
    expect(allVectors.length).toBe(COUNT * want.size + nanTypes);
    // Only the documented Python limitation: set<Insanity>-like values Apache cannot hash.
    const undecodable = new Set(allVectors.filter((v) => v.pyDecodeError !== undefined).map((v) => key(v.module, v.type)));
    expect([...undecodable]).toEqual(["ThriftTest.CrazyNesting"]);
  });

  for (const schema of schemas) {
    for (const def of schema.structs) {
      it(`${schema.name}.${def.name}: write = Apache bytes, read(Apache bytes) = create(input), Apache reads rpcgen bytes`, () => {
        const vectors = prepared.get(key(schema.name, def.name)) ?? [];
        expect(vectors.length).toBeGreaterThanOrEqual(COUNT);
        const codec = schema.codec(def);
        const t = structTy(def);
        const failures: string[] = [];
        const counts = { convert: 0, a: 0, b: 0, c: 0 };
        for (const p of vectors) {
          const at = (proto: string, check: string) => `${schema.name}.${def.name} #${p.n} (vector ${p.index}${p.v.nan ? ", NaN" : ""}) ${proto} ${check}`;
          if (p.convertError !== undefined || p.written === undefined) {
            failures.push(`${at("-", "convert")}: ${p.convertError}`);
            continue;
          }
          // The conversion itself: the input form describes exactly the vector's value.
          const back = jsonDiff(toJson(t, p.input), p.v.value);
          if (back) failures.push(`${at("-", "convert")}: JSON -> input -> JSON changes the value at ${back}`);
          counts.convert++;
          for (const msg of p.helperProblems) failures.push(`${at("-", "(a) expected bytes")}: ${msg}`);
          let created: unknown;
          try {
            created = codec.create(p.input);
          } catch (e) {
            failures.push(`${at("-", "create")}: ${errText(e)}`);
          }
          for (const [proto, protocol] of PROTOCOLS) {
            // (a) rpcgen's bytes are Apache's bytes.
            const ours = p.ours[proto]!;
            const want = p.expected[proto];
            if (ours.error !== undefined) failures.push(`${at(proto, "(a) write")} threw ${ours.error}`);
            else if (want === undefined) failures.push(`${at(proto, "(a) write")}: no Apache bytes to compare with`);
            else if (ours.hex !== want && !(p.v.nan && differsOnlyInNaNPayloads(want, ours.hex!))) failures.push(`${at(proto, "(a) write")}: ${firstByteDiff(want, ours.hex!)}`);
            counts.a++;
            // (b) rpcgen reads Apache's bytes (the vector's own, and the filled ones) as create(input).
            const sources = new Set([p.v[proto], ...(want !== undefined ? [want] : [])]);
            for (const hex of sources) {
              const which = hex === p.v[proto] ? "vector bytes" : "filled bytes";
              try {
                const r = protocol.createReader(bytesOfHex(hex));
                const got = codec.read(r);
                if (r.remaining !== 0) failures.push(`${at(proto, `(b) read ${which}`)}: ${r.remaining} bytes left unread`);
                const d = created === undefined ? "no create() value" : diffValues(t, got, created);
                if (d) failures.push(`${at(proto, `(b) read ${which}`)} differs from create(input) at ${d}`);
              } catch (e) {
                failures.push(`${at(proto, `(b) read ${which}`)} threw ${errText(e)}`);
              }
            }
            counts.b++;
            // (c) Apache decodes rpcgen's bytes to what rpcgen meant to write.
            if (p.v.pyDecodeError === undefined && ours.hex !== undefined) {
              const dec = p.pyDecoded[proto];
              if (dec === undefined) failures.push(`${at(proto, "(c) Apache decode")}: no answer`);
              else if (typeof dec === "object" && dec !== null && !Array.isArray(dec) && "error" in dec && Object.keys(dec).length === 1) {
                failures.push(`${at(proto, "(c) Apache decode")} failed: ${String(dec.error)}`);
              } else {
                const d = jsonDiff(dec, p.written, "value", true);
                if (d) failures.push(`${at(proto, "(c) Apache decode")} differs (Apache's vs rpcgen's intended value) at ${d}`);
              }
              counts.c++;
            }
          }
        }
        expect(failures.slice(0, 20), `${failures.length} failure(s)`).toEqual([]);
        const decodable = vectors.filter((p) => p.v.pyDecodeError === undefined).length;
        expect(counts).toEqual({ convert: vectors.length, a: 2 * vectors.length, b: 2 * vectors.length, c: 2 * decodable });
      });
    }
  }
});

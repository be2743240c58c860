/**
 * Property tests of the generated codecs, for EVERY struct, union and exception of ThriftTest
 * (v0.16 without uuid, and the full uuid-bearing file) and DebugProtoTest, in the binary and
 * compact protocols, with values generated from the IDL model (test/codec/arbitraries.ts):
 *
 *   - read(write(v)) consumes every byte and deep-equals create(v) (Object.is for doubles, so NaN
 *     and -0 count; bigint i64; exact bytes; sets/maps in order; exception class and message);
 *   - the decoded form is valid input too: read(write(create(v))) deep-equals create(v);
 *   - read of random bytes, and of corrupted/truncated valid encodings, returns or throws a
 *     TProtocolException, never anything else.
 */
import fc from "fast-check";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import type { StructDef } from "../../compiler/model.js";
import { BinaryProtocol, CompactProtocol, TProtocolException, type Protocol } from "../../runtime/index.js";
import * as DebugProtoTest from "../golden/cases/apache-DebugProtoTest/expected/DebugProtoTest.js";
import * as ThriftTestFull from "../golden/cases/apache-ThriftTest/expected/ThriftTest.js";
import * as ThriftTest from "../golden/cases/apache-ThriftTest-v0-16-nouuid/expected/ThriftTest.v0.16-nouuid.js";
import { ValueArbitraries } from "./arbitraries.js";
import { diffValues, loadSchema, structTy, type Codec, type SchemaModule } from "./json-values.js";
import { available, corpus, describeWith } from "../support/environment.js";
import { CORPUS } from "./peers.js";

// The IDL model comes from the corpus files the goldens were made from (see test/support/environment.ts).
const schemas: SchemaModule[] = !available([corpus]) ? [] : [
  loadSchema("ThriftTest.v0.16-nouuid", resolve(CORPUS, "ThriftTest.v0.16-nouuid.thrift"), ThriftTest),
  loadSchema("ThriftTest", resolve(CORPUS, "ThriftTest.thrift"), ThriftTestFull),
  loadSchema("DebugProtoTest", resolve(CORPUS, "DebugProtoTest.thrift"), DebugProtoTest),
];

const PROTOCOLS: [string, Protocol][] = [
  ["binary", BinaryProtocol],
  ["compact", CompactProtocol],
];

/** CODEC_FC_SCALE=20 (say) multiplies the runs for a deeper local search; CODEC_FC_SEED picks another seed. */
const SCALE = Number(process.env.CODEC_FC_SCALE ?? 1);
/** Runs per type for the round trip (each run checks both protocols, twice). */
const ROUNDTRIP_RUNS = Math.round(200 * SCALE);
/** Runs per type and protocol for garbage input (random bytes; corrupted encodings). */
const GARBAGE_RUNS = Math.round(150 * SCALE);
const SEED = Number(process.env.CODEC_FC_SEED ?? 0x5eed);

function encode(p: Protocol, codec: Codec, v: unknown): Uint8Array {
  const w = p.createWriter();
  codec.write(w, v);
  return w.buffer.finish();
}

/** Reads one value; fails unless it consumed exactly the input. */
function decode(p: Protocol, codec: Codec, bytes: Uint8Array): unknown {
  const r = p.createReader(bytes);
  const v = codec.read(r);
  if (r.remaining !== 0) throw new Error(`${r.remaining} of ${bytes.length} bytes left unread`);
  return v;
}

function hex(b: Uint8Array): string {
  return [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
}

/** Read of arbitrary input: a value or a TProtocolException; anything else fails the property. */
function readGarbage(p: Protocol, codec: Codec, bytes: Uint8Array, what: string): void {
  try {
    codec.read(p.createReader(bytes));
  } catch (e) {
    if (!(e instanceof TProtocolException)) {
      throw new Error(`${what}: read of ${hex(bytes).slice(0, 200)} threw ${e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)}, not a TProtocolException`);
    }
  }
}

describeWith([corpus])("generated codecs of ThriftTest and DebugProtoTest", () => {
  it("have their IDL model", () => expect(schemas.length).toBe(3));
});

for (const schema of schemas) {
  const arbs = new ValueArbitraries({ maxDepth: 5, codecOf: (def) => schema.codec(def) });
  describe(`${schema.name}: generated codecs`, () => {
    it("has codecs for every struct, union and exception", () => {
      expect(schema.structs.length).toBeGreaterThanOrEqual(28);
      for (const def of schema.structs) expect(typeof schema.codec(def).read, def.name).toBe("function");
    });

    for (const def of schema.structs) {
      const codec = schema.codec(def);
      const t = structTy(def);
      const name = `${schema.name}.${def.name}`;

      it(`${def.name} (${def.kind}): read(write(v)) = create(v), binary and compact`, () => {
        let runs = 0;
        fc.assert(
          fc.property(arbs.top(def), (v) => {
            const want = codec.create(v);
            for (const [pname, p] of PROTOCOLS) {
              const bytes = encode(p, codec, v);
              const d = diffValues(t, decode(p, codec, bytes), want);
              if (d) throw new Error(`${name} ${pname}: read(write(v)) differs from create(v) at ${d}`);
              const again = diffValues(t, decode(p, codec, encode(p, codec, want)), want);
              if (again) throw new Error(`${name} ${pname}: read(write(create(v))) differs from create(v) at ${again}`);
            }
            runs++;
          }),
          { numRuns: ROUNDTRIP_RUNS, seed: SEED, endOnFailure: true },
        );
        expect(runs).toBe(ROUNDTRIP_RUNS);
      });

      it(`${def.name} (${def.kind}): read of random or corrupted bytes returns or throws TProtocolException`, () => {
        let runs = 0;
        for (const [pname, p] of PROTOCOLS) {
          fc.assert(
            fc.property(fc.uint8Array({ maxLength: 96 }), (bytes) => {
              readGarbage(p, codec, bytes, `${name} ${pname} random`);
              runs++;
            }),
            { numRuns: GARBAGE_RUNS, seed: SEED },
          );
          const corrupted = fc.tuple(
            arbs.top(def),
            fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
            fc.option(fc.nat(), { nil: undefined }),
          );
          fc.assert(
            fc.property(corrupted, ([v, edits, cut]) => {
              const bytes = encode(p, codec, v).slice();
              for (const [at, b] of edits) if (bytes.length) bytes[at % bytes.length] = b;
              readGarbage(p, codec, cut === undefined || !bytes.length ? bytes : bytes.subarray(0, cut % bytes.length), `${name} ${pname} corrupted`);
              runs++;
            }),
            { numRuns: GARBAGE_RUNS, seed: SEED },
          );
        }
        expect(runs).toBe(4 * GARBAGE_RUNS);
      });
    }
  });
}

// A few fixed values the properties must cover, checked directly (Object.is semantics matter here).
describeWith([corpus])("round trip edge values", () => {
  const [tt] = schemas as [SchemaModule];
  const def = tt.structs.find((d): d is StructDef => d.name === "Xtruct")!;
  const codec = tt.codec(def);
  it.each(PROTOCOLS)("%s: i64 extremes and number input", (_, p) => {
    for (const i64 of [-(2n ** 63n), 2n ** 63n - 1n, 0n, -1n]) {
      const got = decode(p, codec, encode(p, codec, { i64_thing: i64 })) as { i64_thing: bigint };
      expect(got.i64_thing).toBe(i64);
    }
    const got = decode(p, codec, encode(p, codec, { i64_thing: Number.MIN_SAFE_INTEGER })) as { i64_thing: bigint };
    expect(got.i64_thing).toBe(BigInt(Number.MIN_SAFE_INTEGER));
  });
  const dbl = schemas[2]!.structs.find((d) => d.name === "Doubles")!;
  const dcodec = schemas[2]!.codec(dbl);
  it.each(PROTOCOLS)("%s: NaN, -0 and infinities survive (Object.is)", (_, p) => {
    const v = { nan: NaN, inf: Infinity, neginf: -Infinity, zero: 0, negzero: -0, tiny: 5e-324, repeating: 0.1 };
    const got = decode(p, dcodec, encode(p, dcodec, v)) as Record<string, number>;
    for (const [k, x] of Object.entries(v)) expect(Object.is(got[k], x), k).toBe(true);
    expect(diffValues(structTy(dbl), got, dcodec.create(v))).toBeUndefined();
    expect(diffValues(structTy(dbl), got, dcodec.create({ ...v, negzero: 0 }))).toMatch(/negzero/);
  });
});

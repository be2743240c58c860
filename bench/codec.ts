/**
 * Codec benchmark: encode + decode of bench/idl/codec.thrift's Record (about ten fields) per peer.
 *
 * One op = encode the value into a fresh byte array, then decode those bytes into a fresh object.
 * - rpcgen binary / compact: generated `Record.write` into a reused writer, a copy of its bytes
 *   (`Buffer.from(finish())`, a pooled copy like protobufjs's `finish()`, so every peer hands out
 *   bytes the caller owns), `Record.read` from `Protocol.createReader(bytes)`. (`finish().slice()`
 *   would add about 1 µs per op on Node 20: a fresh ArrayBuffer per message instead of the pool.)
 * - Apache TBinaryProtocol / TCompactProtocol (npm thrift, code from `thrift --gen js:node`): the usual
 *   serialize idiom (TBufferedTransport with an onFlush callback) and deserialize idiom
 *   (TFramedTransport over the buffer, `new Record().read(protocol)`).
 * - protobufjs: `Record.encode(message).finish()` and `Record.decode(bytes)` from codec.proto.
 * - JSON: `TextEncoder.encode(JSON.stringify(v))` and `JSON.parse(TextDecoder.decode(bytes))`.
 *
 * Rounds are interleaved (A B C ... A B C ...), each peer runs for a short turn per round, and the
 * table gives the median ops/s over rounds; ratios are medians of per-round ratios. (No forced GC
 * between turns: on Node 20 a `gc()` per turn made V8 flush the other peers' code and distorted
 * them badly.) Each
 * peer's loop is its own closure, so no call site in the harness is shared between peers.
 */
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { isDeepStrictEqual } from "node:util";
import { BinaryProtocol, CompactProtocol, type StructCodec } from "../runtime/index.js";
import {
  IDL_DIR,
  type BenchContext,
  type Section,
  fmtInt,
  fmtNum,
  fmtRatio,
  median,
  pairedRatio,
  peerRequire,
  sink,
  spread,
  table,
} from "./lib/common.js";
import { APACHE_GEN, RPCGEN_GEN } from "./lib/prepare.js";

interface CodecPeer {
  name: string;
  /** Bytes of one encoded message. */
  bytes: number;
  /** Runs n encode+decode ops. */
  run(n: number): void;
}

/** The benchmark value, in a neutral form each peer converts once to its own input form. */
const VALUE = {
  id: 123456,
  timestamp: 1_700_000_000_123,
  score: 3.14159,
  name: "benchmark-record-001", // 20 characters
  samples: [1, 22, 333, 4444, 55555, 666666, -7, -88, 999, 10],
  counts: { alpha: 1, beta: 2, gamma: 3, delta: 4, epsilon: 5 } as Record<string, number>,
  origin: { x: 10, y: -20 },
  active: true,
  priority: 7,
  tag: "bench",
};

/** The decoded value normalised to VALUE's shape, to check each peer round-trips it. */
function normalise(v: {
  id: number;
  timestamp: unknown;
  score: number;
  name: string;
  samples: number[];
  counts: unknown;
  origin: { x: number; y: number } | null | undefined;
  active: boolean;
  priority: number;
  tag: string;
}): unknown {
  const ts = v.timestamp;
  const timestamp =
    typeof ts === "bigint" ? Number(ts) : typeof ts === "number" ? ts : Number((ts as { toString(): string }).toString());
  const counts = v.counts instanceof Map ? Object.fromEntries(v.counts) : { ...(v.counts as object) };
  return {
    id: v.id,
    timestamp,
    score: v.score,
    name: v.name,
    samples: [...v.samples],
    counts,
    origin: v.origin ? { x: v.origin.x, y: v.origin.y } : undefined,
    active: v.active,
    priority: v.priority,
    tag: v.tag,
  };
}

function check(name: string, decoded: unknown): void {
  const got = normalise(decoded as Parameters<typeof normalise>[0]);
  if (!isDeepStrictEqual(got, VALUE)) {
    throw new Error(`${name}: the decoded value differs from the encoded one:\n${JSON.stringify(got)}\n${JSON.stringify(VALUE)}`);
  }
}

async function rpcgenPeers(): Promise<{ peers: CodecPeer[]; encodings: Map<string, Uint8Array> }> {
  const mod = (await import(pathToFileURL(join(RPCGEN_GEN, "codec.js")).href)) as { Record: StructCodec<{ id: number }, unknown> };
  const Record = mod.Record;
  const input = {
    ...VALUE,
    timestamp: BigInt(VALUE.timestamp),
    counts: new Map(Object.entries(VALUE.counts)),
    samples: [...VALUE.samples],
    origin: { ...VALUE.origin },
  };

  const binaryWriter = BinaryProtocol.createWriter();
  const binaryEncode = (): Uint8Array => {
    binaryWriter.reset();
    Record.write(binaryWriter, input);
    return Buffer.from(binaryWriter.buffer.finish());
  };
  const binary: CodecPeer = {
    name: "rpcgen binary",
    bytes: binaryEncode().length,
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        binaryWriter.reset();
        Record.write(binaryWriter, input);
        const bytes = Buffer.from(binaryWriter.buffer.finish());
        acc += Record.read(BinaryProtocol.createReader(bytes)).id;
      }
      sink.value += acc;
    },
  };
  check(binary.name, Record.read(BinaryProtocol.createReader(binaryEncode())));

  const compactWriter = CompactProtocol.createWriter();
  const compactEncode = (): Uint8Array => {
    compactWriter.reset();
    Record.write(compactWriter, input);
    return Buffer.from(compactWriter.buffer.finish());
  };
  const compact: CodecPeer = {
    name: "rpcgen compact",
    bytes: compactEncode().length,
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        compactWriter.reset();
        Record.write(compactWriter, input);
        const bytes = Buffer.from(compactWriter.buffer.finish());
        acc += Record.read(CompactProtocol.createReader(bytes)).id;
      }
      sink.value += acc;
    },
  };
  check(compact.name, Record.read(CompactProtocol.createReader(compactEncode())));
  return {
    peers: [binary, compact],
    encodings: new Map([
      [binary.name, binaryEncode()],
      [compact.name, compactEncode()],
    ]),
  };
}

interface ApacheStruct {
  id: number;
  write(p: unknown): void;
  read(p: unknown): void;
}

/** Apache's peers, plus their encodings (to compare with rpcgen's bytes). */
function apachePeers(): { peers: CodecPeer[]; encodings: Map<string, Uint8Array> } {
  const thrift = peerRequire("thrift") as any;
  const types = peerRequire(join(APACHE_GEN, "codec_types.js")) as any;
  const Int64 = thrift.Int64 as new (hi: number, lo?: number) => unknown;
  const hi = Math.floor(VALUE.timestamp / 2 ** 32);
  const lo = VALUE.timestamp % 2 ** 32;
  const value = new types.Record({
    ...VALUE,
    timestamp: new Int64(hi, lo),
    samples: [...VALUE.samples],
    counts: { ...VALUE.counts },
    origin: new types.Point(VALUE.origin),
  }) as ApacheStruct;
  const Record = types.Record as new () => ApacheStruct;
  const TBufferedTransport = thrift.TBufferedTransport as new (buf: unknown, onFlush: (b: Buffer) => void) => { flush(): void };
  const TFramedTransport = thrift.TFramedTransport as new (buf: Buffer) => unknown;
  const encodings = new Map<string, Uint8Array>();

  const make = (name: string, Protocol: new (t: unknown) => unknown): CodecPeer => {
    const encode = (): Buffer => {
      let out: Buffer | undefined;
      const t = new TBufferedTransport(undefined, (b) => {
        out = b;
      });
      value.write(new Protocol(t));
      t.flush();
      return out!;
    };
    const decode = (bytes: Buffer): ApacheStruct => {
      const r = new Record();
      r.read(new Protocol(new TFramedTransport(bytes)));
      return r;
    };
    const bytes = encode();
    encodings.set(name, bytes);
    const decoded = decode(bytes) as unknown as { timestamp: { toNumber(): number } };
    check(name, { ...decoded, timestamp: decoded.timestamp.toNumber() });
    return {
      name,
      bytes: bytes.length,
      run(n) {
        let acc = 0;
        for (let i = 0; i < n; i++) {
          let out: Buffer | undefined;
          const t = new TBufferedTransport(undefined, (b) => {
            out = b;
          });
          value.write(new Protocol(t));
          t.flush();
          const r = new Record();
          r.read(new Protocol(new TFramedTransport(out!)));
          acc += r.id;
        }
        sink.value += acc;
      },
    };
  };
  return {
    peers: [make("Apache TBinaryProtocol", thrift.TBinaryProtocol), make("Apache TCompactProtocol", thrift.TCompactProtocol)],
    encodings,
  };
}

function protobufPeer(): CodecPeer {
  const protobuf = peerRequire("protobufjs") as any;
  const root = protobuf.loadSync(join(IDL_DIR, "codec.proto"));
  const Record = root.lookupType("bench.Record");
  const message = Record.fromObject({ ...VALUE, samples: [...VALUE.samples], counts: { ...VALUE.counts } });
  const bytes: Uint8Array = Record.encode(message).finish();
  check("protobufjs", Record.toObject(Record.decode(bytes), { longs: Number }));
  return {
    name: "protobufjs",
    bytes: bytes.length,
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const b: Uint8Array = Record.encode(message).finish();
        acc += (Record.decode(b) as { id: number }).id;
      }
      sink.value += acc;
    },
  };
}

function jsonPeer(): CodecPeer {
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  const value = { ...VALUE, samples: [...VALUE.samples], counts: { ...VALUE.counts }, origin: { ...VALUE.origin } };
  const bytes = encoder.encode(JSON.stringify(value));
  check("JSON", JSON.parse(decoder.decode(bytes)));
  return {
    name: "JSON + UTF-8",
    bytes: bytes.length,
    run(n) {
      let acc = 0;
      for (let i = 0; i < n; i++) {
        const b = encoder.encode(JSON.stringify(value));
        acc += (JSON.parse(decoder.decode(b)) as { id: number }).id;
      }
      sink.value += acc;
    },
  };
}

/** Runs batches until `ms` have passed; returns ops/s. */
function timed(peer: CodecPeer, ms: number): number {
  const batch = 64;
  let ops = 0;
  const t0 = performance.now();
  let t = t0;
  do {
    peer.run(batch);
    ops += batch;
    t = performance.now();
  } while (t - t0 < ms && ops < 50_000_000);
  return (ops / (t - t0)) * 1000;
}

export async function runCodec(ctx: BenchContext, apacheCode: boolean): Promise<Section> {
  const peers: CodecPeer[] = [];
  const notes: string[] = [];
  const { peers: ours, encodings: rpcgenEncodings } = await rpcgenPeers();
  const [rpcgenBinary, rpcgenCompact] = ours;
  peers.push(rpcgenBinary!, rpcgenCompact!);
  let apacheBinary: CodecPeer | undefined;
  if (apacheCode) {
    const apache = apachePeers();
    peers.push(...apache.peers);
    apacheBinary = apache.peers[0];
    // Same bytes as rpcgen? (Both speak the same protocols; a difference would be a bug somewhere.)
    for (const [ours, theirs] of [
      [rpcgenBinary!, apache.peers[0]!],
      [rpcgenCompact!, apache.peers[1]!],
    ] as const) {
      const a = rpcgenEncodings.get(ours.name)!;
      const b = apache.encodings.get(theirs.name)!;
      notes.push(`${ours.name} and ${theirs.name} encode the value ${Buffer.compare(Buffer.from(a), Buffer.from(b)) === 0 ? "to identical bytes" : "DIFFERENTLY"} (${a.length} and ${b.length} bytes).`);
    }
  } else {
    notes.push("Apache's codec rows are missing: no `thrift` compiler on PATH (scripts/install-peers installs it).");
  }
  const protobufjs = protobufPeer();
  const json = jsonPeer();
  peers.push(protobufjs, json);

  const { rounds, ms, warmupMs } = ctx.codec;
  ctx.log(`codec: warming up ${peers.length} peers`);
  for (const p of peers) timed(p, warmupMs);
  const samples = new Map<CodecPeer, number[]>(peers.map((p) => [p, []]));
  for (let r = 0; r < rounds; r++) {
    for (const p of peers) samples.get(p)!.push(timed(p, ms));
    if ((r + 1) % 5 === 0 || r + 1 === rounds) ctx.log(`codec: round ${r + 1}/${rounds} done`);
  }
  const med = new Map(peers.map((p) => [p, median(samples.get(p)!)]));
  const ratio = (a: CodecPeer, b: CodecPeer): number | undefined => pairedRatio(samples.get(a), samples.get(b));

  const rows = peers.map((p) => {
    const ops = med.get(p)!;
    return [p.name, String(p.bytes), fmtInt(ops), fmtInt(Math.max(...samples.get(p)!)), spread(samples.get(p)!), fmtNum(1e6 / ops)];
  });
  const others = peers.filter((p) => p !== rpcgenBinary && p !== rpcgenCompact);
  const ratioRows = [rpcgenBinary!, rpcgenCompact!].map((ours) => [ours.name, ...others.map((p) => fmtRatio(ratio(ours, p)))]);
  const markdown = [
    "One op = encode the value into bytes the caller owns + decode them into a fresh object (rpcgen: generated `Record.write` into a reused writer, `Buffer.from(writer.buffer.finish())`, `Record.read(Protocol.createReader(bytes))`; Apache: TBufferedTransport flush + `new Record().read()`; protobufjs: `encode().finish()` + `decode()`; JSON: `TextEncoder` + `JSON.stringify`, `TextDecoder` + `JSON.parse`). Struct: bench/idl/codec.thrift `Record` (i32, i64, double, 20-char string, list<i32> of 10, map<string,i32> of 5, nested struct, bool, i16, short string); protobufjs uses the equivalent bench/idl/codec.proto.",
    "",
    ...table(["peer", "bytes/msg", "enc+dec ops/s (median)", "best round", "round spread", "µs/op (median)"], rows),
    "",
    `${rounds} interleaved rounds of ${ms} ms per peer after ${warmupMs} ms of warm-up each. rpcgen's ops/s divided by each peer's, as the median of per-round ratios (>1: rpcgen faster):`,
    "",
    ...table(["rpcgen ÷", ...others.map((p) => p.name)], ratioRows),
    "",
    ...notes.map((n) => `- ${n}`),
  ];
  return {
    title: "Codec",
    markdown,
    figures: {
      rpcgenBinary: med.get(rpcgenBinary!),
      rpcgenCompact: med.get(rpcgenCompact!),
      apacheBinary: apacheBinary && med.get(apacheBinary),
      protobufjs: med.get(protobufjs),
      json: med.get(json),
      "ratio.binary/apacheBinary": apacheBinary && ratio(rpcgenBinary!, apacheBinary),
      "ratio.binary/protobufjs": ratio(rpcgenBinary!, protobufjs),
      "ratio.compact/protobufjs": ratio(rpcgenCompact!, protobufjs),
    },
  };
}

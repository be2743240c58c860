import { it } from "vitest";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { BinaryProtocol, CompactProtocol } from "../../runtime/index.js";
import * as D from "../golden/cases/apache-DebugProtoTest/expected/DebugProtoTest.js";
import * as T from "../golden/cases/apache-ThriftTest-v0-16-nouuid/expected/ThriftTest.v0.16-nouuid.js";
import { fromJson, loadSchema, structTy, hexOf, type Json } from "./json-values.js";
import { CORPUS } from "./peers.js";
it("scratch", () => {
  const ss = [loadSchema("ThriftTest", resolve(CORPUS, "ThriftTest.v0.16-nouuid.thrift"), T), loadSchema("DebugProtoTest", resolve(CORPUS, "DebugProtoTest.thrift"), D)];
  const vs = JSON.parse(readFileSync(".tmp/codec/vectors-rpcgen-codec-1-60.json", "utf8"));
  for (const v of vs) {
    if (!v.nan) continue;
    const s = ss.find((x) => x.name === v.module)!;
    const def = s.structs.find((d) => d.name === v.type)!;
    const input = fromJson(structTy(def), v.value as Json);
    const res = [];
    for (const [n, p] of [["binary", BinaryProtocol], ["compact", CompactProtocol]] as const) {
      const w = p.createWriter(); s.codec(def).write(w, input);
      res.push(`${n}=${hexOf(w.buffer.finish()) === v[n] ? "same" : "DIFF"}`);
    }
    console.log(v.module, v.type, res.join(" "));
  }
});

import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { BinaryReader, BinaryWriter } from "./binary.js";
import { CompactReader, CompactWriter } from "./compact.js";
import type { ProtocolReader, ProtocolWriter } from "./protocol.js";
import { TType } from "./ttype.js";

function copy(r: ProtocolReader, w: ProtocolWriter, t: number): void {
  switch (t) {
    case TType.BOOL:
      w.writeBool(r.readBool());
      return;
    case TType.BYTE:
      w.writeByte(r.readByte());
      return;
    case TType.I16:
      w.writeI16(r.readI16());
      return;
    case TType.I32:
      w.writeI32(r.readI32());
      return;
    case TType.I64:
      w.writeI64(r.readI64());
      return;
    case TType.DOUBLE:
      w.writeDouble(r.readDouble());
      return;
    case TType.FLOAT:
      w.writeFloat(r.readFloat());
      return;
    case TType.UUID:
      w.writeUuid(r.readUuid());
      return;
    case TType.STRING:
      w.writeBinary(r.readBinary());
      return;
    case TType.STRUCT: {
      r.readStructBegin();
      w.writeStructBegin("");
      for (;;) {
        const ft = r.readFieldBegin();
        if (ft === TType.STOP) break;
        w.writeFieldBegin("", ft, r.fieldId);
        copy(r, w, ft);
        w.writeFieldEnd();
        r.readFieldEnd();
      }
      w.writeFieldStop();
      w.writeStructEnd();
      r.readStructEnd();
      return;
    }
    case TType.MAP: {
      const n = r.readMapBegin();
      const k = r.keyType,
        v = r.valueType;
      w.writeMapBegin(k, v, n);
      for (let i = 0; i < n; i++) {
        copy(r, w, k);
        copy(r, w, v);
      }
      r.readMapEnd();
      w.writeMapEnd();
      return;
    }
    case TType.LIST:
    case TType.SET: {
      const n = r.readListBegin();
      const e = r.elemType;
      w.writeListBegin(e, n);
      for (let i = 0; i < n; i++) copy(r, w, e);
      r.readListEnd();
      return;
    }
  }
  throw new Error("type " + t);
}
const h = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));
const x = (b: Uint8Array) => Buffer.from(b).toString("hex");
it("vectors", () => {
  const v = JSON.parse(readFileSync("/work/main/.tmp/vectors.json", "utf8")) as {
    type: string;
    binary: string;
    compact: string;
  }[];
  let ok = 0;
  for (const e of v) {
    const br = new BinaryReader(h(e.binary));
    const cw = new CompactWriter();
    copy(br, cw, TType.STRUCT);
    expect(br.remaining).toBe(0);
    expect(x(cw.buffer.finish()), e.type).toBe(e.compact);
    const cr = new CompactReader(h(e.compact));
    const bw = new BinaryWriter();
    copy(cr, bw, TType.STRUCT);
    expect(cr.remaining).toBe(0);
    const br2 = new BinaryReader(bw.buffer.finish());
    const cw2 = new CompactWriter();
    copy(br2, cw2, TType.STRUCT);
    expect(x(cw2.buffer.finish()), e.type).toBe(e.compact);
    const s1 = new BinaryReader(h(e.binary));
    s1.skip(TType.STRUCT);
    expect(s1.remaining).toBe(0);
    const s2 = new CompactReader(h(e.compact));
    s2.skip(TType.STRUCT);
    expect(s2.remaining).toBe(0);
    ok++;
  }
  console.log("vectors ok", ok);
});

import { expect, test } from "vitest";
import { BinaryProtocol, canonicalUuid, TProtocolException } from "../../runtime/index.js";
import { OneOfEach } from "../golden/cases/apache-DebugProtoTest/expected/DebugProtoTest.js";

test("create() canonicalises uuids, so a value equals its own round trip", () => {
  const v = OneOfEach.create({ rfc4122_uuid: "{ABCDEF01-2345-6789-ABCD-EF0123456789}" });
  expect(v.rfc4122_uuid).toBe("abcdef01-2345-6789-abcd-ef0123456789");
  const w = BinaryProtocol.createWriter();
  OneOfEach.write(w, v);
  expect(OneOfEach.read(BinaryProtocol.createReader(w.buffer.finish()))).toEqual(v);
});

test("canonicalUuid rejects malformed uuids with a TProtocolException", () => {
  expect(canonicalUuid("00112233-4455-6677-8899-AABBCCDDEEFF")).toBe("00112233-4455-6677-8899-aabbccddeeff");
  expect(() => canonicalUuid("not-a-uuid")).toThrow(TProtocolException);
});

/**
 * The uuid version of ThriftTest (master's test/ThriftTest.thrift, which Debian's 0.17 compiler and
 * peers cannot handle) through rpcgen's own TCP server and client, in every protocol and transport:
 * testUuid echoes, with the wire form Apache specifies (16 raw bytes in binary and compact, the
 * canonical string in JSON). Its codecs' round trip is in test/codec/roundtrip.test.ts; the 0.17
 * cross-language matrix uses the uuid-free copy (interop/).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BinaryProtocol,
  CompactProtocol,
  createClient,
  createConnection,
  createServer,
  JSONProtocol,
  MessageType,
  type Connection,
  type Protocol,
  type Server,
  type TransportKind,
} from "../../runtime/index.js";
import { ThriftTest, type ThriftTestHandler } from "../golden/cases/apache-ThriftTest/expected/ThriftTest.js";

const seen: string[] = [];
// Only the methods these tests call; the others are never reached.
const handler = {
  testUuid(thing: string) {
    seen.push(thing);
    return thing;
  },
  testString: (thing: string) => thing,
} as unknown as ThriftTestHandler;

const UUID = "00112233-4455-6677-8899-aabbccddeeff";
const protocols: [string, Protocol][] = [
  ["binary", BinaryProtocol],
  ["compact", CompactProtocol],
  ["json", JSONProtocol],
];
const transports: TransportKind[] = ["buffered", "framed"];

describe("ThriftTest with uuid over rpcgen's TCP server and client", () => {
  for (const [pname, protocol] of protocols) {
    for (const transport of transports) {
      describe(`${pname}/${transport}`, () => {
        let server: Server;
        let connection: Connection;
        beforeAll(async () => {
          server = createServer(ThriftTest, handler, { protocol, transport, logger: () => {} });
          const address = await server.listen(0, "127.0.0.1");
          connection = createConnection({ host: "127.0.0.1", port: "port" in address ? address.port : 0 }, { protocol, transport, timeoutMs: 5000 });
        });
        afterAll(async () => {
          await connection.close();
          await server.close({ timeoutMs: 500 });
        });

        it("testUuid echoes, canonical lowercase on both ends", async () => {
          const client = createClient(ThriftTest, connection);
          seen.length = 0;
          expect(await client.testUuid(UUID)).toBe(UUID);
          expect(await client.testUuid("{00112233-4455-6677-8899-AABBCCDDEEFF}")).toBe(UUID);
          const random = crypto.randomUUID();
          expect(await client.testUuid(random)).toBe(random);
          expect(seen).toEqual([UUID, UUID, random]);
          expect(await client.testString("after uuid")).toBe("after uuid");
        });
      });
    }
  }

  it("testUuid's argument is Apache's wire form in each protocol", () => {
    const method = ThriftTest.methods.testUuid!;
    const encode = (p: Protocol) => {
      const w = p.createWriter();
      w.writeMessageBegin("testUuid", MessageType.CALL, 0);
      method.args.write(w, { thing: UUID });
      w.writeMessageEnd();
      return Buffer.from(w.buffer.finish());
    };
    const raw = "00112233445566778899aabbccddeeff";
    // binary: field header 10 00 01 (type UUID = 16, id 1), then 16 raw bytes, then STOP
    expect(encode(BinaryProtocol).toString("hex")).toMatch(new RegExp(`100001${raw}00$`));
    // compact: 1d (delta 1, compact type UUID = 13), then 16 raw bytes, then STOP
    expect(encode(CompactProtocol).toString("hex")).toMatch(new RegExp(`1d${raw}00$`));
    expect(encode(JSONProtocol).toString("utf8")).toBe(`[1,"testUuid",1,0,{"1":{"uid":"${UUID}"}}]`);
  });
});

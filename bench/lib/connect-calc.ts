/**
 * The connect-es peer's service: calc.proto's Calc as @bufbuild/protobuf descriptors, built at run
 * time from a FileDescriptorProto (what protoc-gen-es would embed), so the benchmark needs no protoc.
 * Loaded from bench/node_modules through `peerRequire`.
 */
import { peerRequire } from "./common.js";

export interface ConnectCalc {
  /** The service descriptor for `router.service` and `createClient`. */
  Calc: unknown;
  connectNodeAdapter: (options: { routes: (router: any) => void }) => (req: any, res: any) => void;
  createConnectTransport: (options: { baseUrl: string; httpVersion: "1.1" | "2" }) => unknown;
  createClient: (service: unknown, transport: unknown) => { divide(req: { num1: number; num2: number }): Promise<{ result: number }> };
}

let loaded: ConnectCalc | undefined;

export function connectCalc(): ConnectCalc {
  if (loaded !== undefined) return loaded;
  const { create, toBinary } = peerRequire("@bufbuild/protobuf") as any;
  const { FileDescriptorProtoSchema } = peerRequire("@bufbuild/protobuf/wkt") as any;
  const { fileDesc, serviceDesc } = peerRequire("@bufbuild/protobuf/codegenv2") as any;
  const TYPE_INT32 = 5;
  const TYPE_DOUBLE = 1;
  const LABEL_OPTIONAL = 1;
  const proto = create(FileDescriptorProtoSchema, {
    name: "calc.proto",
    package: "bench",
    syntax: "proto3",
    messageType: [
      {
        name: "DivideRequest",
        field: [
          { name: "num1", number: 1, type: TYPE_INT32, label: LABEL_OPTIONAL, jsonName: "num1" },
          { name: "num2", number: 2, type: TYPE_INT32, label: LABEL_OPTIONAL, jsonName: "num2" },
        ],
      },
      { name: "DivideReply", field: [{ name: "result", number: 1, type: TYPE_DOUBLE, label: LABEL_OPTIONAL, jsonName: "result" }] },
    ],
    service: [{ name: "Calc", method: [{ name: "Divide", inputType: ".bench.DivideRequest", outputType: ".bench.DivideReply" }] }],
  });
  const file = fileDesc(Buffer.from(toBinary(FileDescriptorProtoSchema, proto)).toString("base64"));
  const connect = peerRequire("@connectrpc/connect") as any;
  const node = peerRequire("@connectrpc/connect-node") as any;
  loaded = {
    Calc: serviceDesc(file, 0),
    connectNodeAdapter: node.connectNodeAdapter,
    createConnectTransport: node.createConnectTransport,
    createClient: connect.createClient,
  };
  return loaded;
}

/**
 * A flooding client process for the fairness scenario (started by scripts/reliability/fairness.ts):
 *
 *   node dist/scripts/reliability/flood.js '{"port":N,"mode":"big"|"small"|"burst"}'
 *
 * `big`: testBinary calls of the largest frame the server takes, two in flight; `small`: testI32 calls,
 * thousands in flight; `burst`: megabytes of testI32 calls, encoded beforehand and written at once on a
 * raw socket, two bursts in flight. Floods until told { type: "stop" } over IPC, then reports
 * { type: "done", calls, bytes, failed } and exits.
 */
import { connect as netConnect } from "node:net";
import { BinaryProtocol, connect, createClient, DEFAULT_MAX_FRAME_SIZE, MessageType, TType, writeCall } from "../../runtime/index.js";
import { ThriftTest } from "./service.js";

/** Room in a maximum-size frame for the message header and the argument's field header. */
const FRAME_OVERHEAD = 64;
/** Calls in one burst. */
const BURST_CALLS = 100_000;

type Mode = "big" | "small" | "burst";
type Result = { calls: number; bytes: number; failed: number };

/** Framed binary bytes of `n` testI32 calls, and the size of one reply to them. */
function encodeBurst(n: number): { burst: Buffer; replySize: number } {
  const w = BinaryProtocol.createWriter();
  for (let i = 1; i <= n; i++) {
    const at = w.buffer.reserve(4);
    writeCall(w, "testI32", i, ThriftTest.methods.testI32, { thing: i });
    w.buffer.patchI32BE(at, w.buffer.length - at - 4);
  }
  const r = BinaryProtocol.createWriter();
  r.writeMessageBegin("testI32", MessageType.REPLY, 1);
  r.writeStructBegin("result");
  r.writeFieldBegin("success", TType.I32, 0);
  r.writeI32(1);
  r.writeFieldEnd();
  r.writeFieldStop();
  r.writeStructEnd();
  r.writeMessageEnd();
  return { burst: Buffer.from(w.buffer.finish()), replySize: 4 + r.buffer.length };
}

/** Bursts on a raw socket, two outstanding: the next goes when the replies to one have all come back. */
function burstFlood(port: number, running: () => boolean): Promise<Result> {
  const { burst, replySize } = encodeBurst(BURST_CALLS);
  const burstReplies = BURST_CALLS * replySize;
  return new Promise((resolve) => {
    const socket = netConnect({ host: "127.0.0.1", port });
    let received = 0;
    let sent = 0;
    const result: Result = { calls: 0, bytes: 0, failed: 0 };
    const done = (): void => {
      socket.destroy();
      resolve(result);
    };
    socket.on("error", () => {
      result.failed++;
      done();
    });
    socket.on("connect", () => {
      socket.write(burst);
      socket.write(burst);
      sent = 2;
    });
    socket.on("data", (chunk: Buffer) => {
      received += chunk.length;
      result.calls = Math.floor(received / replySize);
      result.bytes = received;
      if (received >= sent * burstReplies) {
        if (!running()) done();
      } else if (received >= (sent - 1) * burstReplies && running()) {
        socket.write(burst);
        sent++;
      }
    });
  });
}

async function main(): Promise<void> {
  const { port, mode } = JSON.parse(process.argv[2] ?? "{}") as { port: number; mode: Mode };
  let running = true;
  process.on("message", (m: { type?: string }) => {
    if (m.type === "stop") running = false;
  });
  process.on("disconnect", () => process.exit(0));
  if (mode === "burst") {
    process.send?.({ type: "ready" });
    const result = await burstFlood(port, () => running);
    process.send?.({ type: "done", ...result }, () => process.exit(0));
    return;
  }
  const conn = await connect({ host: "127.0.0.1", port }, { timeoutMs: 60_000 });
  const client = createClient(ThriftTest, conn);
  let calls = 0;
  let bytes = 0;
  let failed = 0;
  process.send?.({ type: "ready" });
  const payload = new Uint8Array(DEFAULT_MAX_FRAME_SIZE - FRAME_OVERHEAD).fill(0x5a);
  const inFlight = mode === "big" ? 2 : 5000;
  await Promise.all(
    Array.from({ length: inFlight }, async (_, k) => {
      while (running) {
        try {
          if (mode === "big") {
            const answer = await client.testBinary(payload);
            bytes += answer.length;
          } else {
            await client.testI32(k);
            bytes += 4;
          }
          calls++;
        } catch {
          failed++;
        }
      }
    }),
  );
  conn.destroy();
  process.send?.({ type: "done", calls, bytes, failed }, () => process.exit(0));
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

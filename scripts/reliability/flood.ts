/**
 * A flooding client process for the fairness scenario (started by scripts/reliability/fairness.ts):
 *
 *   node dist/scripts/reliability/flood.js '{"port":N,"mode":"big"|"small"}'
 *
 * `big`: testBinary calls of the largest frame the server takes, two in flight; `small`: testI32 calls,
 * thousands in flight. Floods until told { type: "stop" } over IPC, then reports { type: "done", calls,
 * bytes, failed } and exits.
 */
import { connect, createClient, DEFAULT_MAX_FRAME_SIZE } from "../../runtime/index.js";
import { ThriftTest } from "./service.js";

/** Room in a maximum-size frame for the message header and the argument's field header. */
const FRAME_OVERHEAD = 64;

async function main(): Promise<void> {
  const { port, mode } = JSON.parse(process.argv[2] ?? "{}") as { port: number; mode: "big" | "small" };
  const conn = await connect({ host: "127.0.0.1", port }, { timeoutMs: 60_000 });
  const client = createClient(ThriftTest, conn);
  let running = true;
  let calls = 0;
  let bytes = 0;
  let failed = 0;
  process.on("message", (m: { type?: string }) => {
    if (m.type === "stop") running = false;
  });
  process.on("disconnect", () => process.exit(0));
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

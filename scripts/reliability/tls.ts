/** TLS for the reliability scenarios: a real ClientHello to cut short or mutate, and TLS client sockets. */
import { createServer as createNetServer } from "node:net";
import { connect as tlsConnect, type TLSSocket } from "node:tls";
import type { Socket } from "node:net";
import { within } from "./report.js";
import { testTls } from "./spec.js";

let hello: Promise<Uint8Array> | undefined;

/** The first bytes Node's TLS client sends (its ClientHello), captured once on a listener of our own. */
export function clientHello(): Promise<Uint8Array> {
  return (hello ??= capture());
}

async function capture(): Promise<Uint8Array> {
  const server = createNetServer();
  const captured = new Promise<Uint8Array>((resolve) => {
    server.once("connection", (socket) => {
      socket.once("data", (chunk: Buffer) => {
        resolve(Uint8Array.from(chunk));
        socket.destroy();
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const client = tlsConnect({ host: "127.0.0.1", port: (server.address() as { port: number }).port, servername: "localhost", ca: testTls().ca });
  client.on("error", () => {});
  try {
    return await within(5000, captured, "capturing a ClientHello");
  } finally {
    client.destroy();
    server.close();
  }
}

/** A TLS client socket to the port (on `socket` when given), verifying the server against the test CA. */
export function tlsSocket(port: number, socket?: Socket): TLSSocket {
  const s = socket !== undefined ? tlsConnect({ socket, servername: "localhost", ca: testTls().ca }) : tlsConnect({ host: "127.0.0.1", port, servername: "localhost", ca: testTls().ca });
  s.on("error", () => {});
  return s;
}

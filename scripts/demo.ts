/**
 * `npm run demo`: starts the Calc example server on a free loopback port in a child process, runs the
 * example client against it, then stops the server with SIGTERM (a graceful shutdown). Exits 0 when the
 * client succeeded and the server stopped cleanly.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";

const serverScript = fileURLToPath(new URL("../examples/calc/server.js", import.meta.url));
const clientScript = fileURLToPath(new URL("../examples/calc/client.js", import.meta.url));

function exited(child: ChildProcess, ms: number, what: string): Promise<number | NodeJS.Signals> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`${what} did not exit within ${ms} ms`));
    }, ms);
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      resolve(code ?? signal ?? 1);
    });
  });
}

const server = spawn(process.execPath, [serverScript, "--host", "127.0.0.1", "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
const serverExit = exited(server, 60_000, "the server");
try {
  const port = await new Promise<number>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("the server did not start within 10 s")), 10_000);
    server.stdout!.setEncoding("utf8");
    server.stdout!.on("data", (text: string) => {
      out += text;
      process.stdout.write(text);
      const m = /listening on [^\s]+:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(Number(m[1]));
      }
    });
    server.once("exit", () => reject(new Error("the server exited before listening")));
  });

  const client = spawn(process.execPath, [clientScript, "--host", "127.0.0.1", "--port", String(port)], { stdio: "inherit" });
  const clientCode = await exited(client, 30_000, "the client");
  server.kill("SIGTERM");
  const serverCode = await serverExit;
  if (clientCode !== 0) throw new Error(`the client exited with ${clientCode}`);
  if (serverCode !== 0) throw new Error(`the server exited with ${serverCode}`);
} catch (error) {
  server.kill("SIGKILL");
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}

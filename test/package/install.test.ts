/**
 * rpcgen as users get it: the packed tarball installed into new projects.
 *
 * - It ships what users run (the compiler and the runtime, built) and nothing else.
 * - A Node project (NodeNext, every strict setting, skipLibCheck off): the installed `rpcgen` CLI
 *   generates code, the project type-checks against the installed declarations, and its server and
 *   client talk over TCP and HTTP.
 * - A browser project (bundler resolution, DOM, no @types/node): generated code and the HTTP client
 *   type-check against the Node-free core, and esbuild bundles them for the browser with no Node module.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { ROOT } from "../support/environment.js";
import { strictFlags } from "../golden/strict-flags.js";

const work = mkdtempSync(join(tmpdir(), "rpcgen-package-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const npm = (args: string[], cwd: string): string =>
  execFileSync("npm", [...args, "--no-audit", "--no-fund", "--loglevel=error"], { cwd, encoding: "utf8", timeout: 240_000, env: { ...process.env, npm_config_update_notifier: "false" } });
const tsc = (project: string): string => {
  try {
    return execFileSync(process.execPath, [join(ROOT, "node_modules/typescript/bin/tsc"), "-p", project], { encoding: "utf8", timeout: 120_000 });
  } catch (e) {
    return (e as { stdout?: string }).stdout ?? String(e);
  }
};
const flags = Object.fromEntries(strictFlags("5.9.0").map((f) => [f, true]));

let tarball = "";
let files: string[] = [];

beforeAll(() => {
  // The built dist/ is packed as is (npm test builds first); no prepare run here.
  const out = npm(["pack", "--ignore-scripts", "--json", "--pack-destination", work], ROOT);
  const [info] = JSON.parse(out) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info!.filename);
  files = info!.files.map((f) => f.path);
}, 120_000);

const IDL = `exception InvalidOperation { 1: string message }
service Calc { double divide(1: i32 num1, 2: i32 num2 = 1) throws (1: InvalidOperation e) }
`;

describe("the tarball", () => {
  test("ships the built compiler and runtime, the CLI, README and LICENSE, and nothing else", () => {
    expect(files).toContain("dist/runtime/core.js");
    expect(files).toContain("dist/runtime/core.d.ts");
    expect(files).toContain("dist/runtime/index.d.ts");
    expect(files).toContain("dist/compiler/bin.cjs");
    expect(files).toContain("dist/rpcgen-cli.cjs");
    expect(files).toContain("README.md");
    expect(files).toContain("LICENSE");
    const unexpected = files.filter(
      (f) => !/^dist\/(compiler|runtime)\/.*\.(js|d\.ts|cjs)$/.test(f) && !["dist/rpcgen-cli.cjs", "README.md", "LICENSE", "package.json"].includes(f),
    );
    expect(unexpected).toEqual([]);
    expect(files.filter((f) => /\.test\.|\.map$|tsbuildinfo/.test(f))).toEqual([]);
  });
});

describe("a Node project", () => {
  const app = join(work, "node-app");

  beforeAll(() => {
    mkdirSync(join(app, "src"), { recursive: true });
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "node-app", private: true, type: "module" }));
    npm(["install", "--prefer-offline", tarball], app);
    writeFileSync(join(app, "calc.thrift"), IDL);
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          target: "ES2022",
          module: "NodeNext",
          moduleResolution: "NodeNext",
          outDir: "dist",
          ...flags,
          skipLibCheck: false,
          types: ["node"],
          typeRoots: [join(ROOT, "node_modules/@types")],
        },
        include: ["src"],
      }),
    );
    writeFileSync(
      join(app, "src/main.ts"),
      `import { connect, createClient, createHttpChannel, createHttpServer, createServer, type CallContext } from "rpcgen/runtime";
import { Calc, InvalidOperation, type CalcHandler } from "./gen/calc.js";

const handler: CalcHandler = {
  divide(num1: number, num2: number, ctx: CallContext): number {
    if (num2 === 0) throw new InvalidOperation({ message: \`cannot divide \${num1} by zero (\${ctx.method})\` });
    return num1 / num2;
  },
};

const tcp = createServer(Calc, handler);
const http = createHttpServer(Calc, handler);
const tcpAddress = await tcp.listen(0, "127.0.0.1");
const httpAddress = await http.listen(0, "127.0.0.1");
if (!("port" in tcpAddress) || !("port" in httpAddress)) throw new Error("no port");

const connection = await connect({ host: "127.0.0.1", port: tcpAddress.port });
const overTcp = createClient(Calc, connection);
const overHttp = createClient(Calc, createHttpChannel(\`http://127.0.0.1:\${httpAddress.port}/\`));
const lines = [
  \`tcp: \${await overTcp.divide(100, 8)}\`,
  \`http: \${await overHttp.divide(200)}\`,
  \`error: \${await overHttp.divide(1, 0).catch((e: unknown) => (e instanceof InvalidOperation ? e.message : String(e)))}\`,
];
await connection.close();
await tcp.close();
await http.close();
console.log(lines.join("\\n"));
`,
    );
  }, 240_000);

  test("the installed CLI generates code into the project", () => {
    const out = execFileSync(join(app, "node_modules/.bin/rpcgen"), ["calc.thrift", "-o", "src/gen"], { cwd: app, encoding: "utf8" });
    expect(out.trim()).toBe("rpcgen: wrote 1 file to src/gen");
    expect(readdirSync(join(app, "src/gen"))).toEqual(["calc.ts"]);
  });

  test("type-checks under every strict setting with skipLibCheck off, builds and runs over TCP and HTTP", () => {
    expect(tsc(join(app, "tsconfig.json"))).toBe("");
    const printed = execFileSync(process.execPath, [join(app, "dist/main.js")], { cwd: app, encoding: "utf8", timeout: 30_000 });
    expect(printed).toBe("tcp: 12.5\nhttp: 200\nerror: cannot divide 1 by zero (divide)\n");
  }, 60_000);
});

describe("a browser project", () => {
  const app = join(work, "web-app");

  beforeAll(() => {
    mkdirSync(join(app, "src/gen"), { recursive: true });
    writeFileSync(join(app, "package.json"), JSON.stringify({ name: "web-app", private: true, type: "module" }));
    npm(["install", "--prefer-offline", tarball], app);
    writeFileSync(join(app, "calc.thrift"), IDL);
    execFileSync(join(app, "node_modules/.bin/rpcgen"), ["calc.thrift", "-o", "src/gen"], { cwd: app });
    writeFileSync(
      join(app, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: { target: "ES2022", lib: ["ES2022", "DOM"], module: "ESNext", moduleResolution: "bundler", noEmit: true, ...flags, skipLibCheck: false, types: [] },
        include: ["src"],
      }),
    );
    writeFileSync(
      join(app, "src/main.ts"),
      `import { createClient, createHttpChannel, HttpError, JSONProtocol } from "rpcgen/runtime";
import { Calc, InvalidOperation } from "./gen/calc.js";

const calc = createClient(Calc, createHttpChannel("/thrift", { protocol: JSONProtocol, headers: { authorization: "Bearer token" } }));
export async function run(out: HTMLElement): Promise<void> {
  try {
    out.textContent = String(await calc.divide(100, 7, { timeoutMs: 5000 }));
  } catch (error) {
    if (error instanceof InvalidOperation) out.textContent = error.message;
    else if (error instanceof HttpError) out.textContent = \`HTTP \${error.status}\`;
    else throw error;
  }
}
`,
    );
  }, 240_000);

  test("type-checks against the Node-free core without @types/node", () => {
    expect(tsc(join(app, "tsconfig.json"))).toBe("");
  });

  test("bundles for the browser with no Node module", async () => {
    const { build } = await import("esbuild");
    const result = await build({
      entryPoints: [join(app, "src/main.ts")],
      bundle: true,
      write: false,
      format: "esm",
      platform: "browser",
      absWorkingDir: app,
      logLevel: "silent",
    });
    const code = result.outputFiles[0]!.text;
    expect(code).not.toMatch(/from\s*"node:|require\("node:|\bprocess\.|\bBuffer\b/);
    expect(code).toContain("FetchChannel");
    expect(code).not.toContain("NodeHttpChannel");
  });
});

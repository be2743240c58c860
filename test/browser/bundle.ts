/**
 * Bundles the browser test's page as an application's bundler would: esbuild for the browser platform
 * (so the `browser` export condition applies), `rpcgen/runtime` resolved through the package's own
 * export map. The module it resolves to (dist/runtime/core.js) is then read from its TypeScript source
 * (runtime/core.ts), so the page runs the same runtime code as the test's server even when dist/ is
 * out of date (it must exist: `npm run build`).
 */
import { relative } from "node:path";
import { build, type Metafile, type Plugin } from "esbuild";
import { ROOT } from "../support/environment.js";

export interface PageBundle {
  readonly code: string;
  readonly metafile: Metafile;
  /** What `rpcgen/runtime` resolved to through the package's exports, relative to the project. */
  readonly runtimeEntry: string;
}

/** Resolves `rpcgen/...` through package.json's exports, then swaps the built module for its source. */
function packageSelfReference(resolved: string[]): Plugin {
  return {
    name: "rpcgen-self-reference",
    setup(b) {
      b.onResolve({ filter: /^rpcgen(\/|$)/ }, async (args) => {
        if (args.pluginData === "rpcgen-self-reference") return undefined;
        const r = await b.resolve(args.path, { kind: args.kind, resolveDir: ROOT, importer: args.importer, pluginData: "rpcgen-self-reference" });
        if (r.errors.length > 0) return { errors: r.errors.map((e) => ({ ...e, text: `${e.text} (through package.json's exports: is dist/ built? npm run build)` })) };
        const built = relative(ROOT, r.path);
        resolved.push(built);
        const source = /^dist\/(runtime\/.*)\.js$/.exec(built);
        if (source === null) return { errors: [{ text: `${args.path} resolved to ${built}, outside dist/runtime/` }] };
        return { path: `${ROOT}/${source[1]}.ts` };
      });
    },
  };
}

export async function bundlePage(entry: string): Promise<PageBundle> {
  const resolved: string[] = [];
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    conditions: ["browser"],
    target: "es2022",
    metafile: true,
    logLevel: "silent",
    // Not the project's tsconfig.json: its `paths` maps rpcgen/runtime to the Node entry, for tsc.
    tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true, useDefineForClassFields: true } },
    plugins: [packageSelfReference(resolved)],
  });
  const distinct = [...new Set(resolved)];
  if (distinct.length !== 1) throw new Error(`rpcgen/runtime resolved to ${distinct.length === 0 ? "nothing" : distinct.join(", ")}`);
  return { code: result.outputFiles[0]!.text, metafile: result.metafile, runtimeEntry: distinct[0]! };
}

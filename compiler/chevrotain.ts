/**
 * chevrotain, loaded from its single-file bundle. The package's default entry imports lodash-es as
 * hundreds of small modules, which costs ~700 ms at start-up; the bundle chevrotain ships beside it
 * (lib/chevrotain.mjs, same code) loads in ~35 ms. The CLI's start-up budget needs the latter.
 */
import { createRequire } from "node:module";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";

type Chevrotain = typeof import("chevrotain");

async function load(): Promise<Chevrotain> {
  try {
    const entry = createRequire(import.meta.url).resolve("chevrotain");
    const bundle = join(dirname(entry), "..", "chevrotain.mjs");
    if (existsSync(bundle)) return (await import(pathToFileURL(bundle).href)) as Chevrotain;
  } catch {
    // Fall through to the package entry.
  }
  return import("chevrotain");
}

const chevrotain = await load();

export const { createToken, Lexer, CstParser, EOF, tokenLabel, LLkLookaheadStrategy, getLookaheadPaths } = chevrotain;

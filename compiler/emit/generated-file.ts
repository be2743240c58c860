/**
 * One generated module. Owns its imports (symbols, never strings: runtime symbols and other generated
 * modules' declarations are requested by name and aliased on a clash), the header, doc comments and
 * the final layout. Everything the emitters produce is printed through here.
 */
import { posix } from "node:path";
import type { Definition, Program } from "../model.js";
import { group, hardline, ifBreak, indent, join, line, lines as linesDoc, printDoc, type Doc } from "./doc.js";
import { companionSuffixes, declName, localName, stringLiteral } from "./names.js";

/** Runtime exports generated code may import; locals never take these names. */
const runtimeNames = [
  "TType", "StructCodec", "MessageCodec", "ProtocolReader", "ProtocolWriter", "TException", "ServiceClient", "CallContext", "CallOptions",
  "ClientChannel", "MethodDescriptor", "ServiceDescriptor", "i64", "missingField", "unsetField", "unionFieldCount", "utf8Bytes",
  "MaybePromise", "canonicalUuid", "same", "listOf", "setOf", "mapOf", "convertList", "convertSet", "convertMap",
  "FieldSchema",
];

export interface FileContext {
  /** rpcgen's version, for the header. */
  version: string;
  /** Module specifier of the runtime (`rpcgen/runtime` by default). */
  runtimeImport: string;
  /** Output path (relative to the output root, `/`-separated, `.ts`) of each program's module. */
  modulePath(program: Program): string;
  /** Source path shown in the header. */
  sourceName(program: Program): string;
}

interface ImportEntry {
  local: string;
  typeOnly: boolean;
}

export class GeneratedFile {
  /** Printed declarations, in order. */
  private readonly body: string[] = [];
  private readonly declared = new Set<string>();
  /** module specifier → imported name → entry */
  private readonly imports = new Map<string, Map<string, ImportEntry>>();
  private readonly usedLocals = new Set<string>();

  constructor(
    readonly program: Program,
    private readonly ctx: FileContext,
  ) {
    // Names this module declares take precedence; imports are aliased around them.
    for (const d of program.definitions) {
      const name = declName(d);
      this.declared.add(name);
      for (const suffix of companionSuffixes(d)) this.declared.add(name + suffix);
    }
    for (const n of this.declared) this.usedLocals.add(n);
  }

  /**
   * A local variable name for a field or parameter: its own name unless that would shadow a
   * top-level name the generated code may refer to (a type here or in an include, a runtime import).
   */
  local(name: string): string {
    let local = localName(name);
    while (this.shadowable().has(local)) local += "_";
    return local;
  }

  private shadowCache?: Set<string>;
  private shadowable(): Set<string> {
    if (!this.shadowCache) {
      const names = new Set<string>([...this.declared, ...runtimeNames]);
      for (const inc of this.program.includes) {
        for (const d of inc.program?.definitions ?? []) names.add(declName(d));
        if (inc.program) names.add(inc.program.name);
      }
      this.shadowCache = names;
    }
    return this.shadowCache;
  }

  get path(): string {
    return this.ctx.modulePath(this.program);
  }

  /** Reserves a module-private helper name (e.g. an args struct), avoiding every other name here. */
  privateName(wanted: string): string {
    let name = wanted;
    for (let i = 2; this.usedLocals.has(name); i++) name = `${wanted}${i}`;
    this.usedLocals.add(name);
    this.declared.add(name);
    return name;
  }

  /** A runtime export, imported on first use. */
  runtime(name: string, typeOnly = false): string {
    return this.importSymbol(this.ctx.runtimeImport, name, typeOnly, name);
  }

  /**
   * A name declared for `def` (the definition itself, or a companion such as `FooInit` or
   * `FooClient`), imported from its module when it lives in another program.
   */
  ref(def: Definition, suffix = "", typeOnly = false): string {
    const name = declName(def) + suffix;
    if (def.program === this.program) return name;
    return this.importSymbol(this.specifier(def.program), name, typeOnly, `${def.program.name.replace(/\W/g, "_")}_${name}`);
  }

  private readonly specifiers = new Map<Program, string>();
  /** The relative ES import specifier (with `.js`) of another program's module. */
  private specifier(program: Program): string {
    let spec = this.specifiers.get(program);
    if (spec === undefined) {
      spec = posix.relative(posix.dirname(this.path), this.ctx.modulePath(program)).replace(/\.ts$/, ".js");
      if (!spec.startsWith(".")) spec = "./" + spec;
      this.specifiers.set(program, spec);
    }
    return spec;
  }

  private importSymbol(spec: string, name: string, typeOnly: boolean, alias: string): string {
    let mod = this.imports.get(spec);
    if (!mod) {
      mod = new Map();
      this.imports.set(spec, mod);
    }
    const existing = mod.get(name);
    if (existing) {
      if (!typeOnly) existing.typeOnly = false;
      return existing.local;
    }
    let local = name;
    if (this.usedLocals.has(local)) {
      local = alias;
      for (let i = 2; this.usedLocals.has(local); i++) local = `${alias}${i}`;
    }
    this.usedLocals.add(local);
    mod.set(name, { local, typeOnly });
    return local;
  }

  /**
   * Adds a top-level declaration (separated from the previous one by a blank line). It is printed
   * now: a declaration starts at column 0 after a line break, so its layout never depends on its
   * neighbours, and its doc tree dies young instead of being carried through every GC until the
   * whole file is printed.
   */
  add(decl: Doc): void {
    this.body.push(printDoc(decl));
  }

  print(): string {
    const header = printDoc(docComment(`@generated by rpcgen ${this.ctx.version} from ${this.ctx.sourceName(this.program)}. Do not edit.`));
    const parts = [header];
    const importDocs = this.printImports();
    if (importDocs.length) parts.push(printDoc(join(hardline, importDocs)));
    parts.push(...this.body);
    // The final newline joins the last part, not the whole file (which would copy it once more).
    parts[parts.length - 1] += "\n";
    return parts.join("\n\n");
  }

  private printImports(): Doc[] {
    const specs = [...this.imports.keys()].sort((a, b) => {
      // The runtime first, then sibling modules by path.
      const ra = a === this.ctx.runtimeImport ? 0 : 1;
      const rb = b === this.ctx.runtimeImport ? 0 : 1;
      return ra - rb || (a < b ? -1 : a > b ? 1 : 0);
    });
    return specs.map((spec) => {
      const entries = [...this.imports.get(spec)!.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      const allTypes = entries.every(([, e]) => e.typeOnly);
      const specifiers = entries.map(([name, e]) => {
        const base = e.local === name ? name : `${name} as ${e.local}`;
        return !allTypes && e.typeOnly ? `type ${base}` : base;
      });
      return [
        allTypes ? "import type " : "import ",
        group(["{", indent([line, join([",", line], specifiers)]), ifBreak(","), line, "}"]),
        ` from ${stringLiteral(spec)};`,
      ];
    });
  }
}

/** A TSDoc comment, one line when it fits, otherwise one ` * ` line per text line. */
export function docComment(text: string, extraTags: readonly string[] = []): Doc {
  const lines = text
    .replace(/\*\//g, "*\\/")
    .split("\n")
    .concat(extraTags.length && text.trim() ? ["", ...extraTags] : extraTags);
  if (lines.length === 1) return `/** ${lines[0]} */`;
  return linesDoc(["/**", ...lines.map((l) => (l.trim() ? ` * ${l}` : " *")), " */"]);
}

/** Optional doc comment followed by the declaration. */
export function withDoc(doc: string | undefined, decl: Doc): Doc {
  return doc === undefined || doc.trim() === "" ? decl : [docComment(doc), hardline, decl];
}


/**
 * The names visible in one program: its own definitions, and each included program's under its prefix
 * (`shared.SharedService`). Lookups live here so resolver and checker agree on what a name means.
 */
import { resolveTypedefs, type ConstDef, type EnumDef, type EnumMember, type Program, type ServiceDef, type TypeDefinition } from "./model.js";
import { programName } from "./parse.js";

export type Named = TypeDefinition | ServiceDef;

export class Scope {
  readonly types = new Map<string, Named>();
  readonly consts = new Map<string, ConstDef>();
  readonly includes = new Map<string, Program>();
  /** Prefixes of includes that were not loaded (not found, or closing a cycle): already an error each. */
  private readonly unloaded = new Set<string>();

  constructor(
    readonly program: Program,
    private readonly scopeOf: (p: Program) => Scope,
  ) {
    for (const inc of program.includes) {
      if (inc.program) this.includes.set(inc.program.name, inc.program);
      else this.unloaded.add(programName(inc.path));
    }
    for (const d of program.definitions) {
      if (d.kind === "const") {
        if (!this.consts.has(d.name)) this.consts.set(d.name, d);
      } else if (!this.types.has(d.name)) {
        this.types.set(d.name, d);
      }
    }
  }

  /** Splits `prefix.rest` where prefix names an included program. */
  private qualified(name: string): { scope: Scope; rest: string } | undefined {
    // The longest prefix wins: with both a.thrift and a.b.thrift included, `a.b.X` is X in a.b.
    let best: [string, Program] | undefined;
    for (const [prefix, program] of this.includes) {
      if (name.startsWith(prefix + ".") && (!best || prefix.length > best[0].length)) best = [prefix, program];
    }
    return best && { scope: this.scopeOf(best[1]), rest: name.slice(best[0].length + 1) };
  }

  /**
   * Whether `name` is qualified by the prefix of an include that was not loaded (and by no longer
   * prefix of a loaded one): whatever it names is unknowable, and saying so again for every use would
   * only repeat the include's own error.
   */
  behindUnloadedInclude(name: string): boolean {
    let unloaded = 0;
    for (const prefix of this.unloaded) if (name.startsWith(prefix + ".") && prefix.length > unloaded) unloaded = prefix.length;
    if (unloaded === 0) return false;
    for (const prefix of this.includes.keys()) if (name.startsWith(prefix + ".") && prefix.length > unloaded) return false;
    return true;
  }

  lookupType(name: string): Named | undefined {
    const local = this.types.get(name);
    if (local) return local;
    const q = this.qualified(name);
    return q ? q.scope.types.get(q.rest) : undefined;
  }

  lookupConst(name: string): ConstDef | undefined {
    const local = this.consts.get(name);
    if (local) return local;
    const q = this.qualified(name);
    return q ? q.scope.consts.get(q.rest) : undefined;
  }

  /** `Enum.MEMBER` or `include.Enum.MEMBER`. */
  lookupEnumMember(name: string): { def: EnumDef; member: EnumMember } | undefined {
    const dot = name.lastIndexOf(".");
    if (dot <= 0) return undefined;
    let def = this.lookupType(name.slice(0, dot));
    // `CandyType.OLD` where CandyType is a typedef of an enum (Apache resolves these too).
    if (def?.kind === "typedef") {
      const t = resolveTypedefs(def.type);
      def = t.kind === "named" ? t.target : undefined;
    }
    if (def?.kind !== "enum") return undefined;
    const member = def.members.find((m) => m.name === name.slice(dot + 1));
    return member ? { def, member } : undefined;
  }

  private typeNameList?: readonly string[];
  private constNameList?: readonly string[];

  /** Every type name usable here, qualified names for included ones (built once: suggestions ask often). */
  typeNames(): readonly string[] {
    return (this.typeNameList ??= this.collectTypeNames());
  }

  /** Every constant and enum member name usable here, qualified names for included ones. */
  constNames(): readonly string[] {
    return (this.constNameList ??= this.collectConstNames());
  }

  private collectTypeNames(): string[] {
    const names = [...this.types.keys()];
    for (const [prefix, program] of this.includes) {
      for (const n of this.scopeOf(program).types.keys()) names.push(`${prefix}.${n}`);
    }
    return names;
  }

  private collectConstNames(): string[] {
    const names = [...this.consts.keys()];
    for (const d of this.types.values()) if (d.kind === "enum") for (const m of d.members) names.push(`${d.name}.${m.name}`);
    for (const [prefix, program] of this.includes) {
      const s = this.scopeOf(program);
      for (const n of s.consts.keys()) names.push(`${prefix}.${n}`);
      for (const d of s.types.values()) if (d.kind === "enum") for (const m of d.members) names.push(`${prefix}.${d.name}.${m.name}`);
    }
    return names;
  }
}

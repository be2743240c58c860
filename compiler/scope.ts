/**
 * The names visible in one program: its own definitions, and each included program's under its prefix
 * (`shared.SharedService`). Lookups and did-you-mean suggestions live here so resolver and checker
 * agree on what a name means.
 */
import { resolveTypedefs, type ConstDef, type EnumDef, type EnumMember, type Program, type ServiceDef, type TypeDefinition } from "./model.js";

export type Named = TypeDefinition | ServiceDef;

export class Scope {
  readonly types = new Map<string, Named>();
  readonly consts = new Map<string, ConstDef>();
  readonly includes = new Map<string, Program>();

  constructor(
    readonly program: Program,
    private readonly scopeOf: (p: Program) => Scope,
  ) {
    for (const inc of program.includes) if (inc.program) this.includes.set(inc.program.name, inc.program);
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

  /** Every type name usable here, qualified names for included ones. */
  typeNames(): string[] {
    const names = [...this.types.keys()];
    for (const [prefix, program] of this.includes) {
      for (const n of this.scopeOf(program).types.keys()) names.push(`${prefix}.${n}`);
    }
    return names;
  }

  constNames(): string[] {
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

/**
 * ` (did you mean 'X'?)` when a candidate is close enough, else "". Close means a few edits (swapping
 * two neighbours counts as one), about one per three characters, and never a rewrite of a whole
 * short name: 'X' does not suggest 'S'.
 */
export function didYouMean(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Infinity;
  const lower = name.toLowerCase();
  const limit = Math.max(1, Math.floor(name.length / 3));
  for (const c of candidates) {
    const d = editDistance(lower, c.toLowerCase());
    if (d < bestDistance && d <= limit && d < Math.min(name.length, c.length)) {
      bestDistance = d;
      best = c;
    }
  }
  return best !== undefined ? ` (did you mean '${best}'?)` : "";
}

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
function editDistance(a: string, b: string): number {
  if (a === b) return 0;
  let prev2: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
    }
    prev2 = prev;
    prev = cur;
  }
  return prev[b.length]!;
}

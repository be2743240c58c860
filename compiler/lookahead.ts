/**
 * The parser's lookahead, from a table computed ahead of time. chevrotain derives every OR, MANY and
 * OPTION's lookahead paths from the grammar when a parser is constructed: ~25 ms of every CLI run's
 * start-up. The paths depend only on the grammar, so lookahead-table.ts holds them (token names), a
 * test regenerates it with chevrotain's own `getLookaheadPaths` and fails when it is stale, and this
 * strategy only turns the stored paths into the same decision functions chevrotain builds. A
 * production missing from the table is computed as chevrotain would, so a stale table is slow, not
 * wrong.
 */
import type { IOrAlt, IToken, OptionalProductionType, Rule, TokenType } from "chevrotain";
import { getLookaheadPaths, LLkLookaheadStrategy } from "./chevrotain.js";

/** Token names per path per alternative (an optional production has one alternative: its inside). */
export type StoredPaths = readonly (readonly (readonly string[])[])[];
export type LookaheadTable = Readonly<Record<string, StoredPaths>>;

type Paths = TokenType[][][];

/** What the decision functions need of the parser (chevrotain calls them with the parser as `this`). */
interface Lookahead {
  LA_FAST(howMuch: number): IToken;
}

export class TableLookahead extends LLkLookaheadStrategy {
  /** Every production's paths as computed or read, by key: what the table test compares and writes. */
  readonly used: Record<string, StoredPaths> = {};
  private readonly byName: Map<string, TokenType>;

  constructor(
    tokens: readonly TokenType[],
    private readonly table: LookaheadTable,
    maxLookahead: number,
  ) {
    super({ maxLookahead });
    this.byName = new Map(tokens.map((t) => [t.name, t]));
  }

  override buildLookaheadForAlternation(options: {
    prodOccurrence: number;
    rule: Rule;
    maxLookahead: number;
    hasPredicates: boolean;
    dynamicTokensEnabled: boolean;
  }): (this: Lookahead, orAlts?: IOrAlt<unknown>[]) => number | undefined {
    const alts = this.paths(options.rule, "Alternation", options.prodOccurrence, options.maxLookahead);
    return alternativesLookahead(alts, options.hasPredicates);
  }

  override buildLookaheadForOptional(options: {
    prodOccurrence: number;
    prodType: OptionalProductionType;
    rule: Rule;
    maxLookahead: number;
    dynamicTokensEnabled: boolean;
  }): (this: Lookahead) => boolean {
    const [inside] = this.paths(options.rule, options.prodType, options.prodOccurrence, options.maxLookahead);
    return optionalLookahead(inside ?? []);
  }

  private paths(rule: Rule, prodType: OptionalProductionType | "Alternation", occurrence: number, k: number): Paths {
    const key = `${rule.name} ${prodType} ${occurrence} k=${k}`;
    let stored = this.table[key];
    if (stored === undefined) {
      const computed = getLookaheadPaths({ occurrence, rule, prodType, maxLookahead: k });
      // An optional production's second alternative is what follows it: chevrotain ignores it too.
      stored = (prodType === "Alternation" ? computed : computed.slice(0, 1)).map((alt) => alt.map((path) => path.map((t) => t.name)));
    }
    this.used[key] = stored;
    return stored.map((alt) => alt.map((path) => path.map((name) => this.tokenType(name))));
  }

  private tokenType(name: string): TokenType {
    const t = this.byName.get(name);
    if (!t) throw new Error(`lookahead table names an unknown token '${name}'`);
    return t;
  }
}

/** chevrotain's tokenStructuredMatcher: the token's own type, or a category containing it. */
function matches(token: IToken, type: TokenType): boolean {
  return token.tokenTypeIdx === type.tokenTypeIdx || (type.isParent === true && type.categoryMatchesMap![token.tokenTypeIdx] === true);
}

/** Every token type index one path token accepts: its own and those of the types in its category. */
function acceptedIndexes(type: TokenType): number[] {
  return [type.tokenTypeIdx!, ...(type.categoryMatches ?? [])];
}

function matchesPath(parser: Lookahead, path: readonly TokenType[]): boolean {
  for (let i = 0; i < path.length; i++) if (!matches(parser.LA_FAST(i + 1), path[i]!)) return false;
  return true;
}

/** The same three shapes as chevrotain's buildAlternativesLookAheadFunc. */
function alternativesLookahead(alts: Paths, hasPredicates: boolean): (this: Lookahead, orAlts?: IOrAlt<unknown>[]) => number | undefined {
  if (hasPredicates) {
    return function (orAlts) {
      for (let t = 0; t < alts.length; t++) {
        const gate = orAlts?.[t]?.GATE;
        if (gate !== undefined && gate.call(this) === false) continue;
        for (const path of alts[t]!) if (matchesPath(this, path)) return t;
      }
      return undefined;
    };
  }
  if (alts.every((alt) => alt.every((path) => path.length === 1))) {
    // One token decides: a lookup by token type (the first alternative listing a type wins).
    const choice: (number | undefined)[] = [];
    alts.forEach((alt, idx) => {
      for (const [type] of alt) for (const i of acceptedIndexes(type!)) choice[i] ??= idx;
    });
    return function () {
      return choice[this.LA_FAST(1).tokenTypeIdx];
    };
  }
  return function () {
    for (let t = 0; t < alts.length; t++) for (const path of alts[t]!) if (matchesPath(this, path)) return t;
    return undefined;
  };
}

/** The same shapes as chevrotain's buildSingleAlternativeLookaheadFunction. */
function optionalLookahead(paths: TokenType[][]): (this: Lookahead) => boolean {
  if (paths.every((path) => path.length === 1)) {
    const accepted: boolean[] = [];
    for (const [type] of paths) for (const i of acceptedIndexes(type!)) accepted[i] = true;
    return function () {
      return accepted[this.LA_FAST(1).tokenTypeIdx] === true;
    };
  }
  return function () {
    for (const path of paths) if (matchesPath(this, path)) return true;
    return false;
  };
}

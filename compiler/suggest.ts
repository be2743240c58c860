/**
 * Did-you-mean suggestions for unknown names. Each compile gets a budget of name comparisons: a file
 * with thousands of unknown names among thousands of definitions would otherwise spend minutes
 * comparing every pair (it took 20 s for 4,000). Once the budget is spent, errors come without
 * suggestions; the budget is counted in comparisons, not time, so output stays deterministic.
 */

/** Name comparisons per compile: far more than any real file needs, ~0.1 s of work at worst. */
export const SUGGESTION_BUDGET = 200_000;

export class Suggester {
  private left = SUGGESTION_BUDGET;

  /**
   * ` (did you mean 'X'?)` when a candidate is close enough, else "". Close means a few edits (swapping
   * two neighbours counts as one), about one per three characters, and never a rewrite of a whole
   * short name: 'X' does not suggest 'S'. The name itself is never suggested (it is known but wrong
   * where it is used, and the message must say why); another spelling of it (`red` for `RED`) is.
   */
  didYouMean(name: string, ...candidateLists: readonly (readonly string[])[]): string {
    let best: string | undefined;
    const lower = name.toLowerCase();
    const limit = Math.max(1, Math.floor(name.length / 3));
    let bound = limit; // the largest distance still worth finding
    for (const candidates of candidateLists) {
      for (const c of candidates) {
        // The length difference alone is a lower bound on the distance.
        if (Math.abs(c.length - name.length) > bound || c === name) continue;
        if (this.left <= 0) return best !== undefined ? ` (did you mean '${best}'?)` : "";
        this.left--;
        const d = editDistance(lower, c.toLowerCase(), bound);
        if (d <= bound && d < Math.min(name.length, c.length)) {
          // The first closest candidate wins: later ones must be strictly closer.
          best = c;
          bound = d - 1;
          if (bound < 0) break;
        }
      }
      if (bound < 0) break;
    }
    return best !== undefined ? ` (did you mean '${best}'?)` : "";
  }
}

/**
 * Optimal string alignment distance (insertions, deletions, substitutions and adjacent swaps), or
 * `max + 1` as soon as it must exceed `max`.
 */
export function editDistance(a: string, b: string, max = Infinity): number {
  if (a === b) return 0;
  let prev2: number[] = [];
  let prev: number[] = [];
  for (let j = 0; j <= b.length; j++) prev.push(j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      let d = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d = Math.min(d, prev2[j - 2]! + 1);
      cur[j] = d;
      if (d < rowMin) rowMin = d;
    }
    // Row minima never decrease (a swap from two rows back costs at least the substitution path
    // through the row between), so the distance is already past max.
    if (rowMin > max) return max + 1;
    prev2 = prev;
    prev = cur;
  }
  return Math.min(prev[b.length]!, max + 1);
}

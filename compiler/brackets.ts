/**
 * Which bracket a missing closer would close: syntax errors that expect a `}`, `)`, `>` or `]` point
 * at their opener as well, which may be many lines up.
 */
import type { IToken } from "chevrotain";

const closerOf: Readonly<Record<string, string>> = { "{": "}", "(": ")", "<": ">", "[": "]" };
const closers = new Set(Object.values(closerOf));

/**
 * For each query, the innermost bracket opened before `offset` (NaN: the end of the input), still
 * open there, that `closer` would close (none for a query without one). One pass over the tokens for
 * all queries. A closer that matches an outer bracket closes the ones inside it too; one that matches
 * none is ignored.
 */
export function openersBefore(tokens: readonly IToken[], queries: readonly { offset: number; closer: string | undefined }[]): (IToken | undefined)[] {
  const order = queries.map((q, i) => ({ at: isNaN(q.offset) ? Infinity : q.offset, closer: q.closer, i })).sort((a, b) => a.at - b.at);
  const found: (IToken | undefined)[] = queries.map(() => undefined);
  const open: IToken[] = [];
  let t = 0;
  for (const q of order) {
    if (q.closer === undefined) continue;
    for (; t < tokens.length && tokens[t]!.startOffset < q.at; t++) {
      const tok = tokens[t]!;
      const image = tok.image;
      if (closerOf[image] !== undefined) open.push(tok);
      else if (closers.has(image)) {
        let match = open.length - 1;
        while (match >= 0 && closerOf[open[match]!.image] !== image) match--;
        if (match >= 0) open.length = match;
      }
    }
    for (let k = open.length - 1; k >= 0; k--) {
      if (closerOf[open[k]!.image] === q.closer) {
        found[q.i] = open[k];
        break;
      }
    }
  }
  return found;
}

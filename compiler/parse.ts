/** One file: lexer → foreign-syntax scan → parser → CST-to-model. */
import type { IToken } from "chevrotain";
import { basename, extname } from "node:path";
import { openersBefore } from "./brackets.js";
import { attachDocComments, buildProgram } from "./build-ast.js";
import { DiagnosticBag, type Diagnostic } from "./diagnostics.js";
import { findForeignSyntax } from "./foreign-syntax.js";
import * as T from "./lexer.js";
import { lex } from "./lexer.js";
import type { Program } from "./model.js";
import { expectedCloser } from "./parser-messages.js";
import { parseTokens } from "./parser.js";
import { SourceFile } from "./source-file.js";

export interface ParseOutput {
  program: Program;
  source: SourceFile;
  diagnostics: Diagnostic[];
}

/** The include prefix of a file: its base name without `.thrift`. */
export function programName(fileName: string): string {
  const base = basename(fileName);
  const ext = extname(base);
  return ext ? base.slice(0, -ext.length) : base;
}

/**
 * Brackets nested deeper than this are refused before parsing: the parser and the passes after it
 * recurse once per level and would run out of stack on hostile input (a few hundred levels). Real IDL
 * nests a handful of levels.
 */
export const MAX_NESTING = 100;

/** The index of the first token that opens a bracket past MAX_NESTING levels, or -1. */
function tooDeep(tokens: readonly IToken[]): number {
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const type = tokens[i]!.tokenType;
    if (type === T.LAngle || type === T.LSquare || type === T.LCurly || type === T.LParen) {
      if (++depth > MAX_NESTING) return i;
    } else if ((type === T.RAngle || type === T.RSquare || type === T.RCurly || type === T.RParen) && depth > 0) {
      depth--;
    }
  }
  return -1;
}

/**
 * Parses one IDL source. Never throws for any input: every problem is a diagnostic. The program is
 * always returned, built from whatever could be parsed.
 */
export function parse(text: string, fileName: string): ParseOutput {
  const source = new SourceFile(fileName, text);
  const diagnostics = new DiagnosticBag();
  const lexed = lex(text);
  for (const e of lexed.errors) diagnostics.error(e.message, source.location(e.offset, e.length));
  let tokens = lexed.tokens;
  const deep = tooDeep(tokens);
  if (deep >= 0) {
    const t = tokens[deep]!;
    diagnostics.error(`brackets nested too deeply: more than ${MAX_NESTING} levels`, source.location(t.startOffset, t.image.length));
    tokens = tokens.slice(0, deep);
  }
  const foreign = findForeignSyntax(tokens);
  for (const f of foreign) diagnostics.error(f.message, source.location(f.token.startOffset, f.token.image.length));
  const parsed = parseTokens(tokens);
  // Foreign syntax derails the grammar: after it, its own message says all that is useful.
  const foreignStart = foreign.length ? foreign[0]!.token.startOffset : Infinity;
  // A missing closing bracket is noticed where something else comes instead, perhaps far from the
  // bracket it should close: the error points at that one too.
  const closers = parsed.errors.map((e) => ({ offset: e.token.startOffset, closer: expectedCloser(e.message) }));
  const openers = openersBefore(tokens, closers);
  parsed.errors.forEach((e, i) => {
    const t = e.token;
    // Where the input was cut short, the parser's complaints about its sudden end are noise.
    if (deep >= 0 && isNaN(t.startOffset)) return;
    // The end-of-file token has no offset: place its errors right after the last token.
    const prev = e.previous;
    const offset = !isNaN(t.startOffset) ? t.startOffset : prev && !isNaN(prev.startOffset) ? prev.startOffset + prev.image.length : text.length;
    if (offset >= foreignStart) return;
    const length = isNaN(t.startOffset) ? 1 : Math.max(1, t.image.length);
    const opener = openers[i];
    const notes = opener ? [{ message: `'${opener.image}' opened here`, loc: source.location(opener.startOffset, 1) }] : undefined;
    diagnostics.error(e.message, source.location(offset, length), notes);
  });
  const docs = attachDocComments(lexed.docComments, tokens);
  const program = buildProgram(parsed.cst, programName(fileName), { source, diagnostics, docs });
  return { program, source, diagnostics: diagnostics.items };
}

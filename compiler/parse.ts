/** One file: lexer → foreign-syntax scan → parser → CST-to-model. */
import { basename, extname } from "node:path";
import { attachDocComments, buildProgram } from "./build-ast.js";
import { DiagnosticBag, type Diagnostic } from "./diagnostics.js";
import { findForeignSyntax } from "./foreign-syntax.js";
import { lex } from "./lexer.js";
import type { Program } from "./model.js";
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
 * Parses one IDL source. Never throws for any input: every problem is a diagnostic. The program is
 * always returned, built from whatever could be parsed.
 */
export function parse(text: string, fileName: string): ParseOutput {
  const source = new SourceFile(fileName, text);
  const diagnostics = new DiagnosticBag();
  const lexed = lex(text);
  for (const e of lexed.errors) diagnostics.error(e.message, source.location(e.offset, e.length));
  const foreign = findForeignSyntax(lexed.tokens);
  for (const f of foreign) diagnostics.error(f.message, source.location(f.token.startOffset, f.token.image.length));
  const parsed = parseTokens(lexed.tokens);
  // Foreign syntax derails the grammar: after it, its own message says all that is useful.
  const foreignStart = foreign.length ? foreign[0]!.token.startOffset : Infinity;
  for (const e of parsed.errors) {
    const t = e.token;
    // The end-of-file token has no offset: place its errors right after the last token.
    const prev = e.previous;
    const offset = !isNaN(t.startOffset) ? t.startOffset : prev && !isNaN(prev.startOffset) ? prev.startOffset + prev.image.length : text.length;
    if (offset >= foreignStart) continue;
    const length = isNaN(t.startOffset) ? 1 : Math.max(1, t.image.length);
    diagnostics.error(e.message, source.location(offset, length));
  }
  const docs = attachDocComments(lexed.docComments, lexed.tokens);
  const program = buildProgram(parsed.cst, programName(fileName), { source, diagnostics, docs });
  return { program, source, diagnostics: diagnostics.items };
}

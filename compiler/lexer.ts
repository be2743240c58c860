/**
 * Thrift's tokens, following Apache's thriftl.ll: identifiers may contain dots, true/false are integer
 * constants, hex takes a lowercase `x` only, and a double needs a `.` or an exponent.
 */
import type { IToken, TokenType } from "chevrotain";
import { createToken, Lexer } from "./chevrotain.js";

/**
 * Any token usable as a field or annotation name: identifiers and, since Apache Thrift 0.18, every
 * keyword but xsd_* and cpp_type. A token category keeps the grammar to one alternative.
 */
export const AnyName = createToken({ name: "AnyName", pattern: Lexer.NA });

/** A base type keyword (bool, i32, string, ...). */
export const BaseType = createToken({ name: "BaseType", pattern: Lexer.NA, label: "a base type" });

/** An integer constant: a decimal or hex literal, or true / false (1 / 0, as in Apache's lexer). */
export const IntConstant = createToken({ name: "IntConstant", pattern: Lexer.NA, label: "an integer" });

/**
 * Every regex token states the characters it can start with, which chevrotain would otherwise work
 * out by parsing each regex when the lexer is built (~5 ms of every run). A test checks the lexer built
 * from these hints equals the one chevrotain analyses itself.
 */
const LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ_";
const DIGITS = "0123456789";
const hints = (startChars: string) => ({ start_chars_hint: [...startChars] });

export const Identifier = createToken({
  name: "Identifier",
  pattern: /[a-zA-Z_](?:\.[a-zA-Z_0-9]|[a-zA-Z_0-9])*/,
  categories: [AnyName],
  ...hints(LETTERS),
});

/**
 * Keywords are whole words only (`structure`, `list.x` stay identifiers), so the lexer reads every
 * word as an Identifier and `lex` retypes those whose text is a keyword. One pattern per word instead
 * of trying each keyword that starts with the same letter before the identifier pattern, as
 * chevrotain's `longer_alt` would: the same tokens, for a fraction of the lexing time.
 */
// A null-prototype record: this module's `Map` and `Set` are the keyword tokens.
const keywordsByWord: Record<string, TokenType | undefined> = Object.create(null);

function keyword(word: string, name = word[0]!.toUpperCase() + word.slice(1), nameLike = true, categories: TokenType[] = []): TokenType {
  const type = createToken({ name, pattern: Lexer.NA, label: `'${word}'`, categories: nameLike ? [AnyName, ...categories] : categories });
  keywordsByWord[word] = type;
  return type;
}

export const Namespace = keyword("namespace");
export const CppInclude = keyword("cpp_include", "CppInclude");
export const CppType = keyword("cpp_type", "CppType", false);
export const Include = keyword("include");
export const XsdAll = keyword("xsd_all", "XsdAll", false);
export const XsdOptional = keyword("xsd_optional", "XsdOptional", false);
export const XsdNillable = keyword("xsd_nillable", "XsdNillable", false);
export const XsdAttrs = keyword("xsd_attrs", "XsdAttrs", false);
export const Void = keyword("void");
export const Bool = keyword("bool", "Bool", true, [BaseType]);
export const Byte = keyword("byte", "Byte", true, [BaseType]);
export const I8 = keyword("i8", "I8", true, [BaseType]);
export const I16 = keyword("i16", "I16", true, [BaseType]);
export const I32 = keyword("i32", "I32", true, [BaseType]);
export const I64 = keyword("i64", "I64", true, [BaseType]);
export const Double = keyword("double", "Double", true, [BaseType]);
export const Float = keyword("float", "Float", true, [BaseType]);
export const String = keyword("string", "String", true, [BaseType]);
export const Binary = keyword("binary", "Binary", true, [BaseType]);
export const Uuid = keyword("uuid", "Uuid", true, [BaseType]);
export const Map = keyword("map");
export const List = keyword("list");
export const Set = keyword("set");
export const Oneway = keyword("oneway");
export const Async = keyword("async");
export const Typedef = keyword("typedef");
export const Struct = keyword("struct");
export const Union = keyword("union");
export const Exception = keyword("exception");
export const Extends = keyword("extends");
export const Throws = keyword("throws");
export const Service = keyword("service");
export const Enum = keyword("enum");
export const Const = keyword("const");
export const Required = keyword("required");
export const Optional = keyword("optional");
export const True = keyword("true", "True", false, [IntConstant]);
export const False = keyword("false", "False", false, [IntConstant]);

export const DoubleLiteral = createToken({
  name: "DoubleLiteral",
  pattern: /[+-]?(?:\d+\.\d+(?:[eE][+-]?\d+)?|\d+[eE][+-]?\d+|\.\d+(?:[eE][+-]?\d+)?)/,
  label: "a number",
  ...hints("+-." + DIGITS),
});
export const HexLiteral = createToken({ name: "HexLiteral", pattern: /[+-]?0x[0-9A-Fa-f]+/, label: "an integer", categories: [IntConstant], ...hints("+-0") });
export const IntLiteral = createToken({ name: "IntLiteral", pattern: /[+-]?\d+/, label: "an integer", categories: [IntConstant], ...hints("+-" + DIGITS) });

export const StringLiteral = createToken({
  name: "StringLiteral",
  pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*"|'(?:[^'\\\n\r]|\\[^\n\r])*'/,
  label: "a string literal",
  ...hints(`"'`),
});
/** Matched only when no closing quote follows on the line; reported as an error. */
export const UnterminatedString = createToken({
  name: "UnterminatedString",
  pattern: /"(?:[^"\\\n\r]|\\[^\n\r])*|'(?:[^'\\\n\r]|\\[^\n\r])*/,
  label: "an unterminated string",
  ...hints(`"'`),
});

export const DocComment = createToken({ name: "DocComment", pattern: /\/\*\*(?!\/)[\s\S]*?\*\//, group: "doc", ...hints("/") });
export const BlockComment = createToken({ name: "BlockComment", pattern: /\/\*[\s\S]*?\*\//, group: Lexer.SKIPPED, ...hints("/") });
export const UnterminatedComment = createToken({
  name: "UnterminatedComment",
  pattern: /\/\*[\s\S]*/,
  label: "an unterminated comment",
  ...hints("/"),
});
export const LineComment = createToken({ name: "LineComment", pattern: /(?:\/\/|#)[^\n\r]*/, group: Lexer.SKIPPED, ...hints("/#") });
export const WhiteSpace = createToken({ name: "WhiteSpace", pattern: /[ \t\r\n\uFEFF]+/, group: Lexer.SKIPPED, ...hints(" \t\r\n\uFEFF") });

function punct(name: string, text: string, categories: TokenType[] = []): TokenType {
  return createToken({ name, pattern: text, label: `'${text}'`, categories });
}
/** `,` or `;` after a list item, field or definition: a category, so the grammar consumes one token instead of calling a rule. */
export const ListSeparator = createToken({ name: "ListSeparator", pattern: Lexer.NA, label: "',' or ';'" });
export const Colon = punct("Colon", ":");
export const Semicolon = punct("Semicolon", ";", [ListSeparator]);
export const Comma = punct("Comma", ",", [ListSeparator]);
export const LCurly = punct("LCurly", "{");
export const RCurly = punct("RCurly", "}");
export const LParen = punct("LParen", "(");
export const RParen = punct("RParen", ")");
export const Equals = punct("Equals", "=");
export const LAngle = punct("LAngle", "<");
export const RAngle = punct("RAngle", ">");
export const LSquare = punct("LSquare", "[");
export const RSquare = punct("RSquare", "]");
export const Star = punct("Star", "*");
export const Ampersand = punct("Ampersand", "&");
/** fbthrift's structured annotations; lexed only to report them clearly. */
export const At = punct("At", "@");

/** Keywords that may also be used as field names (Apache Thrift 0.18+): every keyword but xsd_* and cpp_type. */
export const fieldNameKeywords: TokenType[] = [
  Namespace, CppInclude, Include, Void, Bool, Byte, I8, I16, I32, I64, Double, Float, String, Binary, Uuid,
  Map, List, Set, Oneway, Async, Typedef, Struct, Union, Exception, Extends, Throws, Service, Enum, Const,
  Required, Optional,
];

export const allTokens: TokenType[] = [
  WhiteSpace,
  DocComment,
  BlockComment,
  UnterminatedComment,
  LineComment,
  StringLiteral,
  UnterminatedString,
  DoubleLiteral,
  HexLiteral,
  IntLiteral,
  ...fieldNameKeywords,
  CppType,
  XsdAll,
  XsdOptional,
  XsdNillable,
  XsdAttrs,
  True,
  False,
  Identifier,
  AnyName,
  BaseType,
  IntConstant,
  ListSeparator,
  Colon, Semicolon, Comma, LCurly, RCurly, LParen, RParen, Equals, LAngle, RAngle, LSquare, RSquare, Star,
  Ampersand, At,
];

export const thriftLexer = new Lexer(allTokens, {
  positionTracking: "onlyOffset",
  ensureOptimizations: true,
  skipValidations: true,
});

export interface LexResult {
  tokens: IToken[];
  docComments: IToken[];
  errors: { offset: number; length: number; message: string }[];
}

export function lex(text: string): LexResult {
  const result = thriftLexer.tokenize(text);
  const errors = result.errors.map((e) => ({
    offset: e.offset,
    length: e.length,
    message: `unexpected character ${describeChar(text.charAt(e.offset))}`,
  }));
  const tokens: IToken[] = [];
  for (const t of result.tokens) {
    if (t.tokenType === Identifier) {
      const kw = keywordsByWord[t.image];
      if (kw !== undefined) {
        t.tokenType = kw;
        t.tokenTypeIdx = kw.tokenTypeIdx!;
      }
      tokens.push(t);
    } else if (t.tokenType === UnterminatedString) {
      errors.push({ offset: t.startOffset, length: t.image.length, message: "unterminated string literal: missing closing quote on this line" });
      // Parse it as the string it was meant to be (closed at the end of the line), so the one error
      // above is not followed by a cascade of syntax errors.
      tokens.push({ ...t, image: t.image + t.image[0], tokenType: StringLiteral, tokenTypeIdx: StringLiteral.tokenTypeIdx! });
    } else if (t.tokenType === UnterminatedComment) {
      errors.push({ offset: t.startOffset, length: 2, message: "unterminated comment: '/*' has no matching '*/'" });
    } else {
      tokens.push(t);
    }
  }
  return { tokens, docComments: result.groups["doc"] ?? [], errors };
}

function describeChar(c: string): string {
  if (c === "") return "at end of file";
  const code = c.codePointAt(0)!;
  if (code < 32 || code === 127) return `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return `'${c}'`;
}

/** The text of a doc comment without `/**`, `*\/` and the leading `*` decoration of each line. */
export function docText(image: string): string | undefined {
  const body = image.slice(3, -2);
  const lines = body.split(/\r\n|\r|\n/).map((l) => l.replace(/^\s*\*(?!\/) ?/, "").replace(/\s+$/, ""));
  // A leading `*` on the first line is part of the text only when it is not decoration.
  while (lines.length && lines[0]!.trim() === "") lines.shift();
  while (lines.length && lines[lines.length - 1]!.trim() === "") lines.pop();
  if (!lines.length) return undefined;
  const indent = Math.min(...lines.filter((l) => l.trim()).map((l) => /^\s*/.exec(l)![0].length));
  return lines.map((l) => l.slice(indent)).join("\n");
}

/**
 * Syntax error messages in plain words ("expected a field type after ':' but found '}'"), not token-class
 * names. This is the one place where chevrotain's errors become the user's language.
 */
import type { IParserErrorMessageProvider, IToken, TokenType } from "chevrotain";
import { EOF, tokenLabel } from "./chevrotain.js";

/** What a missing identifier means in each rule. */
const identifierRole: Record<string, string> = {
  constDef: "a constant name",
  typedefDef: "a name for the typedef",
  enumDef: "an enum name",
  enumValue: "an enum value name",
  structDef: "a name",
  serviceDef: "a service name",
  functionDef: "a function name",
  namespace: "a namespace name",
  throwsClause: "an exception type",
  fieldName: "a field name",
  annotation: "an annotation name",
};

export function describeToken(token: IToken): string {
  if (token.tokenType === EOF) return "the end of the file";
  const image = token.image.length > 40 ? token.image.slice(0, 37) + "..." : token.image;
  return `'${image}'`;
}

function describeExpected(type: TokenType, ruleName: string): string {
  if (type.name === "Identifier" || type.name === "AnyName") return identifierRole[ruleName] ?? "a name";
  if (type === EOF) return "the end of the file";
  return tokenLabel(type);
}

/**
 * " after 'x'", naming the token before the error. Omitted when there is none, or when recovery has
 * already skipped past the offending token (chevrotain then passes the last skipped token).
 */
function after(previous: IToken | undefined, actual: IToken): string {
  if (!previous || previous.tokenType === EOF || previous.image === "" || isNaN(previous.startOffset)) return "";
  if (!isNaN(actual.startOffset) && previous.startOffset >= actual.startOffset) return "";
  return ` after ${describeToken(previous)}`;
}

const DEFINITION = "a definition (const, typedef, enum, struct, union, exception or service)";

function found(actual: IToken): string {
  return actual.tokenType === EOF ? "reached the end of the file" : `found ${describeToken(actual)}`;
}

/** Lists alternatives as "a, b or c". */
function oneOf(items: string[]): string {
  const unique = [...new Set(items)];
  if (unique.length <= 1) return unique[0] ?? "something else";
  if (unique.length > 6) return unique.slice(0, 6).join(", ") + ", ...";
  return unique.slice(0, -1).join(", ") + " or " + unique[unique.length - 1];
}

/** The closing bracket a syntax error message says was expected (`expected '}' after ...`), if any. */
export function expectedCloser(message: string): string | undefined {
  return /^expected '([})>\]])'/.exec(message)?.[1];
}

export const parserErrorMessages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, previous, ruleName }) {
    // Recovery between definitions reports "expected the end of the file": what was wanted is a definition.
    const what = expected === EOF && ruleName === "document" ? DEFINITION : describeExpected(expected, ruleName);
    return `expected ${what}${after(previous, actual)} but ${found(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected ${DEFINITION} but ${found(firstRedundant)}`;
  },
  buildNoViableAltMessage({ expectedPathsPerAlt, actual, previous, customUserDescription, ruleName }) {
    const what =
      customUserDescription ?? oneOf(expectedPathsPerAlt.flatMap((alt) => alt.map((path) => describeExpected(path[0]!, ruleName))));
    return `expected ${what}${after(previous, actual[0]!)} but ${found(actual[0]!)}`;
  },
  buildEarlyExitMessage({ expectedIterationPaths, actual, previous, customUserDescription, ruleName }) {
    const what = customUserDescription ?? oneOf(expectedIterationPaths.map((path) => describeExpected(path[0]!, ruleName)));
    return `expected at least one ${what}${after(previous, actual[0]!)} but ${found(actual[0]!)}`;
  },
};

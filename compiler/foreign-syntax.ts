/**
 * Recognises syntax that is not Apache Thrift's, before parsing, so users get one clear message naming
 * the replacement instead of a cascade of syntax errors: removed legacy forms (senum, slist, old
 * namespace keywords) and fbthrift's dialect (@annotations, package, interaction, stream, sink,
 * hash_map/hash_set).
 */
import type { IToken } from "chevrotain";
import * as T from "./lexer.js";

export interface ForeignSyntax {
  token: IToken;
  message: string;
}

const oldNamespaceKeywords: Record<string, string> = {
  cpp_namespace: "cpp",
  java_package: "java",
  php_namespace: "php",
  py_module: "py",
  perl_package: "perl",
  ruby_namespace: "rb",
  smalltalk_category: "smalltalk.category",
  smalltalk_prefix: "smalltalk.prefix",
  xsd_namespace: "xsd",
  csharp_namespace: "csharp",
  delphi_namespace: "delphi",
  cocoa_prefix: "cocoa",
};

const FBTHRIFT = "fbthrift syntax is not supported";

/** fbthrift's generic types, each reported here when followed by `<`. */
export const foreignGenerics: ReadonlySet<string> = new Set(["stream", "sink", "hash_map", "hash_set"]);

/** Tokens after which an identifier is a declared name, not a type: `i32 slist`, `struct slist`. */
const namePrecedes = new Set<unknown>([
  T.Identifier, T.Bool, T.Byte, T.I8, T.I16, T.I32, T.I64, T.Double, T.Float, T.String, T.Binary, T.Uuid,
  T.RAngle, T.Ampersand, T.RParen, T.Struct, T.Union, T.Exception, T.Enum, T.Service,
]);

export function findForeignSyntax(tokens: readonly IToken[]): ForeignSyntax[] {
  const found: ForeignSyntax[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    const next = tokens[i + 1];
    const type = tok.tokenType;
    if (type === T.LCurly || type === T.LParen) depth++;
    else if ((type === T.RCurly || type === T.RParen) && depth > 0) depth--;
    else if (type === T.At) {
      const name = next?.tokenType === T.Identifier ? next.image : "";
      found.push({ token: tok, message: `${FBTHRIFT}: structured annotation '@${name}'; use an annotation list '(key = "value")' after the definition` });
    } else if (type === T.Identifier) {
      const image = tok.image;
      const nextType = next?.tokenType;
      if (depth === 0 && image === "package" && nextType === T.StringLiteral) {
        found.push({ token: tok, message: `${FBTHRIFT}: 'package'; use 'namespace <language> <name>'` });
      } else if (depth === 0 && image === "interaction" && nextType === T.Identifier) {
        found.push({ token: tok, message: `${FBTHRIFT}: 'interaction'; use a service` });
      } else if (foreignGenerics.has(image) && nextType === T.LAngle) {
        const message = image.startsWith("hash_")
          ? `${FBTHRIFT}: '${image}'; use '${image.slice(5)}'`
          : `${FBTHRIFT}: '${image}<...>' return types; use a list or a paged method`;
        found.push({ token: tok, message });
      } else if (depth === 0 && image === "senum" && nextType === T.Identifier) {
        found.push({ token: tok, message: "'senum' is no longer supported; use 'string' (or an enum)" });
      } else if (image === "slist" && !(i > 0 && namePrecedes.has(tokens[i - 1]!.tokenType))) {
        found.push({ token: tok, message: "'slist' is no longer supported; use 'string'" });
      } else if (
        depth === 0 &&
        Object.hasOwn(oldNamespaceKeywords, image) &&
        (nextType === T.Identifier || nextType === T.StringLiteral) &&
        !(i > 0 && namePrecedes.has(tokens[i - 1]!.tokenType))
      ) {
        found.push({ token: tok, message: `unsupported declaration '${image}'; use 'namespace ${oldNamespaceKeywords[image]} <name>'` });
      }
    }
  }
  return found;
}

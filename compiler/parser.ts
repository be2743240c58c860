/**
 * Thrift's grammar (Apache's thrifty.yy) as a chevrotain CST parser. Rules read like the grammar; the
 * CST is turned into the model by build-ast.ts. Error recovery is on so one run reports every syntax
 * error, and messages are phrased for people by parser-messages.ts.
 */
import type { CstNode, IToken, TokenType } from "chevrotain";
import { CstParser } from "./chevrotain.js";
import * as T from "./lexer.js";
import { TableLookahead, type LookaheadTable } from "./lookahead.js";
import { LOOKAHEAD_TABLE } from "./lookahead-table.js";
import { parserErrorMessages } from "./parser-messages.js";

const MAX_LOOKAHEAD = 2;

class ThriftParser extends CstParser {
  /**
   * `validate` runs chevrotain's grammar checks (ambiguities, left recursion): a test does that once;
   * the CLI skips them, which saves ~20 ms of start-up on every run.
   */
  constructor(validate = false, lookahead = new TableLookahead(T.allTokens, LOOKAHEAD_TABLE, MAX_LOOKAHEAD)) {
    super(T.allTokens, {
      recoveryEnabled: true,
      skipValidations: !validate,
      maxLookahead: MAX_LOOKAHEAD,
      lookaheadStrategy: lookahead,
      errorMessageProvider: parserErrorMessages,
    });
    this.performSelfAnalysis();
  }

  document = this.RULE("document", () => {
    // One token decides: a header keyword always starts a header here, even an incomplete one, so its
    // own error is reported instead of it being taken for a header after the definitions.
    this.MANY({ MAX_LOOKAHEAD: 1, DEF: () => this.SUBRULE(this.header) });
    this.MANY2(() => this.SUBRULE(this.definition));
  });

  header = this.RULE("header", () => {
    this.OR({
      DEF: [
        { ALT: () => this.SUBRULE(this.include) },
        { ALT: () => this.SUBRULE(this.cppInclude) },
        { ALT: () => this.SUBRULE(this.namespace) },
      ],
    });
  });

  include = this.RULE("include", () => {
    this.CONSUME(T.Include);
    this.CONSUME(T.StringLiteral);
  });

  cppInclude = this.RULE("cppInclude", () => {
    this.CONSUME(T.CppInclude);
    this.CONSUME(T.StringLiteral);
  });

  namespace = this.RULE("namespace", () => {
    this.CONSUME(T.Namespace);
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(T.Star) },
        { ALT: () => this.CONSUME(T.Identifier, { LABEL: "scope" }) },
      ],
      ERR_MSG: "a namespace scope (a language name or '*')",
    });
    this.CONSUME2(T.Identifier, { LABEL: "name" });
    this.OPTION(() => this.SUBRULE(this.annotations));
  });

  definition = this.RULE("definition", () => {
    this.OR({
      DEF: [
        { ALT: () => this.SUBRULE(this.constDef) },
        { ALT: () => this.SUBRULE(this.typedefDef) },
        { ALT: () => this.SUBRULE(this.enumDef) },
        { ALT: () => this.SUBRULE(this.structDef) },
        { ALT: () => this.SUBRULE(this.serviceDef) },
        { ALT: () => this.SUBRULE(this.misplacedHeader) },
      ],
      ERR_MSG: "a definition (const, typedef, enum, struct, union, exception or service)",
    });
  });

  /** A header after the first definition: parsed so the error can say what is wrong. */
  misplacedHeader = this.RULE("misplacedHeader", () => {
    this.SUBRULE(this.header);
  });

  constDef = this.RULE("constDef", () => {
    this.CONSUME(T.Const);
    this.SUBRULE(this.fieldType);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.Equals);
    this.SUBRULE(this.constValue);
    this.OPTION(() => this.CONSUME(T.ListSeparator));
  });

  typedefDef = this.RULE("typedefDef", () => {
    this.CONSUME(T.Typedef);
    this.SUBRULE(this.fieldType);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => this.SUBRULE(this.annotations));
    this.OPTION2(() => this.CONSUME(T.ListSeparator));
  });

  enumDef = this.RULE("enumDef", () => {
    this.CONSUME(T.Enum);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.enumValue));
    this.CONSUME(T.RCurly);
    this.OPTION(() => this.SUBRULE(this.annotations));
  });

  enumValue = this.RULE("enumValue", () => {
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.CONSUME(T.IntConstant, { LABEL: "value" });
    });
    this.OPTION2(() => this.SUBRULE(this.annotations));
    this.OPTION3(() => this.CONSUME(T.ListSeparator));
  });

  structDef = this.RULE("structDef", () => {
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(T.Struct, { LABEL: "keyword" }) },
        { ALT: () => this.CONSUME(T.Union, { LABEL: "keyword" }) },
        { ALT: () => this.CONSUME(T.Exception, { LABEL: "keyword" }) },
      ],
    });
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => this.CONSUME(T.XsdAll));
    this.CONSUME(T.LCurly);
    this.MANY(() => this.SUBRULE(this.field));
    this.CONSUME(T.RCurly);
    this.OPTION2(() => this.SUBRULE(this.annotations));
  });

  serviceDef = this.RULE("serviceDef", () => {
    this.CONSUME(T.Service);
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.OPTION(() => {
      this.CONSUME(T.Extends);
      this.CONSUME2(T.Identifier, { LABEL: "parent" });
    });
    this.OR({
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.LCurly);
            this.MANY(() => this.SUBRULE(this.functionDef));
            this.CONSUME(T.RCurly);
          },
        },
        {
          // The design card's shorthand: `service Calc < ... >`.
          ALT: () => {
            this.CONSUME(T.LAngle);
            this.MANY2(() => this.SUBRULE2(this.functionDef));
            this.CONSUME(T.RAngle);
          },
        },
      ],
      ERR_MSG: "'{' to open the service body",
    });
    this.OPTION2(() => this.SUBRULE(this.annotations));
  });

  functionDef = this.RULE("functionDef", () => {
    this.OPTION(() =>
      this.OR([
        { ALT: () => this.CONSUME(T.Oneway, { LABEL: "oneway" }) },
        { ALT: () => this.CONSUME(T.Async, { LABEL: "oneway" }) },
      ]),
    );
    this.OR2({
      DEF: [{ ALT: () => this.CONSUME(T.Void) }, { ALT: () => this.SUBRULE(this.fieldType) }],
      ERR_MSG: "a return type (or 'void')",
    });
    this.CONSUME(T.Identifier, { LABEL: "name" });
    this.CONSUME(T.LParen);
    this.MANY(() => this.SUBRULE(this.field, { LABEL: "param" }));
    this.CONSUME(T.RParen);
    this.OPTION2(() => this.SUBRULE(this.throwsClause));
    this.OPTION3(() => this.SUBRULE(this.annotations));
    this.OPTION4(() => this.CONSUME(T.ListSeparator));
  });

  throwsClause = this.RULE("throwsClause", () => {
    this.CONSUME(T.Throws);
    this.OR({
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.LParen);
            this.MANY(() => this.SUBRULE(this.field));
            this.CONSUME(T.RParen);
          },
        },
        {
          // Shorthand: `throws InvalidOperation` or `throws A, B`; ids are 1, 2, ...
          ALT: () => {
            this.CONSUME(T.Identifier, { LABEL: "bareException" });
            this.MANY2({
              GATE: () => this.bareThrowsContinues(),
              DEF: () => {
                this.CONSUME(T.Comma);
                this.CONSUME2(T.Identifier, { LABEL: "bareException" });
              },
            });
          },
        },
      ],
      ERR_MSG: "'(' or an exception type",
    });
  });

  /** After `throws A`, a comma continues the list only if what follows is not the next function. */
  private bareThrowsContinues(): boolean {
    if (this.LA(1).tokenType !== T.Comma || this.LA(2).tokenType !== T.Identifier) return false;
    const third = this.LA(3).tokenType;
    return third !== T.Identifier && third !== T.LParen && third !== T.LAngle;
  }

  field = this.RULE("field", () => {
    this.OPTION(() => {
      this.CONSUME(T.IntConstant, { LABEL: "id" });
      this.CONSUME(T.Colon);
    });
    this.OPTION2(() =>
      this.OR([
        { ALT: () => this.CONSUME(T.Required, { LABEL: "requiredness" }) },
        { ALT: () => this.CONSUME(T.Optional, { LABEL: "requiredness" }) },
      ]),
    );
    this.SUBRULE(this.fieldType);
    this.OPTION3(() => this.CONSUME(T.Ampersand));
    this.SUBRULE(this.fieldName);
    this.OPTION4(() => {
      this.CONSUME(T.Equals);
      this.SUBRULE(this.constValue);
    });
    this.OPTION5(() => this.CONSUME(T.XsdOptional));
    this.OPTION6(() => this.CONSUME(T.XsdNillable));
    this.OPTION7(() => {
      this.CONSUME(T.XsdAttrs);
      this.CONSUME(T.LCurly);
      this.MANY(() => this.SUBRULE2(this.field, { LABEL: "xsdAttr" }));
      this.CONSUME(T.RCurly);
    });
    this.OPTION8(() => this.SUBRULE(this.annotations));
    this.OPTION9(() => this.CONSUME(T.ListSeparator));
  });

  fieldName = this.RULE("fieldName", () => {
    // Identifier is listed on its own although AnyName covers it: error recovery compares follow sets
    // by exact token type, and without it a syntax error inside a field's type would resynchronise
    // at the enclosing field list and take the field's name for the next field.
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(T.Identifier, { LABEL: "name" }) },
        { ALT: () => this.CONSUME(T.AnyName, { LABEL: "name" }) },
      ],
      IGNORE_AMBIGUITIES: true,
    });
  });

  fieldType = this.RULE("fieldType", () => {
    this.OR({
      DEF: [
        {
          ALT: () => {
            this.CONSUME(T.Identifier, { LABEL: "named" });
            // Only containers take type arguments; after a name they are a misspelt container
            // (`lst<string>`), parsed whole so it gets one error instead of a cascade.
            this.OPTION2(() => {
              this.CONSUME(T.LAngle);
              this.SUBRULE(this.fieldType, { LABEL: "typeArg" });
              this.MANY(() => {
                this.CONSUME(T.Comma);
                this.SUBRULE2(this.fieldType, { LABEL: "typeArg" });
              });
              this.CONSUME(T.RAngle);
            });
          },
        },
        {
          ALT: () => {
            this.CONSUME(T.BaseType, { LABEL: "base" });
            this.OPTION(() => this.SUBRULE(this.annotations));
          },
        },
        { ALT: () => this.SUBRULE(this.containerType) },
      ],
      ERR_MSG: "a field type",
    });
  });

  containerType = this.RULE("containerType", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(T.Map, { LABEL: "container" });
          this.OPTION(() => this.SUBRULE(this.cppType));
          this.CONSUME(T.LAngle);
          this.SUBRULE(this.fieldType, { LABEL: "keyType" });
          this.CONSUME(T.Comma);
          this.SUBRULE2(this.fieldType, { LABEL: "valueType" });
          this.CONSUME(T.RAngle);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.Set, { LABEL: "container" });
          this.OPTION2(() => this.SUBRULE2(this.cppType));
          this.CONSUME2(T.LAngle);
          this.SUBRULE3(this.fieldType, { LABEL: "elemType" });
          this.CONSUME2(T.RAngle);
        },
      },
      {
        ALT: () => {
          this.CONSUME(T.List, { LABEL: "container" });
          this.OPTION3(() => this.SUBRULE3(this.cppType));
          this.CONSUME3(T.LAngle);
          this.SUBRULE4(this.fieldType, { LABEL: "elemType" });
          this.CONSUME3(T.RAngle);
          this.OPTION4(() => this.SUBRULE4(this.cppType));
        },
      },
    ]);
    this.OPTION5(() => this.SUBRULE(this.annotations));
  });

  cppType = this.RULE("cppType", () => {
    this.CONSUME(T.CppType);
    this.CONSUME(T.StringLiteral);
  });

  annotations = this.RULE("annotations", () => {
    this.CONSUME(T.LParen);
    this.MANY(() => this.SUBRULE(this.annotation));
    this.CONSUME(T.RParen);
  });

  annotation = this.RULE("annotation", () => {
    this.CONSUME(T.AnyName, { LABEL: "key" });
    this.OPTION(() => {
      this.CONSUME(T.Equals);
      this.CONSUME(T.StringLiteral, { LABEL: "value" });
    });
    this.OPTION2(() => this.CONSUME(T.ListSeparator));
  });

  constValue = this.RULE("constValue", () => {
    this.OR({
      DEF: [
        { ALT: () => this.CONSUME(T.IntConstant, { LABEL: "int" }) },
        { ALT: () => this.CONSUME(T.DoubleLiteral, { LABEL: "double" }) },
        { ALT: () => this.CONSUME(T.StringLiteral, { LABEL: "string" }) },
        { ALT: () => this.CONSUME(T.Identifier, { LABEL: "identifier" }) },
        { ALT: () => this.SUBRULE(this.constList) },
        { ALT: () => this.SUBRULE(this.constMap) },
      ],
      ERR_MSG: "a constant value",
    });
  });

  constList = this.RULE("constList", () => {
    this.CONSUME(T.LSquare);
    this.MANY(() => {
      this.SUBRULE(this.constValue, { LABEL: "item" });
      this.OPTION(() => this.CONSUME(T.ListSeparator));
    });
    this.CONSUME(T.RSquare);
  });

  constMap = this.RULE("constMap", () => {
    this.CONSUME(T.LCurly);
    this.MANY(() => {
      this.SUBRULE(this.constValue, { LABEL: "key" });
      this.CONSUME(T.Colon);
      this.SUBRULE2(this.constValue, { LABEL: "value" });
      this.OPTION(() => this.CONSUME(T.ListSeparator));
    });
    this.CONSUME(T.RCurly);
  });
}

/** One parser instance, reused: chevrotain parsers are reset by assigning `input`. */
let instance: ThriftParser | undefined;

export interface ParseResult {
  cst: CstNode;
  errors: { token: IToken; message: string; previous?: IToken }[];
}

export function parseTokens(tokens: IToken[]): ParseResult {
  instance ??= new ThriftParser();
  instance.input = tokens;
  const cst = instance.document();
  const errors = instance.errors.map((e) => ({ token: e.token, message: e.message, previous: (e as { previousToken?: IToken }).previousToken }));
  return { cst, errors };
}

export type { TokenType };

/** Builds the parser with chevrotain's grammar validations on; throws if the grammar is ambiguous. */
export function validateGrammar(): void {
  new ThriftParser(true);
}

/** Every production's lookahead paths computed afresh by chevrotain: what lookahead-table.ts must hold. */
export function computeLookaheadTable(): LookaheadTable {
  const strategy = new TableLookahead(T.allTokens, {}, MAX_LOOKAHEAD);
  new ThriftParser(false, strategy);
  return strategy.used;
}

/**
 * The resolved model of a set of Thrift IDL files: what the parser builds and the resolver and checker
 * complete. The emitter and any dynamic tool (a dynamic client, a breaking-change check) read only this;
 * nothing downstream re-parses source text.
 */

/** A point in a source file: 1-based line and column, 0-based offset. */
export interface SourceLocation {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  /** Length of the spanned text in characters (at least 1 for carets). */
  readonly length: number;
}

export interface Annotation {
  readonly key: string;
  /** A bare key means "1", as in Apache Thrift. */
  readonly value: string;
  readonly loc: SourceLocation;
}

export type BaseTypeName =
  | "bool"
  | "byte"
  | "i8"
  | "i16"
  | "i32"
  | "i64"
  | "double"
  | "float"
  | "string"
  | "binary"
  | "uuid";

export type TypeRef = BaseType | ListType | SetType | MapType | NamedType;

interface TypeBase {
  readonly loc: SourceLocation;
  readonly annotations: readonly Annotation[];
}

export interface BaseType extends TypeBase {
  readonly kind: "base";
  readonly name: BaseTypeName;
}

export interface ListType extends TypeBase {
  readonly kind: "list";
  readonly elem: TypeRef;
  readonly cppType?: string;
}

export interface SetType extends TypeBase {
  readonly kind: "set";
  readonly elem: TypeRef;
  readonly cppType?: string;
}

export interface MapType extends TypeBase {
  readonly kind: "map";
  readonly key: TypeRef;
  readonly value: TypeRef;
  readonly cppType?: string;
}

/** A reference to a typedef, enum, struct, union or exception, possibly qualified (`shared.Foo`). */
export interface NamedType extends TypeBase {
  readonly kind: "named";
  /** The name as written, e.g. `Foo` or `shared.Foo`. */
  readonly name: string;
  /** Set by the resolver; undefined when the name could not be resolved (a diagnostic says why). */
  target?: TypeDefinition;
  /**
   * Type arguments written after the name (`lst<string>`): a misspelt container, which the parser
   * reports. Such a type never resolves; its arguments do, so their own errors are reported too.
   */
  readonly typeArgs?: readonly TypeRef[];
}

export type TypeDefinition = TypedefDef | EnumDef | StructDef;

export type ConstValue =
  | IntValue
  | DoubleValue
  | StringValue
  | IdentifierValue
  | ListValue
  | MapValue;

interface ValueBase {
  readonly loc: SourceLocation;
}

export interface IntValue extends ValueBase {
  readonly kind: "int";
  /** Exact value; true/false lex as 1/0, as in Apache Thrift. */
  readonly value: bigint;
}

export interface DoubleValue extends ValueBase {
  readonly kind: "double";
  readonly value: number;
}

export interface StringValue extends ValueBase {
  readonly kind: "string";
  readonly value: string;
}

/** A reference to another const (`MAX`, `shared.MAX`) or an enum member (`Color.RED`). */
export interface IdentifierValue extends ValueBase {
  readonly kind: "identifier";
  readonly name: string;
  /** Set by the checker. */
  target?: { readonly kind: "const"; readonly def: ConstDef } | { readonly kind: "enum"; readonly def: EnumDef; readonly member: EnumMember };
}

/** `[a, b]`: a list or set literal (or an empty map, which Apache Thrift also accepts). */
export interface ListValue extends ValueBase {
  readonly kind: "list";
  readonly items: readonly ConstValue[];
}

/** `{k: v}`: a map literal or a struct literal (keys naming fields). */
export interface MapValue extends ValueBase {
  readonly kind: "map";
  readonly entries: readonly (readonly [ConstValue, ConstValue])[];
}

export type Requiredness = "required" | "optional" | "default";

export interface Field {
  readonly name: string;
  readonly nameLoc: SourceLocation;
  readonly loc: SourceLocation;
  /** The effective id: explicit, or auto-assigned (-1, -2, ... per field list) as Apache Thrift does. */
  id: number;
  /** True when the IDL gave no usable id and the id was auto-assigned. */
  idAssigned: boolean;
  requiredness: Requiredness;
  readonly type: TypeRef;
  readonly defaultValue?: ConstValue;
  readonly doc?: string;
  readonly annotations: readonly Annotation[];
  /** `&` (C++ reference field); kept for completeness, ignored by generation. */
  readonly reference: boolean;
  readonly xsdOptional: boolean;
  readonly xsdNillable: boolean;
  readonly xsdAttrs?: readonly Field[];
}

interface DefinitionBase {
  readonly name: string;
  readonly nameLoc: SourceLocation;
  readonly loc: SourceLocation;
  readonly doc?: string;
  readonly annotations: readonly Annotation[];
  /** The program (file) that declares it; set when the program is built. */
  program: Program;
}

export interface ConstDef extends DefinitionBase {
  readonly kind: "const";
  readonly type: TypeRef;
  readonly value: ConstValue;
}

export interface TypedefDef extends DefinitionBase {
  readonly kind: "typedef";
  readonly type: TypeRef;
}

export interface EnumMember {
  readonly name: string;
  readonly nameLoc: SourceLocation;
  /** Explicit, or previous + 1 (starting at 0). */
  readonly value: number;
  readonly explicit: boolean;
  readonly doc?: string;
  readonly annotations: readonly Annotation[];
}

export interface EnumDef extends DefinitionBase {
  readonly kind: "enum";
  readonly members: readonly EnumMember[];
}

export interface StructDef extends DefinitionBase {
  readonly kind: "struct" | "union" | "exception";
  readonly fields: readonly Field[];
  readonly xsdAll: boolean;
}

export interface FunctionDef {
  readonly name: string;
  readonly nameLoc: SourceLocation;
  readonly loc: SourceLocation;
  readonly oneway: boolean;
  /** undefined for `void`. */
  readonly returnType?: TypeRef;
  readonly params: readonly Field[];
  readonly throws: readonly Field[];
  readonly doc?: string;
  readonly annotations: readonly Annotation[];
}

export interface ServiceDef extends DefinitionBase {
  readonly kind: "service";
  readonly extends?: { readonly name: string; readonly loc: SourceLocation; target?: ServiceDef };
  readonly functions: readonly FunctionDef[];
}

export type Definition = ConstDef | TypedefDef | EnumDef | StructDef | ServiceDef;

export interface Include {
  /** The path as written in the IDL. */
  readonly path: string;
  readonly loc: SourceLocation;
  /** Set by the resolver when the file was found and loaded. */
  program?: Program;
}

export interface Namespace {
  /** `*`, `java`, `py.twisted`, ... */
  readonly scope: string;
  readonly name: string;
  readonly loc: SourceLocation;
  readonly annotations: readonly Annotation[];
}

export interface Program {
  /** Absolute path of the file. */
  readonly path: string;
  /** The file's base name without `.thrift`: the prefix other files use (`shared.Foo`). */
  readonly name: string;
  readonly doc?: string;
  readonly includes: readonly Include[];
  readonly cppIncludes: readonly string[];
  readonly namespaces: readonly Namespace[];
  readonly definitions: readonly Definition[];
}

/** Follows typedefs to the underlying type; returns the input when it is not a resolved typedef. */
export function resolveTypedefs(type: TypeRef): TypeRef {
  let t = type;
  for (let guard = 0; guard < 100 && t.kind === "named" && t.target?.kind === "typedef"; guard++) {
    t = t.target.type;
  }
  return t;
}

/** All functions of a service, its ancestors' first (the order a processor would register them). */
export function allFunctions(service: ServiceDef): FunctionDef[] {
  const chain: ServiceDef[] = [];
  const seen = new Set<ServiceDef>();
  for (let s: ServiceDef | undefined = service; s && !seen.has(s); s = s.extends?.target) {
    seen.add(s);
    chain.unshift(s);
  }
  return chain.flatMap((s) => s.functions);
}

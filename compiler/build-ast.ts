/**
 * CST → model. Builds one Program from a parsed file: unescapes literals, attaches doc comments,
 * numbers enum values and assigns missing field ids exactly as Apache's compiler does. Robust to the
 * partial CSTs that error recovery produces: anything missing is skipped, never dereferenced.
 */
import type { CstNode, IToken } from "chevrotain";
import type { DiagnosticBag } from "./diagnostics.js";
import { foreignGenerics } from "./foreign-syntax.js";
import { docText } from "./lexer.js";
import type {
  Annotation,
  BaseTypeName,
  ConstValue,
  Definition,
  EnumMember,
  Field,
  FunctionDef,
  Include,
  Namespace,
  Program,
  Requiredness,
  SourceLocation,
  TypeRef,
} from "./model.js";
import type { SourceFile } from "./source-file.js";

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** The types that take type arguments: what a name with type arguments was probably meant to be. */
const CONTAINERS = ["list", "set", "map"];

type Children = Record<string, (CstNode | IToken)[] | undefined>;

function isToken(x: CstNode | IToken | undefined): x is IToken {
  return x !== undefined && "image" in x;
}

function tok(ch: Children, key: string, index = 0): IToken | undefined {
  const x = ch[key]?.[index];
  // Tokens inserted by error recovery have no position; treat them as missing.
  return isToken(x) && !isNaN(x.startOffset) ? x : undefined;
}

function node(ch: Children, key: string, index = 0): CstNode | undefined {
  const x = ch[key]?.[index];
  return x && !isToken(x) ? x : undefined;
}

function nodes(ch: Children, key: string): CstNode[] {
  return (ch[key] ?? []).filter((x): x is CstNode => !isToken(x));
}

function tokens(ch: Children, key: string): IToken[] {
  return (ch[key] ?? []).filter((x): x is IToken => isToken(x) && !isNaN(x.startOffset));
}

/**
 * The first real token of a CST node, for locations and doc comment lookup. chevrotain adds a node's
 * labels in the order it first consumes them, so the first entry under the first label is normally
 * the first token (or the node holding it). Error recovery can leave that entry virtual or empty;
 * then every label is searched.
 */
function firstToken(n: CstNode): IToken | undefined {
  for (const key in n.children) {
    const x = n.children[key]![0];
    const t = x === undefined ? undefined : isToken(x) ? (isNaN(x.startOffset) ? undefined : x) : firstToken(x);
    if (t) return t;
    break;
  }
  return firstTokenOfAnyLabel(n);
}

/**
 * The earliest first real token over all labels. Each child list is in source order, so only its
 * first real entry can hold the node's first token: one entry per label on each level is examined,
 * not the whole subtree (which made building a large file quadratic in its nesting).
 */
function firstTokenOfAnyLabel(n: CstNode): IToken | undefined {
  let best: IToken | undefined;
  for (const key in n.children) {
    for (const x of n.children[key]!) {
      const t = isToken(x) ? (isNaN(x.startOffset) ? undefined : x) : firstToken(x);
      if (!t) continue; // inserted by error recovery, or an empty node: try the next entry
      if (!best || t.startOffset < best.startOffset) best = t;
      break;
    }
  }
  return best;
}

export interface BuildContext {
  source: SourceFile;
  diagnostics: DiagnosticBag;
  /** Doc comment text keyed by the start offset of the token that follows it. */
  docs: Map<number, string>;
}

export function buildProgram(cst: CstNode, name: string, ctx: BuildContext): Program {
  return new ProgramBuilder(ctx).build(cst, name);
}

/** Maps each doc comment to the first token after it; the last of several consecutive ones wins. */
export function attachDocComments(docComments: readonly IToken[], tokens: readonly IToken[]): Map<number, string> {
  const docs = new Map<number, string>();
  let t = 0;
  for (const doc of docComments) {
    while (t < tokens.length && tokens[t]!.startOffset < doc.startOffset) t++;
    const next = tokens[t];
    const text = docText(doc.image);
    if (next && text !== undefined) docs.set(next.startOffset, text);
  }
  return docs;
}

class ProgramBuilder {
  constructor(private readonly ctx: BuildContext) {}

  private loc(t: IToken): SourceLocation {
    // The lexer tracks offsets only (cheaper for every token); the line index turns the few offsets
    // that need it into line and column.
    return this.ctx.source.location(t.startOffset, t.image.length);
  }

  private nodeLoc(n: CstNode): SourceLocation {
    const t = firstToken(n);
    return t ? this.loc(t) : this.ctx.source.location(0);
  }

  private docFor(n: CstNode): string | undefined {
    const t = firstToken(n);
    return t ? this.ctx.docs.get(t.startOffset) : undefined;
  }

  build(cst: CstNode, name: string): Program {
    const includes: Include[] = [];
    const cppIncludes: string[] = [];
    const namespaces: Namespace[] = [];
    const definitions: Definition[] = [];
    let doc: string | undefined;
    const ch = cst.children as Children;
    const headers = nodes(ch, "header");
    if (headers[0]) doc = this.docFor(headers[0]);
    for (const h of headers) this.header(h, includes, cppIncludes, namespaces);
    const program: Program = {
      path: this.ctx.source.path,
      name,
      ...(doc !== undefined && { doc }),
      includes,
      cppIncludes,
      namespaces,
      definitions,
    };
    let seenDefinition = false;
    for (const d of nodes(ch, "definition")) {
      const misplaced = node(d.children as Children, "misplacedHeader");
      if (misplaced) {
        const hc = node(misplaced.children as Children, "header");
        if (seenDefinition) {
          const t = firstToken(misplaced);
          if (t) this.ctx.diagnostics.error(`'${t.image}' must come before all definitions`, this.loc(t));
        } else if (hc) {
          // Only error recovery (after a syntax error, already reported) gets a header here before any
          // definition: it is a header like any other.
          this.header(hc, includes, cppIncludes, namespaces);
        }
        continue;
      }
      seenDefinition = true;
      const def = this.definition(d, program);
      if (def) definitions.push(def);
    }
    return program;
  }

  private header(h: CstNode, includes: Include[], cppIncludes: string[], namespaces: Namespace[]): void {
    const hc = h.children as Children;
    const inc = node(hc, "include");
    if (inc) {
      const s = tok(inc.children as Children, "StringLiteral");
      if (s) includes.push({ path: this.string(s), loc: this.loc(s) });
      return;
    }
    const cpp = node(hc, "cppInclude");
    if (cpp) {
      const s = tok(cpp.children as Children, "StringLiteral");
      if (s) cppIncludes.push(this.string(s));
      return;
    }
    const ns = node(hc, "namespace");
    if (ns) {
      const nc = ns.children as Children;
      const scope = tok(nc, "Star") ?? tok(nc, "scope");
      const name = tok(nc, "name");
      if (scope && name) {
        namespaces.push({ scope: scope.image, name: name.image, loc: this.loc(name), annotations: this.annotations(node(nc, "annotations")) });
      }
    }
  }

  private definition(d: CstNode, program: Program): Definition | undefined {
    const dc = d.children as Children;
    const doc = this.docFor(d);
    const withDoc = doc === undefined ? {} : { doc };
    const c = node(dc, "constDef");
    if (c) {
      const cc = c.children as Children;
      const name = tok(cc, "name");
      const type = this.fieldType(node(cc, "fieldType"));
      const value = this.constValue(node(cc, "constValue"));
      if (!name || !type || !value) return undefined;
      this.declaredName(name);
      return { kind: "const", name: name.image, nameLoc: this.loc(name), loc: this.loc(name), ...withDoc, annotations: [], program, type, value };
    }
    const td = node(dc, "typedefDef");
    if (td) {
      const tc = td.children as Children;
      const name = tok(tc, "name");
      const type = this.fieldType(node(tc, "fieldType"));
      if (!name || !type) return undefined;
      this.declaredName(name);
      return { kind: "typedef", name: name.image, nameLoc: this.loc(name), loc: this.loc(name), ...withDoc, annotations: this.annotations(node(tc, "annotations")), program, type };
    }
    const en = node(dc, "enumDef");
    if (en) return this.enumDef(en, program, doc);
    const st = node(dc, "structDef");
    if (st) {
      const sc = st.children as Children;
      const keyword = tok(sc, "keyword");
      const name = tok(sc, "name");
      if (!keyword || !name) return undefined;
      this.declaredName(name);
      const kind = keyword.image as "struct" | "union" | "exception";
      const fields = this.fieldList(nodes(sc, "field"), kind === "union" ? "union" : "struct");
      return {
        kind,
        name: name.image,
        nameLoc: this.loc(name),
        loc: this.loc(name),
        ...withDoc,
        annotations: this.annotations(node(sc, "annotations")),
        program,
        fields,
        xsdAll: tok(sc, "XsdAll") !== undefined,
      };
    }
    const sv = node(dc, "serviceDef");
    if (sv) {
      const sc = sv.children as Children;
      const name = tok(sc, "name");
      if (!name) return undefined;
      this.declaredName(name);
      const parent = tok(sc, "parent");
      const functions = nodes(sc, "functionDef")
        .map((f) => this.functionDef(f))
        .filter((f): f is FunctionDef => f !== undefined);
      return {
        kind: "service",
        name: name.image,
        nameLoc: this.loc(name),
        loc: this.loc(name),
        ...withDoc,
        annotations: this.annotations(node(sc, "annotations")),
        program,
        ...(parent && { extends: { name: parent.image, loc: this.loc(parent) } }),
        functions,
      };
    }
    return undefined;
  }

  private declaredName(t: IToken): void {
    if (t.image.includes(".")) this.ctx.diagnostics.error(`the name '${t.image}' cannot contain a dot`, this.loc(t));
  }

  private enumDef(en: CstNode, program: Program, doc: string | undefined): Definition | undefined {
    const ec = en.children as Children;
    const name = tok(ec, "name");
    if (!name) return undefined;
    this.declaredName(name);
    const members: EnumMember[] = [];
    let next = 0;
    for (const v of nodes(ec, "enumValue")) {
      const vc = v.children as Children;
      const vname = tok(vc, "name");
      if (!vname) continue;
      const intTok = tok(vc, "value");
      let value: number;
      let explicit = false;
      if (intTok) {
        const parsed = this.intConstant(intTok);
        if (parsed === undefined) continue;
        explicit = true;
        if (parsed < BigInt(INT32_MIN) || parsed > BigInt(INT32_MAX)) {
          this.ctx.diagnostics.error(`enum value ${name.image}.${vname.image} = ${parsed} does not fit in 32 bits`, this.loc(intTok));
          value = 0;
        } else {
          value = Number(parsed);
        }
      } else {
        this.declaredName(vname);
        if (next > INT32_MAX) {
          this.ctx.diagnostics.error(`enum value ${name.image}.${vname.image} would be ${next}, which does not fit in 32 bits`, this.loc(vname));
        }
        value = next;
      }
      next = value + 1;
      const vdoc = this.docFor(v);
      members.push({
        name: vname.image,
        nameLoc: this.loc(vname),
        value,
        explicit,
        ...(vdoc !== undefined && { doc: vdoc }),
        annotations: this.annotations(node(vc, "annotations")),
      });
    }
    return {
      kind: "enum",
      name: name.image,
      nameLoc: this.loc(name),
      loc: this.loc(name),
      ...(doc !== undefined && { doc }),
      annotations: this.annotations(node(ec, "annotations")),
      program,
      members,
    };
  }

  private functionDef(f: CstNode): FunctionDef | undefined {
    const fc = f.children as Children;
    const name = tok(fc, "name");
    if (!name) return undefined;
    this.declaredName(name);
    const onewayTok = tok(fc, "oneway");
    if (onewayTok?.image === "async") this.ctx.diagnostics.warning("'async' is deprecated; use 'oneway'", this.loc(onewayTok));
    const returnNode = node(fc, "fieldType");
    const returnType = returnNode ? this.fieldType(returnNode) : undefined;
    if (returnNode && !returnType) return undefined;
    const params = this.fieldList(nodes(fc, "param"), "args");
    let throws: Field[] = [];
    const th = node(fc, "throwsClause");
    if (th) {
      const thc = th.children as Children;
      const bare = tokens(thc, "bareException");
      if (bare.length) {
        throws = bare.map((t, i) => ({
          name: bare.length === 1 ? "e" : `e${i + 1}`,
          nameLoc: this.loc(t),
          loc: this.loc(t),
          id: i + 1,
          idAssigned: false,
          requiredness: "default" as Requiredness,
          type: { kind: "named", name: t.image, loc: this.loc(t), annotations: [] },
          annotations: [],
          reference: false,
          xsdOptional: false,
          xsdNillable: false,
        }));
      } else {
        throws = this.fieldList(nodes(thc, "field"), "throws");
      }
    }
    const doc = this.docFor(f);
    return {
      name: name.image,
      nameLoc: this.loc(name),
      loc: this.loc(name),
      oneway: onewayTok !== undefined,
      ...(returnType && { returnType }),
      params,
      throws,
      ...(doc !== undefined && { doc }),
      annotations: this.annotations(node(fc, "annotations")),
    };
  }

  /** Builds a field list, assigning -1, -2, ... to fields without a usable id, per list, as Apache does. */
  private fieldList(fieldNodes: CstNode[], context: "struct" | "union" | "args" | "throws"): Field[] {
    const fields: Field[] = [];
    let nextAuto = -1;
    for (const f of fieldNodes) {
      const field = this.field(f, context);
      if (!field) continue;
      if (field.idAssigned) field.id = nextAuto--;
      fields.push(field);
    }
    return fields;
  }

  private field(f: CstNode, context: "struct" | "union" | "args" | "throws"): Field | undefined {
    const fc = f.children as Children;
    const nameNode = node(fc, "fieldName");
    const nameTok = nameNode ? tok(nameNode.children as Children, "name") : undefined;
    const type = this.fieldType(node(fc, "fieldType"));
    if (!nameTok || !type) return undefined;
    this.declaredName(nameTok);
    const nameLoc = this.loc(nameTok);
    const idTok = tok(fc, "id");
    let id = 0;
    let idAssigned = true;
    if (idTok) {
      const parsed = this.intConstant(idTok);
      const idLoc = this.loc(idTok);
      if (parsed !== undefined && parsed > 0n) {
        id = Number(parsed);
        idAssigned = false;
        if (parsed > 32767n) this.ctx.diagnostics.warning(`field id ${parsed} of '${nameTok.image}' is outside the 16-bit range`, idLoc);
      } else if (parsed !== undefined) {
        this.ctx.diagnostics.warning(`field id ${parsed} of '${nameTok.image}' is not positive; an id is assigned automatically`, idLoc);
      }
    } else {
      this.ctx.diagnostics.warning(`no field id given for '${nameTok.image}'; an id is assigned automatically, which is not backwards compatible`, nameLoc);
    }
    const reqTok = tok(fc, "requiredness");
    let requiredness: Requiredness = reqTok ? (reqTok.image as Requiredness) : "default";
    if (context === "args" && requiredness === "optional") {
      this.ctx.diagnostics.warning("'optional' is ignored in argument lists", this.loc(reqTok!));
      requiredness = "default";
    }
    if (context === "union" && requiredness === "required") {
      this.ctx.diagnostics.warning(`union field '${nameTok.image}' cannot be required; it is treated as optional`, this.loc(reqTok!));
      requiredness = "optional";
    } else if (context === "union") {
      requiredness = "optional";
    }
    const valueNode = node(fc, "constValue");
    const defaultValue = valueNode ? this.constValue(valueNode) : undefined;
    const xsdAttrNodes = nodes(fc, "xsdAttr");
    const doc = this.docFor(f);
    return {
      name: nameTok.image,
      nameLoc,
      loc: this.nodeLoc(f),
      id,
      idAssigned,
      requiredness,
      type,
      ...(defaultValue && { defaultValue }),
      ...(doc !== undefined && { doc }),
      annotations: this.annotations(node(fc, "annotations")),
      reference: tok(fc, "Ampersand") !== undefined,
      xsdOptional: tok(fc, "XsdOptional") !== undefined,
      xsdNillable: tok(fc, "XsdNillable") !== undefined,
      ...(xsdAttrNodes.length > 0 && { xsdAttrs: this.fieldList(xsdAttrNodes, "struct") }),
    };
  }

  private fieldType(n: CstNode | undefined): TypeRef | undefined {
    if (!n) return undefined;
    const c = n.children as Children;
    const named = tok(c, "named");
    if (named) {
      const args = nodes(c, "typeArg");
      if (!args.length) return { kind: "named", name: named.image, loc: this.loc(named), annotations: [] };
      // fbthrift's generics (`hash_map<...>`) have their own error from the foreign syntax scan.
      if (!foreignGenerics.has(named.image)) {
        const suggestion = this.ctx.diagnostics.suggester.didYouMean(named.image, CONTAINERS);
        this.ctx.diagnostics.error(
          suggestion ? `unknown type '${named.image}'${suggestion}` : `'${named.image}<...>' is not a type: only list, set and map take type arguments`,
          this.loc(named),
        );
      }
      const typeArgs = args.map((a) => this.fieldType(a)).filter((a): a is TypeRef => a !== undefined);
      return { kind: "named", name: named.image, loc: this.loc(named), annotations: [], typeArgs };
    }
    const name = tok(c, "base");
    if (name) {
      if (name.image === "byte") this.ctx.diagnostics.warning("'byte' is deprecated; use 'i8'", this.loc(name));
      return { kind: "base", name: name.image as BaseTypeName, loc: this.loc(name), annotations: this.annotations(node(c, "annotations")) };
    }
    const container = node(c, "containerType");
    if (!container) return undefined;
    const cc = container.children as Children;
    const kw = tok(cc, "container");
    if (!kw) return undefined;
    const loc = this.loc(kw);
    const annotations = this.annotations(node(cc, "annotations"));
    const cppTypeNode = node(cc, "cppType", 1) ?? node(cc, "cppType");
    const cppTok = cppTypeNode ? tok(cppTypeNode.children as Children, "StringLiteral") : undefined;
    const cpp = cppTok ? { cppType: this.string(cppTok) } : {};
    if (kw.image === "map") {
      const key = this.fieldType(node(cc, "keyType"));
      const value = this.fieldType(node(cc, "valueType"));
      if (!key || !value) return undefined;
      return { kind: "map", key, value, loc, annotations, ...cpp };
    }
    const elem = this.fieldType(node(cc, "elemType"));
    if (!elem) return undefined;
    if (kw.image === "list" && elem.kind === "base" && elem.name === "byte") {
      this.ctx.diagnostics.warning("consider 'binary' instead of 'list<byte>'", loc);
    }
    return { kind: kw.image === "set" ? "set" : "list", elem, loc, annotations, ...cpp };
  }

  private annotations(n: CstNode | undefined): Annotation[] {
    if (!n) return [];
    const out: Annotation[] = [];
    for (const a of nodes(n.children as Children, "annotation")) {
      const ac = a.children as Children;
      const key = tok(ac, "key");
      if (!key) continue;
      const value = tok(ac, "value");
      out.push({ key: key.image, value: value ? this.string(value) : "1", loc: this.loc(key) });
    }
    return out;
  }

  private intConstant(t: IToken): bigint | undefined {
    if (t.image === "true") return 1n;
    if (t.image === "false") return 0n;
    const negative = t.image.startsWith("-");
    const digits = t.image.replace(/^[+-]/, "");
    const magnitude = BigInt(digits);
    const value = negative ? -magnitude : magnitude;
    if (value < INT64_MIN || value > INT64_MAX) {
      this.ctx.diagnostics.error(`integer constant ${t.image} is too big: it does not fit in 64 bits`, this.loc(t));
      return undefined;
    }
    return value;
  }

  private constValue(n: CstNode | undefined): ConstValue | undefined {
    if (!n) return undefined;
    const c = n.children as Children;
    const int = tok(c, "int");
    if (int) {
      const value = this.intConstant(int);
      return value === undefined ? undefined : { kind: "int", value, loc: this.loc(int) };
    }
    const d = tok(c, "double");
    if (d) return { kind: "double", value: Number(d.image), loc: this.loc(d) };
    const s = tok(c, "string");
    if (s) return { kind: "string", value: this.string(s), loc: this.loc(s) };
    const id = tok(c, "identifier");
    if (id) return { kind: "identifier", name: id.image, loc: this.loc(id) };
    const list = node(c, "constList");
    if (list) {
      const items = nodes(list.children as Children, "item")
        .map((i) => this.constValue(i))
        .filter((v): v is ConstValue => v !== undefined);
      return { kind: "list", items, loc: this.nodeLoc(list) };
    }
    const map = node(c, "constMap");
    if (map) {
      const mc = map.children as Children;
      const keys = nodes(mc, "key");
      const values = nodes(mc, "value");
      const entries: [ConstValue, ConstValue][] = [];
      for (let i = 0; i < keys.length; i++) {
        const k = this.constValue(keys[i]);
        const v = this.constValue(values[i]);
        if (k && v) entries.push([k, v]);
      }
      return { kind: "map", entries, loc: this.nodeLoc(map) };
    }
    return undefined;
  }

  /** Unescapes a string literal; only the escapes Apache's lexer allows are accepted. */
  private string(t: IToken): string {
    const raw = t.image.slice(1, -1);
    if (!raw.includes("\\")) return raw;
    let out = "";
    for (let i = 0; i < raw.length; i++) {
      const ch = raw[i]!;
      if (ch !== "\\") {
        out += ch;
        continue;
      }
      const e = raw[++i] ?? "";
      const mapped = ({ n: "\n", r: "\r", t: "\t", '"': '"', "'": "'", "\\": "\\" } as Record<string, string>)[e];
      if (mapped === undefined) {
        this.ctx.diagnostics.error(
          `bad escape character '\\${e}' in string literal; allowed escapes are \\n \\r \\t \\" \\' \\\\`,
          this.ctx.source.location(t.startOffset + i, 2),
        );
        out += e;
      } else {
        out += mapped;
      }
    }
    return out;
  }
}

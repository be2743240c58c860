/**
 * Doc shapes for the statements and expressions generated code uses, each laid out the way prettier
 * lays out the same construct (so generated files need no formatting pass).
 */
import { breakParent, conditionalGroup, willBreak, group, hardline, ifBreak, indent, indentIfBreak, join, line, lines, softline, type Doc } from "./doc.js";
import { typeDoc, unionMembers } from "./type-doc.js";

export function block(statements: readonly Doc[]): Doc {
  if (statements.length === 0) return "{}";
  return ["{", indent([hardline, statementLines(statements)]), hardline, "}"];
}

/** Statements one per line: `join(hardline, statements)`, with each run of plain strings as one `lines` node. */
function statementLines(statements: readonly Doc[]): Doc {
  const out: Doc[] = [];
  let run: string[] = [];
  const flush = (): void => {
    if (run.length) out.push(out.length ? [hardline, lines(run)] : lines(run));
    run = [];
  };
  for (const st of statements) {
    if (typeof st === "string") {
      run.push(st);
      continue;
    }
    flush();
    out.push(out.length ? [hardline, st] : st);
  }
  flush();
  return out;
}

/** Class or object body whose members are separated by blank lines. */
export function spacedBody(members: readonly Doc[]): Doc {
  if (members.length === 0) return "{}";
  return ["{", indent([hardline, join([hardline, hardline], members)]), hardline, "}"];
}

/**
 * A call used as a statement (`w.writeI32(v.x);`). When its text is short it is a plain string: at
 * the indentation generated code reaches (well under 30 columns) it can never need breaking, and
 * strings cost the printer far less than groups.
 */
export function callStatement(callee: string, args: readonly string[]): Doc {
  const text = `${callee}(${args.join(", ")});`;
  return text.length <= 48 ? text : [call(callee, args), ";"];
}

/** `callee(a, b)`, breaking its arguments one per line (trailing comma) when too long. */
export function call(callee: Doc, args: readonly Doc[]): Doc {
  if (args.length === 0) return [callee, "()"];
  return [callee, group(["(", indent([softline, join([",", line], args)]), ifBreak(","), softline, ")"])];
}

/**
 * `callee(arg)` where the sole argument is an object or array literal: hugged (`f([` ... `])`) when
 * its first line fits, otherwise the argument goes on its own lines, as prettier does.
 */
export function huggedCall(callee: Doc, arg: Doc): Doc {
  return [
    callee,
    // A forced break inside the argument still breaks the groups around the call.
    willBreak(arg) ? breakParent : "",
    conditionalGroup([
      ["(", arg, ")"],
      ["(", group(arg, true), ")"],
      group(["(", indent([line, arg]), ",", line, ")"], true),
    ]),
  ];
}

/** `name(a: A, b: B): R` — a method or function signature; parameters break one per line. */
export function signature(name: string, params: readonly Doc[], returns: string | undefined): Doc {
  const ret: Doc = returns === undefined ? "" : [": ", typeDoc(returns)];
  if (params.length === 0) return [name, "()", ret];
  return group([name, "(", indent([softline, join([",", line], params)]), ifBreak(","), softline, ")", ret]);
}

/** A method with a body. */
export function method(name: string, params: readonly Doc[], returns: string | undefined, body: readonly Doc[]): Doc {
  return [signature(name, params, returns), " ", block(body)];
}

/** `test ? a : b`, breaking before `?` and `:` when too long. */
export function ternary(test: Doc, whenTrue: Doc, whenFalse: Doc): Doc {
  // Branches are aligned past the "? " / ": " markers.
  return group([test, indent([line, "? ", indent(whenTrue), line, ": ", indent(whenFalse)])]);
}

/** `left ?? right`, breaking after the operator. */
export function nullish(left: Doc, right: Doc): Doc {
  return group([left, " ??", line, right]);
}

/**
 * Expressions after which prettier prefers to break right after the `:` / `=` rather than inside:
 * binary and logical expressions, ternaries with a binary test, and string literals.
 */
export type RightSide = {
  doc: Doc;
  layout: "fluid" | "break-after-operator" | "break-lhs";
  /** A binary or ternary expression: breaks after the operator even after a short key. */
  binary?: boolean;
};

export function rhs(doc: Doc, breakAfterOperator = false): RightSide {
  return { doc, layout: breakAfterOperator ? "break-after-operator" : "fluid" };
}

/** A `??` or ternary right-hand side. */
export function binaryRhs(doc: Doc): RightSide {
  return { doc, layout: "break-after-operator", binary: true };
}

/**
 * `left op right` as prettier's printAssignment lays it out: "break-after-operator" (the right side
 * moves to the next line as a whole when it does not fit) or "fluid" (the left side breaks first if
 * it alone is too long; then the right side stays on the line if its first segment fits, else moves
 * to the next line, indented).
 */
export function assignment(left: Doc, op: string, value: RightSide): Doc {
  if (value.layout === "break-after-operator") return group([group(left), op, group(indent([line, value.doc]))]);
  if (value.layout === "break-lhs") return group([group(left), op, " ", value.doc]);
  const id = Symbol("assignment");
  return group([group(left), op, group(indent(line), false, id), indentIfBreak(value.doc, id)]);
}

/**
 * `key: value` inside an object literal. Prettier never moves a value to the next line after a key
 * shorter than five columns (too little to gain), except a binary or ternary value.
 */
export function property(key: string, value: RightSide): Doc {
  if (key.length < 5 && !value.binary) return [key, ": ", value.doc];
  return assignment(key, ":", value);
}

/** `const name = value;` (or let). */
export function declaration(keyword: string, name: Doc, value: RightSide): Doc {
  return [assignment([keyword, " ", name], " =", value), ";"];
}

/**
 * A union type annotation, after `name:`: a long union moves to the next line as a whole, or, if still
 * too long, one `| member` per line (a member that breaks itself is aligned past its `| `).
 */
export function unionAnnotation(types: readonly string[]): Doc {
  const members = types.flatMap(unionMembers);
  return group(indent([line, group([ifBreak("| "), join([line, "| "], members.map((m) => indent(typeDoc(m))))])]));
}

/** `let name: A | B;` */
export function letUnion(name: string, members: readonly string[]): Doc {
  return group(["let ", name, ":", unionAnnotation(members), ";"]);
}

/** `name = value;` */
export function assign(target: string, value: Doc): Doc {
  return [assignment(target, " =", rhs(value)), ";"];
}

/** `if (test) { ... }` */
export function ifBlock(test: string, body: readonly Doc[]): Doc {
  return [`if (${test}) `, block(body)];
}

export function objectLiteral(props: readonly Doc[]): Doc {
  if (props.length === 0) return "{}";
  return group(["{", indent([line, join([",", line], props)]), ifBreak(","), line, "}"]);
}

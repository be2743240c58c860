/**
 * The IDL corpus (../shared/corpus, see thrift-notes.md §1.11), compiled in-process:
 *
 * - every Apache Thrift test IDL compiles with no errors;
 * - every real-world file the official compiler (0.17) accepted compiles with no errors, except the
 *   deliberate differences listed below;
 * - every file it rejected for a genuine error is rejected by rpcgen too, at the same line (within
 *   Apache's look-ahead, see `officialLineMatches`);
 * - fbthrift-dialect files are rejected; files 0.17 rejected only for its reserved-word check or for
 *   `uuid` are accepted, because rpcgen follows 0.18+, which dropped the one and added the other.
 */
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { expect, test } from "vitest";
import { compile, type CompileResult } from "../../compiler/index.js";
import { APACHE_CORPUS as apacheDir, available, corpus, describeWith, REAL_WORLD_CORPUS as realWorld } from "../support/environment.js";

const describe = describeWith([corpus]);

/** One row of real-world/MANIFEST.tsv, by column name. */
interface Row {
  /** Path relative to real-world/ (the `stored` column; `path` is relative to the upstream repository). */
  file: string;
  officialOk: boolean;
  officialError: string;
  includeDirs: string[];
  failureClass: string;
}

function readManifest(): Row[] {
  const [header, ...lines] = readFileSync(join(realWorld, "MANIFEST.tsv"), "utf8").trimEnd().split("\n");
  const columns = header!.split("\t");
  const col = (cells: string[], name: string): string => {
    const i = columns.indexOf(name);
    if (i < 0) throw new Error(`MANIFEST.tsv has no column '${name}'`);
    return cells[i] ?? "";
  };
  return lines.map((line) => {
    const cells = line.split("\t");
    const file = col(cells, "stored");
    return {
      file,
      officialOk: col(cells, "official_ok") === "y",
      officialError: col(cells, "official_error"),
      includeDirs: col(cells, "include_dirs")
        .split(";")
        .filter(Boolean)
        .map((d) => (d === "<dir of file>" ? dirname(join(realWorld, file)) : join(realWorld, d))),
      failureClass: col(cells, "failure_class"),
    };
  });
}

const rows = available([corpus]) ? readManifest() : [];

/** Errors as `file:line:col: message`, file relative to real-world/. */
function errorsOf(r: CompileResult): string[] {
  return r.diagnostics
    .filter((d) => d.severity === "error")
    .map((d) => (d.loc ? `${relative(realWorld, d.loc.file)}:${d.loc.line}:${d.loc.column}: ${d.message}` : d.message));
}

function compileRow(row: Row): CompileResult {
  return compile({ files: [join(realWorld, row.file)], includeDirs: row.includeDirs });
}

const CK = "creditkarma-thrift-typescript/src/tests";

/**
 * Deliberate differences from the official compiler: files it accepts that rpcgen rejects. Each entry
 * gives the reason and every error rpcgen reports, so the difference stays exactly this one.
 */
const deliberateDifferences: Record<string, { reason: string; errors: string[] }> = {
  // Includes "shared.thrift", which is not next to it (it is one directory up) and the manifest gives
  // no -I for it. Apache 0.17 only warns about a missing include and then never resolves the types
  // that need it, since the js generator does not ask. A missing include is an error in rpcgen (one:
  // the names it would have defined are not reported again).
  [`${CK}/integration/thrift/common/common.thrift`]: {
    reason: "include of a file that does not exist",
    errors: [
      `${CK}/integration/thrift/common/common.thrift:4:9: cannot find included file 'shared.thrift' (looked in: ${realWorld}/${CK}/integration/thrift/common)`,
    ],
  },
  // `typedef shared.SHARED_INT COMMON_INT`: a constant used as a type. Apache resolves typedef targets
  // lazily, only when a generator asks, and this typedef is never used, so it never notices.
  [`${CK}/unit/fixtures/thrift/common.thrift`]: {
    reason: "a constant used as a type",
    errors: [`${CK}/unit/fixtures/thrift/common.thrift:19:9: 'shared.SHARED_INT' is a constant, not a type`],
  },
  // Includes the common.thrift above.
  [`${CK}/unit/fixtures/thrift/calculator.thrift`]: {
    reason: "includes unit/fixtures/thrift/common.thrift (a constant used as a type)",
    errors: [`${CK}/unit/fixtures/thrift/common.thrift:19:9: 'shared.SHARED_INT' is a constant, not a type`],
  },
  // 0.17 rejects this one only for its reserved-word check ("throw"), which rpcgen does not have; but it
  // includes common/common.thrift, which (with this row's -I) finds shared.thrift and then has the
  // same `typedef shared.SHARED_INT` as above.
  [`${CK}/integration/thrift/calculator.thrift`]: {
    reason: "includes integration/thrift/common/common.thrift (a constant used as a type)",
    errors: [`${CK}/integration/thrift/common/common.thrift:8:9: 'shared.SHARED_INT' is a constant, not a type`],
  },
};

/** `ERROR dir/file.thrift:33: ...` or `FAILURE dir/file.thrift:71: error: ...` → file and line. */
function officialLocation(officialError: string): { file: string; line: number } | undefined {
  const m = /(\S+\.thrift):(\d+):/.exec(officialError);
  return m ? { file: m[1]!, line: Number(m[2]) } : undefined;
}

/**
 * Apache reports a semantic error when its parser reduces the enclosing rule, at the line of its
 * look-ahead token, which can be a few lines past the construct at fault (the next field or definition,
 * after comments). rpcgen points at the construct itself. So an rpcgen error at line L matches an
 * official line O when L <= O <= L + 3.
 */
function officialLineMatches(rpcgenLine: number, officialLine: number): boolean {
  return rpcgenLine <= officialLine && officialLine <= rpcgenLine + 3;
}

describe("Apache Thrift test IDLs", () => {
  const files = readdirSync(apacheDir).filter((f) => f.endsWith(".thrift")).sort();

  test("the set is there", () => {
    expect(files).toContain("ThriftTest.thrift");
    expect(files.length).toBeGreaterThanOrEqual(12);
  });

  test.each(files)("%s compiles with no errors", (file) => {
    const r = compile({ files: [join(apacheDir, file)] });
    expect(errorsOf(r)).toEqual([]);
    expect(r.roots[0]!.definitions.length).toBeGreaterThan(0);
  });
});

describe("real-world IDLs", () => {
  test("the manifest is read", () => {
    expect(rows.length).toBeGreaterThan(150);
    for (const row of rows) expect(existsSync(join(realWorld, row.file)), row.file).toBe(true);
    // Every deliberate difference names a row.
    for (const file of Object.keys(deliberateDifferences)) expect(rows.map((r) => r.file)).toContain(file);
  });

  const accepted = rows.filter((r) => r.officialOk && !(r.file in deliberateDifferences));
  test.each(accepted.map((r) => [r.file, r] as const))("accepted by Apache, accepted here: %s", (_file, row) => {
    expect(errorsOf(compileRow(row))).toEqual([]);
  });

  const differences = rows.filter((r) => r.file in deliberateDifferences);
  test.each(differences.map((r) => [r.file, r] as const))("deliberate difference: %s", (_file, row) => {
    expect(errorsOf(compileRow(row))).toEqual(deliberateDifferences[row.file]!.errors);
  });

  const rejected = rows.filter((r) => !r.officialOk);
  const isDialect = (r: Row): boolean => r.failureClass.startsWith("fbthrift-dialect");
  const isNewerRule = (r: Row): boolean => r.failureClass.startsWith("reserved-keyword") || r.failureClass.startsWith("uuid-type");

  test.each(rejected.filter(isDialect).map((r) => [r.file, r] as const))("fbthrift dialect, rejected: %s", (_file, row) => {
    expect(errorsOf(compileRow(row)).length).toBeGreaterThan(0);
  });

  // 0.17's reserved-word check and its lack of uuid are gone in 0.18+, which rpcgen follows.
  test.each(rejected.filter((r) => isNewerRule(r) && !(r.file in deliberateDifferences)).map((r) => [r.file, r] as const))(
    "rejected by 0.17 only for a rule 0.18+ dropped, accepted here: %s",
    (_file, row) => {
      expect(errorsOf(compileRow(row))).toEqual([]);
    },
  );

  const genuine = rejected.filter((r) => !isDialect(r) && !isNewerRule(r));
  test("the genuine rejections are all located", () => {
    expect(genuine.length).toBeGreaterThanOrEqual(8);
    for (const row of genuine) expect(officialLocation(row.officialError), row.officialError).toBeDefined();
  });

  test.each(genuine.map((r) => [r.file, r] as const))("rejected by Apache at its line, rejected here: %s", (_file, row) => {
    const official = officialLocation(row.officialError)!;
    const r = compileRow(row);
    const errs = r.diagnostics.filter((d) => d.severity === "error" && d.loc);
    const inFile = errs.filter((d) => relative(realWorld, d.loc!.file) === official.file);
    const lines = inFile.map((d) => d.loc!.line);
    expect(
      lines.some((l) => officialLineMatches(l, official.line)),
      `official: ${row.officialError}\nrpcgen:\n${errorsOf(r).join("\n")}`,
    ).toBe(true);
  });
});

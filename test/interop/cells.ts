/** What the interop tests share: implementations by name, and running named cells of the matrix. */
import { expect } from "vitest";
import { IMPLEMENTATIONS, cellName, cells, runMatrix, table, type Implementation } from "../../scripts/interop-matrix.js";

export function impl(name: string): Implementation {
  const i = IMPLEMENTATIONS.find((x) => x.name === name);
  if (!i) throw new Error(`no implementation ${name}`);
  return i;
}

/**
 * Runs the named cells among `peers` (rpcgen is always one) with the matrix's own runner, expects every
 * one to pass (a failure shows both sides' output), and returns their table.
 */
export async function expectCellsPass(peers: readonly string[], wanted: readonly string[]): Promise<string> {
  const selected = cells(["rpcgen", ...peers].map(impl), { only: new RegExp(`^(${wanted.join("|")})$`) });
  expect(selected.map(cellName).sort()).toEqual([...wanted].sort());
  const results = await runMatrix(selected, 2, { startupMs: 10_000, clientMs: 30_000, stopMs: 2_000 });
  for (const r of results) {
    expect({ cell: cellName(r.cell), problems: r.problems, out: r.ok ? "" : r.clientOutput + r.serverOutput }).toEqual({
      cell: cellName(r.cell),
      problems: [],
      out: "",
    });
  }
  return table(results);
}

/**
 * The interop matrix runner (scripts/interop-matrix.ts): cell selection, the table, and a few real
 * cells between Apache's Python and Node.js peers (the whole matrix is `node dist/scripts/interop-matrix.js`).
 */
import { resolve } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { IMPLEMENTATIONS, cellName, cells, runMatrix, table, type Implementation } from "../../scripts/interop-matrix.js";
import { ROOT, run } from "../codec/peers.js";
import { DEB_PY, describeWith, nodeThrift, pythonPeer } from "../support/environment.js";

const impl = (name: string): Implementation => {
  const i = IMPLEMENTATIONS.find((x) => x.name === name);
  if (!i) throw new Error(`no implementation ${name}`);
  return i;
};

describe("interop matrix: cells", () => {
  it("every server x client x shared protocol, transport and socket", () => {
    const all = cells([impl("py"), impl("node")], {});
    // ip and domain for every pair; ip-ssl (TLS) for py with itself (the node peer has no --ssl).
    expect(all.length).toBe(2 * 2 * 6 * 2 * 2 + 6 * 2);
    expect(new Set(all.map(cellName)).size).toBe(all.length);
    expect(all.map(cellName)).toContain("py-node_multij_framed-domain");
    expect(all.map(cellName)).toContain("py-py_multij_framed-ip-ssl");
  });

  it("filters by side, protocol, transport, socket and name", () => {
    const some = cells([impl("py"), impl("node")], { server: ["node"], client: ["py"], protocol: ["json", "compact"], transport: ["framed"], socket: ["ip"] });
    expect(some.map(cellName)).toEqual(["node-py_compact_framed-ip", "node-py_json_framed-ip"]);
    expect(cells([impl("py"), impl("node")], { only: /^py-py_multi_/ }).map(cellName)).toEqual([
      "py-py_multi_buffered-ip",
      "py-py_multi_buffered-domain",
      "py-py_multi_buffered-ip-ssl",
      "py-py_multi_framed-ip",
      "py-py_multi_framed-domain",
      "py-py_multi_framed-ip-ssl",
    ]);
    expect(cells([impl("py"), impl("node")], { socket: ["ip-ssl"], protocol: ["compact"] }).map(cellName)).toEqual(["py-py_compact_buffered-ip-ssl", "py-py_compact_framed-ip-ssl"]);
  });

  it("only protocols both sides support", () => {
    const narrow: Implementation = { ...impl("py"), name: "narrow", protocols: ["binary"], sockets: ["ip"] };
    expect(cells([narrow, impl("node")], { server: ["narrow"] }).map(cellName)).toEqual([
      "narrow-narrow_binary_buffered-ip",
      "narrow-narrow_binary_framed-ip",
      "narrow-node_binary_buffered-ip",
      "narrow-node_binary_framed-ip",
    ]);
  });
});

describeWith([...pythonPeer, nodeThrift])("interop matrix: real cells (Apache Python 0.17 and Node.js 0.17 peers)", () => {
  beforeAll(async () => {
    await run(resolve(ROOT, "scripts/gen-peer-code"), []);
  }, 120_000);

  it("pass, and the table shows them", async () => {
    const selected = cells([impl("py"), impl("node")], { only: /^(py-node_json_framed-ip|node-py_multic_buffered-domain)$/ });
    expect(selected.length).toBe(2);
    const results = await runMatrix(selected, 2, { startupMs: 10_000, clientMs: 30_000, stopMs: 2_000 });
    for (const r of results) expect({ cell: cellName(r.cell), problems: r.problems, out: r.ok ? "" : r.clientOutput + r.serverOutput }).toEqual({ cell: cellName(r.cell), problems: [], out: "" });
    const t = table(results);
    expect(t).toMatch(/\| py +\| node +\| ip +\|/);
    expect(t).toMatch(/json\/framed/);
  }, 60_000);

  it("a client that fails reports its bitmask; a server that never answers fails its cell in bounded time", async () => {
    // A "server" that accepts connections and never replies: the client gives up after its timeout.
    const hang: Implementation = {
      ...impl("py"),
      name: "hang",
      server: [DEB_PY, "-c", "import socket,sys,time\nport=int([a for a in sys.argv if a.startswith('--port=')][0][7:])\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1', port)); s.listen(8)\nc=[]\nwhile True: c.append(s.accept())"],
      sockets: ["ip"],
    };
    const client: Implementation = { ...impl("py"), client: [...impl("py").client, "--timeout=1"] };
    const selected = cells([hang, client], { server: ["hang"], client: ["py"], protocol: ["binary"], transport: ["framed"] });
    expect(selected.length).toBe(1);
    const t0 = performance.now();
    const [r] = await runMatrix(selected, 1, { startupMs: 10_000, clientMs: 20_000, stopMs: 2_000 });
    expect(performance.now() - t0).toBeLessThan(15_000);
    expect(r!.ok).toBe(false);
    expect(r!.status).toMatch(/^exit \d+$/);
    expect(r!.problems[0]).toMatch(/client exit \d+ \(.*base types/);
  }, 60_000);
});

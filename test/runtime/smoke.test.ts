import { expect, test } from "vitest";
import { connect, createClient, createServer, CompactProtocol } from "../../runtime/index.js";
import { Calc, InvalidOperation } from "../../generated/calc.js";

test("smoke", async () => {
  for (const transport of ["framed", "buffered"] as const) {
    for (const protocol of [undefined, CompactProtocol]) {
      const server = createServer(Calc, { divide: (a, b) => { if (b === 0) throw new InvalidOperation({ message: "zero" }); return a / b; } }, { transport, protocol });
      const addr = await server.listen(0, "127.0.0.1");
      if (!("port" in addr)) throw new Error();
      const conn = await connect({ host: "127.0.0.1", port: addr.port }, { transport, protocol });
      const calc = createClient(Calc, conn);
      expect(await calc.divide(100, 10)).toBe(10);
      expect(await calc.divide(200)).toBe(200);
      await expect(calc.divide(1, 0)).rejects.toBeInstanceOf(InvalidOperation);
      const many = await Promise.all(Array.from({ length: 1000 }, (_, i) => calc.divide(i, 1)));
      expect(many[999]).toBe(999);
      await conn.close();
      await server.close();
    }
  }
});

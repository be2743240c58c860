/**
 * A Calc server: serves the Calc service of idl/calc.idl over TCP (framed binary, the Thrift default).
 *
 *   node dist/examples/calc/server.js [--host 127.0.0.1] [--port 9090]
 *
 * Prints `calc server listening on HOST:PORT` once it accepts connections (`--port 0` picks a free
 * port). SIGTERM or SIGINT (Ctrl-C) stops it gracefully: calls in flight finish, then it exits 0.
 */
import { parseArgs } from "node:util";
import { createServer } from "rpcgen/runtime";
import { Calc, InvalidOperation, type CalcHandler } from "../../generated/calc.js";

const { values } = parseArgs({
  options: { host: { type: "string", default: "127.0.0.1" }, port: { type: "string", default: "9090" } },
});

const handler: CalcHandler = {
  divide(num1, num2) {
    if (num2 === 0) throw new InvalidOperation({ message: `cannot divide ${num1} by zero` });
    return num1 / num2;
  },
};

const server = createServer(Calc, handler, {
  // Undeclared errors reach this hook; the client only gets "Internal error".
  logger: (event) => console.error("calc server:", event),
});
const address = await server.listen(Number(values.port), values.host);
if ("port" in address) console.log(`calc server listening on ${address.host}:${address.port}`);
server.closeOnSignals(["SIGTERM", "SIGINT"], () => console.log("calc server stopped"));

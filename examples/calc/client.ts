/**
 * A Calc client: connects to a Calc server and makes three calls.
 *
 *   node dist/examples/calc/client.js [--host 127.0.0.1] [--port 9090]
 */
import { parseArgs } from "node:util";
import { connect, createClient } from "rpcgen/runtime";
import { Calc, InvalidOperation } from "../../generated/calc.js";

const { values } = parseArgs({
  options: { host: { type: "string", default: "127.0.0.1" }, port: { type: "string", default: "9090" } },
});

const connection = await connect({ host: values.host, port: Number(values.port) }, { timeoutMs: 5000 });
const calc = createClient(Calc, connection);
try {
  console.log(`divide(100, 10) = ${await calc.divide(100, 10)}`);
  console.log(`divide(200) = ${await calc.divide(200)}`); // num2 defaults to 1 (IDL default)
  try {
    await calc.divide(100, 0);
  } catch (error) {
    if (!(error instanceof InvalidOperation)) throw error;
    console.log(`divide(100, 0) -> InvalidOperation: ${error.message}`);
  }
} finally {
  await connection.close();
}

import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

export default defineConfig({
  resolve: {
    // Generated code imports the runtime by its package name, as users' code does.
    alias: { "rpcgen/runtime": fileURLToPath(new URL("./runtime/index.ts", import.meta.url)) },
  },
  test: {
    include: ["test/**/*.test.ts", "compiler/**/*.test.ts", "runtime/**/*.test.ts"],
    testTimeout: 20_000,
    pool: "forks",
    // The default output, then what was skipped for want of the corpus or the peers, and why.
    reporters: ["default", "./test/support/skip-reporter.ts"],
  },
});

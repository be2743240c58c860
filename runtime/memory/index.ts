/** The in-memory transport: calls to services in the same process, encoded and decoded for real. */
export { createInMemoryChannel, InMemoryChannel } from "./client.js";
export type { InMemoryOptions } from "./options.js";

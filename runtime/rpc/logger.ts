/** The logger servers use when none is given: one line per event on stderr. */
import type { ServerEvent } from "./processor.js";

export function defaultLogger(event: ServerEvent): void {
  switch (event.kind) {
    case "connection-rejected":
      console.error(`rpcgen server: connection from ${event.peer ?? "?"} rejected: ${event.reason}`);
      break;
    case "connection-error":
      console.error(`rpcgen server: closed connection from ${event.peer ?? "?"}:`, describe(event.error));
      break;
    case "call-refused":
      console.error(`rpcgen server: call to ${event.service}.${event.method} from ${event.peer ?? "?"} refused: ${event.reason}`);
      break;
    case "request-rejected":
      console.error(`rpcgen server: request from ${event.peer ?? "?"} answered ${event.status}: ${event.reason}`);
      break;
    default:
      console.error(`rpcgen server: ${event.kind} in ${event.service}.${event.method}:`, event.error);
  }
}

/** `Name: message` of an error (or its string form). */
export function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

/** Closing a server on process signals: what `closeOnSignals` does for the TCP and HTTP servers alike. */

/**
 * Calls `close` on the first of these signals (default SIGTERM and SIGINT), then `onClosed`; a second
 * signal gets the default behaviour. Returns a function that removes the handlers.
 */
export function closeOnSignals(close: () => Promise<void>, signals: readonly NodeJS.Signals[] = ["SIGTERM", "SIGINT"], onClosed?: () => void): () => void {
  const remove = (): void => {
    for (const s of signals) process.off(s, handler);
  };
  const handler = (): void => {
    remove();
    void close().then(onClosed);
  };
  for (const s of signals) process.on(s, handler);
  return remove;
}

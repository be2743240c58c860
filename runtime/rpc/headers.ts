/**
 * Call metadata: building `Headers` from what callers pass, and the deadline convention. A client sends
 * the time it will still wait as `Deadline-Budget` (milliseconds, as Reddit's baseplate does over
 * THeader); the server turns it into `ctx.deadline`.
 */
import type { HeadersInit } from "../service.js";

/** The header carrying a call's remaining time budget, in whole milliseconds. */
export const DEADLINE_BUDGET_HEADER = "deadline-budget";

/** A fresh `Headers` holding `init` (empty when undefined). */
export function toHeaders(init: HeadersInit | undefined): Headers {
  if (init === undefined) return new Headers();
  if (init instanceof Headers) return new Headers(init);
  if (isIterable(init)) return new Headers([...init].map(([k, v]) => [k, v] as [string, string]));
  return new Headers(init as Record<string, string>);
}

function isIterable(value: object): value is Iterable<readonly [string, string]> {
  return typeof (value as { [Symbol.iterator]?: unknown })[Symbol.iterator] === "function";
}

/** The budget to send for a call whose deadline is `deadline` (Date.now() ms): at least 0, whole ms. */
export function budgetOf(deadline: number, now: number): string {
  return String(Math.max(0, Math.ceil(deadline - now)));
}

/**
 * The deadline a received budget sets, or undefined when there is none. A budget that is not a
 * non-negative integer is ignored (the call runs without a deadline) rather than failing the call.
 */
export function deadlineOf(budget: string | null | undefined, now: number): number | undefined {
  if (budget === null || budget === undefined) return undefined;
  const ms = wholeMs(budget);
  return ms === undefined ? undefined : now + ms;
}

/** A string of 1 to 15 decimal digits (blanks around it allowed), as a number; else undefined. No regex: it runs per call. */
function wholeMs(text: string): number | undefined {
  let start = 0;
  let end = text.length;
  while (start < end && isBlank(text.charCodeAt(start))) start++;
  while (end > start && isBlank(text.charCodeAt(end - 1))) end--;
  if (end === start || end - start > 15) return undefined;
  let value = 0;
  for (let i = start; i < end; i++) {
    const digit = text.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return value;
}

function isBlank(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13;
}

/**
 * The headers a call sends over a transport that carries headers, as name/value pairs: its own (through
 * `Headers`: names lower-cased, repeats joined), plus its time budget as `Deadline-Budget` when it has a
 * timeout (`timeoutMs`: 0 or Infinity for none). A call with no headers of its own costs no `Headers`.
 */
export function callHeaders(init: HeadersInit | undefined, timeoutMs: number): Iterable<readonly [string, string]> {
  const budget = timeoutMs > 0 && timeoutMs !== Infinity ? String(Math.ceil(timeoutMs)) : undefined;
  if (init === undefined) return budget === undefined ? [] : [[DEADLINE_BUDGET_HEADER, budget]];
  const headers = toHeaders(init);
  if (budget !== undefined) headers.set(DEADLINE_BUDGET_HEADER, budget);
  return headers;
}

/**
 * Option bags: every optional option also takes `undefined`, meaning "not set" (so callers compiled
 * with `exactOptionalPropertyTypes` can pass `timeoutMs: config.timeoutMs`). Code reading options uses
 * `?? default`; merging two bags goes through `withOptions`, which a plain spread would get wrong.
 */

/** `T` with every property optional and `undefined` accepted as "not set". */
export type Settable<T> = { [K in keyof T]?: T[K] | undefined };

/** `base` with the options `overrides` sets; an `undefined` override keeps the base value. */
export function withOptions<T extends object>(base: Readonly<T>, overrides: Settable<T>): T {
  const out = { ...base } as T;
  for (const key of Object.keys(overrides) as (keyof T)[]) {
    const value = overrides[key];
    if (value !== undefined) out[key] = value as T[keyof T];
  }
  return out;
}

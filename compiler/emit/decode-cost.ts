/**
 * What generated read methods build costs in memory, for the readers' decode budget: the estimates of
 * runtime/protocol/decode-cost.ts that a struct's cost is made of. The compiler does not import the
 * runtime, so they are repeated here; a test checks that both agree.
 */

/** A struct of unknown shape (also what an IDL-default struct value is taken to cost). */
export const STRUCT_COST = 56;
/** An Error's captured stack: generated exceptions are Error subclasses. */
export const EXCEPTION_COST = 320;
export const LIST_COST = 32;
export const SET_COST = 152;
export const MAP_COST = 184;
export const BINARY_COST = 184;

/** An object literal of `fields` properties (an empty one has room for four). */
export function objectCost(fields: number): number {
  return fields === 0 ? STRUCT_COST : 24 + 8 * fields;
}

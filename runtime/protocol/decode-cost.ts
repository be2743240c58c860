/**
 * What decoded values cost in memory, as the readers' decode budget estimates it.
 *
 * A message can cost far more once decoded than its bytes: an empty struct is one byte on the wire and
 * a whole object in memory, an empty map one byte and a Map with its hash table. Each message therefore
 * gets a budget proportional to its size (ReaderLimits' decodeBudgetRatio and decodeBudgetFloor), and
 * the readers charge it with these estimates of V8's heap bytes (64-bit, measured with
 * `process.memoryUsage()` after decoding many values of each kind):
 *
 *   - a struct when it begins, with the cost generated code passes: the object it builds, which holds
 *     every declared field, and the defaults it allocates for absent fields (empty containers);
 *   - a list, set or map at its header, for itself and all its elements at once, so a container that
 *     cannot fit is refused before anything is allocated for it. Elements that are themselves structs or
 *     containers are charged again when they begin; the header only checks that the budget leaves room
 *     for each of them to cost as much as an empty container or a typical struct ({@link AHEAD}), so a
 *     list of empty structs is refused at its header rather than after decoding most of it;
 *   - a binary value when it is read (its typed array and buffer objects; the bytes themselves are on
 *     the wire).
 *
 * Numbers and bools cost nothing beyond their slot; i64s are bigints; strings cost their header here,
 * and their characters are paid for by their own bytes. Skipped values are charged alike, a skipped
 * struct as a typical one.
 *
 * The compiler computes each struct's cost from these figures (compiler/emit/decode-cost.ts repeats
 * them, as the compiler does not import the runtime; a test checks that both agree).
 */
import { TType } from "./ttype.js";

/** A typical struct's object: what a struct of unknown type is charged (skipped, or read by hand). */
export const STRUCT_COST = 56;
/** What an Error adds to an object (its captured stack): generated exceptions are Error subclasses. */
export const EXCEPTION_COST = 320;

/** An object literal of `fields` properties, as generated read methods return (an empty one has room for four). */
export function objectCost(fields: number): number {
  return fields === 0 ? STRUCT_COST : 24 + 8 * fields;
}

/** An array, with no elements. */
export const LIST_COST = 32;
/** A Set, with its empty hash table. */
export const SET_COST = 152;
/** A Map, with its empty hash table. */
export const MAP_COST = 184;
/** A binary value's Uint8Array and ArrayBuffer, beyond its bytes. */
export const BINARY_COST = 184;

const LIST_SLOT = 8;
const SET_ENTRY = 24;
/** A map entry in its hash table, without its key and value. */
export const MAP_ENTRY = 32;

/** What a value of each TType costs beyond the slot that holds it. */
export const VALUE_COST: Int32Array = new Int32Array(256);
VALUE_COST[TType.I64] = 24; // a bigint
VALUE_COST[TType.STRING] = 24; // a string's header
VALUE_COST[TType.UUID] = 56; // a 36-character string

/** Charged at a list header, per element. */
export const LIST_ELEMENT: Int32Array = new Int32Array(256);
/** Charged at a set header, per element. */
export const SET_ELEMENT: Int32Array = new Int32Array(256);
for (let t = 0; t < 256; t++) {
  LIST_ELEMENT[t] = LIST_SLOT + VALUE_COST[t]!;
  SET_ELEMENT[t] = SET_ENTRY + VALUE_COST[t]!;
}

/**
 * The least each element of a TType charges when it begins (structs and containers): a container
 * header refuses at once when the budget left cannot hold that much per element.
 */
export const AHEAD: Int32Array = new Int32Array(256);
AHEAD[TType.STRUCT] = STRUCT_COST;
AHEAD[TType.LIST] = LIST_COST;
AHEAD[TType.SET] = SET_COST;
AHEAD[TType.MAP] = MAP_COST;

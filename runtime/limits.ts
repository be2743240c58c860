/** Validating and defaulting the limits readers check, for every transport's options. */
import type { Settable } from "./options.js";
import { DEFAULT_READER_LIMITS, type ReaderLimits } from "./protocol/protocol.js";

/** `value`, or `fallback` when unset; throws unless it is a positive integer. */
export function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0) || !Number.isInteger(value)) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}

/** `value`, or `fallback` when unset; throws unless it is a positive number (Infinity allowed). */
function positiveNumber(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!(value > 0)) throw new Error(`${name} must be a positive number (or Infinity), got ${value}`);
  return value;
}

/** Every reader limit, from options that may set some of them (checked; the rest defaulted). */
export function readerLimits(options: Settable<ReaderLimits>): ReaderLimits {
  return {
    maxStringLength: positiveInteger(options.maxStringLength, DEFAULT_READER_LIMITS.maxStringLength, "maxStringLength"),
    maxContainerElements: positiveInteger(options.maxContainerElements, DEFAULT_READER_LIMITS.maxContainerElements, "maxContainerElements"),
    maxDepth: positiveInteger(options.maxDepth, DEFAULT_READER_LIMITS.maxDepth, "maxDepth"),
    decodeBudgetRatio: positiveNumber(options.decodeBudgetRatio, DEFAULT_READER_LIMITS.decodeBudgetRatio, "decodeBudgetRatio"),
    decodeBudgetFloor: positiveNumber(options.decodeBudgetFloor, DEFAULT_READER_LIMITS.decodeBudgetFloor, "decodeBudgetFloor"),
  };
}

import type { Settable } from "../options.js";
import { AHEAD, LIST_COST, LIST_ELEMENT, MAP_COST, MAP_ENTRY, SET_COST, SET_ELEMENT, STRUCT_COST, VALUE_COST } from "./decode-cost.js";
import { TProtocolException, TProtocolExceptionType } from "./errors.js";
import { DEFAULT_READER_LIMITS, type ReaderLimits } from "./protocol.js";

/** Options every reader takes: the limits (missing or undefined ones default to DEFAULT_READER_LIMITS). */
export type ReaderOptions = Settable<ReaderLimits>;

const TYPE_NAMES: Record<number, string> = {
  0: "stop",
  1: "void",
  2: "bool",
  3: "byte",
  4: "double",
  6: "i16",
  8: "i32",
  10: "i64",
  11: "string",
  12: "struct",
  13: "map",
  14: "set",
  15: "list",
  16: "uuid",
  19: "float",
};

/** Readable name of a TType for error messages. */
export function typeName(type: number): string {
  return TYPE_NAMES[type] ?? `unknown type ${type}`;
}

/**
 * A plain Uint8Array over the same memory. Subclasses (such as Node's buffer class) are re-wrapped once per
 * input so that element reads stay monomorphic and `slice()` really copies.
 */
function plain(bytes: Uint8Array): Uint8Array {
  return bytes.constructor === Uint8Array ? bytes : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Scratch space for reading 4- and 8-byte floats and i64s: the bytes are copied in and read out. It
 * spares every reader a DataView of its own (a reader is made per message), and is only ever used
 * within one synchronous call.
 */
const SCRATCH = new DataView(new ArrayBuffer(8));
const SCRATCH_BYTES = new Uint8Array(SCRATCH.buffer);

/**
 * State and checks shared by the protocol readers: the input (`bytes`, the cursor `pos` and `end`), the
 * header out-fields, the limits, the nesting depth and the decode budget. Every check throws a
 * TProtocolException; the hot paths test one condition and call a cold method to build the error.
 */
export abstract class ReaderBase {
  bytes: Uint8Array;
  /** Cursor: offset of the next unread byte, relative to the start of `bytes`. */
  pos: number;
  /** `bytes.length`. */
  end: number;
  fieldId: number;
  elemType: number;
  keyType: number;
  valueType: number;
  /** Current nesting depth of structs and containers. */
  depth: number;
  readonly maxStringLength: number;
  readonly maxContainerElements: number;
  readonly maxDepth: number;
  /**
   * Decode budget left for the current message, in estimated bytes of memory (decode-cost.ts): every
   * struct, container and binary value read is charged to it, and the read that would overdraw it
   * throws SIZE_LIMIT instead.
   */
  budget: number;
  /** The size of the current message, which its budget was derived from. */
  private budgetBytes: number;
  /** decodeBudgetRatio and decodeBudgetFloor as applied: no budget is the largest exact one (so decodeCost stays exact). */
  private readonly budgetRatio: number;
  private readonly budgetFloor: number;

  constructor(input: Uint8Array, options?: ReaderOptions) {
    const bytes = plain(input);
    this.bytes = bytes;
    this.pos = 0;
    this.end = bytes.length;
    this.fieldId = 0;
    this.elemType = 0;
    this.keyType = 0;
    this.valueType = 0;
    this.depth = 0;
    this.maxStringLength = options?.maxStringLength ?? DEFAULT_READER_LIMITS.maxStringLength;
    this.maxContainerElements = options?.maxContainerElements ?? DEFAULT_READER_LIMITS.maxContainerElements;
    this.maxDepth = options?.maxDepth ?? DEFAULT_READER_LIMITS.maxDepth;
    const ratio = options?.decodeBudgetRatio ?? DEFAULT_READER_LIMITS.decodeBudgetRatio;
    const floor = options?.decodeBudgetFloor ?? DEFAULT_READER_LIMITS.decodeBudgetFloor;
    // A message is at most 2^31 bytes: a ratio up to 2^21 keeps every budget below 2^53.
    this.budgetRatio = ratio === Infinity ? 0 : ratio < 2 ** 21 ? ratio : 2 ** 21;
    this.budgetFloor = ratio === Infinity || floor > Number.MAX_SAFE_INTEGER ? Number.MAX_SAFE_INTEGER : floor;
    this.budget = 0;
    this.budgetBytes = 0;
    this.armBudget();
  }

  /**
   * Gives the message between `pos` and `end` its decode budget. reset() does this; a caller that moves
   * `pos` and `end` itself to the next message calls it.
   */
  armBudget(): void {
    const bytes = this.end - this.pos;
    this.budgetBytes = bytes;
    this.budget = this.budgetFor(bytes);
  }

  private budgetFor(bytes: number): number {
    const byRatio = this.budgetRatio * bytes;
    return byRatio > this.budgetFloor ? byRatio : this.budgetFloor;
  }

  /** Estimated bytes of memory the values read from the current message take so far (decode-cost.ts). */
  get decodeCost(): number {
    return this.budgetFor(this.budgetBytes) - this.budget;
  }

  /** Starts over on new input (same limits), so one reader can serve many messages. */
  reset(input: Uint8Array): void {
    const bytes = plain(input);
    this.bytes = bytes;
    this.pos = 0;
    this.end = bytes.length;
    this.fieldId = 0;
    this.elemType = 0;
    this.keyType = 0;
    this.valueType = 0;
    this.depth = 0;
    this.armBudget();
  }

  /** The big-endian i16 at `p` (bounds already checked). */
  protected i16(p: number): number {
    const b = this.bytes;
    return (((b[p]! << 8) | b[p + 1]!) << 16) >> 16;
  }

  /** The big-endian i32 at `p` (bounds already checked). */
  protected i32(p: number): number {
    const b = this.bytes;
    return (b[p]! << 24) | (b[p + 1]! << 16) | (b[p + 2]! << 8) | b[p + 3]!;
  }

  /** The 8 bytes at `p`, copied into the scratch view (bounds already checked). */
  protected scratch8(p: number): DataView {
    const b = this.bytes;
    const s = SCRATCH_BYTES;
    s[0] = b[p]!;
    s[1] = b[p + 1]!;
    s[2] = b[p + 2]!;
    s[3] = b[p + 3]!;
    s[4] = b[p + 4]!;
    s[5] = b[p + 5]!;
    s[6] = b[p + 6]!;
    s[7] = b[p + 7]!;
    return SCRATCH;
  }

  /** The 4 bytes at `p`, copied into the scratch view (bounds already checked). */
  protected scratch4(p: number): DataView {
    const b = this.bytes;
    const s = SCRATCH_BYTES;
    s[0] = b[p]!;
    s[1] = b[p + 1]!;
    s[2] = b[p + 2]!;
    s[3] = b[p + 3]!;
    return SCRATCH;
  }

  /** Bytes not read yet. */
  get remaining(): number {
    return this.end - this.pos;
  }

  /** Throws: `n` bytes of `what` are needed at `pos` but fewer remain. */
  protected truncated(n: number, what: string): never {
    const left = this.end - this.pos;
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `truncated: ${what} needs ${n} byte${n === 1 ? "" : "s"} at offset ${this.pos} but ${left === 0 ? "the input ends there" : `only ${left} remain`}`,
      true,
    );
  }

  /**
   * Throws the right error for a string/binary length that failed the combined fast check
   * (negative, over the limit, or more than the bytes remaining after the length prefix at `pos`).
   */
  protected badLength(len: number, what: string): never {
    if (len < 0) {
      throw new TProtocolException(
        TProtocolExceptionType.NEGATIVE_SIZE,
        `negative ${what} length ${len} at offset ${this.pos}`,
      );
    }
    if (len > this.maxStringLength) {
      throw new TProtocolException(
        TProtocolExceptionType.SIZE_LIMIT,
        `${what} length ${len} exceeds the limit of ${this.maxStringLength} bytes at offset ${this.pos}`,
      );
    }
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `truncated: ${what} length ${len} exceeds the ${this.end - this.pos} bytes remaining at offset ${this.pos}`,
      true,
    );
  }

  /**
   * Checks a container's element count: not negative, within maxContainerElements, element types
   * valid, and `count * minBytesPerElement` no more than the bytes remaining. `minBytesPerElement` is
   * negative when an element type is invalid.
   */
  protected checkCount(count: number, minBytesPerElement: number, what: string): void {
    if (
      count > 0 &&
      count <= this.maxContainerElements &&
      minBytesPerElement > 0 &&
      count * minBytesPerElement <= this.end - this.pos
    ) {
      return;
    }
    if (count !== 0) this.badCount(count, minBytesPerElement, what);
  }

  private badCount(count: number, minBytesPerElement: number, what: string): never {
    if (count < 0) {
      throw new TProtocolException(
        TProtocolExceptionType.NEGATIVE_SIZE,
        `negative ${what} size ${count} at offset ${this.pos}`,
      );
    }
    if (count > this.maxContainerElements) {
      throw new TProtocolException(
        TProtocolExceptionType.SIZE_LIMIT,
        `${what} size ${count} exceeds the limit of ${this.maxContainerElements} elements at offset ${this.pos}`,
      );
    }
    if (!(minBytesPerElement > 0)) {
      const types = what === "map" ? `${typeName(this.keyType)}, ${typeName(this.valueType)}` : typeName(this.elemType);
      throw new TProtocolException(
        TProtocolExceptionType.INVALID_DATA,
        `invalid ${what} element type (${types}) at offset ${this.pos}`,
      );
    }
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `truncated: ${what} of ${count} elements needs at least ${count * minBytesPerElement} bytes but only ${this.end - this.pos} remain at offset ${this.pos}`,
      true,
    );
  }

  /*
   * The hot paths below keep their checks to one branch each (the nesting depth and the budget tested
   * together), and the code that sorts out which limit was hit in cold methods: the protocols' header
   * methods are inlined into every generated read method, and V8 inlines only so much into one.
   */

  /** Throws for a struct that went over maxDepth or the budget; charges a typical struct when `cost` was not given. */
  protected structLimit(cost: number | undefined): void {
    if (this.depth > this.maxDepth) this.depthExceeded();
    if (cost === undefined) {
      if ((this.budget -= STRUCT_COST) < 0) this.overBudget(0, "struct", 1);
      return;
    }
    this.budget -= cost;
    this.overBudget(0, "struct", 1);
  }

  /**
   * Enters a map of `size` entries of types `keyType`, `valueType`: checks the depth, charges the map
   * (see decode-cost.ts) and checks that the budget left holds what its struct and container keys and
   * values will charge.
   */
  protected enterMap(size: number): void {
    const k = this.keyType;
    const v = this.valueType;
    const budget = this.budget - (MAP_COST + size * (MAP_ENTRY + VALUE_COST[k]! + VALUE_COST[v]!));
    if (++this.depth > this.maxDepth || budget < size * (AHEAD[k]! + AHEAD[v]!)) this.containerLimit(budget, "map", size);
    this.budget = budget;
  }

  /** Throws for a container that went over maxDepth, or whose charge left `budget` too little for its elements. */
  private containerLimit(budget: number, what: string, count: number): never {
    if (this.depth > this.maxDepth) this.depthExceeded();
    this.budget = budget;
    const ahead = what === "map" ? count * (AHEAD[this.keyType]! + AHEAD[this.valueType]!) : count * AHEAD[this.elemType]!;
    this.overBudget(ahead, what, count);
  }

  /** Throws SIZE_LIMIT for a value that overdrew the decode budget (already charged; `ahead` more needed). */
  protected overBudget(ahead: number, what: string, count: number): never {
    const needed = this.decodeCost + ahead;
    const value =
      what === "map"
        ? `a map of ${count} ${typeName(this.keyType)}-${typeName(this.valueType)} entries`
        : what === "list" || what === "set"
          ? `a ${what} of ${count} ${typeName(this.elemType)} elements`
          : `a ${what}`;
    throw new TProtocolException(
      TProtocolExceptionType.SIZE_LIMIT,
      `${value} at offset ${this.pos} exceeds the message's decode budget: its values would take an estimated ${needed} bytes of memory or more, ` +
        `over the budget of ${this.budgetFor(this.budgetBytes)} for its ${this.budgetBytes} bytes (decodeBudgetRatio ${this.budgetRatio}, decodeBudgetFloor ${this.budgetFloor})`,
    );
  }

  /** Throws DEPTH_LIMIT (called after `depth` went over `maxDepth`). */
  protected depthExceeded(): never {
    const depth = this.depth;
    this.depth--;
    throw new TProtocolException(
      TProtocolExceptionType.DEPTH_LIMIT,
      `nesting depth ${depth} exceeds the limit of ${this.maxDepth} at offset ${this.pos}`,
    );
  }

  /** Reads a list or set header (element type into `elemType`), checking its size (the caller checks depth and budget). */
  protected abstract readCollectionBegin(what: string): number;
  /** Skips one value of `type` (recursively); `skip` turns a call-stack overflow into DEPTH_LIMIT. */
  protected abstract skipValue(type: number): void;

  readListBegin(): number {
    const n = this.readCollectionBegin("list");
    const t = this.elemType;
    const budget = this.budget - (LIST_COST + n * LIST_ELEMENT[t]!);
    if (++this.depth > this.maxDepth || budget < n * AHEAD[t]!) this.containerLimit(budget, "list", n);
    this.budget = budget;
    return n;
  }

  readSetBegin(): number {
    const n = this.readCollectionBegin("set");
    const t = this.elemType;
    const budget = this.budget - (SET_COST + n * SET_ELEMENT[t]!);
    if (++this.depth > this.maxDepth || budget < n * AHEAD[t]!) this.containerLimit(budget, "set", n);
    this.budget = budget;
    return n;
  }

  readMapEnd(): void {
    this.depth--;
  }

  readListEnd(): void {
    this.depth--;
  }

  readSetEnd(): void {
    this.depth--;
  }

  skip(type: number): void {
    try {
      this.skipValue(type);
    } catch (e) {
      throw this.stackOverflow(e);
    }
  }

  /**
   * Turns a call-stack overflow (only possible with a huge maxDepth) into DEPTH_LIMIT; returns any
   * other error unchanged.
   */
  protected stackOverflow(e: unknown): unknown {
    if (e instanceof RangeError) {
      return new TProtocolException(
        TProtocolExceptionType.DEPTH_LIMIT,
        `nesting depth ${this.depth} at offset ${this.pos} exceeds the call stack (maxDepth ${this.maxDepth} is too high)`,
      );
    }
    return e;
  }

  protected cannotSkip(type: number): never {
    throw new TProtocolException(
      TProtocolExceptionType.INVALID_DATA,
      `cannot skip a value of ${typeName(type)} at offset ${this.pos}`,
    );
  }
}

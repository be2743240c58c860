/**
 * What generated code exports for every struct, union and exception: a codec with straight-line
 * `write`/`read` against the protocol interfaces, plus `create` to build a complete value from its
 * input form, and its fields as data (`fields()`, see reflect/schema.ts). `T` is the decoded (output)
 * shape, `I` the input shape `write` and `create` accept.
 */
import type { ProtocolReader, ProtocolWriter } from "./protocol/protocol.js";
import type { StructSchema } from "./reflect/schema.js";
import { TProtocolException, TProtocolExceptionType } from "./protocol/errors.js";
import { formatUuid, writeUuidBytes } from "./protocol/values.js";

/** Encoding and decoding of one struct type (what a method's args and result structs need), and its fields. */
export interface MessageCodec<T, I = T> extends StructSchema {
  /** The IDL name of the type. */
  readonly name: string;
  write(w: ProtocolWriter, value: I): void;
  read(r: ProtocolReader): T;
}

export interface StructCodec<T, I = T> extends MessageCodec<T, I> {
  /** The type's IDL annotations (last value per key), when it has any. */
  readonly annotations?: Readonly<Record<string, string>> | undefined;
  create(init: I): T;
}

/** An i64 from its input form: bigint as is, a number only when it is an integer (lossless). */
export function i64(value: bigint | number): bigint {
  if (typeof value === "bigint") return value;
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${value} cannot be an i64 without losing precision; pass a bigint`);
  }
  return BigInt(value);
}

const scratchUuid = new Uint8Array(16);

/**
 * A uuid in the canonical lowercase form decoders return (`create` uses it, so a value built from
 * `{ABCDEF01-...}` equals its own round trip). Throws TProtocolException for a malformed uuid.
 */
export function canonicalUuid(value: string): string {
  writeUuidBytes(value, scratchUuid, 0);
  return formatUuid(scratchUuid, 0);
}

/** The error a decoder throws when a required field was not on the wire. */
export function missingField(struct: string, field: string): TProtocolException {
  return new TProtocolException(TProtocolExceptionType.INVALID_DATA, `required field ${struct}.${field} is missing`);
}

/** The error an encoder throws when a required field has no value. */
export function unsetField(struct: string, field: string): TProtocolException {
  return new TProtocolException(TProtocolExceptionType.INVALID_DATA, `required field ${struct}.${field} is unset`);
}

/** The error for a union that does not hold exactly one field. */
export function unionFieldCount(union: string, count: number): TProtocolException {
  const what = count === 0 ? "no field set" : `${count} fields set`;
  return new TProtocolException(TProtocolExceptionType.INVALID_DATA, `union ${union} must hold exactly one field, but has ${what}`);
}

/** Converters `create` uses to turn input-form containers into fresh output-form ones. */
export type Converter<I, O> = (value: I) => O;

export function convertList<I, O>(values: readonly I[], convert: Converter<I, O>): O[] {
  return values.map((v) => convert(v));
}

export function convertSet<I, O>(values: ReadonlySet<I>, convert: Converter<I, O>): Set<O> {
  const out = new Set<O>();
  for (const v of values) out.add(convert(v));
  return out;
}

export function convertMap<KI, KO, VI, VO>(entries: ReadonlyMap<KI, VI>, key: Converter<KI, KO>, value: Converter<VI, VO>): Map<KO, VO> {
  const out = new Map<KO, VO>();
  for (const [k, v] of entries) out.set(key(k), value(v));
  return out;
}

/** The identity converter, for keys or values that need no conversion. */
export function same<T>(value: T): T {
  return value;
}

export function listOf<I, O>(convert: Converter<I, O>): Converter<readonly I[], O[]> {
  return (values) => convertList(values, convert);
}

export function setOf<I, O>(convert: Converter<I, O>): Converter<ReadonlySet<I>, Set<O>> {
  return (values) => convertSet(values, convert);
}

export function mapOf<KI, KO, VI, VO>(key: Converter<KI, KO>, value: Converter<VI, VO>): Converter<ReadonlyMap<KI, VI>, Map<KO, VO>> {
  return (entries) => convertMap(entries, key, value);
}

/** A handler's result: a value or a promise of one. */
export type MaybePromise<T> = T | Promise<T>;

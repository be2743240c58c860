import type { MessageType } from "./ttype.js";
import type { MessageScanner, ScannerLimits } from "../framing/scanner.js";
import type { ReaderOptions } from "./reader-base.js";
import type { WriteBuffer } from "./write-buffer.js";

/**
 * The writer side of a Thrift protocol. Generated codecs call these methods in straight-line code, so
 * every implementation keeps them monomorphic and allocation-free per primitive.
 */
export interface ProtocolWriter {
  writeMessageBegin(name: string, type: MessageType, seqid: number): void;
  writeMessageEnd(): void;
  writeStructBegin(name: string): void;
  writeStructEnd(): void;
  writeFieldBegin(name: string, type: number, id: number): void;
  writeFieldEnd(): void;
  writeFieldStop(): void;
  writeMapBegin(keyType: number, valueType: number, size: number): void;
  writeMapEnd(): void;
  writeListBegin(elemType: number, size: number): void;
  writeListEnd(): void;
  writeSetBegin(elemType: number, size: number): void;
  writeSetEnd(): void;
  writeBool(value: boolean): void;
  writeByte(value: number): void;
  writeI16(value: number): void;
  writeI32(value: number): void;
  /** A bigint, or a number when it is a safe integer (written without bigint arithmetic). */
  writeI64(value: bigint | number): void;
  writeDouble(value: number): void;
  writeFloat(value: number): void;
  writeString(value: string): void;
  writeBinary(value: Uint8Array): void;
  /** Canonical lowercase form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`; braces and upper case accepted. */
  writeUuid(value: string): void;
}

/**
 * The reader side. To avoid an object per field or container header, `readFieldBegin` returns the
 * field's type and leaves its id in `fieldId`; container headers return the size and leave the
 * element types in `elemType` / `keyType` / `valueType`.
 */
export interface ProtocolReader {
  fieldId: number;
  elemType: number;
  keyType: number;
  valueType: number;
  readMessageBegin(): MessageHeader;
  readMessageEnd(): void;
  /**
   * `cost`: the estimated bytes of memory of what the caller builds from this struct (the object, with
   * every field and the defaults of absent ones), charged to the message's decode budget; generated code
   * passes it. Without it the struct is charged as a typical one.
   */
  readStructBegin(cost?: number): void;
  readStructEnd(): void;
  /** Returns the field's TType (TType.STOP at the end of the struct); the id is left in `fieldId`. */
  readFieldBegin(): number;
  readFieldEnd(): void;
  /** Returns the entry count; key and value types are left in `keyType` and `valueType`. */
  readMapBegin(): number;
  readMapEnd(): void;
  /** Returns the element count; the element type is left in `elemType`. */
  readListBegin(): number;
  readListEnd(): void;
  readSetBegin(): number;
  readSetEnd(): void;
  readBool(): boolean;
  readByte(): number;
  readI16(): number;
  readI32(): number;
  readI64(): bigint;
  readDouble(): number;
  readFloat(): number;
  readString(): string;
  readBinary(): Uint8Array;
  readUuid(): string;
  /** Skips a value of the given TType, nested values included, within the depth limit. */
  skip(type: number): void;
}

export interface MessageHeader {
  name: string;
  type: MessageType;
  seqid: number;
}

/** Limits every reader checks before allocating. */
export interface ReaderLimits {
  /** Longest string or binary value, in bytes. */
  maxStringLength: number;
  /** Most elements (or map entries) in one container. */
  maxContainerElements: number;
  /** Deepest nesting of structs and containers. */
  maxDepth: number;
  /**
   * The decode budget of a message, per byte of it: the values decoded from one message may take an
   * estimated `max(decodeBudgetFloor, decodeBudgetRatio × its bytes)` bytes of memory, and a message
   * that would take more is refused before that memory is allocated (see `decode-cost.ts` for the
   * estimates). `Infinity` turns the budget off.
   */
  decodeBudgetRatio: number;
  /** The least decode budget of any message, in estimated bytes of memory (small messages get this much). */
  decodeBudgetFloor: number;
}

export const DEFAULT_READER_LIMITS: Readonly<ReaderLimits> = Object.freeze({
  maxStringLength: 16 * 1024 * 1024,
  maxContainerElements: 1_000_000,
  maxDepth: 64,
  decodeBudgetRatio: 48,
  decodeBudgetFloor: 1024 * 1024,
});

/** What a Protocol's readers offer besides the ProtocolReader methods: the cursor, and reuse. */
export interface ReaderInput {
  /** Offset of the next unread byte, relative to the start of the input. */
  readonly pos: number;
  /** Bytes not read yet. */
  readonly remaining: number;
  /** Starts over on new input (same limits and options), so one reader can serve many messages. */
  reset(bytes: Uint8Array): void;
}

/**
 * A protocol: how to make a writer and how to read one complete message's bytes. The set is open: a
 * protocol of one's own works over every transport; to be used unframed (the buffered transport) it also
 * says where each message ends (`createScanner`), which the built-in protocols do.
 */
export interface Protocol {
  /** `binary`, `compact` and `json` for the built-in protocols. */
  readonly name: string;
  createWriter(out?: WriteBuffer): ProtocolWriter & { readonly buffer: WriteBuffer };
  createReader(bytes: Uint8Array, limits?: ReaderOptions): ProtocolReader & ReaderInput;
  /** A resumable scanner that finds where each message of an unframed stream ends. */
  createScanner?(limits: ScannerLimits): MessageScanner;
}

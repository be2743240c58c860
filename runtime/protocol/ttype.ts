/** Thrift's wire type ids (the binary protocol's type bytes). Compact and JSON map to and from these. */
export const TType = {
  STOP: 0,
  VOID: 1,
  BOOL: 2,
  BYTE: 3,
  I8: 3,
  DOUBLE: 4,
  I16: 6,
  I32: 8,
  I64: 10,
  STRING: 11,
  STRUCT: 12,
  MAP: 13,
  SET: 14,
  LIST: 15,
  UUID: 16,
  /** fbthrift's 32-bit float; Apache Thrift has no such type. */
  FLOAT: 19,
} as const;
export type TType = (typeof TType)[keyof typeof TType];

/** Message types of a Thrift message header. */
export const MessageType = {
  CALL: 1,
  REPLY: 2,
  EXCEPTION: 3,
  ONEWAY: 4,
} as const;
export type MessageType = (typeof MessageType)[keyof typeof MessageType];

/**
 * The exact bytes of `Calc.divide(num1, num2)` in framed binary Thrift (strict, version 1), for the
 * raw node:net floor. Offsets are fixed because the method name is always "divide".
 *
 * call  (37 bytes): len=33 | 80 01 00 01 | 00 00 00 06 "divide" | seqid | 08 0001 num1 | 08 0002 num2 | 00
 * reply (34 bytes): len=30 | 80 01 00 02 | 00 00 00 06 "divide" | seqid | 04 0000 double | 00
 */

export const CALL_SIZE = 37;
export const REPLY_SIZE = 34;
export const SEQID_AT = 18;
export const NUM1_AT = 25;
export const NUM2_AT = 32;
export const RESULT_AT = 25;

function header(size: number, type: number): Buffer {
  const b = Buffer.alloc(size);
  b.writeInt32BE(size - 4, 0);
  b.writeUInt32BE((0x80010000 | type) >>> 0, 4);
  b.writeInt32BE(6, 8);
  b.write("divide", 12, "latin1");
  return b;
}

/** A call with seqid, num1 and num2 zero: copy it, then patch those. */
export const CALL_TEMPLATE: Buffer = (() => {
  const b = header(CALL_SIZE, 1);
  b[22] = 8; // I32
  b.writeInt16BE(1, 23);
  b[29] = 8;
  b.writeInt16BE(2, 30);
  b[36] = 0; // STOP
  return b;
})();

/** A reply with seqid and result zero: copy it, then patch those. */
export const REPLY_TEMPLATE: Buffer = (() => {
  const b = header(REPLY_SIZE, 2);
  b[22] = 4; // DOUBLE, field 0 (success)
  b.writeInt16BE(0, 23);
  b[33] = 0; // STOP
  return b;
})();

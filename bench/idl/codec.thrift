/**
 * The codec benchmark's message: about ten fields of the common kinds. Every peer encodes the same
 * values (bench/codec.ts); codec.proto is the protobuf equivalent.
 */
namespace js bench

struct Point {
  1: i32 x
  2: i32 y
}

struct Record {
  1: i32 id
  2: i64 timestamp
  3: double score
  /** 20 characters in the benchmark value. */
  4: string name
  /** 10 elements in the benchmark value. */
  5: list<i32> samples
  /** 5 entries in the benchmark value. */
  6: map<string, i32> counts
  7: Point origin
  8: bool active
  9: i16 priority
  10: string tag
}

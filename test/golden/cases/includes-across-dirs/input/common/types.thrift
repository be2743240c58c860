namespace js app.types

include "nested/deep.thrift"

struct Point {
  1: i32 x
  2: i32 y
  3: optional deep.Leaf tag
}

const i32 MAX_POINTS = 1000

exception NotFound {
  1: string message
  2: i64 code = 404
}

service BaseService {
  void ping()
  oneway void log(1: string line)
}

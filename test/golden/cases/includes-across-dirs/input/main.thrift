namespace js app.main

include "common/types.thrift"
include "common/nested/deep.thrift"

/** Same name as types.Point; the namespaces differ, so both are allowed. */
struct Point {
  1: double lat
  2: double lon
}

struct Route {
  1: required list<types.Point> points
  2: optional deep.Level level = deep.Level.HIGH
  3: map<string, deep.Leaf> leaves
  4: Point origin
}

const types.Point ORIGIN = { "x": 0, "y": 0 }
const i32 LIMIT = types.MAX_POINTS

service Router extends types.BaseService {
  Route plan(1: types.Point from, 2: types.Point to) throws (1: types.NotFound missing)
}

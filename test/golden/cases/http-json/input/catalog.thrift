/**
 * A service for the JSON-over-HTTP tests (test/http/json-routes.test.ts): every kind of type as
 * parameters and results, GET allowed by annotation, declared exceptions, void and oneway.
 */
namespace js catalog

enum Color {
  RED = 1,
  GREEN = 2,
  BLUE = 3
}

struct Point {
  1: i32 x
  2: i32 y
}

union Shape {
  1: Point point
  2: list<Point> polygon
  3: string named
}

exception NotFound {
  1: string message
  2: i64 id
}

service Catalog {
  /** Without side effects, so callable with GET. */
  string describe(1: i64 id, 2: Color color, 3: bool verbose = false, 4: double scale = 1.5, 5: binary tag, 6: uuid key) (http.get)
  /** GET turned off explicitly. */
  list<Point> points(1: i32 n) (http.get = "false")
  Shape echoShape(1: Shape shape)
  map<Point, string> label(1: map<Point, string> points)
  map<i64, binary> blobs(1: map<i64, binary> blobs)
  map<Color, set<i64>> byColor(1: map<Color, set<i64>> colors)
  float ratio(1: float a, 2: float b)
  i64 next(1: i64 id) throws (1: NotFound notFound)
  void reset()
  oneway void log(1: string line)
}

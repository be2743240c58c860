/**
 * Struct constants nested in lists, maps and other structs: each literal becomes a `create` call
 * hugging its object argument, so these check that nested hugged calls stay on one line when they
 * fit and break exactly as prettier breaks them when they do not.
 */
struct Inner {
  1: i32 a
  2: optional string label
}

struct Mid {
  1: Inner i
  2: optional list<Inner> more
}

struct Outer {
  1: list<Mid> ms
  2: optional map<string, Mid> byName
}

const Outer SHORT = { "ms": [ { "i": { "a": 1 } } ] }

const Outer LONGER = {
  "ms": [
    { "i": { "a": 1, "label": "first" }, "more": [ { "a": 2 }, { "a": 3, "label": "third one here" } ] },
    { "i": { "a": 4 } }
  ],
  "byName": { "x": { "i": { "a": 5, "label": "a label long enough to push past eighty columns" } } }
}

const list<Mid> MIDS = [ { "i": { "a": 1 } }, { "i": { "a": 2 } } ]

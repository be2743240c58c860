/** Names that are reserved words, clash with generated helpers or runtime imports, or differ only by case. */
namespace js clash

enum delete {
  default,
  new = 5,
  constructor
}

struct constructor {
  1: string __proto__
  2: string constructor
  3: i32 write
  4: i32 read
  5: i32 create
  6: i32 name
  7: delete delete
}

struct Foo { 1: i32 a }
struct foo { 1: i32 A, 2: i32 a }

/** Clashes with the runtime's TType import. */
struct TType {
  1: i32 STRUCT
}

struct r { 1: i32 w, 2: i32 v, 3: i32 t, 4: r_ r_ }
struct r_ { 1: i32 x }

exception Error {
  1: i32 name
  2: i32 message
  3: string stack
  4: i32 cause
}

union switch {
  1: i32 case
  2: string default
}

typedef i32 number
const number interface = 3
const list<delete> class = [delete.default, delete.new]

service class {
  i32 get(1: i32 options, 2: i32 default, 3: i32 ctx)
  void channel(1: constructor constructor)
  number function(1: number this = interface) throws (1: Error e)
}

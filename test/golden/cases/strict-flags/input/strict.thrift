/**
 * Shapes that strict compiler settings are picky about: optional fields (exactOptionalPropertyTypes),
 * empty structs, exceptions, unions and argument lists (noUnusedParameters), and optional fields
 * whose `T | undefined` annotation is too long for one line.
 */
namespace js strict

struct Empty {}

exception EmptyError {}

union EmptyChoice {}

struct LongEnoughStructName {
  1: string value
}

struct Optionals {
  1: optional i32 count
  2: optional i64 total
  3: optional Empty empty
  4: optional list<string> names
  5: optional i64 aFieldNameLongEnoughThatItsTypeMovesToTheNextLine
  6: optional map<string, map<string, list<set<LongEnoughStructName>>>> nested
  7: optional map<LongEnoughStructName, set<i64>> byStruct
  8: Empty defaultRequirednessStruct
  9: optional string withDefault = "x"
}

exception Failure {
  1: string message
  2: optional Optionals details
  3: optional i64 code
}

union Choice {
  1: i32 number
  2: Empty empty
}

service Strict {
  void ping()
  Optionals get(1: optional i64 id, 2: Empty filter) throws (1: Failure failure, 2: EmptyError empty)
  oneway void notify()
}

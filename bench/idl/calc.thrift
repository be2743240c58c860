/**
 * The RPC benchmark's service: idl/calc.idl's Calc with the result widened to double, so that every
 * peer (Apache's compiler has no `float`) shares it. calc.proto is the gRPC equivalent.
 */
namespace js bench

exception InvalidOperation {
  1: string message
}

service Calc {
  double divide(1: i32 num1, 2: i32 num2) throws (1: InvalidOperation e)
}

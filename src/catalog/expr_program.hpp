// src/catalog/expr_program.hpp: a type-checked expression compiled to a flat
// list of column operations. Each instruction writes one register (a batch of
// lanes); the evaluator runs them in order over a batch of rows.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "catalog/expr_types.hpp"

namespace portrait::catalog {

enum class OpCode : std::uint8_t {
  Load,        // slot -> lane (int or float by the instruction's type)
  ConstInt,    // imm_int
  ConstFloat,  // imm_float
  ToFloat,     // a
  AddInt,
  SubInt,
  MulInt,
  ModInt,
  NegInt,
  AddFloat,
  SubFloat,
  MulFloat,
  DivFloat,
  NegFloat,
  CmpInt,    // cmp(a, b) on int lanes
  CmpFloat,  // cmp(a, b) on float lanes
  And,
  Or,
  Not,
  InInt,    // a in set_int
  InFloat,  // a in set_float
  Hour,
  Weekday,
  Day,
  Month,  // a: Unix seconds; imm_int: UTC offset in seconds
  AbsInt,
  AbsFloat,
  Log,
  MinInt,
  MaxInt,
  MinFloat,
  MaxFloat,  // args
  CoalesceInt,
  CoalesceFloat,  // args
  SelectInt,
  SelectFloat  // a ? b : c (missing a selects c)
};

enum class Cmp : std::uint8_t { Eq, Ne, Lt, Le, Gt, Ge };

struct Instruction {
  OpCode code = OpCode::ConstInt;
  ValueType type = ValueType::Int;  // the result; Float results live in float lanes
  Cmp cmp = Cmp::Eq;
  std::uint32_t a = 0, b = 0, c = 0;  // operand instruction indices
  std::uint32_t slot = 0;             // Load
  std::int64_t imm_int = 0;
  double imm_float = 0.0;
  std::vector<std::uint32_t> args;
  std::vector<std::int64_t> set_int;  // sorted
  std::vector<double> set_float;      // sorted
};

struct CompiledExpr {
  std::string text;  // the source, for messages
  ValueType type = ValueType::Bool;
  std::vector<std::string> labels;  // Category results
  std::vector<std::string> inputs;  // canonical names bound to slots 0..n-1
  std::vector<Instruction> code;    // the result is the last instruction
};

}  // namespace portrait::catalog

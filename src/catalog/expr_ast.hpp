// src/catalog/expr_ast.hpp: the syntax tree of a catalog expression, with the
// byte range of every node in the expression text so that errors can point
// at the offending text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace portrait::catalog {

enum class NodeKind : std::uint8_t {
  IntLit,
  FloatLit,
  StringLit,
  BoolLit,
  Name,
  Unary,
  Binary,
  In,
  Between,
  Call
};

enum class Op : std::uint8_t { Add, Sub, Mul, Div, Mod, Eq, Ne, Lt, Le, Gt, Ge, And, Or, Not, Neg };

struct Node {
  NodeKind kind = NodeKind::IntLit;
  Op op = Op::Add;             // Unary and Binary
  bool negated = false;        // `not in`, `not between`
  std::int64_t int_value = 0;  // IntLit, BoolLit (0/1)
  double float_value = 0.0;    // FloatLit
  std::string text;            // Name, StringLit, Call (function name)
  std::vector<Node> children;  // operands; In: value then list items; Between: value, low, high
  std::uint32_t begin = 0;     // byte offsets into the expression text, [begin, end)
  std::uint32_t end = 0;
};

// A problem found in an expression, located by byte offsets in its text; the
// catalog turns it into a portrait::Error with file:line:column.
struct ExprError {
  std::string problem;
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
  std::string hint;
};

std::string_view op_symbol(Op op);

}  // namespace portrait::catalog

// src/catalog/expr_compiler.hpp: the type checker: resolves names against a
// scope, checks operand types and function arity, and compiles the syntax
// tree into a CompiledExpr.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/expr_ast.hpp"
#include "catalog/expr_program.hpp"
#include "catalog/expr_types.hpp"

namespace portrait::catalog {

struct CompileOptions {
  std::int64_t utc_offset_seconds = 0;  // for hour/weekday/day/month
  std::optional<ValueType> expected;    // e.g. Bool for a `when` condition
  // Named integer constants (period_start, period_end), folded into the code.
  std::vector<std::pair<std::string, std::int64_t>> constants;
};

// Parses and type-checks `text`; throws ExprError located in `text`.
CompiledExpr compile_expression(std::string_view text, const NameScope& scope,
                                const CompileOptions& options = {});

}  // namespace portrait::catalog

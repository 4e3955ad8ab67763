// src/catalog/expr_parser.hpp: parses a catalog expression into a syntax
// tree by precedence climbing.
//
// Precedence, loosest first: or; and; not; comparisons (== != < <= > >=,
// [not] in [..], [not] between a and b; not chained); + -; * / %; unary -.
#pragma once

#include <string_view>

#include "catalog/expr_ast.hpp"

namespace portrait::catalog {

// Throws ExprError with the byte range of the offending text.
Node parse_expression(std::string_view text);

}  // namespace portrait::catalog

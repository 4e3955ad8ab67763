// tests/unit/test_expr_parser.cpp: the tokenizer and parser of catalog
// expressions: precedence, associativity, source positions, syntax errors.
#include <gtest/gtest.h>

#include <string>

#include "catalog/expr_lexer.hpp"
#include "catalog/expr_parser.hpp"

namespace portrait::catalog {
namespace {

// Fully parenthesised rendering of a tree, to check its shape.
std::string show(const Node& n) {
  switch (n.kind) {
    case NodeKind::IntLit:
      return std::to_string(n.int_value);
    case NodeKind::FloatLit:
      return std::to_string(n.float_value);
    case NodeKind::StringLit:
      return "\"" + n.text + "\"";
    case NodeKind::BoolLit:
      return n.int_value ? "true" : "false";
    case NodeKind::Name:
      return n.text;
    case NodeKind::Unary:
      return "(" + std::string(op_symbol(n.op)) + " " + show(n.children[0]) + ")";
    case NodeKind::Binary:
      return "(" + show(n.children[0]) + " " + std::string(op_symbol(n.op)) + " " + show(n.children[1]) + ")";
    case NodeKind::In: {
      std::string s = "(" + show(n.children[0]) + (n.negated ? " not in [" : " in [");
      for (std::size_t i = 1; i < n.children.size(); ++i) s += (i > 1 ? ", " : "") + show(n.children[i]);
      return s + "])";
    }
    case NodeKind::Between:
      return "(" + show(n.children[0]) + (n.negated ? " not between " : " between ") + show(n.children[1]) +
             " and " + show(n.children[2]) + ")";
    case NodeKind::Call: {
      std::string s = n.text + "(";
      for (std::size_t i = 0; i < n.children.size(); ++i) s += (i ? ", " : "") + show(n.children[i]);
      return s + ")";
    }
  }
  return "?";
}

std::string parsed(const std::string& text) { return show(parse_expression(text)); }

ExprError parse_error(const std::string& text) {
  try {
    parse_expression(text);
  } catch (const ExprError& e) {
    return e;
  }
  ADD_FAILURE() << "no error for: " << text;
  return {};
}

TEST(ExprLexer, TokensCarryTheirByteRanges) {
  const auto t = tokenize("customers.plan_fee >= 1_000 and x != 'a b'");
  ASSERT_EQ(t.size(), 8u);
  EXPECT_EQ(t[0].kind, TokenKind::Name);
  EXPECT_EQ(t[0].text, "customers.plan_fee");
  EXPECT_EQ(t[0].begin, 0u);
  EXPECT_EQ(t[0].end, 18u);
  EXPECT_EQ(t[1].kind, TokenKind::Ge);
  EXPECT_EQ(t[2].kind, TokenKind::Int);
  EXPECT_EQ(t[2].begin, 22u);
  EXPECT_EQ(t[3].text, "and");
  EXPECT_EQ(t[5].kind, TokenKind::Ne);
  EXPECT_EQ(t[6].kind, TokenKind::String);
  EXPECT_EQ(t[6].text, "a b");
  EXPECT_EQ(t[6].begin, 37u);
  EXPECT_EQ(t[6].end, 42u);
  EXPECT_EQ(t[7].kind, TokenKind::End);
}

TEST(ExprLexer, NumbersAndBadCharacters) {
  EXPECT_EQ(tokenize("1.5")[0].kind, TokenKind::Float);
  EXPECT_EQ(tokenize("2e3")[0].kind, TokenKind::Float);
  EXPECT_EQ(tokenize("42")[0].kind, TokenKind::Int);
  try {
    tokenize("a = 1");
    FAIL();
  } catch (const ExprError& e) {
    EXPECT_EQ(e.begin, 2u);
    EXPECT_EQ(e.hint, "compare with '=='");
  }
  try {
    tokenize("x == \"open");
    FAIL();
  } catch (const ExprError& e) {
    EXPECT_EQ(e.problem, "unterminated string");
    EXPECT_EQ(e.begin, 5u);
  }
  try {
    tokenize("a # b");
    FAIL();
  } catch (const ExprError& e) {
    EXPECT_EQ(e.problem, "unexpected character '#'");
    EXPECT_EQ(e.begin, 2u);
  }
}

TEST(ExprParser, Precedence) {
  EXPECT_EQ(parsed("1 + 2 * 3"), "(1 + (2 * 3))");
  EXPECT_EQ(parsed("(1 + 2) * 3"), "((1 + 2) * 3)");
  EXPECT_EQ(parsed("1 - 2 - 3"), "((1 - 2) - 3)");
  EXPECT_EQ(parsed("8 / 4 % 3"), "((8 / 4) % 3)");
  EXPECT_EQ(parsed("a or b and c"), "(a or (b and c))");
  EXPECT_EQ(parsed("not a and b"), "((not a) and b)");
  EXPECT_EQ(parsed("not a == 1"), "(not (a == 1))");
  EXPECT_EQ(parsed("a + 1 < b * 2 or c"), "(((a + 1) < (b * 2)) or c)");
  EXPECT_EQ(parsed("-a * b"), "((- a) * b)");
  EXPECT_EQ(parsed("- 5 + 1"), "(-5 + 1)");
}

TEST(ExprParser, InBetweenAndCalls) {
  EXPECT_EQ(parsed("x in [1, -2, 3]"), "(x in [1, -2, 3])");
  EXPECT_EQ(parsed("x not in [1]"), "(x not in [1])");
  EXPECT_EQ(parsed("x between 1 and 5 and y"), "((x between 1 and 5) and y)");
  EXPECT_EQ(parsed("x not between 1 + 1 and 5"), "(x not between (1 + 1) and 5)");
  EXPECT_EQ(parsed("max(a, b + 1, 3)"), "max(a, (b + 1), 3)");
  EXPECT_EQ(parsed("if(a > 1, \"x\", 'y')"), "if((a > 1), \"x\", \"y\")");
  EXPECT_EQ(parsed("f()"), "f()");
  EXPECT_EQ(parsed("true or false"), "(true or false)");
}

TEST(ExprParser, NodesSpanTheirText) {
  const Node n = parse_expression("a + max(b, 2) >= 7");
  EXPECT_EQ(n.begin, 0u);
  EXPECT_EQ(n.end, 18u);
  const Node& sum = n.children[0];
  EXPECT_EQ(sum.end, 13u);
  const Node& call = sum.children[1];
  EXPECT_EQ(call.begin, 4u);
  EXPECT_EQ(call.end, 13u);
  EXPECT_EQ(call.children[1].begin, 11u);
}

TEST(ExprParser, SyntaxErrorsPointAtTheToken) {
  auto e = parse_error("a + * b");
  EXPECT_EQ(e.problem, "expected a value, found '*'");
  EXPECT_EQ(e.begin, 4u);
  EXPECT_EQ(e.end, 5u);
  e = parse_error("(a + b");
  EXPECT_EQ(e.problem, "the expression ends too early: expected ')'");
  EXPECT_EQ(e.begin, 6u);
  e = parse_error("a b");
  EXPECT_EQ(e.problem, "unexpected 'b' after the expression");
  EXPECT_EQ(e.begin, 2u);
  e = parse_error("a < b < c");
  EXPECT_EQ(e.problem, "comparisons do not chain");
  EXPECT_EQ(e.begin, 6u);
  e = parse_error("x between 1 or 2");
  EXPECT_EQ(e.problem, "expected 'and' in 'between LOW and HIGH'");
  EXPECT_EQ(e.begin, 12u);
  e = parse_error("x in [1, 2");
  EXPECT_EQ(e.begin, 10u);
  e = parse_error("99999999999999999999");
  EXPECT_EQ(e.problem, "integer literal out of range");
  e = parse_error("x not 3");
  EXPECT_EQ(e.problem, "unexpected 'not' after the expression");
  EXPECT_EQ(e.begin, 2u);
  e = parse_error("and");
  EXPECT_EQ(e.problem, "expected a value, found the keyword 'and'");
}

}  // namespace
}  // namespace portrait::catalog

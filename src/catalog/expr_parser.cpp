// src/catalog/expr_parser.cpp: recursive descent with precedence climbing for
// the binary operators.
#include "catalog/expr_parser.hpp"

#include <charconv>
#include <cstdlib>
#include <string>

#include "catalog/expr_lexer.hpp"

namespace portrait::catalog {

std::string_view op_symbol(Op op) {
  switch (op) {
    case Op::Add:
      return "+";
    case Op::Sub:
      return "-";
    case Op::Mul:
      return "*";
    case Op::Div:
      return "/";
    case Op::Mod:
      return "%";
    case Op::Eq:
      return "==";
    case Op::Ne:
      return "!=";
    case Op::Lt:
      return "<";
    case Op::Le:
      return "<=";
    case Op::Gt:
      return ">";
    case Op::Ge:
      return ">=";
    case Op::And:
      return "and";
    case Op::Or:
      return "or";
    case Op::Not:
      return "not";
    case Op::Neg:
      return "-";
  }
  return "?";
}

namespace {

class Parser {
 public:
  explicit Parser(std::string_view text) : tokens_(tokenize(text)) {}

  Node parse() {
    Node n = parse_or();
    if (peek().kind != TokenKind::End) fail("unexpected '" + peek().text + "' after the expression", peek());
    return n;
  }

 private:
  const Token& peek() const { return tokens_[pos_]; }
  const Token& take() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool is_word(const char* word) const { return peek().kind == TokenKind::Name && peek().text == word; }
  bool is_word_at(std::size_t k, const char* word) const {
    return pos_ + k < tokens_.size() && tokens_[pos_ + k].kind == TokenKind::Name &&
           tokens_[pos_ + k].text == word;
  }

  [[noreturn]] static void fail(std::string problem, const Token& t, std::string hint = {}) {
    if (t.kind == TokenKind::End) problem = "the expression ends too early: " + problem;
    throw ExprError{std::move(problem), t.begin, t.end == t.begin ? t.begin + 1 : t.end, std::move(hint)};
  }

  void expect(TokenKind kind, const char* what) {
    if (peek().kind != kind) fail(std::string("expected ") + what, peek());
    take();
  }

  static Node binary(Op op, Node lhs, Node rhs) {
    Node n;
    n.kind = NodeKind::Binary;
    n.op = op;
    n.begin = lhs.begin;
    n.end = rhs.end;
    n.children.push_back(std::move(lhs));
    n.children.push_back(std::move(rhs));
    return n;
  }

  Node parse_or() {
    Node lhs = parse_and();
    while (is_word("or")) {
      take();
      lhs = binary(Op::Or, std::move(lhs), parse_and());
    }
    return lhs;
  }

  Node parse_and() {
    Node lhs = parse_not();
    while (is_word("and")) {
      take();
      lhs = binary(Op::And, std::move(lhs), parse_not());
    }
    return lhs;
  }

  Node parse_not() {
    if (is_word("not")) {
      const Token& t = take();
      Node n;
      n.kind = NodeKind::Unary;
      n.op = Op::Not;
      n.begin = t.begin;
      n.children.push_back(parse_not());
      n.end = n.children.back().end;
      return n;
    }
    return parse_comparison();
  }

  static bool comparison_op(TokenKind k, Op& op) {
    switch (k) {
      case TokenKind::Eq:
        op = Op::Eq;
        return true;
      case TokenKind::Ne:
        op = Op::Ne;
        return true;
      case TokenKind::Lt:
        op = Op::Lt;
        return true;
      case TokenKind::Le:
        op = Op::Le;
        return true;
      case TokenKind::Gt:
        op = Op::Gt;
        return true;
      case TokenKind::Ge:
        op = Op::Ge;
        return true;
      default:
        return false;
    }
  }

  Node parse_comparison() {
    Node lhs = parse_additive();
    Op op{};
    bool negated = false;
    if (is_word("not") && (is_word_at(1, "in") || is_word_at(1, "between"))) {
      take();
      negated = true;
    }
    if (comparison_op(peek().kind, op)) {
      take();
      lhs = binary(op, std::move(lhs), parse_additive());
    } else if (is_word("in")) {
      take();
      Node n;
      n.kind = NodeKind::In;
      n.negated = negated;
      n.begin = lhs.begin;
      n.children.push_back(std::move(lhs));
      expect(TokenKind::LBracket, "'[' to start the list after 'in'");
      while (true) {
        n.children.push_back(parse_additive());
        if (peek().kind == TokenKind::Comma) {
          take();
          continue;
        }
        n.end = peek().end;
        expect(TokenKind::RBracket, "',' or ']' in the list");
        break;
      }
      lhs = std::move(n);
    } else if (is_word("between")) {
      take();
      Node n;
      n.kind = NodeKind::Between;
      n.negated = negated;
      n.begin = lhs.begin;
      n.children.push_back(std::move(lhs));
      n.children.push_back(parse_additive());
      if (!is_word("and")) fail("expected 'and' in 'between LOW and HIGH'", peek());
      take();
      n.children.push_back(parse_additive());
      n.end = n.children.back().end;
      lhs = std::move(n);
    }
    if (comparison_op(peek().kind, op) || is_word("in") || is_word("between")) {
      fail("comparisons do not chain", peek(), "write 'a < b and b < c', or 'b between a and c'");
    }
    return lhs;
  }

  Node parse_additive() {
    Node lhs = parse_multiplicative();
    while (peek().kind == TokenKind::Plus || peek().kind == TokenKind::Minus) {
      const Op op = take().kind == TokenKind::Plus ? Op::Add : Op::Sub;
      lhs = binary(op, std::move(lhs), parse_multiplicative());
    }
    return lhs;
  }

  Node parse_multiplicative() {
    Node lhs = parse_unary();
    while (peek().kind == TokenKind::Star || peek().kind == TokenKind::Slash ||
           peek().kind == TokenKind::Percent) {
      const TokenKind k = take().kind;
      const Op op = k == TokenKind::Star ? Op::Mul : k == TokenKind::Slash ? Op::Div : Op::Mod;
      lhs = binary(op, std::move(lhs), parse_unary());
    }
    return lhs;
  }

  Node parse_unary() {
    if (peek().kind == TokenKind::Minus) {
      const Token& t = take();
      Node operand = parse_unary();
      // "-5" stays a literal, so that `in` lists may hold negative numbers.
      if (operand.kind == NodeKind::IntLit || operand.kind == NodeKind::FloatLit) {
        operand.int_value = -operand.int_value;
        operand.float_value = -operand.float_value;
        operand.begin = t.begin;
        return operand;
      }
      Node n;
      n.kind = NodeKind::Unary;
      n.op = Op::Neg;
      n.begin = t.begin;
      n.end = operand.end;
      n.children.push_back(std::move(operand));
      return n;
    }
    return parse_primary();
  }

  Node parse_primary() {
    const Token t = take();
    Node n;
    n.begin = t.begin;
    n.end = t.end;
    switch (t.kind) {
      case TokenKind::Int: {
        std::string digits;
        for (char c : t.text) {
          if (c != '_') digits += c;
        }
        const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), n.int_value);
        if (r.ec != std::errc()) fail("integer literal out of range", t, "integers are 64-bit signed");
        n.kind = NodeKind::IntLit;
        return n;
      }
      case TokenKind::Float:
        n.kind = NodeKind::FloatLit;
        n.float_value = std::strtod(t.text.c_str(), nullptr);
        return n;
      case TokenKind::String:
        n.kind = NodeKind::StringLit;
        n.text = t.text;
        return n;
      case TokenKind::LParen: {
        Node inner = parse_or();
        const Token& close = peek();
        expect(TokenKind::RParen, "')'");
        inner.begin = t.begin;
        inner.end = close.end;
        return inner;
      }
      case TokenKind::Name:
        if (t.text == "true" || t.text == "false") {
          n.kind = NodeKind::BoolLit;
          n.int_value = t.text == "true" ? 1 : 0;
          return n;
        }
        if (t.text == "and" || t.text == "or" || t.text == "not" || t.text == "in" || t.text == "between") {
          fail("expected a value, found the keyword '" + t.text + "'", t);
        }
        if (peek().kind == TokenKind::LParen) {
          take();
          n.kind = NodeKind::Call;
          n.text = t.text;
          if (peek().kind != TokenKind::RParen) {
            while (true) {
              n.children.push_back(parse_or());
              if (peek().kind != TokenKind::Comma) break;
              take();
            }
          }
          n.end = peek().end;
          expect(TokenKind::RParen, "',' or ')' in the argument list");
          return n;
        }
        n.kind = NodeKind::Name;
        n.text = t.text;
        return n;
      default:
        fail("expected a value, found '" + t.text + "'", t);
    }
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
};

}  // namespace

Node parse_expression(std::string_view text) { return Parser(text).parse(); }

}  // namespace portrait::catalog

// src/catalog/expr_lexer.hpp: splits a catalog expression into tokens, each
// with its byte range in the text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portrait::catalog {

enum class TokenKind : std::uint8_t {
  Int,
  Float,
  String,
  Name,  // identifiers, possibly dotted: customers.plan_fee
  Plus,
  Minus,
  Star,
  Slash,
  Percent,
  Eq,
  Ne,
  Lt,
  Le,
  Gt,
  Ge,
  LParen,
  RParen,
  LBracket,
  RBracket,
  Comma,
  End
};

struct Token {
  TokenKind kind = TokenKind::End;
  std::string text;  // the source text; for String the unquoted value
  std::uint32_t begin = 0;
  std::uint32_t end = 0;
};

// Throws ExprError on a character that starts no token or an unterminated string.
std::vector<Token> tokenize(std::string_view text);

}  // namespace portrait::catalog

// src/catalog/expr_lexer.cpp: the tokenizer of catalog expressions.
#include "catalog/expr_lexer.hpp"

#include "catalog/expr_ast.hpp"

namespace portrait::catalog {
namespace {

bool is_name_start(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_name_char(char c) { return is_name_start(c) || is_digit(c); }

}  // namespace

std::vector<Token> tokenize(std::string_view text) {
  std::vector<Token> tokens;
  std::size_t i = 0;
  const auto at = [&](std::size_t k) { return k < text.size() ? text[k] : '\0'; };
  while (true) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == '\n' || text[i] == '\r')) ++i;
    Token t;
    t.begin = static_cast<std::uint32_t>(i);
    if (i >= text.size()) {
      t.end = t.begin;
      tokens.push_back(t);
      return tokens;
    }
    const char c = text[i];
    if (is_name_start(c)) {
      // A dotted name (customers.region) is one token: the dot only ever joins names.
      while (is_name_char(at(i)) || (at(i) == '.' && is_name_start(at(i + 1)))) ++i;
      t.kind = TokenKind::Name;
    } else if (is_digit(c) || (c == '.' && is_digit(at(i + 1)))) {
      t.kind = TokenKind::Int;
      while (is_digit(at(i)) || at(i) == '_') ++i;
      if (at(i) == '.' && is_digit(at(i + 1))) {
        t.kind = TokenKind::Float;
        ++i;
        while (is_digit(at(i))) ++i;
      }
      if ((at(i) == 'e' || at(i) == 'E') &&
          (is_digit(at(i + 1)) || ((at(i + 1) == '-' || at(i + 1) == '+') && is_digit(at(i + 2))))) {
        t.kind = TokenKind::Float;
        i += 2;
        while (is_digit(at(i))) ++i;
      }
      if (is_name_start(at(i))) {
        throw ExprError{"malformed number", t.begin, static_cast<std::uint32_t>(i + 1),
                        "a name cannot start with a digit"};
      }
    } else if (c == '"' || c == '\'') {
      ++i;
      while (i < text.size() && text[i] != c) ++i;
      if (i >= text.size()) {
        throw ExprError{"unterminated string", t.begin, static_cast<std::uint32_t>(text.size()),
                        std::string("close the string with ") + c};
      }
      t.kind = TokenKind::String;
      t.text = std::string(text.substr(t.begin + 1, i - t.begin - 1));
      ++i;
    } else {
      const char n = at(i + 1);
      std::size_t len = 1;
      switch (c) {
        case '+':
          t.kind = TokenKind::Plus;
          break;
        case '-':
          t.kind = TokenKind::Minus;
          break;
        case '*':
          t.kind = TokenKind::Star;
          break;
        case '/':
          t.kind = TokenKind::Slash;
          break;
        case '%':
          t.kind = TokenKind::Percent;
          break;
        case '(':
          t.kind = TokenKind::LParen;
          break;
        case ')':
          t.kind = TokenKind::RParen;
          break;
        case '[':
          t.kind = TokenKind::LBracket;
          break;
        case ']':
          t.kind = TokenKind::RBracket;
          break;
        case ',':
          t.kind = TokenKind::Comma;
          break;
        case '<':
          t.kind = n == '=' ? TokenKind::Le : TokenKind::Lt;
          len = n == '=' ? 2 : 1;
          break;
        case '>':
          t.kind = n == '=' ? TokenKind::Ge : TokenKind::Gt;
          len = n == '=' ? 2 : 1;
          break;
        case '=':
          if (n != '=') throw ExprError{"'=' is not an operator", t.begin, t.begin + 1, "compare with '=='"};
          t.kind = TokenKind::Eq;
          len = 2;
          break;
        case '!':
          if (n != '=') throw ExprError{"'!' is not an operator", t.begin, t.begin + 1, "negate with 'not'"};
          t.kind = TokenKind::Ne;
          len = 2;
          break;
        default:
          throw ExprError{
              "unexpected character '" + std::string(1, c) + "'", t.begin, t.begin + 1,
              "expressions use names, numbers, \"strings\" and + - * / % == != < <= > >= ( ) [ ] ,"};
      }
      i += len;
    }
    t.end = static_cast<std::uint32_t>(i);
    if (t.kind != TokenKind::String) t.text = std::string(text.substr(t.begin, t.end - t.begin));
    tokens.push_back(std::move(t));
  }
}

}  // namespace portrait::catalog

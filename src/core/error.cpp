// src/core/error.cpp: formatting of portrait::Error as "where: what (hint)".
#include "core/error.hpp"

namespace portrait {
namespace {

std::string compose(const std::string& what, const std::string& where, const std::string& hint) {
  std::string text = where.empty() ? what : where + ": " + what;
  if (!hint.empty()) text += "\n  hint: " + hint;
  return text;
}

}  // namespace

Error::Error(std::string what, std::string where, std::string hint)
    : std::runtime_error(compose(what, where, hint)),
      problem_(std::move(what)),
      where_(std::move(where)),
      hint_(std::move(hint)) {}

}  // namespace portrait

// src/catalog/expr_types.cpp: value type names, name scopes and the closest
// name by edit distance used in hints.
#include "catalog/expr_types.hpp"

#include <algorithm>
#include <numeric>

namespace portrait::catalog {

std::string_view to_string(ValueType type) {
  switch (type) {
    case ValueType::Bool:
      return "bool";
    case ValueType::Int:
      return "int";
    case ValueType::Float:
      return "float";
    case ValueType::Category:
      return "category";
  }
  return "";
}

void NameScope::add(NameInfo info) { names_.push_back(std::move(info)); }

void NameScope::add_alias(std::string alias, std::string canonical) {
  aliases_.emplace_back(std::move(alias), std::move(canonical));
}

const NameInfo* NameScope::find(std::string_view name) const {
  for (const auto& n : names_) {
    if (n.name == name) return &n;
  }
  for (const auto& [alias, canonical] : aliases_) {
    if (alias == name) return find(canonical);
  }
  return nullptr;
}

std::vector<std::string> NameScope::spellings() const {
  std::vector<std::string> all;
  for (const auto& n : names_) all.push_back(n.name);
  for (const auto& a : aliases_) all.push_back(a.first);
  return all;
}

}  // namespace portrait::catalog

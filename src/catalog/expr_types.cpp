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
  return "?";
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

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  std::iota(row.begin(), row.end(), std::size_t{0});
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

std::optional<std::string> closest_name(std::string_view name, const std::vector<std::string>& candidates) {
  const std::size_t limit = std::max<std::size_t>(2, name.size() / 3);
  std::optional<std::string> best;
  std::size_t best_distance = limit + 1;
  for (const auto& c : candidates) {
    const std::size_t d = edit_distance(name, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  if (best) return best;
  // No near spelling: a name that one is the start of the other (arpu_avg -> arpu), the longest first.
  for (const auto& c : candidates) {
    const bool prefix = c.size() >= 3 && name.size() >= 3 &&
                        (name.substr(0, c.size()) == c || std::string_view(c).substr(0, name.size()) == name);
    if (prefix && (!best || c.size() > best->size())) best = c;
  }
  return best;
}

}  // namespace portrait::catalog

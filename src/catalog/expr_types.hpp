// src/catalog/expr_types.hpp: the value types of the expression language and
// the scope of names an expression may use.
//
// bool, int (int64), float (float64) and category (a code into the labels of
// a categorical tag). Every type has a missing value: in evaluation lanes
// bool/int/category are int64 with INT64_MIN missing, float is NaN.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace portrait::catalog {

enum class ValueType : std::uint8_t { Bool, Int, Float, Category };

std::string_view to_string(ValueType type);

struct NameInfo {
  std::string name;  // canonical name, e.g. customers.region or a tag id
  ValueType type = ValueType::Int;
  std::vector<std::string> labels;  // Category only
};

// The names visible to an expression. An alias (a bare customer column name)
// resolves to its canonical name.
class NameScope {
 public:
  void add(NameInfo info);
  void add_alias(std::string alias, std::string canonical);
  // nullptr when unknown.
  const NameInfo* find(std::string_view name) const;
  // Every name and alias, for "did you mean" hints.
  std::vector<std::string> spellings() const;

 private:
  std::vector<NameInfo> names_;
  std::vector<std::pair<std::string, std::string>> aliases_;
};

}  // namespace portrait::catalog

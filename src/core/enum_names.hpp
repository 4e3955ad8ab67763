// src/core/enum_names.hpp: an enum's names read both ways from one table.
//
// The table is the enum's `to_string(E)`: a switch over every value with no
// default, returning "" after it. Readers parse names and list them in hints
// through the same function, so a value added to the enum without a name
// fails to compile (-Wswitch; warnings are errors in CI) instead of being
// silently rejected by a reader that loops up to some former last value.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace portrait {

// Every value of E that to_string names, in value order. E's underlying type
// is one byte, so every value it can hold is tried.
template <class E>
std::vector<E> named_values() {
  using U = std::underlying_type_t<E>;
  static_assert(sizeof(U) == 1, "named_values tries every value of a one-byte enum");
  std::vector<E> out;
  for (int v = std::numeric_limits<U>::min(); v <= std::numeric_limits<U>::max(); ++v) {
    const auto value = static_cast<E>(v);
    if (!to_string(value).empty()) out.push_back(value);
  }
  return out;
}

// The names of named_values<E>(), for hints.
template <class E>
std::vector<std::string> value_names() {
  std::vector<std::string> out;
  for (E value : named_values<E>()) out.emplace_back(to_string(value));
  return out;
}

// The value named `name`, if any.
template <class E>
std::optional<E> from_name(std::string_view name) {
  for (E value : named_values<E>()) {
    if (to_string(value) == name) return value;
  }
  return std::nullopt;
}

}  // namespace portrait

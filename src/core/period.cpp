// src/core/period.cpp: parsing and arithmetic of calendar months.
#include "core/period.hpp"

#include <fmt/format.h>

#include <charconv>

#include "core/error.hpp"

namespace portrait {

Period Period::parse(std::string_view text, const std::string& where) {
  Period p;
  const char* end = text.data() + text.size();
  const bool ok = text.size() == 7 && text[4] == '-' &&
                  std::from_chars(text.data(), text.data() + 4, p.year).ptr == text.data() + 4 &&
                  std::from_chars(text.data() + 5, end, p.month).ptr == end && p.month >= 1 &&
                  p.month <= 12 && p.year >= 1970;
  if (!ok)
    throw Error(fmt::format("'{}' is not a period", text), where, "write the month as YYYY-MM, e.g. 2026-10");
  return p;
}

Period Period::plus_months(int n) const {
  const int index = year * 12 + (month - 1) + n;
  Period p;
  p.year = index / 12;
  p.month = index % 12 + 1;
  return p;
}

std::string Period::to_string() const { return fmt::format("{:04d}-{:02d}", year, month); }

}  // namespace portrait

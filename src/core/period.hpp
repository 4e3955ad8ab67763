// src/core/period.hpp: the calendar month a run computes ("2026-10"), as
// half-open Unix-second bounds in UTC, and civil-date arithmetic without the
// C library's time zone state (thread-safe, exact).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/types.hpp"

namespace portrait {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct Period {
  int year = 1970;
  int month = 1;  // 1..12

  // Parses "YYYY-MM"; throws portrait::Error naming `where` otherwise.
  static Period parse(std::string_view text, const std::string& where);

  UnixSeconds start() const { return days_from_civil(year, static_cast<unsigned>(month), 1) * 86400; }
  UnixSeconds end() const { return plus_months(1).start(); }
  int yyyymm() const { return year * 100 + month; }
  Period plus_months(int n) const;
  std::string to_string() const;
  bool operator==(const Period&) const = default;
};

}  // namespace portrait

// src/core/period.hpp: the monthly period of a run ("YYYY-MM") and the civil
// calendar arithmetic on Unix seconds UTC that periods, months and days need.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/types.hpp"

namespace portrait {

constexpr UnixSeconds kSecondsPerDay = 86400;

// Days since 1970-01-01 of a civil date (proleptic Gregorian; H. Hinnant's algorithm).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// "YYYY-MM-DDThh:mm:ssZ" of a Unix time.
std::string format_utc(UnixSeconds t);

struct Period {
  int year = 1970;
  int month = 1;  // 1..12

  UnixSeconds start() const;  // first second of the month, UTC
  UnixSeconds end() const;    // first second of the next month
  int days() const;
  int yyyymm() const { return year * 100 + month; }
  std::string to_string() const;         // "YYYY-MM"
  Period plus_months(int months) const;  // negative goes back
};

// Parses "YYYY-MM"; throws portrait::Error naming `where` otherwise.
Period parse_period(std::string_view text, const std::string& where = {});

}  // namespace portrait

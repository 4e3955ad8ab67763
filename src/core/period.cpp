// src/core/period.cpp: Period parsing and arithmetic.
#include "core/period.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace portrait {

std::string format_utc(UnixSeconds t) {
  // Inverse of days_from_civil (H. Hinnant's civil_from_days).
  const std::int64_t days = (t >= 0 ? t : t - (kSecondsPerDay - 1)) / kSecondsPerDay;
  const std::int64_t second = t - days * kSecondsPerDay;
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2 ? 1 : 0);
  return fmt::format("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z", y, m, d, second / 3600, second / 60 % 60,
                     second % 60);
}

UnixSeconds Period::start() const {
  return days_from_civil(year, static_cast<unsigned>(month), 1) * kSecondsPerDay;
}
UnixSeconds Period::end() const { return plus_months(1).start(); }
int Period::days() const { return static_cast<int>((end() - start()) / kSecondsPerDay); }
std::string Period::to_string() const { return fmt::format("{:04d}-{:02d}", year, month); }

Period Period::plus_months(int months) const {
  const int index = year * 12 + (month - 1) + months;
  const int y = index >= 0 ? index / 12 : (index - 11) / 12;
  return {y, index - y * 12 + 1};
}

Period parse_period(std::string_view text, const std::string& where) {
  const auto digits = [&](std::size_t from, std::size_t n) {
    int v = 0;
    for (std::size_t i = from; i < from + n; ++i) {
      if (text[i] < '0' || text[i] > '9') return -1;
      v = v * 10 + (text[i] - '0');
    }
    return v;
  };
  if (text.size() == 7 && text[4] == '-') {
    const int y = digits(0, 4);
    const int m = digits(5, 2);
    if (y >= 1970 && m >= 1 && m <= 12) return {y, m};
  }
  throw Error("bad period '" + std::string(text) + "'", where, "write the period as YYYY-MM, e.g. 2024-03");
}

}  // namespace portrait

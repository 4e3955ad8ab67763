// tests/unit/test_period.cpp: calendar months as Unix-second bounds.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "core/period.hpp"

namespace portrait {
namespace {

TEST(Period, BoundsAreUtcMonthStarts) {
  const Period p = parse_period("2026-10", "test");
  EXPECT_EQ(p.start(), 1790812800);  // 2026-10-01T00:00:00Z
  EXPECT_EQ(p.end(), 1793491200);    // 2026-11-01T00:00:00Z
  EXPECT_EQ(p.yyyymm(), 202610);
  EXPECT_EQ(parse_period("2024-02", "t").end() - parse_period("2024-02", "t").start(), 29 * 86400);
  EXPECT_EQ(days_from_civil(1970, 1, 1), 0);
}

TEST(Period, MonthArithmeticCrossesYears) {
  const Period p = parse_period("2026-01", "t");
  EXPECT_EQ(p.plus_months(-1).to_string(), "2025-12");
  EXPECT_EQ(p.plus_months(12).to_string(), "2027-01");
  EXPECT_EQ(p.plus_months(-13).to_string(), "2024-12");
}

TEST(Period, RejectsMalformedText) {
  for (const char* bad : {"2026-13", "2026-1", "26-10", "2026/10", "", "2026-00"}) {
    EXPECT_THROW(parse_period(bad, "job.yaml:2:9"), Error) << bad;
  }
  try {
    parse_period("2026-13", "job.yaml:2:9");
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "job.yaml:2:9");
  }
}

}  // namespace
}  // namespace portrait

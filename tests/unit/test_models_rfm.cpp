// tests/unit/test_models_rfm.cpp: RFM scores from quintile cuts (ties, the
// direction of recency) and the combined value level.
#include <gtest/gtest.h>

#include "core/types.hpp"
#include "models/rfm.hpp"

namespace portrait::models {
namespace {

TEST(RfmScore, ValuesOnACutFallInTheLowerBin) {
  const QuintileCuts cuts{10, 20, 20, 40};
  EXPECT_EQ(quintile_score(5, cuts, true), 1);
  EXPECT_EQ(quintile_score(10, cuts, true), 1);
  EXPECT_EQ(quintile_score(11, cuts, true), 2);
  EXPECT_EQ(quintile_score(20, cuts, true), 2);  // a tie spanning two cuts
  EXPECT_EQ(quintile_score(21, cuts, true), 4);
  EXPECT_EQ(quintile_score(41, cuts, true), 5);
}

TEST(RfmScore, RecentIsBetter) {
  const QuintileCuts cuts{1, 3, 7, 30};
  EXPECT_EQ(quintile_score(0, cuts, false), 5);
  EXPECT_EQ(quintile_score(5, cuts, false), 3);
  EXPECT_EQ(quintile_score(90, cuts, false), 1);
}

TEST(RfmScore, MissingStaysMissing) {
  const QuintileCuts cuts{1, 2, 3, 4};
  EXPECT_TRUE(is_missing(quintile_score(missing<std::int64_t>(), cuts, true)));
  QuintileCuts none;
  none.fill(missing<std::int64_t>());
  EXPECT_TRUE(is_missing(quintile_score(3, none, true)));
}

TEST(RfmLevel, FromTheSumOfScores) {
  EXPECT_EQ(value_level_name(value_level(5, 4, 3)), "high");    // 12
  EXPECT_EQ(value_level_name(value_level(4, 4, 3)), "medium");  // 11
  EXPECT_EQ(value_level_name(value_level(3, 3, 2)), "medium");  // 8
  EXPECT_EQ(value_level_name(value_level(3, 2, 2)), "low");     // 7
  EXPECT_EQ(value_level_name(value_level(missing<std::int8_t>(), 5, 5)), "missing");
}

}  // namespace
}  // namespace portrait::models

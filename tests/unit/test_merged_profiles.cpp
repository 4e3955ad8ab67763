// tests/unit/test_merged_profiles.cpp: each merge policy on one person's
// members (hand-made values, missing values among them).
#include <gtest/gtest.h>

#include "engine/merged_profiles.hpp"

namespace portrait::engine {
namespace {

using catalog::MergePolicy;
constexpr std::int64_t M = missing<std::int64_t>();
constexpr std::int8_t M8 = missing<std::int8_t>();

template <class T>
T merged(MergePolicy policy, std::vector<T> values, const Column* by = nullptr) {
  Column column(column_type_of<T>());
  column.values<T>() = std::move(values);
  Column out(column.type());
  merge_values(policy, column, by, 0, column.size(), out);
  return out.values<T>().at(0);
}

TEST(MergedProfiles, NumbersSkipMissingValues) {
  EXPECT_EQ(merged<std::int64_t>(MergePolicy::Sum, {5, M, 7}), 12);
  EXPECT_EQ(merged<std::int64_t>(MergePolicy::Min, {5, M, 3}), 3);
  EXPECT_EQ(merged<std::int64_t>(MergePolicy::Max, {5, M, 3}), 5);
  EXPECT_EQ(merged<std::int64_t>(MergePolicy::Sum, {M, M}), M);
  EXPECT_EQ(merged<double>(MergePolicy::Sum, {0.5, missing<double>(), 0.25}), 0.75);
}

TEST(MergedProfiles, AnyAllOverKnownValues) {
  EXPECT_EQ(merged<std::int8_t>(MergePolicy::Any, {0, M8, 1}), 1);
  EXPECT_EQ(merged<std::int8_t>(MergePolicy::Any, {0, M8, 0}), 0);
  EXPECT_EQ(merged<std::int8_t>(MergePolicy::All, {1, M8, 1}), 1);
  EXPECT_EQ(merged<std::int8_t>(MergePolicy::All, {1, 0}), 0);
  EXPECT_EQ(merged<std::int8_t>(MergePolicy::All, {M8, M8}), M8);
}

TEST(MergedProfiles, MostFrequentTiesToTheSmallestAndLatestByTime) {
  EXPECT_EQ(merged<std::int32_t>(MergePolicy::MostFrequent, {7, 3, 7, 3, missing<std::int32_t>()}), 3);
  EXPECT_EQ(merged<std::int32_t>(MergePolicy::MostFrequent, {7, 3, 7}), 7);
  Column time(ColumnType::Int64);
  time.values<std::int64_t>() = {100, 300, M, 300};  // the second and fourth tie: the earlier member wins
  EXPECT_EQ(merged<std::int32_t>(MergePolicy::Latest, {1, 2, 3, 4}, &time), 2);
  time.values<std::int64_t>() = {M, M, M, M};
  EXPECT_EQ(merged<std::int32_t>(MergePolicy::Latest, {1, 2, 3, 4}, &time), missing<std::int32_t>());
}

}  // namespace
}  // namespace portrait::engine

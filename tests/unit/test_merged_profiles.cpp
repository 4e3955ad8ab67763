// tests/unit/test_merged_profiles.cpp: each merge policy on one person's
// members (hand-made values, missing values among them), and the record
// counts that channel_priority ranks members by.
#include <gtest/gtest.h>

#include <cmath>

#include "catalog/input_schema.hpp"
#include "core/error.hpp"
#include "engine/merged_profiles.hpp"

namespace portrait::engine {
namespace {

using catalog::MergePolicy;
constexpr std::int64_t M = missing<std::int64_t>();
constexpr std::int8_t M8 = missing<std::int8_t>();
constexpr std::int32_t M32 = missing<std::int32_t>();

template <class T>
T merged(MergePolicy policy, std::vector<T> values, std::vector<const Column*> by = {}) {
  Column column(column_type_of<T>());
  column.values<T>() = std::move(values);
  Column out(column.type());
  merge_values(policy, column, by, 0, column.size(), out);
  return out.values<T>().at(0);
}

Column int64s(std::vector<std::int64_t> values) {
  Column column(ColumnType::Int64);
  column.values<std::int64_t>() = std::move(values);
  return column;
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
  EXPECT_EQ(merged<std::int32_t>(MergePolicy::MostFrequent, {7, 3, 7, 3, M32}), 3);
  EXPECT_EQ(merged<std::int32_t>(MergePolicy::MostFrequent, {7, 3, 7}), 7);
  Column time = int64s({100, 300, M, 300});  // the second and fourth tie: the earlier member wins
  EXPECT_EQ(merged<std::int32_t>(MergePolicy::Latest, {1, 2, 3, 4}, {&time}), 2);
  time = int64s({M, M, M, M});
  EXPECT_EQ(merged<std::int32_t>(MergePolicy::Latest, {1, 2, 3, 4}, {&time}), M32);
}

// Four members (by customer id) and their records of three channels this
// month. Ranks with [billing, usage, web]: 1, 1, 0, 0; with [web, usage]:
// 1, 0, 2 (in none), 0; with [web]: 1, 0, 1, 0 (1: in none).
struct Members {
  Column billing = int64s({0, 0, 3, 1});
  Column usage = int64s({4, 5, 0, 0});
  Column web = int64s({0, 2, 0, 7});
  std::vector<const Column*> billing_usage_web{&billing, &usage, &web};
};

TEST(MergedProfiles, ChannelPriorityTakesTheBestRankedKnownValue) {
  const Members m;
  constexpr auto P = MergePolicy::ChannelPriority;
  // The third and fourth members are billed; the smaller customer id wins the tie.
  EXPECT_EQ(merged<std::int64_t>(P, {10, 20, 30, 40}, m.billing_usage_web), 30);
  // A missing value is passed over: the other billed member, ...
  EXPECT_EQ(merged<std::int64_t>(P, {10, 20, M, 40}, m.billing_usage_web), 40);
  // ... then the next rank (usage), again the smaller customer id first.
  EXPECT_EQ(merged<std::int64_t>(P, {10, 20, M, M}, m.billing_usage_web), 10);
  EXPECT_EQ(merged<std::int64_t>(P, {M, 20, M, M}, m.billing_usage_web), 20);
  EXPECT_EQ(merged<std::int64_t>(P, {M, M, M, M}, m.billing_usage_web), M);
  // The listed order decides, not the schema's.
  EXPECT_EQ(merged<std::int64_t>(P, {10, 20, 30, 40}, {&m.web, &m.usage}), 20);
  EXPECT_EQ(merged<std::int64_t>(P, {10, M, 30, 40}, {&m.web, &m.usage}), 40);
}

TEST(MergedProfiles, ChannelPriorityRanksMembersInNoListedChannelLast) {
  const Members m;
  constexpr auto P = MergePolicy::ChannelPriority;
  // The first member has no web record: the second wins despite its larger id.
  EXPECT_EQ(merged<std::int64_t>(P, {10, 20, 30, 40}, {&m.web}), 20);
  // Third in [web, usage] (in neither): only when no one else has a value.
  EXPECT_EQ(merged<std::int64_t>(P, {M, M, 30, M}, {&m.web, &m.usage}), 30);
  EXPECT_EQ(merged<std::int64_t>(P, {10, M, 30, M}, {&m.web, &m.usage}), 10);
  // Members in none of the channels tie among themselves: the smaller id.
  EXPECT_EQ(merged<std::int64_t>(P, {10, M, 30, M}, {&m.web}), 10);
}

TEST(MergedProfiles, ChannelPriorityMergesEveryValueType) {
  const Members m;
  constexpr auto P = MergePolicy::ChannelPriority;
  EXPECT_EQ(merged<std::int8_t>(P, {1, 1, 0, 1}, m.billing_usage_web), 0);  // bool
  EXPECT_EQ(merged<std::int8_t>(P, {1, 0, M8, 1}, m.billing_usage_web), 1);
  EXPECT_EQ(merged<std::int8_t>(P, {M8, M8, M8, M8}, m.billing_usage_web), M8);
  EXPECT_EQ(merged<std::int32_t>(P, {5, 6, 7, 8}, m.billing_usage_web), 7);  // category code
  EXPECT_EQ(merged<std::int32_t>(P, {5, 6, M32, M32}, m.billing_usage_web), 5);
  EXPECT_EQ(merged<std::int32_t>(P, {M32, M32, M32, M32}, m.billing_usage_web), M32);
  const double nan = missing<double>();
  EXPECT_EQ(merged<double>(P, {0.5, 1.5, nan, 2.5}, m.billing_usage_web), 2.5);  // float
  EXPECT_TRUE(std::isnan(merged<double>(P, {nan, nan, nan, nan}, m.billing_usage_web)));
}

TEST(MergedProfiles, ChannelPriorityReadsTheMembersRows) {
  // A person in rows [1, 4) of the shuffled members: rows 0 and 4 belong to others.
  const Column billing = int64s({5, 0, 0, 1, 9});
  const Column usage = int64s({0, 0, 3, 0, 0});
  Column values(ColumnType::Int64);
  values.values<std::int64_t>() = {1, 2, 3, 4, 5};
  Column out(ColumnType::Int64);
  const std::vector<const Column*> billing_usage{&billing, &usage}, usage_only{&usage};
  merge_values(MergePolicy::ChannelPriority, values, billing_usage, 1, 4, out);
  merge_values(MergePolicy::ChannelPriority, values, usage_only, 1, 4, out);
  EXPECT_EQ(out.values<std::int64_t>(), (std::vector<std::int64_t>{4, 3}));
}

// Customers 11, 12, 13 and their billing and usage records around March 2024.
struct Grouped {
  static constexpr std::int64_t kStart = 1709251200;  // 2024-03-01 00:00 UTC
  static constexpr std::int64_t kEnd = 1711929600;    // 2024-04-01 00:00 UTC
  GroupedCustomers grouped;

  Grouped() {
    grouped.customers.add("customer_id", ColumnType::Int64).values<std::int64_t>() = {11, 12, 13};
    Table billing("billing");
    billing.add("month", ColumnType::Int32).values<std::int32_t>() = {202402, 202403, 202403};
    grouped.channels.push_back({"billing", std::move(billing), {0, 2, 2, 3}});
    Table usage("usage");
    usage.add("ts", ColumnType::Int64).values<std::int64_t>() = {kStart - 1, kStart, kEnd - 1, kEnd};
    grouped.channels.push_back({"usage", std::move(usage), {0, 2, 4, 4}});
  }
};

catalog::Catalog priority_catalog(const std::string& channels) {
  const std::string text =
      "catalog: t\ncategories:\n  - id: c\n    subcategories:\n      - id: s\n        tags:\n"
      "          - id: tier\n            rule: {expr: \"customers.star_level\"}\n"
      "            merge: {policy: channel_priority, channels: [" +
      channels + "]}\n";
  return catalog::compile_catalog(text, "t.yaml", catalog::input_schema());
}

TEST(MergedProfiles, RecordCountsAreOfThePeriod) {
  Grouped g;
  count_channel_records(priority_catalog("usage, billing"), g.grouped, Period{2024, 3});
  // Billing: customer 11's February bill is not this month's; usage: the
  // period is [start, end).
  EXPECT_EQ(g.grouped.customers.values<std::int64_t>(channel_records_column("billing")),
            (std::vector<std::int64_t>{1, 0, 1}));
  EXPECT_EQ(g.grouped.customers.values<std::int64_t>(channel_records_column("usage")),
            (std::vector<std::int64_t>{1, 1, 0}));
  EXPECT_EQ(g.grouped.customers.column_count(), 3u);
}

TEST(MergedProfiles, RecordCountsNeedTheChannelsRecords) {
  Grouped g;
  try {
    count_channel_records(priority_catalog("billing, web"), g.grouped, Period{2024, 3});
    ADD_FAILURE() << "no error for a channel without records";
  } catch (const Error& e) {
    EXPECT_EQ(e.problem(), "no 'web' records were loaded, and a channel_priority merge ranks by them");
    EXPECT_EQ(e.where(), "t.yaml");
    EXPECT_EQ(e.hint(), "give the job an input for the channel web");
  }
}

}  // namespace
}  // namespace portrait::engine

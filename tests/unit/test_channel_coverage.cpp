// tests/unit/test_channel_coverage.cpp: a channel without records in the
// period is a warning, or an error when the job requires it.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "engine/channel_coverage.hpp"

namespace portrait::engine {
namespace {

TEST(ChannelCoverage, ChannelsWithoutRecordsInThePeriodAreReported) {
  const Period october = parse_period("2026-10");
  GroupedCustomers g;
  g.customers.add("customer_id", ColumnType::Int64).values<std::int64_t>() = {1, 2};
  Table billing("billing");
  billing.add("month", ColumnType::Int32).values<std::int32_t>() = {202608, 202609, 202609};
  Table usage("usage");
  usage.add("ts", ColumnType::Int64).values<std::int64_t>() = {october.start() - 1, october.start(),
                                                               october.end() - 1, october.end()};
  g.channels.push_back({"billing", std::move(billing), {}});
  g.channels.push_back({"usage", std::move(usage), {}});
  const std::vector<std::string> channels{"customers", "billing", "usage", "web"};
  const auto counts = records_in_period(g, channels, october);
  EXPECT_EQ(counts, (std::vector<std::int64_t>{2, 0, 2, 0}));

  const auto warnings =
      check_channel_coverage(channels, counts, {"billing", "usage", "marketing"}, {}, october, "job.yaml");
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_EQ(warnings[0],
            "channel 'billing' has no records in 2026-10: tags over it are zero or missing for "
            "every customer");
  EXPECT_EQ(warnings[1].substr(0, 34), "no shard holds channel 'marketing'");
  try {
    check_channel_coverage(channels, counts, {}, {"usage", "billing"}, october, "job.yaml");
    ADD_FAILURE() << "a required channel without records passed";
  } catch (const Error& e) {
    EXPECT_EQ(e.problem(), "channel 'billing' has no records in 2026-10, and the job requires it");
    EXPECT_EQ(e.where(), "job.yaml");
  }
  EXPECT_TRUE(check_channel_coverage(channels, counts, {"usage"}, {"usage"}, october, "job.yaml").empty());
}

}  // namespace
}  // namespace portrait::engine

// tests/mpi/test_value_summaries.cpp: the numeric summaries of compare and
// report at np = 1..4 against a sequential computation over all customers:
// counts, missing values, exact integer means, nearest-rank quantiles, and
// float means (summed per bucket along the fixed tree).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "core/hash.hpp"
#include "parallel/reduce.hpp"
#include "stats/run_comparison.hpp"

namespace portrait::stats {
namespace {

constexpr std::uint32_t kBuckets = 32;
constexpr std::int64_t kCustomers = 4001;

std::int64_t spend(CustomerId id) { return id % 7 == 0 ? missing<std::int64_t>() : (id * 7919) % 1000 - 300; }
double score(CustomerId id) {
  return id % 5 == 0 ? missing<double>() : static_cast<double>((id * 104729) % 997) / 13.0;
}

TEST(ValueSummaries, EqualASequentialComputation) {
  const parallel::Comm world;
  const auto range = parallel::even_bucket_range(kBuckets, world.size(), world.rank());
  std::vector<std::pair<Bucket, CustomerId>> mine;
  for (CustomerId id = 1; id <= kCustomers; ++id) {
    if (range.contains(bucket_of(id, kBuckets))) mine.emplace_back(bucket_of(id, kBuckets), id);
  }
  std::sort(mine.begin(), mine.end());
  Column spend_column(ColumnType::Int64), score_column(ColumnType::Float64);
  std::vector<std::int32_t> bucket;
  for (const auto& [b, id] : mine) {
    bucket.push_back(static_cast<std::int32_t>(b));
    spend_column.values<std::int64_t>().push_back(spend(id));
    score_column.values<double>().push_back(score(id));
  }
  const std::vector<LocalValues> groups = {local_values(spend_column, bucket, range),
                                           local_values(score_column, bucket, range)};
  EXPECT_TRUE(groups[0].integer);
  EXPECT_FALSE(groups[1].integer);
  const auto summaries = summarize_values(world, range, groups, {0.0, 0.5, 1.0});
  ASSERT_EQ(summaries.size(), 2u);

  std::vector<double> spends, scores;
  std::int64_t spend_sum = 0;
  double score_sum = 0;
  for (CustomerId id = 1; id <= kCustomers; ++id) {
    if (!is_missing(spend(id))) {
      spends.push_back(static_cast<double>(spend(id)));
      spend_sum += spend(id);
    }
    if (!is_missing(score(id))) {
      scores.push_back(score(id));
      score_sum += score(id);
    }
  }
  std::sort(spends.begin(), spends.end());
  std::sort(scores.begin(), scores.end());
  const auto nearest = [](const std::vector<double>& v, double q) {
    return v[parallel::quantile_rank(q, v.size())];
  };
  for (std::size_t g = 0; g < 2; ++g) {
    const auto& values = g == 0 ? spends : scores;
    const ValueSummary& s = summaries[g];
    EXPECT_EQ(s.count, static_cast<std::int64_t>(values.size()));
    EXPECT_EQ(s.missing, kCustomers - static_cast<std::int64_t>(values.size()));
    ASSERT_EQ(s.quantiles.size(), 3u);
    EXPECT_EQ(s.quantiles[0], values.front());
    EXPECT_EQ(s.quantiles[1], nearest(values, 0.5));
    EXPECT_EQ(s.quantiles[2], values.back());
  }
  EXPECT_EQ(*summaries[0].mean, static_cast<double>(spend_sum) / static_cast<double>(spends.size()));
  EXPECT_NEAR(*summaries[1].mean, score_sum / static_cast<double>(scores.size()), 1e-12);
}

}  // namespace
}  // namespace portrait::stats

// tests/mpi/test_reduce.cpp: exact reductions agree with a sequential
// computation over the same global data at every rank count.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <set>
#include <vector>

#include "core/hash.hpp"
#include "parallel/reduce.hpp"

namespace portrait::parallel {
namespace {

constexpr std::int64_t kValues = 10007;

// Global value g (independent of np); heavy-tailed, with ties and negatives.
std::int64_t value(std::int64_t g) {
  KeyedRandom rng(5, static_cast<std::uint64_t>(g));
  const auto magnitude =
      static_cast<std::int64_t>(rng.below(1000)) * static_cast<std::int64_t>(rng.below(1000));
  return rng.below(4) == 0 ? -magnitude : magnitude;
}

std::pair<std::int64_t, std::int64_t> my_slice(const Comm& c) {
  return {kValues * c.rank() / c.size(), kValues * (c.rank() + 1) / c.size()};
}

TEST(Reduce, ExactSumsBeyondInt64) {
  const Comm world;
  // Each rank contributes INT64_MAX: the total overflows int64 but not Int128.
  const Int128 total = sum_exact(world, Int128{std::numeric_limits<std::int64_t>::max()});
  EXPECT_TRUE(total == Int128{std::numeric_limits<std::int64_t>::max()} * world.size());
  const Int128 negative = sum_exact(world, Int128{-3});
  EXPECT_TRUE(negative == Int128{-3} * world.size());
}

TEST(Reduce, QuantilesEqualSequentialSort) {
  const Comm world;
  const auto [begin, end] = my_slice(world);
  std::vector<std::int64_t> mine, all;
  for (std::int64_t g = begin; g < end; ++g) mine.push_back(value(g));
  for (std::int64_t g = 0; g < kValues; ++g) all.push_back(value(g));
  std::sort(mine.begin(), mine.end());
  std::sort(all.begin(), all.end());
  // Group 0: everything; group 1: empty everywhere.
  const std::vector<std::span<const std::int64_t>> groups{mine, {}};
  for (double q : {0.0, 0.1, 0.5, 0.9, 1.0}) {
    const std::vector<std::uint64_t> k{quantile_rank(q, all.size()), quantile_rank(q, 0)};
    const auto got = kth_smallest(world, groups, k);
    EXPECT_EQ(got[0], all[k[0]]) << "q=" << q;
    EXPECT_TRUE(is_missing(got[1]));
  }
}

TEST(Reduce, OrderedBitsPreserveOrder) {
  const std::vector<double> v{-1e300, -2.5, -0.0, 0.0, 1e-300, 3.0, 1e300};
  for (std::size_t i = 1; i < v.size(); ++i) {
    EXPECT_LE(ordered_bits(v[i - 1]), ordered_bits(v[i]));
    EXPECT_EQ(from_ordered_bits(ordered_bits(v[i])), v[i]);
  }
}

TEST(Reduce, DistinctCountsEqualSequentialSets) {
  const Comm world;
  const auto [begin, end] = my_slice(world);
  std::vector<std::int64_t> group;
  std::vector<std::uint64_t> val;
  std::set<std::uint64_t> expected[3];
  for (std::int64_t g = 0; g < kValues; ++g) {
    const auto grp = static_cast<std::size_t>(g % 3);
    const auto v = static_cast<std::uint64_t>(value(g) % 500 + 1000);
    expected[grp].insert(v);
    if (g >= begin && g < end) {
      group.push_back(static_cast<std::int64_t>(grp));
      val.push_back(v);
    }
  }
  const auto counts = distinct_counts(world, 3, group, val, 4096);
  for (std::size_t g = 0; g < 3; ++g) EXPECT_EQ(counts[g], static_cast<std::int64_t>(expected[g].size()));
}

}  // namespace
}  // namespace portrait::parallel

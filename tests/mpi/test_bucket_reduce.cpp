// tests/mpi/test_bucket_reduce.cpp: the bucket-ordered reduction under mpirun
// gives rank 0's sequential tree to the bit, and exact sums are exact; bad
// splits fail on every rank.
#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <vector>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "parallel/bucket_reduce.hpp"
#include "parallel/collectives.hpp"

namespace portrait::parallel {
namespace {

double partial_value(std::size_t bucket, std::size_t k) {
  KeyedRandom random(5, bucket, k);
  return (random.uniform() - 0.5) * std::ldexp(1.0, static_cast<int>(random.below(50)) - 25);
}

TEST(BucketReduce, MatchesTheSequentialTreeBitForBit) {
  const Comm world;
  for (std::uint32_t buckets : {4u, 64u, 1024u}) {
    if (buckets < static_cast<std::uint32_t>(world.size())) continue;
    const std::size_t width = 7;
    const BucketRange range = even_bucket_range(buckets, world.size(), world.rank());
    std::vector<double> mine;
    for (Bucket b = range.begin; b < range.end; ++b) {
      for (std::size_t k = 0; k < width; ++k) mine.push_back(partial_value(b, k));
    }
    const std::vector<double> result = bucket_reduce(world, range, mine, width);
    std::vector<double> every;
    for (Bucket b = 0; b < buckets; ++b) {
      for (std::size_t k = 0; k < width; ++k) every.push_back(partial_value(b, k));
    }
    const std::vector<double> reference = tree_reduce_sequential(buckets, every, width);
    ASSERT_EQ(result.size(), width);
    EXPECT_EQ(std::memcmp(result.data(), reference.data(), width * sizeof(double)), 0)
        << buckets << " buckets";
  }
}

TEST(BucketReduce, UnevenSplitStillMatches) {
  // Rank r owns a share growing with r: a split no even rule would give.
  const Comm world;
  const std::uint32_t buckets = 256;
  const auto n = static_cast<std::uint32_t>(world.size());
  const auto r = static_cast<std::uint32_t>(world.rank());
  const std::uint32_t weight_total = n * (n + 1) / 2;
  const auto begin = static_cast<Bucket>(buckets * (r * (r + 1) / 2) / weight_total);
  const auto end = static_cast<Bucket>(buckets * ((r + 1) * (r + 2) / 2) / weight_total);
  std::vector<double> mine;
  for (Bucket b = begin; b < end; ++b) mine.push_back(partial_value(b, 0));
  const std::vector<double> result = bucket_reduce(world, BucketRange{buckets, begin, end}, mine, 1);
  std::vector<double> every;
  for (Bucket b = 0; b < buckets; ++b) every.push_back(partial_value(b, 0));
  const double reference = tree_reduce_sequential(buckets, every, 1)[0];
  EXPECT_EQ(std::memcmp(&result[0], &reference, sizeof(double)), 0);
}

TEST(BucketReduce, GapInTheSplitThrowsOnEveryRank) {
  const Comm world;
  BucketRange range = even_bucket_range(64, world.size(), world.rank());
  if (world.rank() == world.size() - 1) range.end -= 1;  // last bucket owned by no one
  const std::vector<double> mine(range.size(), 1.0);
  EXPECT_THROW(bucket_reduce(world, range, mine, 1), Error);
}

TEST(BucketReduce, WrongPartialSizeOnOneRankThrowsOnEveryRank) {
  const Comm world;
  const BucketRange range = even_bucket_range(64, world.size(), world.rank());
  const std::vector<double> mine(range.size() * 2 + (world.rank() == 0 ? 1 : 0), 1.0);
  EXPECT_THROW(bucket_reduce(world, range, mine, 2), Error);
}

TEST(BucketReduce, ExactSumsBeyondInt64) {
  const Comm world;
  const Int128 big = std::numeric_limits<std::int64_t>::max();
  const Int128 total = sum_exact(world, big);
  EXPECT_TRUE(total == big * world.size());
  const std::vector<Int128> mine{Int128{world.rank()}, -big};
  const std::vector<Int128> sums = sum_exact(world, std::span<const Int128>(mine));
  EXPECT_TRUE(sums[0] == Int128{world.size()} * (world.size() - 1) / 2);
  EXPECT_TRUE(sums[1] == -big * world.size());
}

}  // namespace
}  // namespace portrait::parallel

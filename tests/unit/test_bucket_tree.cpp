// tests/unit/test_bucket_tree.cpp: the fixed reduction tree of
// parallel/bucket_reduce without MPI: every simulated split of the buckets over
// ranks gives the same bits as the sequential tree.
#include <gtest/gtest.h>

#include <cstring>
#include <vector>

#include "core/hash.hpp"
#include "parallel/bucket_reduce.hpp"

namespace portrait::parallel {
namespace {

// Values of very different magnitudes, so a different summation order would
// almost surely change the bits.
std::vector<double> partials_for(std::uint32_t buckets, std::size_t width, std::uint64_t seed) {
  std::vector<double> partials(buckets * width);
  for (std::size_t i = 0; i < partials.size(); ++i) {
    KeyedRandom random(seed, i);
    partials[i] = (random.uniform() - 0.5) * std::ldexp(1.0, static_cast<int>(random.below(60)) - 30);
  }
  return partials;
}

bool same_bits(const std::vector<double>& a, const std::vector<double>& b) {
  return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}

// Simulates `cuts` (sorted rank boundaries inside (0, buckets)) as ranks.
std::vector<double> reduce_split(std::uint32_t buckets, const std::vector<double>& partials,
                                 std::size_t width, const std::vector<Bucket>& cuts) {
  std::vector<TreeNode> nodes;
  std::vector<double> values;
  Bucket begin = 0;
  for (std::size_t r = 0; r <= cuts.size(); ++r) {
    const Bucket end = r < cuts.size() ? cuts[r] : buckets;
    const BucketRange range{buckets, begin, end};
    const std::vector<TreeNode> owned = owned_tree_nodes(begin, end, buckets);
    const std::vector<double> owned_values = owned_node_values(
        range, std::span<const double>(partials).subspan(begin * width, range.size() * width), width, owned);
    nodes.insert(nodes.end(), owned.begin(), owned.end());
    values.insert(values.end(), owned_values.begin(), owned_values.end());
    begin = end;
  }
  return combine_tree_nodes(buckets, nodes, values, width);
}

TEST(BucketTree, MaximalNodesOfARange) {
  const std::vector<TreeNode> nodes = owned_tree_nodes(3, 13, 16);
  const std::vector<TreeNode> expected{{0, 3}, {2, 1}, {2, 2}, {0, 12}};
  EXPECT_EQ(nodes, expected);
  EXPECT_EQ(owned_tree_nodes(0, 16, 16), (std::vector<TreeNode>{{4, 0}}));
  EXPECT_TRUE(owned_tree_nodes(5, 5, 16).empty());
}

TEST(BucketTree, EverySplitOfSmallTreesGivesTheSequentialBits) {
  const std::uint32_t buckets = 16;
  const std::size_t width = 3;
  const std::vector<double> partials = partials_for(buckets, width, 7);
  const std::vector<double> reference = tree_reduce_sequential(buckets, partials, width);
  // Every subset of the 15 inner boundaries: all 2^15 contiguous splits.
  for (std::uint32_t mask = 0; mask < (1u << 15); ++mask) {
    std::vector<Bucket> cuts;
    for (Bucket b = 1; b < buckets; ++b) {
      if (mask & (1u << (b - 1))) cuts.push_back(b);
    }
    ASSERT_TRUE(same_bits(reduce_split(buckets, partials, width, cuts), reference)) << "mask " << mask;
  }
}

TEST(BucketTree, RandomSplitsOfALargeTreeGiveTheSequentialBits) {
  const std::uint32_t buckets = 4096;
  const std::size_t width = 5;
  const std::vector<double> partials = partials_for(buckets, width, 11);
  const std::vector<double> reference = tree_reduce_sequential(buckets, partials, width);
  for (std::uint64_t trial = 0; trial < 50; ++trial) {
    KeyedRandom random(3, trial);
    std::vector<Bucket> cuts;
    const std::uint64_t ranks = 1 + random.below(12);
    for (Bucket b = 1; b < buckets; ++b) {
      if (random.below(buckets) < ranks) cuts.push_back(b);
    }
    EXPECT_TRUE(same_bits(reduce_split(buckets, partials, width, cuts), reference)) << "trial " << trial;
  }
}

TEST(BucketTree, OrderMattersSoTheTestCanFail) {
  // The plain left-to-right sum of the same partials differs from the tree:
  // proof that bit equality above is not automatic.
  const std::uint32_t buckets = 4096;
  const std::vector<double> partials = partials_for(buckets, 1, 11);
  double serial = 0.0;
  for (double v : partials) serial += v;
  EXPECT_NE(serial, tree_reduce_sequential(buckets, partials, 1)[0]);
}

TEST(BucketTree, UncoveredBucketIsALogicError) {
  const std::vector<TreeNode> nodes{{1, 0}};
  const std::vector<double> values{1.0};
  EXPECT_THROW(combine_tree_nodes(4, nodes, values, 1), std::logic_error);
}

TEST(BucketTree, EvenRangesSplitEveryBucketOnce) {
  for (int ranks = 1; ranks <= 7; ++ranks) {
    Bucket next = 0;
    for (int r = 0; r < ranks; ++r) {
      const BucketRange range = even_bucket_range(64, ranks, r);
      EXPECT_EQ(range.begin, next);
      next = range.end;
    }
    EXPECT_EQ(next, 64u);
  }
}

}  // namespace
}  // namespace portrait::parallel

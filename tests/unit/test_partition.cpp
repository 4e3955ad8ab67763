// tests/unit/test_partition.cpp: bucket ranges cover [0, B) exactly once and
// owner_of_bucket inverts range_of for every rank count.
#include <gtest/gtest.h>

#include "core/error.hpp"
#include "parallel/partition.hpp"

namespace portrait::parallel {
namespace {

TEST(BucketPartition, RangesTileAllBucketsAndOwnerInvertsThem) {
  for (std::uint32_t buckets : {4u, 64u, 4096u}) {
    for (int ranks : {1, 2, 3, 4, 7}) {
      if (static_cast<std::uint32_t>(ranks) > buckets) continue;
      const BucketPartition part(buckets, ranks);
      Bucket next = 0;
      for (int r = 0; r < ranks; ++r) {
        const auto range = part.range_of(r);
        EXPECT_EQ(range.begin, next);
        EXPECT_GE(range.size(), buckets / static_cast<std::uint32_t>(ranks));
        EXPECT_LE(range.size(), buckets / static_cast<std::uint32_t>(ranks) + 1);
        for (Bucket b = range.begin; b < range.end; ++b) ASSERT_EQ(part.owner_of_bucket(b), r);
        next = range.end;
      }
      EXPECT_EQ(next, buckets);
    }
  }
}

TEST(BucketPartition, RejectsBadBucketCounts) {
  EXPECT_THROW(BucketPartition(100, 2), Error);
  EXPECT_THROW(BucketPartition(2, 3), Error);
  EXPECT_NO_THROW(BucketPartition(4, 4));
}

}  // namespace
}  // namespace portrait::parallel

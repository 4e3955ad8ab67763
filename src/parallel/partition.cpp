// src/parallel/partition.cpp: contiguous bucket ranges per rank.
#include "parallel/partition.hpp"

#include <fmt/format.h>

#include "core/error.hpp"

namespace portrait::parallel {

BucketPartition::BucketPartition(std::uint32_t buckets, int ranks) : buckets_(buckets), ranks_(ranks) {
  if (!is_power_of_two(buckets)) {
    throw Error(fmt::format("bucket count {} is not a power of two", buckets), "job setting 'buckets'",
                "use 4096 (the default) or another power of two, 64 x ranks or more");
  }
  if (ranks < 1 || buckets < static_cast<std::uint32_t>(ranks)) {
    throw Error(fmt::format("bucket count {} is smaller than the {} ranks", buckets, ranks),
                "job setting 'buckets'",
                "every rank must own at least one bucket: raise 'buckets' to 64 x ranks or more");
  }
}

BucketRange BucketPartition::range_of(int rank) const {
  const auto r = static_cast<std::uint64_t>(rank);
  const auto p = static_cast<std::uint64_t>(ranks_);
  return {buckets_, static_cast<Bucket>(r * buckets_ / p), static_cast<Bucket>((r + 1) * buckets_ / p)};
}

int BucketPartition::owner_of_bucket(Bucket b) const {
  // Inverse of range_of: the largest r with r*B/P <= b.
  const auto p = static_cast<std::uint64_t>(ranks_);
  auto r = static_cast<int>(((static_cast<std::uint64_t>(b) + 1) * p - 1) / buckets_);
  while (range_of(r).begin > b) --r;
  while (range_of(r).end <= b) ++r;
  return r;
}

}  // namespace portrait::parallel

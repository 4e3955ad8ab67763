// src/parallel/partition.hpp: which rank owns which virtual buckets. Customers hash
// to B buckets (B a power of two, B >= ranks); rank r owns the contiguous range
// [r*B/P, (r+1)*B/P). Output order is (bucket, customer_id), so outputs are the
// same for any rank count.
#pragma once

#include <cstdint>

#include "core/hash.hpp"

namespace portrait::parallel {

// Buckets [begin, end) that one rank owns, out of `buckets` in total.
struct BucketRange {
  std::uint32_t buckets = 1;
  Bucket begin = 0;
  Bucket end = 0;  // exclusive
  bool contains(Bucket b) const { return b >= begin && b < end; }
  std::size_t size() const { return end - begin; }
};

class BucketPartition {
 public:
  // Throws portrait::Error unless buckets is a power of two and >= ranks.
  BucketPartition(std::uint32_t buckets, int ranks);

  std::uint32_t buckets() const { return buckets_; }
  int ranks() const { return ranks_; }
  BucketRange range_of(int rank) const;
  int owner_of_bucket(Bucket b) const;
  int owner_of(CustomerId id) const { return owner_of_bucket(bucket_of(id, buckets_)); }

 private:
  std::uint32_t buckets_;
  int ranks_;
};

// Rank `rank`'s range of the partition of `buckets` over `ranks`.
inline BucketRange even_bucket_range(std::uint32_t buckets, int ranks, int rank) {
  return BucketPartition(buckets, ranks).range_of(rank);
}

}  // namespace portrait::parallel

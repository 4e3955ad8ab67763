// src/identity/customer_owners.hpp: which rank owns a customer: the rank
// whose contiguous range of virtual buckets holds the customer's bucket.
// The identity graph keeps each customer's parent pointer on that rank, so
// person ids end up where the customer's other tags are, with no exchange.
#pragma once

#include <cstdint>
#include <vector>

#include "core/hash.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::identity {

class CustomerOwners {
 public:
  // first_bucket[r] is the first bucket of rank r, first_bucket[ranks] ==
  // buckets; ranges are contiguous and ascending (checked, portrait::Error).
  CustomerOwners(std::uint32_t buckets, std::vector<Bucket> first_bucket);

  // Collective: each rank passes its own range [first, end).
  static CustomerOwners gather(const parallel::Comm& comm, std::uint32_t buckets, Bucket first, Bucket end);

  int rank_of(CustomerId id) const { return rank_of_bucket(bucket_of(id, buckets_)); }
  int rank_of_bucket(Bucket bucket) const { return rank_of_bucket_[bucket]; }
  std::uint32_t buckets() const { return buckets_; }
  int ranks() const { return static_cast<int>(first_bucket_.size()) - 1; }

 private:
  std::uint32_t buckets_;
  std::vector<Bucket> first_bucket_;
  std::vector<int> rank_of_bucket_;
};

}  // namespace portrait::identity

// src/identity/customer_owners.cpp: the bucket-range map of customers to ranks.
#include "identity/customer_owners.hpp"

#include <string>

#include "core/error.hpp"
#include "parallel/collectives.hpp"

namespace portrait::identity {

CustomerOwners::CustomerOwners(std::uint32_t buckets, std::vector<Bucket> first_bucket)
    : buckets_(buckets), first_bucket_(std::move(first_bucket)) {
  if (!is_power_of_two(buckets_)) {
    throw Error(std::to_string(buckets_) + " buckets is not a power of two", "identity/customer_owners",
                "set the job's bucket count to a power of two");
  }
  if (first_bucket_.size() < 2 || first_bucket_.front() != 0 || first_bucket_.back() != buckets_) {
    throw Error("bucket ranges do not cover buckets 0.." + std::to_string(buckets_),
                "identity/customer_owners",
                "give every rank a contiguous range; together they must cover all buckets");
  }
  rank_of_bucket_.resize(buckets_);
  for (std::size_t r = 0; r + 1 < first_bucket_.size(); ++r) {
    if (first_bucket_[r] > first_bucket_[r + 1]) {
      throw Error("bucket range of rank " + std::to_string(r) + " ends before it starts",
                  "identity/customer_owners", "ranges must be ascending");
    }
    for (Bucket b = first_bucket_[r]; b < first_bucket_[r + 1]; ++b) rank_of_bucket_[b] = static_cast<int>(r);
  }
}

CustomerOwners CustomerOwners::gather(const parallel::Comm& comm, std::uint32_t buckets, Bucket first,
                                      Bucket end) {
  std::vector<Bucket> firsts = parallel::allgather(comm, first);
  const std::vector<Bucket> ends = parallel::allgather(comm, end);
  for (std::size_t r = 0; r + 1 < firsts.size(); ++r) {
    if (ends[r] != firsts[r + 1]) {
      throw Error("bucket range of rank " + std::to_string(r) + " ends at " + std::to_string(ends[r]) +
                      " but rank " + std::to_string(r + 1) + " starts at " + std::to_string(firsts[r + 1]),
                  "identity/customer_owners", "ranges must be contiguous");
    }
  }
  firsts.push_back(ends.back());
  return CustomerOwners(buckets, std::move(firsts));
}

}  // namespace portrait::identity

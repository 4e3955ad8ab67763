// src/identity/customer_vertices.cpp: vertex names, the checks of the
// customer lists, and the lookup of ids at their owners.
#include "identity/customer_vertices.hpp"

#include <algorithm>
#include <limits>
#include <string>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "identity/radix_sort.hpp"
#include "parallel/collectives.hpp"

namespace portrait::identity {
namespace {

constexpr std::size_t kAbsent = std::numeric_limits<std::size_t>::max();

}  // namespace

CustomerVertices::CustomerVertices(const parallel::Comm& comm, std::span<const CustomerId> customers,
                                   const CustomerOwners& owners)
    : comm_(comm),
      customers_(customers),
      owners_(owners),
      first_vertex_(static_cast<Vertex>(comm.rank()) << kVertexPositionBits),
      exchange_(comm) {
  if (comm.size() > (1 << kVertexRankBits) || customers.size() >= (std::size_t{1} << kVertexPositionBits)) {
    throw Error(std::to_string(comm.size()) + " ranks, " + std::to_string(customers.size()) +
                    " customers on rank " + std::to_string(comm.rank()) +
                    ": vertex names hold at most 2^16 ranks and 2^40 customers per rank",
                "identity/customer_vertices", "run identity resolution on fewer ranks");
  }
  // The engine lists a rank's customers by (bucket, id); strictly increasing
  // pairs prove them distinct without sorting.
  bool in_bucket_order = true;
  Bucket previous_bucket = 0;
  for (std::size_t i = 0; i < customers.size(); ++i) {
    const Bucket bucket = bucket_of(customers[i], owners.buckets());
    if (owners.rank_of_bucket(bucket) != comm.rank()) ++unknown_ids_;
    if (i > 0 &&
        (bucket < previous_bucket || (bucket == previous_bucket && customers[i] <= customers[i - 1]))) {
      in_bucket_order = false;
    }
    previous_bucket = bucket;
  }
  if (!in_bucket_order) {
    sort_directory();
    for (std::size_t i = 1; i < directory_.size(); ++i) {
      if (directory_[i].id == directory_[i - 1].id) ++unknown_ids_;
    }
  }
}

void CustomerVertices::sort_directory() {
  directory_.resize(customers_.size());
  for (std::size_t i = 0; i < customers_.size(); ++i) directory_[i] = {customers_[i], i};
  radix_sort(directory_, scratch_, [](const IdAndSlot& d) { return radix_key(d.id); });
  directory_sorted_ = true;
}

std::size_t CustomerVertices::find(CustomerId id, std::size_t& from) const {
  // Gallop forward from the previous hit, then binary search the last step.
  std::size_t step = 1, lo = from, hi = from;
  while (hi < directory_.size() && directory_[hi].id < id) {
    lo = hi + 1;
    hi += step;
    step *= 2;
  }
  hi = std::min(hi, directory_.size());
  const auto it =
      std::lower_bound(directory_.begin() + static_cast<long>(lo), directory_.begin() + static_cast<long>(hi),
                       id, [](const IdAndSlot& d, CustomerId value) { return d.id < value; });
  from = static_cast<std::size_t>(it - directory_.begin());
  return (it != directory_.end() && it->id == id) ? from : kAbsent;
}

void CustomerVertices::lookup(std::span<const CustomerId> ids, std::vector<Vertex>& vertices) {
  if (!directory_sorted_) sort_directory();
  // Queries go out sorted by id, so the owner answers each sender's block
  // with one forward scan of its directory.
  queries_.resize(ids.size());
  for (std::size_t k = 0; k < ids.size(); ++k) queries_[k] = {ids[k], k};
  radix_sort(queries_, scratch_, [](const IdAndSlot& q) { return radix_key(q.id); });
  const auto message_of = [&](std::size_t k) {
    return OwnerMessage{static_cast<std::uint64_t>(queries_[k].id), 0};
  };
  const auto route = [&](const OwnerMessage& m) {
    return owners_.rank_of(static_cast<CustomerId>(m.target));
  };
  const std::span<const OwnerMessage> received = exchange_.send(queries_.size(), message_of, route);
  std::vector<std::uint64_t>& answers = exchange_.answers();
  std::size_t at = 0;
  for (const std::int64_t count : exchange_.received_counts()) {
    std::size_t from = 0;
    for (std::int64_t k = 0; k < count; ++k, ++at) {
      const std::size_t i = find(static_cast<CustomerId>(received[at].target), from);
      if (i == kAbsent) ++unknown_ids_;
      answers[at] = i == kAbsent ? kNoVertex : vertex(directory_[i].slot);
    }
  }
  vertices.resize(ids.size());
  exchange_.reply(queries_.size(), message_of, route,
                  [&](std::size_t k, std::uint64_t vertex) { vertices[queries_[k].slot] = vertex; });
}

void CustomerVertices::check() const {
  const std::int64_t unknown = parallel::sum<std::int64_t>(comm_, unknown_ids_);
  if (unknown > 0) {
    throw Error(
        std::to_string(unknown) + " customer ids of identity records or customer lists are not customers " +
            "of the rank that owns their bucket (or are listed twice)",
        "identity/customer_vertices", "pass each rank its own customers, once, and only their records");
  }
}

}  // namespace portrait::identity

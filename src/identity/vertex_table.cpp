// src/identity/vertex_table.cpp: owner-side storage of graph vertices and
// the sorted-query exchanges over it.
#include "identity/vertex_table.hpp"

#include <algorithm>
#include <limits>

#include "core/hash.hpp"
#include "dist/alltoallv.hpp"
#include "identity/radix_sort.hpp"

namespace portrait::identity {
namespace {

constexpr std::size_t kAbsent = std::numeric_limits<std::size_t>::max();

CustomerId id_of(const VertexQuery& q) { return q.id; }
CustomerId id_of(const VertexUpdate& u) { return u.id; }
CustomerId id_of(CustomerId id) { return id; }
CustomerId value_of(const VertexUpdate& u) { return u.value; }
CustomerId value_of(const VertexQuery&) { return 0; }
CustomerId value_of(CustomerId) { return 0; }

}  // namespace

int VertexTable::owner_of(CustomerId id, int ranks) {
  // High bits: the low bits of mix64 choose the customer's bucket.
  return static_cast<int>(mix64(static_cast<std::uint64_t>(id)) >> 40) % ranks;
}

template <class T>
void VertexTable::send_to_owners(std::span<const T> items) {
  const int ranks = comm_.size();
  send_counts_.assign(static_cast<std::size_t>(ranks), 0);
  position_.resize(items.size());
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0 && id_of(items[i]) == id_of(items[i - 1])) continue;
    ++send_counts_[static_cast<std::size_t>(owner_of(id_of(items[i]), ranks))];
    ++distinct;
  }
  std::vector<std::int64_t> next(static_cast<std::size_t>(ranks), 0);
  for (std::size_t r = 1; r < next.size(); ++r) next[r] = next[r - 1] + send_counts_[r - 1];
  send_.resize(distinct);
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0 && id_of(items[i]) == id_of(items[i - 1])) {
      position_[i] = position_[i - 1];
      continue;
    }
    const auto at =
        static_cast<std::size_t>(next[static_cast<std::size_t>(owner_of(id_of(items[i]), ranks))]++);
    send_[at] = {id_of(items[i]), value_of(items[i])};
    position_[i] = at;
  }
  dist::alltoallv<VertexUpdate>(comm_, send_, send_counts_, recv_, recv_counts_);
  ++exchanges_;
}

std::size_t VertexTable::find(CustomerId id, std::size_t& from) const {
  // Gallop forward from the previous hit, then binary search the last step.
  std::size_t step = 1, lo = from, hi = from;
  while (hi < ids_.size() && ids_[hi] < id) {
    lo = hi + 1;
    hi += step;
    step *= 2;
  }
  hi = std::min(hi, ids_.size());
  const auto it =
      std::lower_bound(ids_.begin() + static_cast<long>(lo), ids_.begin() + static_cast<long>(hi), id);
  from = static_cast<std::size_t>(it - ids_.begin());
  return (it != ids_.end() && *it == id) ? from : kAbsent;
}

void VertexTable::add(std::span<const CustomerId> ids) {
  send_to_owners(ids);
  // Blocks from each sender are sorted; one radix sort merges them.
  radix_sort(recv_, send_, [](const VertexUpdate& u) { return radix_key(u.id); });
  std::vector<CustomerId> merged;
  merged.reserve(ids_.size() + recv_.size());
  std::size_t a = 0, b = 0;
  while (a < ids_.size() || b < recv_.size()) {
    CustomerId next;
    if (b == recv_.size() || (a < ids_.size() && ids_[a] <= recv_[b].id)) {
      next = ids_[a++];
    } else {
      next = recv_[b++].id;
    }
    if (merged.empty() || merged.back() != next) merged.push_back(next);
  }
  ids_.swap(merged);
  parent_ = ids_;
  size_.assign(ids_.size(), 0);
}

void VertexTable::lookup(std::span<const VertexQuery> queries, Field field,
                         std::vector<CustomerId>& answers) {
  send_to_owners(queries);
  answers_out_.resize(recv_.size());
  std::size_t at = 0;
  for (const std::int64_t count : recv_counts_) {
    std::size_t from = 0;
    for (std::int64_t k = 0; k < count; ++k, ++at) {
      const CustomerId id = recv_[at].id;
      const std::size_t i = find(id, from);
      if (field == Field::Parent) {
        answers_out_[at] = i == kAbsent ? id : parent_[i];
      } else {
        answers_out_[at] = i == kAbsent ? 1 : size_[i];
      }
    }
  }
  // The answers go back along the blocks they came in.
  const std::vector<std::int64_t> back_counts = recv_counts_;
  std::vector<std::int64_t> counts_in;
  dist::alltoallv<CustomerId>(comm_, answers_out_, back_counts, answers_in_, counts_in);
  ++exchanges_;
  for (std::size_t q = 0; q < queries.size(); ++q) answers[queries[q].slot] = answers_in_[position_[q]];
}

void VertexTable::hook(std::span<const VertexUpdate> updates, std::vector<std::uint32_t>& lowered) {
  send_to_owners(updates);
  lowered.clear();
  std::size_t at = 0;
  for (const std::int64_t count : recv_counts_) {
    std::size_t from = 0;
    for (std::int64_t k = 0; k < count; ++k, ++at) {
      const std::size_t i = find(recv_[at].id, from);
      if (i == kAbsent || recv_[at].value >= parent_[i]) continue;
      if (parent_[i] == ids_[i]) lowered.push_back(static_cast<std::uint32_t>(i));
      parent_[i] = recv_[at].value;
    }
  }
}

void VertexTable::add_sizes(std::span<const VertexUpdate> updates) {
  send_to_owners(updates);
  std::size_t at = 0;
  for (const std::int64_t count : recv_counts_) {
    std::size_t from = 0;
    for (std::int64_t k = 0; k < count; ++k, ++at) {
      const std::size_t i = find(recv_[at].id, from);
      if (i != kAbsent) size_[i] += recv_[at].value;
    }
  }
}

}  // namespace portrait::identity

// src/identity/vertex_table.cpp: owner-side storage of graph vertices and
// the sorted-query exchanges over it.
#include "identity/vertex_table.hpp"

#include <algorithm>
#include <limits>

#include "dist/alltoallv.hpp"
#include "identity/radix_sort.hpp"

namespace portrait::identity {
namespace {

constexpr std::size_t kAbsent = std::numeric_limits<std::size_t>::max();

CustomerId id_of(const VertexQuery& q) { return q.id; }
CustomerId id_of(const VertexUpdate& u) { return u.id; }
CustomerId value_of(const VertexUpdate& u) { return u.value; }
CustomerId value_of(const VertexQuery&) { return 0; }

}  // namespace

template <class T>
void VertexTable::send_to_owners(std::span<const T> items) {
  const int ranks = comm_.size();
  send_counts_.assign(static_cast<std::size_t>(ranks), 0);
  position_.resize(items.size());
  std::size_t distinct = 0;
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0 && id_of(items[i]) == id_of(items[i - 1])) continue;
    ++send_counts_[static_cast<std::size_t>(owners_.rank_of(id_of(items[i])))];
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
        static_cast<std::size_t>(next[static_cast<std::size_t>(owners_.rank_of(id_of(items[i])))]++);
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

void VertexTable::assign(std::span<const CustomerId> customers) {
  std::vector<VertexQuery> sorted(customers.size()), scratch;
  for (std::size_t i = 0; i < customers.size(); ++i) sorted[i] = {customers[i], i};
  radix_sort(sorted, scratch, [](const VertexQuery& q) { return radix_key(q.id); });
  ids_.clear();
  list_position_.clear();
  for (const VertexQuery& q : sorted) {
    if ((!ids_.empty() && ids_.back() == q.id) || owners_.rank_of(q.id) != comm_.rank()) {
      ++unknown_ids_;
      continue;
    }
    ids_.push_back(q.id);
    list_position_.push_back(q.slot);
  }
  parent_ = ids_;
  members_.assign(ids_.size(), 1);
}

void VertexTable::write_parents(std::span<CustomerId> persons) const {
  for (std::size_t i = 0; i < ids_.size(); ++i) persons[list_position_[i]] = parent_[i];
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
      if (i == kAbsent) {
        ++unknown_ids_;
        answers_out_[at] = field == Field::Parent ? id : 1;
      } else {
        answers_out_[at] = field == Field::Parent ? parent_[i] : members_[i];
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
      if (i == kAbsent) {
        ++unknown_ids_;
        continue;
      }
      if (recv_[at].value >= parent_[i]) continue;
      if (parent_[i] == ids_[i]) lowered.push_back(static_cast<std::uint32_t>(i));
      parent_[i] = recv_[at].value;
    }
  }
}

void VertexTable::add_members(std::span<const VertexUpdate> updates) {
  send_to_owners(updates);
  std::size_t at = 0;
  for (const std::int64_t count : recv_counts_) {
    std::size_t from = 0;
    for (std::int64_t k = 0; k < count; ++k, ++at) {
      const std::size_t i = find(recv_[at].id, from);
      if (i == kAbsent) {
        ++unknown_ids_;
      } else {
        members_[i] += recv_[at].value;
      }
    }
  }
}

}  // namespace portrait::identity

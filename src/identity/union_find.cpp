// src/identity/union_find.cpp: sequential union-find and its customer-id view.
#include "identity/union_find.hpp"

#include <algorithm>
#include <limits>
#include <numeric>
#include <string>

#include "core/error.hpp"

namespace portrait::identity {

void UnionFind::reset(std::size_t n) {
  if (n > std::numeric_limits<std::uint32_t>::max()) {
    throw Error("union-find over " + std::to_string(n) + " elements exceeds 2^32", "identity/union_find",
                "split the graph (the distributed components have no such limit)");
  }
  parent_.resize(n);
  size_.assign(n, 1);
  std::iota(parent_.begin(), parent_.end(), std::uint32_t{0});
}

std::uint32_t UnionFind::find(std::uint32_t x) {
  while (parent_[x] != x) {
    parent_[x] = parent_[parent_[x]];  // path halving
    x = parent_[x];
  }
  return x;
}

bool UnionFind::unite(std::uint32_t a, std::uint32_t b) {
  a = find(a);
  b = find(b);
  if (a == b) return false;
  if (size_[a] < size_[b]) std::swap(a, b);
  parent_[b] = a;
  size_[a] += size_[b];
  return true;
}

std::vector<CustomerId> UnionFind::min_labels(std::span<const CustomerId> ids) {
  // The root is chosen by size, not by id: a second pass names each set by
  // its smallest id so the labels do not depend on the order of unions.
  const std::size_t n = parent_.size();
  std::vector<CustomerId> smallest(n, std::numeric_limits<CustomerId>::max());
  for (std::uint32_t i = 0; i < n; ++i) {
    const std::uint32_t r = find(i);
    smallest[r] = std::min(smallest[r], ids[i]);
  }
  std::vector<CustomerId> labels(n);
  for (std::uint32_t i = 0; i < n; ++i) labels[i] = smallest[find(i)];
  return labels;
}

CustomerUnionFind::CustomerUnionFind(std::vector<CustomerId> customers)
    : customers_(std::move(customers)), sets_(customers_.size()) {
  if (!std::is_sorted(customers_.begin(), customers_.end()) ||
      std::adjacent_find(customers_.begin(), customers_.end()) != customers_.end()) {
    throw Error("customer ids are not sorted and distinct", "identity/union_find",
                "sort and deduplicate them");
  }
}

std::uint32_t CustomerUnionFind::index_of(CustomerId id) const {
  const auto it = std::lower_bound(customers_.begin(), customers_.end(), id);
  if (it == customers_.end() || *it != id) {
    throw Error("unknown customer " + std::to_string(id), "identity/union_find",
                "every linked customer must be in the customer list");
  }
  return static_cast<std::uint32_t>(it - customers_.begin());
}

void CustomerUnionFind::unite(CustomerId a, CustomerId b) { sets_.unite(index_of(a), index_of(b)); }

std::vector<CustomerId> CustomerUnionFind::persons() { return sets_.min_labels(customers_); }

}  // namespace portrait::identity

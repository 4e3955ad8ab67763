// src/identity/union_find.hpp: sequential union-find (path halving, union by
// size) over dense indices, labelled so every element's person is the
// smallest customer id of its set. The reference for the distributed
// components and the baseline of the identity benchmark.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/types.hpp"

namespace portrait::identity {

class UnionFind {
 public:
  explicit UnionFind(std::size_t n = 0) { reset(n); }

  // n singletons; keeps capacity.
  void reset(std::size_t n);
  std::size_t size() const { return parent_.size(); }

  std::uint32_t find(std::uint32_t x);
  // Returns true when a and b were in different sets.
  bool unite(std::uint32_t a, std::uint32_t b);

  // person[i] = smallest ids[j] over the set of i; ids[i] is the customer id
  // of element i.
  std::vector<CustomerId> min_labels(std::span<const CustomerId> ids);

 private:
  std::vector<std::uint32_t> parent_;
  std::vector<std::uint32_t> size_;
};

// Union-find addressed by customer id. `customers` must be sorted and
// distinct; unknown ids throw portrait::Error.
class CustomerUnionFind {
 public:
  explicit CustomerUnionFind(std::vector<CustomerId> customers);

  void unite(CustomerId a, CustomerId b);
  // Person id of every customer, in the order of `customers()`.
  std::vector<CustomerId> persons();
  const std::vector<CustomerId>& customers() const { return customers_; }
  std::uint32_t index_of(CustomerId id) const;

 private:
  std::vector<CustomerId> customers_;
  UnionFind sets_;
};

}  // namespace portrait::identity

// src/parallel/bucket_reduce.hpp: reductions whose result does not depend on the
// rank count: floating-point per-bucket partials combined along one fixed
// binary tree over the bucket index (exact integer sums are in parallel/collectives.hpp).
//
// The tree over [0, B) (B a power of two) has node (level, index) covering
// buckets [index << level, (index + 1) << level) with value left + right.
// Whatever the contiguous split of buckets over ranks, every node is computed
// from the same two children, so the root is the same bits everywhere.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/types.hpp"
#include "parallel/mpi_context.hpp"
#include "parallel/partition.hpp"

namespace portrait::parallel {

// One node of the fixed tree.
struct TreeNode {
  std::uint32_t level = 0;
  std::uint32_t index = 0;
  friend bool operator==(const TreeNode&, const TreeNode&) = default;
};

// The maximal tree nodes that lie inside [begin, end), in bucket order.
std::vector<TreeNode> owned_tree_nodes(Bucket begin, Bucket end, std::uint32_t buckets);

// Values (width `width` each, concatenated in the order of `nodes`) of the
// nodes of owned_tree_nodes(range), from `partials`: one row of `width` per
// owned bucket, in bucket order.
std::vector<double> owned_node_values(const BucketRange& range, std::span<const double> partials,
                                      std::size_t width, std::span<const TreeNode> nodes);

// The root of the tree from nodes that cover [0, buckets) exactly once
// (values concatenated in the order of `nodes`). Throws std::logic_error when
// the nodes do not cover every bucket.
std::vector<double> combine_tree_nodes(std::uint32_t buckets, std::span<const TreeNode> nodes,
                                       std::span<const double> values, std::size_t width);

// The root computed on one process from all B partial rows: the reference.
std::vector<double> tree_reduce_sequential(std::uint32_t buckets, std::span<const double> partials,
                                           std::size_t width);

// Collective. Every rank passes its range (together they must split
// [0, buckets) contiguously in rank order) and its partial rows; every rank
// gets the root, bit-identical for any rank count and split. Bad ranges or
// sizes throw portrait::Error on every rank.
std::vector<double> bucket_reduce(const Comm& comm, const BucketRange& range,
                                  std::span<const double> partials, std::size_t width);

}  // namespace portrait::parallel

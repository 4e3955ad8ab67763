// src/parallel/bucket_reduce.cpp: the fixed-tree reduction of per-bucket
// floating-point partials.
#include "parallel/bucket_reduce.hpp"

#include <fmt/format.h>

#include <array>
#include <bit>
#include <map>
#include <stdexcept>
#include <utility>

#include "core/hash.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/collectives.hpp"

namespace portrait::parallel {

namespace {

std::uint64_t node_key(const TreeNode& node) {
  return (static_cast<std::uint64_t>(node.level) << 32) | node.index;
}

TreeNode node_of_key(std::uint64_t key) {
  return TreeNode{static_cast<std::uint32_t>(key >> 32), static_cast<std::uint32_t>(key & 0xffffffffULL)};
}

using NodeValues = std::map<std::pair<std::uint32_t, std::uint32_t>, std::span<const double>>;

// Value of `node` from the given nodes, descending the fixed tree where a node
// is not given. Always left + right, so the shape never depends on the split.
std::vector<double> evaluate(const NodeValues& given, TreeNode node, std::size_t width) {
  if (auto it = given.find({node.level, node.index}); it != given.end()) {
    return {it->second.begin(), it->second.end()};
  }
  if (node.level == 0) {
    throw std::logic_error(fmt::format("bucket {} is not covered by any rank's tree nodes", node.index));
  }
  std::vector<double> left = evaluate(given, TreeNode{node.level - 1, 2 * node.index}, width);
  const std::vector<double> right = evaluate(given, TreeNode{node.level - 1, 2 * node.index + 1}, width);
  for (std::size_t k = 0; k < width; ++k) left[k] += right[k];
  return left;
}

}  // namespace

std::vector<TreeNode> owned_tree_nodes(Bucket begin, Bucket end, std::uint32_t buckets) {
  std::vector<TreeNode> nodes;
  const auto top = static_cast<std::uint32_t>(std::countr_zero(buckets));
  std::uint64_t pos = begin;
  while (pos < end) {
    std::uint32_t level =
        pos == 0 ? top : std::min<std::uint32_t>(top, static_cast<std::uint32_t>(std::countr_zero(pos)));
    while (pos + (std::uint64_t{1} << level) > end) --level;
    nodes.push_back(TreeNode{level, static_cast<std::uint32_t>(pos >> level)});
    pos += std::uint64_t{1} << level;
  }
  return nodes;
}

std::vector<double> owned_node_values(const BucketRange& range, std::span<const double> partials,
                                      std::size_t width, std::span<const TreeNode> nodes) {
  std::vector<double> values;
  values.reserve(nodes.size() * width);
  std::vector<double> scratch;
  for (const TreeNode& node : nodes) {
    const std::size_t size = std::size_t{1} << node.level;
    const std::size_t first = (static_cast<std::size_t>(node.index) << node.level) - range.begin;
    scratch.assign(partials.begin() + static_cast<std::ptrdiff_t>(first * width),
                   partials.begin() + static_cast<std::ptrdiff_t>((first + size) * width));
    // After the pass with stride s, row j (j a multiple of 2s) holds the
    // node of 2s buckets starting at j: the fixed tree, bottom up.
    for (std::size_t s = 1; s < size; s *= 2) {
      for (std::size_t j = 0; j < size; j += 2 * s) {
        double* left = scratch.data() + j * width;
        const double* right = scratch.data() + (j + s) * width;
        for (std::size_t k = 0; k < width; ++k) left[k] += right[k];
      }
    }
    values.insert(values.end(), scratch.begin(), scratch.begin() + static_cast<std::ptrdiff_t>(width));
  }
  return values;
}

std::vector<double> combine_tree_nodes(std::uint32_t buckets, std::span<const TreeNode> nodes,
                                       std::span<const double> values, std::size_t width) {
  NodeValues given;
  for (std::size_t i = 0; i < nodes.size(); ++i) {
    given.emplace(std::pair{nodes[i].level, nodes[i].index}, values.subspan(i * width, width));
  }
  const auto top = static_cast<std::uint32_t>(std::countr_zero(buckets));
  return evaluate(given, TreeNode{top, 0}, width);
}

std::vector<double> tree_reduce_sequential(std::uint32_t buckets, std::span<const double> partials,
                                           std::size_t width) {
  const BucketRange all{buckets, 0, buckets};
  const std::vector<TreeNode> root = owned_tree_nodes(0, buckets, buckets);
  return owned_node_values(all, partials, width, root);
}

std::vector<double> bucket_reduce(const Comm& comm, const BucketRange& range,
                                  std::span<const double> partials, std::size_t width) {
  const auto n = static_cast<std::size_t>(comm.size());
  std::string problem;
  if (!is_power_of_two(range.buckets)) {
    problem = fmt::format("the bucket count {} is not a power of two", range.buckets);
  } else if (range.begin > range.end || range.end > range.buckets) {
    problem =
        fmt::format("bucket range [{}, {}) is not inside [0, {})", range.begin, range.end, range.buckets);
  } else if (partials.size() != range.size() * width) {
    problem =
        fmt::format("{} partial values for {} buckets of width {}", partials.size(), range.size(), width);
  }
  // Everyone sees every range, so everyone reaches the same verdict.
  const std::array<std::uint64_t, 4> mine = {range.buckets, range.begin, range.end, width};
  std::vector<std::uint64_t> all;
  for (const auto& r : allgather(comm, mine)) all.insert(all.end(), r.begin(), r.end());
  std::string split_problem;
  for (std::size_t r = 0; r < n && split_problem.empty(); ++r) {
    const std::uint64_t expected_begin = r == 0 ? 0 : all[4 * (r - 1) + 2];
    if (all[4 * r] != range.buckets || all[4 * r + 3] != width) {
      split_problem = fmt::format("rank {} reduces {} buckets of width {}, rank {} {} of width {}", r,
                                  all[4 * r], all[4 * r + 3], comm.rank(), range.buckets, width);
    } else if (all[4 * r + 1] != expected_begin) {
      split_problem =
          fmt::format("rank {} starts at bucket {}, expected {}", r, all[4 * r + 1], expected_begin);
    }
  }
  if (split_problem.empty() && all[4 * (n - 1) + 2] != range.buckets) {
    split_problem =
        fmt::format("the ranks' buckets end at {}, not at {}", all[4 * (n - 1) + 2], range.buckets);
  }
  if (problem.empty()) problem = split_problem;
  throw_if_any(comm, problem, "bucket_reduce", "ranks must own contiguous bucket ranges in rank order");

  const std::vector<TreeNode> nodes = owned_tree_nodes(range.begin, range.end, range.buckets);
  const std::vector<double> values = owned_node_values(range, partials, width, nodes);
  std::vector<std::uint64_t> keys(nodes.size());
  for (std::size_t i = 0; i < nodes.size(); ++i) keys[i] = node_key(nodes[i]);

  const std::vector<std::uint64_t> all_keys = allgatherv(comm, std::span<const std::uint64_t>(keys));
  // Each node's `width` values follow its key's order.
  const std::vector<double> all_values = allgatherv(comm, std::span<const double>(values));

  std::vector<TreeNode> all_nodes(all_keys.size());
  for (std::size_t i = 0; i < all_keys.size(); ++i) all_nodes[i] = node_of_key(all_keys[i]);
  return combine_tree_nodes(range.buckets, all_nodes, all_values, width);
}

}  // namespace portrait::parallel

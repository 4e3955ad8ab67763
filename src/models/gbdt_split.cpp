// src/models/gbdt_split.cpp: scanning a node's histogram for its best split.
#include "models/gbdt_split.hpp"

#include <algorithm>

namespace portrait::models {
namespace {

// Tries left / right as a split of `node`; keeps it if it beats `best`.
void consider(const GradientSums& left, const GradientSums& node, double parent_score, const SplitRule& rule,
              NodeSplit& best, NodeSplit candidate) {
  const GradientSums right = node - left;
  if (left.h <= 0 || right.h <= 0) return;
  if (rule.hessian(left) < rule.min_child_weight || rule.hessian(right) < rule.min_child_weight) return;
  const double gain = rule.score(left) + rule.score(right) - parent_score;
  if (!(gain > best.gain)) return;
  candidate.valid = true;
  candidate.gain = gain;
  candidate.left = left;
  candidate.right = right;
  best = candidate;
}

}  // namespace

NodeSplit best_split(std::span<const GradientSums> histogram, const BinnedRows& binned,
                     const std::vector<FeatureBins>& bins, std::span<const std::uint32_t> features,
                     const GradientSums& node, const SplitRule& rule) {
  NodeSplit best;
  best.gain = std::max(rule.gamma, 0.0);
  const double parent_score = rule.score(node);
  std::vector<std::uint8_t> order;
  for (const std::uint32_t f : features) {
    const FeatureBins& feature = bins[f];
    const GradientSums* slots = histogram.data() + binned.offset[f];
    const std::uint32_t value_bins = feature.value_bins();
    const GradientSums missing = slots[value_bins];
    const bool has_missing = missing.g != 0 || missing.h != 0;
    NodeSplit candidate;
    candidate.feature = f;
    if (!feature.categorical) {
      GradientSums left;
      // The last bin cannot be cut after: its upper end is open.
      for (std::uint32_t b = 0; b + 1 < value_bins; ++b) {
        left += slots[b];
        candidate.bin = static_cast<std::uint8_t>(b);
        candidate.default_left = false;
        consider(left, node, parent_score, rule, best, candidate);
        if (has_missing) {
          candidate.default_left = true;
          consider(left + missing, node, parent_score, rule, best, candidate);
        }
      }
      continue;
    }
    order.clear();
    for (std::uint32_t c = 0; c < value_bins; ++c) {
      if (slots[c].h > 0) order.push_back(static_cast<std::uint8_t>(c));
    }
    std::stable_sort(order.begin(), order.end(), [&](std::uint8_t a, std::uint8_t b) {
      return rule.leaf_weight(slots[a]) > rule.leaf_weight(slots[b]);
    });
    GradientSums left;
    candidate.left_codes = {};
    for (std::size_t k = 0; k + 1 < order.size(); ++k) {
      left += slots[order[k]];
      candidate.left_codes[order[k] >> 6] |= std::uint64_t{1} << (order[k] & 63);
      candidate.default_left = false;
      consider(left, node, parent_score, rule, best, candidate);
      if (has_missing) {
        candidate.default_left = true;
        consider(left + missing, node, parent_score, rule, best, candidate);
      }
    }
  }
  return best;
}

}  // namespace portrait::models

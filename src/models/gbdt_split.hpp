// src/models/gbdt_split.hpp: the best split of a tree node from its
// histogram. Every rank holds the same summed histogram and runs the same
// scan, so every rank picks the same split; ties go to the lower feature,
// then the lower bin.
//
// Numeric features: left holds the bins up to a cut, missing values go left
// or right, whichever gains more (right on a tie, as XGBoost). Categorical
// features: the categories present are ordered by G / (H + lambda) and the
// best prefix of that order goes left (Fisher's ordering, as LightGBM and
// XGBoost partition categories).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "models/gbdt_histogram.hpp"

namespace portrait::models {

// What a split must meet, and the units of the integer sums.
struct SplitRule {
  double lambda = 1.0;
  double min_child_weight = 1.0;
  double gamma = 0.0;
  double g_unit = 1.0;  // gradient = integer sum x g_unit
  double h_unit = 1.0;

  double gradient(const GradientSums& s) const { return static_cast<double>(s.g) * g_unit; }
  double hessian(const GradientSums& s) const { return static_cast<double>(s.h) * h_unit; }
  // G^2 / (H + lambda): the loss reduction of a leaf over no leaf.
  double score(const GradientSums& s) const {
    const double g = gradient(s);
    return g * g / (hessian(s) + lambda);
  }
  double leaf_weight(const GradientSums& s) const { return -gradient(s) / (hessian(s) + lambda); }
};

struct NodeSplit {
  bool valid = false;
  double gain = 0.0;
  std::uint32_t feature = 0;
  std::uint8_t bin = 0;  // numeric: value bins 0 .. bin go left
  bool default_left = false;
  std::array<std::uint64_t, 4> left_codes{};  // categorical: a bit per category that goes left
  GradientSums left, right;

  bool goes_left(std::uint8_t code, const FeatureBins& bins) const {
    if (code == bins.missing_bin()) return default_left;
    if (bins.categorical) return ((left_codes[code >> 6] >> (code & 63)) & 1) != 0;
    return code <= bin;
  }
};

// The best split of a node with sums `node` over the given features
// (ascending); invalid when no split gains more than gamma with both
// children at least min_child_weight.
NodeSplit best_split(std::span<const GradientSums> histogram, const BinnedRows& binned,
                     const std::vector<FeatureBins>& bins, std::span<const std::uint32_t> features,
                     const GradientSums& node, const SplitRule& rule);

}  // namespace portrait::models

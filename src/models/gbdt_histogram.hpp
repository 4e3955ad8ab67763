// src/models/gbdt_histogram.hpp: the gradient statistics of tree nodes:
// per row a quantised (gradient, hessian) pair of int32, per node and
// histogram slot (feature, bin) their int64 sums. Integer sums are exact, so
// a histogram is the same whatever the order of its rows, the threads that
// add them and the ranks whose histograms are summed; a sibling is its
// parent minus the other child, exactly.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "models/gbdt_bins.hpp"

namespace portrait::models {

struct GradientPair {
  std::int32_t g = 0;
  std::int32_t h = 0;
};

struct GradientSums {
  std::int64_t g = 0;
  std::int64_t h = 0;
  GradientSums& operator+=(const GradientSums& o) {
    g += o.g;
    h += o.h;
    return *this;
  }
  friend GradientSums operator-(GradientSums a, const GradientSums& b) { return {a.g - b.g, a.h - b.h}; }
  friend GradientSums operator+(GradientSums a, const GradientSums& b) { return a += b; }
  friend bool operator==(const GradientSums&, const GradientSums&) = default;
};

// One node's histogram to build: its rows (indices into the binned rows)
// and where its slots go (BinnedRows::slots() of them, overwritten).
struct HistogramTask {
  std::span<const std::uint32_t> rows;
  std::span<GradientSums> out;
};

// Per-thread partial histograms, kept from node to node and tree to tree.
struct HistogramScratch {
  std::vector<GradientSums> partial;
};

// Local (OpenMP): builds every task's histogram over the given features
// (ascending; the slots of other features are left zero). Large nodes are
// split over threads, small ones built a node per thread.
void build_histograms(const BinnedRows& binned, std::span<const GradientPair> gradient,
                      std::span<const std::uint32_t> features, std::span<const HistogramTask> tasks,
                      HistogramScratch& scratch);

// out = parent - child, slot by slot.
void subtract_histogram(std::span<const GradientSums> parent, std::span<const GradientSums> child,
                        std::span<GradientSums> out);

}  // namespace portrait::models

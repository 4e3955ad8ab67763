// src/models/gbdt_histogram.cpp: histogram building over a node's rows, by
// one thread per small node or all threads on a large one.
#include "models/gbdt_histogram.hpp"

#include <omp.h>

#include <algorithm>

namespace portrait::models {
namespace {

// A node is split over threads when each gets at least this many rows;
// below it, zeroing and adding per-thread partials costs more than it saves.
constexpr std::size_t kRowsPerThread = 16384;

void accumulate(const BinnedRows& binned, std::span<const GradientPair> gradient,
                std::span<const std::uint32_t> features, std::span<const std::uint32_t> rows,
                GradientSums* out) {
  const std::size_t d = binned.features;
  const std::uint32_t* offset = binned.offset.data();
  if (features.size() == d) {
    for (const std::uint32_t r : rows) {
      const GradientPair pair = gradient[r];
      const std::uint8_t* code = binned.row(r);
      for (std::size_t j = 0; j < d; ++j) {
        GradientSums& slot = out[offset[j] + code[j]];
        slot.g += pair.g;
        slot.h += pair.h;
      }
    }
    return;
  }
  for (const std::uint32_t r : rows) {
    const GradientPair pair = gradient[r];
    const std::uint8_t* code = binned.row(r);
    for (const std::uint32_t j : features) {
      GradientSums& slot = out[offset[j] + code[j]];
      slot.g += pair.g;
      slot.h += pair.h;
    }
  }
}

}  // namespace

void build_histograms(const BinnedRows& binned, std::span<const GradientPair> gradient,
                      std::span<const std::uint32_t> features, std::span<const HistogramTask> tasks,
                      HistogramScratch& scratch) {
  const auto threads = static_cast<std::size_t>(omp_get_max_threads());
  const std::size_t slots = binned.slots();
  std::vector<std::size_t> small, large;
  for (std::size_t k = 0; k < tasks.size(); ++k) {
    (threads > 1 && tasks[k].rows.size() >= threads * kRowsPerThread ? large : small).push_back(k);
  }

  const auto small_count = static_cast<long>(small.size());
#pragma omp parallel for schedule(dynamic, 1)
  for (long s = 0; s < small_count; ++s) {
    const HistogramTask& task = tasks[small[static_cast<std::size_t>(s)]];
    std::fill(task.out.begin(), task.out.end(), GradientSums{});
    accumulate(binned, gradient, features, task.rows, task.out.data());
  }

  if (large.empty()) return;
  scratch.partial.resize(threads * slots);
  for (const std::size_t k : large) {
    const HistogramTask& task = tasks[k];
#pragma omp parallel
    {
      const auto t = static_cast<std::size_t>(omp_get_thread_num());
      const auto team = static_cast<std::size_t>(omp_get_num_threads());
      GradientSums* mine = scratch.partial.data() + t * slots;
      std::fill(mine, mine + slots, GradientSums{});
      const std::size_t n = task.rows.size();
      accumulate(binned, gradient, features,
                 task.rows.subspan(t * n / team, (t + 1) * n / team - t * n / team), mine);
#pragma omp barrier
      // Each thread adds up its own range of slots over every partial.
      for (std::size_t slot = t * slots / team; slot < (t + 1) * slots / team; ++slot) {
        GradientSums sum;
        for (std::size_t other = 0; other < team; ++other) sum += scratch.partial[other * slots + slot];
        task.out[slot] = sum;
      }
    }
  }
}

void subtract_histogram(std::span<const GradientSums> parent, std::span<const GradientSums> child,
                        std::span<GradientSums> out) {
  for (std::size_t s = 0; s < out.size(); ++s) out[s] = parent[s] - child[s];
}

}  // namespace portrait::models

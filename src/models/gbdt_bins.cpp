// src/models/gbdt_bins.cpp: quantile cuts over all ranks and the binned
// feature matrix.
#include "models/gbdt_bins.hpp"

#include <fmt/format.h>
#include "parallel/collectives.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "parallel/collective_error.hpp"
#include "parallel/reduce.hpp"

namespace portrait::models {

std::uint8_t FeatureBins::bin_of(double x) const {
  if (std::isnan(x)) return missing_bin();
  if (categorical) return static_cast<std::uint8_t>(x);
  const auto at = std::lower_bound(cuts.begin(), cuts.end(), x) - cuts.begin();
  return static_cast<std::uint8_t>(
      std::min<std::ptrdiff_t>(at, static_cast<std::ptrdiff_t>(cuts.size()) - 1));
}

namespace {

// Every distinct value of each listed feature over all ranks, from each
// rank's distinct values (sorted): one all-gather of the counts, one of the
// values.
std::vector<std::vector<std::int64_t>> distinct_over_ranks(
    const parallel::Comm& comm, const std::vector<std::vector<std::int64_t>>& local) {
  const std::size_t groups = local.size();
  const auto ranks = static_cast<std::size_t>(comm.size());
  std::vector<std::int64_t> counts(groups), flat;
  for (std::size_t g = 0; g < groups; ++g) {
    counts[g] = static_cast<std::int64_t>(local[g].size());
    flat.insert(flat.end(), local[g].begin(), local[g].end());
  }
  const std::vector<std::int64_t> all_counts =
      parallel::allgatherv(comm, std::span<const std::int64_t>(counts));
  const std::vector<std::int64_t> values = parallel::allgatherv(comm, std::span<const std::int64_t>(flat));
  std::vector<std::vector<std::int64_t>> merged(groups);
  std::size_t at = 0;
  for (std::size_t r = 0; r < ranks; ++r) {
    for (std::size_t g = 0; g < groups; ++g) {
      const auto n = static_cast<std::size_t>(all_counts[r * groups + g]);
      merged[g].insert(merged[g].end(), values.begin() + static_cast<std::ptrdiff_t>(at),
                       values.begin() + static_cast<std::ptrdiff_t>(at + n));
      at += n;
    }
  }
  for (auto& m : merged) {
    std::sort(m.begin(), m.end());
    m.erase(std::unique(m.begin(), m.end()), m.end());
  }
  return merged;
}

}  // namespace

std::vector<FeatureBins> fit_bins(const parallel::Comm& comm, const CustomerRows& rows,
                                  std::span<const std::uint8_t> categorical, std::span<const char> fit,
                                  int max_bins) {
  const std::size_t d = rows.dimension();
  const std::size_t n = rows.rows();
  std::vector<FeatureBins> bins(d);
  std::string problem;
  if (max_bins < 2 || max_bins > kMaxBins) {
    problem = fmt::format("max_bins is {}, expected 2 to {}", max_bins, kMaxBins);
  } else if (categorical.size() != d || fit.size() != n) {
    problem = fmt::format("{} categorical flags and {} fit flags for {} features and {} rows",
                          categorical.size(), fit.size(), d, n);
  }
  parallel::throw_if_any(comm, problem, "gradient-boosted trees: binning");

  // Categorical codes: checked on every row, so scoring any row finds its bin.
  std::vector<std::int64_t> largest_code(d, -1);
  for (std::size_t j = 0; j < d && problem.empty(); ++j) {
    bins[j].categorical = categorical[j] != 0;
    if (!bins[j].categorical) continue;
    for (std::size_t i = 0; i < n; ++i) {
      const double x = rows.features[j][i];
      if (std::isnan(x)) continue;
      if (!(x >= 0 && x < max_bins && x == std::floor(x))) {
        problem =
            fmt::format("categorical feature {} has value {} for customer {}, not a category code below {}",
                        rows.feature_names[j], x, rows.id[i], max_bins);
        break;
      }
      largest_code[j] = std::max(largest_code[j], static_cast<std::int64_t>(x));
    }
  }
  parallel::throw_if_any(comm, problem, "gradient-boosted trees: binning",
                         "a categorical feature takes a category tag with fewer categories than max_bins");
  largest_code = parallel::maximum(comm, std::span<const std::int64_t>(largest_code));

  // Numeric values of the fitted rows, sorted, as order-preserving integers.
  std::vector<std::vector<std::int64_t>> sorted(d);
  const auto features = static_cast<long>(d);
#pragma omp parallel for schedule(dynamic, 1)
  for (long f = 0; f < features; ++f) {
    const auto j = static_cast<std::size_t>(f);
    if (bins[j].categorical) continue;
    auto& v = sorted[j];
    for (std::size_t i = 0; i < n; ++i) {
      const double x = rows.features[j][i];
      if (fit[i] && !std::isnan(x)) v.push_back(parallel::ordered_bits(x));
    }
    std::sort(v.begin(), v.end());
  }

  // Few distinct values: every one is a cut. A rank with more than max_bins
  // distinct values of its own decides for all ranks.
  std::vector<std::int64_t> local_distinct(d, 0), counts(d, 0);
  std::vector<std::vector<std::int64_t>> distinct(d);
  for (std::size_t j = 0; j < d; ++j) {
    counts[j] = static_cast<std::int64_t>(sorted[j].size());
    if (bins[j].categorical) continue;
    // Stops at max_bins + 1: only "few or not" matters.
    for (std::size_t i = 0; i < sorted[j].size() && local_distinct[j] <= max_bins; ++i) {
      if (i == 0 || sorted[j][i] != sorted[j][i - 1]) {
        distinct[j].push_back(sorted[j][i]);
        ++local_distinct[j];
      }
    }
    if (local_distinct[j] > max_bins) distinct[j].clear();
  }
  const std::vector<std::int64_t> most_distinct =
      parallel::maximum(comm, std::span<const std::int64_t>(local_distinct));
  const std::vector<std::int64_t> total = parallel::sum(comm, std::span<const std::int64_t>(counts));
  for (std::size_t j = 0; j < d; ++j) {
    if (most_distinct[j] > max_bins) distinct[j].clear();
  }
  const std::vector<std::vector<std::int64_t>> all_distinct = distinct_over_ranks(comm, distinct);

  // Many distinct values: cuts at exact quantiles.
  std::vector<std::span<const std::int64_t>> groups;
  std::vector<std::uint64_t> ranks;
  std::vector<std::size_t> group_feature;
  for (std::size_t j = 0; j < d; ++j) {
    if (bins[j].categorical) {
      bins[j].categories = static_cast<std::uint32_t>(largest_code[j] + 1);
      continue;
    }
    if (most_distinct[j] <= max_bins && static_cast<std::int64_t>(all_distinct[j].size()) <= max_bins) {
      for (std::int64_t v : all_distinct[j]) bins[j].cuts.push_back(parallel::from_ordered_bits(v));
      continue;
    }
    const auto count = static_cast<std::uint64_t>(total[j]);
    for (int b = 1; b <= max_bins; ++b) {
      groups.emplace_back(sorted[j]);
      ranks.push_back(parallel::quantile_rank(static_cast<double>(b) / max_bins, count));
      group_feature.push_back(j);
    }
  }
  const std::vector<std::int64_t> quantiles = parallel::kth_smallest(comm, groups, ranks);
  for (std::size_t g = 0; g < quantiles.size(); ++g) {
    auto& cuts = bins[group_feature[g]].cuts;
    const double cut = parallel::from_ordered_bits(quantiles[g]);
    if (cuts.empty() || cuts.back() != cut) cuts.push_back(cut);
  }
  return bins;
}

BinnedRows bin_rows(const CustomerRows& rows, const std::vector<FeatureBins>& bins) {
  BinnedRows out;
  out.rows = rows.rows();
  out.features = rows.dimension();
  out.offset.assign(out.features + 1, 0);
  for (std::size_t j = 0; j < out.features; ++j) out.offset[j + 1] = out.offset[j] + bins[j].value_bins() + 1;
  out.code.resize(out.rows * out.features);
  const auto count = static_cast<long>(out.rows);
#pragma omp parallel for schedule(static)
  for (long r = 0; r < count; ++r) {
    const auto i = static_cast<std::size_t>(r);
    std::uint8_t* code = out.code.data() + i * out.features;
    for (std::size_t j = 0; j < out.features; ++j) code[j] = bins[j].bin_of(rows.features[j][i]);
  }
  return out;
}

}  // namespace portrait::models

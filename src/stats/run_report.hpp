// src/stats/run_report.hpp: `portrait report`: one self-contained HTML page
// of a run: segment statistics, the models (the candidates' comparison
// table, calibration and feature gains), the distribution of every tag
// (computed with MPI over the customers table), month over month against a
// previous run, and the run's accounting, phase times and memory from its
// manifest.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "parallel/mpi_context.hpp"
#include "stats/run_comparison.hpp"
#include "stats/run_output.hpp"
#include "stats/svg_charts.hpp"

namespace portrait::stats {

// One tag's distribution over the run's customers, exact counts.
struct TagDistribution {
  std::string tag;
  TagShape shape = TagShape::Numeric;
  std::vector<HistogramBin> bins;  // Categorical/Boolean: one per value (missing last); Numeric: value ranges
  std::int64_t missing = 0;        // Numeric: customers without a value
  NumericSummary summary;          // Numeric
};

// Bins of a numeric tag: a round step ("nice" 1, 2 or 5 times a power of ten;
// whole numbers for integer tags) over [low, high], at most about `wanted`
// bins, and one last bin for values above `high` when `max` exceeds it.
struct Binning {
  double start = 0;
  double step = 1;
  std::size_t bins = 1;   // regular bins
  bool overflow = false;  // one more bin: values >= start + bins * step
  std::size_t bin_of(double value) const;
  std::vector<std::string> labels(bool integer) const;
};
Binning choose_binning(double low, double high, double max, bool integer, std::size_t wanted = 20);

// Collective. Every rank reads its buckets of `run`; every rank returns the
// same distributions, one per tag column in table order.
std::vector<TagDistribution> tag_distributions(const parallel::Comm& comm, const RunOutput& run);

// The page. statistics_json is the run's statistics.json (may be empty).
std::string report_html(const RunOutput& run, const std::string& statistics_json,
                        const std::vector<TagDistribution>& distributions,
                        const std::optional<RunComparison>& previous);

}  // namespace portrait::stats

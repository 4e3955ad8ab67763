// src/models/metrics.cpp: binary classification metrics, exact and
// independent of row order.
#include "models/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "parallel/collectives.hpp"

namespace portrait::models {

namespace {

double lift_at(const std::vector<ScoredLabel>& descending, double fraction, std::int64_t positives) {
  const auto n = static_cast<std::int64_t>(descending.size());
  if (positives == 0 || n == 0) return 0.0;
  const auto top =
      std::max<std::int64_t>(1, static_cast<std::int64_t>(std::ceil(fraction * static_cast<double>(n))));
  std::int64_t hits = 0;
  for (std::int64_t i = 0; i < top; ++i) hits += descending[static_cast<std::size_t>(i)].label;
  return (static_cast<double>(hits) / static_cast<double>(top)) /
         (static_cast<double>(positives) / static_cast<double>(n));
}

}  // namespace

BinaryMetrics binary_metrics(std::vector<ScoredLabel> rows, double threshold) {
  std::sort(rows.begin(), rows.end(), [](const ScoredLabel& a, const ScoredLabel& b) {
    return a.score != b.score ? a.score > b.score : a.id < b.id;
  });
  BinaryMetrics m;
  m.threshold = threshold;
  m.count = static_cast<std::int64_t>(rows.size());
  std::int64_t true_positives = 0, predicted = 0;
  for (const ScoredLabel& row : rows) {
    m.positives += row.label;
    if (row.score >= threshold) {
      ++predicted;
      true_positives += row.label;
    }
  }
  const std::int64_t negatives = m.count - m.positives;
  m.precision = predicted > 0 ? static_cast<double>(true_positives) / static_cast<double>(predicted) : 0.0;
  m.recall = m.positives > 0 ? static_cast<double>(true_positives) / static_cast<double>(m.positives) : 0.0;

  // Twice the pair count, in integers: walk groups of equal score from the
  // top; a positive beats every negative below its group, ties count half.
  UInt128 twice_wins = 0;
  std::int64_t negatives_seen = 0;
  for (std::size_t i = 0; i < rows.size();) {
    std::size_t j = i;
    std::int64_t group_positives = 0, group_negatives = 0;
    while (j < rows.size() && rows[j].score == rows[i].score) {
      (rows[j].label ? group_positives : group_negatives) += 1;
      ++j;
    }
    negatives_seen += group_negatives;
    const auto below = static_cast<UInt128>(negatives - negatives_seen);
    twice_wins += 2 * static_cast<UInt128>(group_positives) * below +
                  static_cast<UInt128>(group_positives) * static_cast<UInt128>(group_negatives);
    i = j;
  }
  m.auc = m.positives > 0 && negatives > 0
              ? static_cast<double>(twice_wins) /
                    (2.0 * static_cast<double>(m.positives) * static_cast<double>(negatives))
              : std::numeric_limits<double>::quiet_NaN();
  m.lift_top_decile = lift_at(rows, 0.10, m.positives);
  m.lift_top_percent = lift_at(rows, 0.01, m.positives);
  return m;
}

BinaryMetrics binary_metrics(const parallel::Comm& comm, std::span<const ScoredLabel> local,
                             double threshold) {
  std::vector<ScoredLabel> all = parallel::gatherv(comm, local);
  BinaryMetrics m;
  if (comm.is_root()) m = binary_metrics(std::move(all), threshold);
  parallel::broadcast(comm, m);
  return m;
}

}  // namespace portrait::models

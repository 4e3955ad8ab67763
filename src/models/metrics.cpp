// src/models/metrics.cpp: binary classification metrics, exact and
// independent of row order.
#include "models/metrics.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "parallel/collectives.hpp"

namespace portrait::models {

namespace {

constexpr std::size_t kDeciles = 10;

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
  m.lift_top_5_percent = lift_at(rows, 0.05, m.positives);

  // Sums in the sorted order: the same on every run.
  double loss = 0.0;
  for (const ScoredLabel& row : rows) {
    const double p = std::clamp(row.score, 1e-15, 1.0 - 1e-15);
    loss -= row.label ? std::log(p) : std::log1p(-p);
  }
  m.log_loss = m.count > 0 ? loss / static_cast<double>(m.count) : std::numeric_limits<double>::quiet_NaN();
  m.calibration.resize(kDeciles);
  for (std::size_t k = 0; k < kDeciles; ++k) {
    CalibrationBin& bin = m.calibration[k];
    double sum = 0.0;
    for (std::size_t i = k * rows.size() / kDeciles; i < (k + 1) * rows.size() / kDeciles; ++i) {
      ++bin.count;
      bin.positives += rows[i].label;
      sum += rows[i].score;
    }
    bin.mean_score =
        bin.count > 0 ? sum / static_cast<double>(bin.count) : std::numeric_limits<double>::quiet_NaN();
  }
  return m;
}

BinaryMetrics binary_metrics(const parallel::Comm& comm, std::span<const ScoredLabel> local,
                             double threshold) {
  std::vector<ScoredLabel> all = parallel::gatherv(comm, local);
  BinaryMetrics m;
  if (comm.is_root()) m = binary_metrics(std::move(all), threshold);
  // Broadcast field by field: the calibration deciles make BinaryMetrics no plain record.
  m.calibration.resize(kDeciles);
  parallel::broadcast(comm, std::span<CalibrationBin>(m.calibration));
  double values[] = {
      m.threshold,          m.auc,     m.precision, m.recall, m.lift_top_decile, m.lift_top_percent,
      m.lift_top_5_percent, m.log_loss};
  std::int64_t counts[] = {m.count, m.positives};
  parallel::broadcast(comm, std::span<double>(values));
  parallel::broadcast(comm, std::span<std::int64_t>(counts));
  m.count = counts[0];
  m.positives = counts[1];
  m.threshold = values[0];
  m.auc = values[1];
  m.precision = values[2];
  m.recall = values[3];
  m.lift_top_decile = values[4];
  m.lift_top_percent = values[5];
  m.lift_top_5_percent = values[6];
  m.log_loss = values[7];
  return m;
}

}  // namespace portrait::models

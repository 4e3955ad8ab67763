// src/models/metrics.hpp: quality of a binary score on labelled customers:
// exact AUC (ties count one half), log loss, precision and recall at a
// threshold, lift in the top 1%, 5% and 10%, and calibration by decile.
//
// Definitions (n rows, P positives):
//   auc        = (#pairs pos > neg + 0.5 #pairs pos == neg) / (P (n - P)),
//                NaN when either class is absent
//   precision  = TP / (TP + FP) over score >= threshold, 0 when none predicted
//   recall     = TP / P, 0 when P = 0
//   lift(f)    = (positives among the top k / k) / (P / n), k = ceil(f n),
//                top by score descending then customer id ascending (so
//                ties at the cut are broken the same way on every run);
//                0 when P = 0
//   log_loss   = mean of -(y log p + (1 - y) log(1 - p)), p clipped to
//                [1e-15, 1 - 1e-15] (as scikit-learn); NaN when n = 0
//   calibration: the rows in the same order cut into ten deciles (decile k
//                holds rows [k n / 10, (k + 1) n / 10)), each with its mean
//                score and its observed positive rate
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/types.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::models {

struct ScoredLabel {
  double score = 0.0;
  CustomerId id = 0;
  std::int8_t label = 0;  // 0 or 1
};

struct CalibrationBin {
  std::int64_t count = 0;
  std::int64_t positives = 0;
  double mean_score = 0.0;  // NaN for an empty decile
  friend bool operator==(const CalibrationBin&, const CalibrationBin&) = default;
};

struct BinaryMetrics {
  std::int64_t count = 0;
  std::int64_t positives = 0;
  double threshold = 0.5;
  double auc = 0.0;
  double precision = 0.0;
  double recall = 0.0;
  double lift_top_decile = 0.0;
  double lift_top_percent = 0.0;
  double lift_top_5_percent = 0.0;
  double log_loss = 0.0;
  std::vector<CalibrationBin> calibration{};  // ten deciles, highest scores first
};

// Local: from all rows at once (any order; the result does not depend on it).
BinaryMetrics binary_metrics(std::vector<ScoredLabel> rows, double threshold);

// Collective: the rows of every rank are gathered to rank 0, measured there
// and the metrics broadcast, so every rank returns the same values.
BinaryMetrics binary_metrics(const parallel::Comm& comm, std::span<const ScoredLabel> local,
                             double threshold);

}  // namespace portrait::models

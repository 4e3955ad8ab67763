// src/models/model_comparison.hpp: champion and challenger. The candidates
// of one model tag (logistic, gradient-boosted trees with other settings,
// ...) are trained on the same customers; each is measured on the
// validation customers, which choose the champion by one metric, and on the
// holdout, which none of them has seen. The table is what the source
// documents report for a churn model (precision, recall, lift) plus AUC,
// log loss and calibration by decile.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "models/metrics.hpp"
#include "models/subsets.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::models {

// The value of `metric` in `m`; higher is better for every metric but the
// log loss.
double metric_value(const BinaryMetrics& m, catalog::ModelMetric metric);
bool higher_is_better(catalog::ModelMetric metric);

struct CandidateScores {
  std::string name;
  std::string kind;               // "logistic", "gbdt"
  std::span<const double> score;  // one per row
};

struct CandidateResult {
  std::string name;
  std::string kind;
  BinaryMetrics validation;
  BinaryMetrics holdout;
};

struct ModelComparison {
  catalog::ModelMetric metric = catalog::ModelMetric::Auc;
  std::vector<CandidateResult> candidates;
  std::size_t champion = 0;  // index into candidates
};

// Collective. label: per row 0 / 1 / missing; subsets by `rule` from `id`.
// The champion has the best validation metric (NaN never wins; ties go to
// the earlier candidate). Throws portrait::Error on every rank when several
// candidates have no labelled validation customers to be chosen on.
ModelComparison compare_candidates(const parallel::Comm& comm, std::span<const CustomerId> id,
                                   std::span<const std::int8_t> label, const SubsetRule& rule,
                                   std::span<const CandidateScores> candidates, catalog::ModelMetric metric,
                                   double threshold);

// The table's written forms: JSON (model id, metric, champion, every
// candidate's validation and holdout metrics with calibration), a CSV of
// one row per candidate and subset, and a CSV of the calibration deciles.
nlohmann::json comparison_to_json(const std::string& model, const ModelComparison& comparison);
std::string comparison_csv(const ModelComparison& comparison);
std::string calibration_csv(const ModelComparison& comparison);

}  // namespace portrait::models

// src/models/model_comparison.cpp: measuring candidates on the same
// customers and writing the comparison table.
#include "models/model_comparison.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"
#include "io/csv_reader.hpp"
#include "models/model_json.hpp"

namespace portrait::models {
namespace {

std::string csv_number(double v) { return std::isnan(v) ? std::string() : fmt::format("{:.6g}", v); }

}  // namespace

double metric_value(const BinaryMetrics& m, catalog::ModelMetric metric) {
  switch (metric) {
    case catalog::ModelMetric::Auc:
      return m.auc;
    case catalog::ModelMetric::LogLoss:
      return m.log_loss;
    case catalog::ModelMetric::Precision:
      return m.precision;
    case catalog::ModelMetric::Recall:
      return m.recall;
    case catalog::ModelMetric::LiftTop1:
      return m.lift_top_percent;
    case catalog::ModelMetric::LiftTop5:
      return m.lift_top_5_percent;
    case catalog::ModelMetric::LiftTop10:
      return m.lift_top_decile;
  }
  return m.auc;
}

bool higher_is_better(catalog::ModelMetric metric) { return metric != catalog::ModelMetric::LogLoss; }

ModelComparison compare_candidates(const parallel::Comm& comm, std::span<const CustomerId> id,
                                   std::span<const std::int8_t> label, const SubsetRule& rule,
                                   std::span<const CandidateScores> candidates, catalog::ModelMetric metric,
                                   double threshold) {
  ModelComparison comparison;
  comparison.metric = metric;
  std::vector<Subset> subset(id.size());
  for (std::size_t i = 0; i < id.size(); ++i) subset[i] = rule.of(id[i]);
  for (const CandidateScores& candidate : candidates) {
    std::vector<ScoredLabel> validation, holdout;
    for (std::size_t i = 0; i < id.size(); ++i) {
      if (is_missing(label[i]) || subset[i] == Subset::Training) continue;
      (subset[i] == Subset::Validation ? validation : holdout)
          .push_back(ScoredLabel{candidate.score[i], id[i], label[i]});
    }
    CandidateResult result{candidate.name, candidate.kind, binary_metrics(comm, validation, threshold),
                           binary_metrics(comm, holdout, threshold)};
    if (result.validation.count == 0 && candidates.size() > 1) {
      throw Error("no labelled validation customers to choose a champion on", "model candidates",
                  "raise validation_percent, or check the label and the labelled period");
    }
    comparison.candidates.push_back(std::move(result));
  }
  for (std::size_t k = 1; k < comparison.candidates.size(); ++k) {
    const double value = metric_value(comparison.candidates[k].validation, metric);
    const double best = metric_value(comparison.candidates[comparison.champion].validation, metric);
    const bool better = higher_is_better(metric) ? value > best : value < best;
    if (better || (std::isnan(best) && !std::isnan(value))) comparison.champion = k;
  }
  return comparison;
}

nlohmann::json comparison_to_json(const std::string& model, const ModelComparison& comparison) {
  nlohmann::json candidates = nlohmann::json::array();
  for (std::size_t k = 0; k < comparison.candidates.size(); ++k) {
    const CandidateResult& c = comparison.candidates[k];
    candidates.push_back({{"name", c.name},
                          {"kind", c.kind},
                          {"champion", k == comparison.champion},
                          {"validation", metrics_to_json(c.validation)},
                          {"holdout", metrics_to_json(c.holdout)}});
  }
  return {{"model", model},
          {"metric", std::string(to_string(comparison.metric))},
          {"champion", comparison.candidates[comparison.champion].name},
          {"candidates", candidates}};
}

std::string comparison_csv(const ModelComparison& comparison) {
  std::string out =
      "candidate,kind,champion,subset,customers,positives,auc,log_loss,threshold,precision,recall,lift_top_1,"
      "lift_top_5,lift_top_10\n";
  for (std::size_t k = 0; k < comparison.candidates.size(); ++k) {
    const CandidateResult& c = comparison.candidates[k];
    for (const auto& [subset, m] :
         {std::pair{"validation", &c.validation}, std::pair{"holdout", &c.holdout}}) {
      out += fmt::format("{},{},{},{},{},{},{},{},{},{},{},{},{},{}\n", io::csv_quote(c.name), c.kind,
                         k == comparison.champion ? 1 : 0, subset, m->count, m->positives, csv_number(m->auc),
                         csv_number(m->log_loss), csv_number(m->threshold), csv_number(m->precision),
                         csv_number(m->recall), csv_number(m->lift_top_percent),
                         csv_number(m->lift_top_5_percent), csv_number(m->lift_top_decile));
    }
  }
  return out;
}

std::string calibration_csv(const ModelComparison& comparison) {
  std::string out = "candidate,subset,decile,customers,positives,mean_score,observed_rate\n";
  for (const CandidateResult& c : comparison.candidates) {
    for (const auto& [subset, m] :
         {std::pair{"validation", &c.validation}, std::pair{"holdout", &c.holdout}}) {
      for (std::size_t k = 0; k < m->calibration.size(); ++k) {
        const CalibrationBin& bin = m->calibration[k];
        const double rate = bin.count > 0
                                ? static_cast<double>(bin.positives) / static_cast<double>(bin.count)
                                : std::nan("");
        out += fmt::format("{},{},{},{},{},{},{}\n", io::csv_quote(c.name), subset, k + 1, bin.count,
                           bin.positives, csv_number(bin.mean_score), csv_number(rate));
      }
    }
  }
  return out;
}

}  // namespace portrait::models

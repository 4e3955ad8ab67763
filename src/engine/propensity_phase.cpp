// src/engine/propensity_phase.cpp: propensity models: one logistic or
// gradient-boosted model, or the champion of several candidates, trained on
// the labelled customers (or read from a saved model) and applied to every
// customer; the comparison table of what was trained.
#include <fmt/format.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "engine/model_kinds.hpp"
#include "models/gbdt.hpp"
#include "models/logistic.hpp"
#include "models/model_comparison.hpp"
#include "models/model_json.hpp"
#include "parallel/collective_error.hpp"

namespace portrait::engine {
namespace {

using catalog::ModelKind;

// Importances listed in the manifest and the summary.
constexpr std::size_t kTopFeatures = 10;

models::SubsetRule subsets_of(const catalog::ModelSpec& spec) {
  models::SubsetRule rule;
  rule.holdout_percent = static_cast<int>(spec.holdout_percent);
  rule.validation_percent = static_cast<int>(spec.validation_percent);
  return rule;
}

models::LogisticOptions logistic_options(const catalog::ModelSpec& spec, double c) {
  models::LogisticOptions o;
  o.c = c;
  o.holdout_percent = static_cast<int>(spec.holdout_percent);
  o.validation_percent = static_cast<int>(spec.validation_percent);
  o.threshold = spec.threshold;
  o.level_high = spec.level_high;
  o.level_medium = spec.level_medium;
  return o;
}

models::GbdtOptions gbdt_options(const catalog::ModelSpec& spec, const catalog::GbdtSettings& g) {
  models::GbdtOptions o;
  o.trees = static_cast<int>(g.trees);
  o.max_depth = static_cast<int>(g.max_depth);
  o.max_leaves = static_cast<int>(g.max_leaves);
  o.learning_rate = g.learning_rate;
  o.min_child_weight = g.min_child_weight;
  o.lambda = g.lambda;
  o.gamma = g.gamma;
  o.subsample = g.subsample;
  o.colsample = g.colsample;
  o.max_bins = static_cast<int>(g.max_bins);
  o.early_stopping_rounds = static_cast<int>(g.early_stopping_rounds);
  o.seed = static_cast<std::uint64_t>(g.seed);
  o.subsets = subsets_of(spec);
  o.threshold = spec.threshold;
  o.level_high = spec.level_high;
  o.level_medium = spec.level_medium;
  return o;
}

// The features with the largest gain, largest first (ties by position).
nlohmann::json top_importance(const models::GbdtModel& model) {
  std::vector<std::size_t> order(model.features.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    return model.gain_importance[a] > model.gain_importance[b];
  });
  double total = 0.0;
  for (const double g : model.gain_importance) total += g;
  nlohmann::json top = nlohmann::json::array();
  for (std::size_t k = 0; k < std::min(kTopFeatures, order.size()); ++k) {
    const std::size_t f = order[k];
    top.push_back({{"feature", model.features[f]},
                   {"gain", model.gain_importance[f]},
                   {"share", total > 0 ? model.gain_importance[f] / total : 0.0},
                   {"splits", model.split_count[f]}});
  }
  return top;
}

std::string holdout_text(const models::BinaryMetrics& h) {
  return fmt::format(
      "holdout ({} customers, {} positive): AUC {:.4f}, precision {:.2f}%, recall {:.2f}% at {:.2f}, lift "
      "{:.2f} "
      "in the top decile, {:.2f} in the top 1%",
      h.count, h.positives, h.auc, 100 * h.precision, 100 * h.recall, h.threshold, h.lift_top_decile,
      h.lift_top_percent);
}

// One trained candidate: what the table, the tags and the output need.
struct Trained {
  std::string name;
  ModelKind kind = ModelKind::Logistic;
  std::string json;
  std::vector<double> scores;
  nlohmann::json manifest;
  std::string description;  // "logistic regression on 12 features, ..."
};

Trained train(const parallel::Comm& comm, const catalog::ModelSpec& spec, const std::string& name,
              ModelKind kind, double c, const catalog::GbdtSettings& settings,
              const models::CustomerRows& rows, std::span<const std::int8_t> label,
              const std::string& catalog_hash) {
  Trained t;
  t.name = name;
  t.kind = kind;
  // Not a switch: the catalog reader admits only these two as candidates, so
  // a new model kind has nothing to add here.
  if (kind == ModelKind::Logistic) {
    const models::LogisticModel model =
        models::train_logistic(comm, rows, label, logistic_options(spec, c), catalog_hash);
    t.json = models::logistic_to_json(model);
    t.scores = models::score_logistic(model, rows);
    t.manifest = {{"kind", "logistic"},
                  {"c", c},
                  {"training_customers", model.training_rows},
                  {"iterations", model.iterations},
                  {"converged", model.converged}};
    t.description = fmt::format("logistic regression on {} features, {} training customers, {} Newton steps",
                                rows.dimension(), model.training_rows, model.iterations);
    return t;
  }
  if (kind == ModelKind::Gbdt) {
    const models::GbdtOptions options = gbdt_options(spec, settings);
    const models::GbdtModel model = models::train_gbdt(comm, rows, label, options, catalog_hash);
    t.json = models::gbdt_to_json(model);
    t.scores = models::score_gbdt(model, rows);
    t.manifest = {{"kind", "gbdt"},
                  {"training_customers", model.training_rows},
                  {"validation_customers", model.validation_rows},
                  {"trees", model.trees.size()},
                  {"trees_trained", model.trees_trained},
                  {"max_depth", options.max_depth},
                  {"max_leaves", options.max_leaves},
                  {"learning_rate", options.learning_rate},
                  {"importance", top_importance(model)}};
    t.description =
        fmt::format("gradient-boosted trees on {} features, {} training customers, {} trees{} of {}",
                    rows.dimension(), model.training_rows, model.trees.size(),
                    static_cast<int>(model.trees.size()) < model.trees_trained
                        ? fmt::format(" (best of {})", model.trees_trained)
                        : std::string(),
                    options.max_leaves > 0 ? fmt::format("{} leaves", options.max_leaves)
                                           : fmt::format("depth {}", options.max_depth));
    return t;
  }
  throw std::logic_error("the catalog reader lets only logistic and gbdt models be candidates");
}

void add_tags(const catalog::ModelSpec& spec, const std::vector<double>& scores, Table& tags) {
  const auto levels = models::propensity_levels(scores, spec.level_high, spec.level_medium);
  tags.add(spec.id, ColumnType::Float64).values<double>() = scores;
  auto& level = tags.add(spec.id + "_level", ColumnType::Int32).values<std::int32_t>();
  for (std::size_t i = 0; i < levels.size(); ++i) level[i] = static_cast<std::int32_t>(levels[i]);
}

// Scores every row with the saved model of spec.model_file.
void score_saved(const parallel::Comm& comm, const catalog::ModelSpec& spec, const std::string& where,
                 const models::CustomerRows& rows, Table& tags, ModelOutcome& out) {
  std::vector<double> scores;
  parallel::collectively(comm, [&] {
    const std::string text = models::read_model_file(spec.model_file);
    const std::string place = where + ", " + spec.model_file;
    auto check = [&](const std::vector<std::string>& features, const std::vector<std::uint8_t>& categorical) {
      if (features != spec.features || categorical != spec.categorical) {
        throw Error("the saved model's features differ from the catalog's", place,
                    "retrain the model, or list the features it was trained on");
      }
    };
    if (spec.kind == ModelKind::Logistic) {
      const models::LogisticModel model = models::logistic_from_json(text, spec.model_file);
      check(model.features, std::vector<std::uint8_t>(model.features.size(), 0));
      scores = models::score_logistic(model, rows);
      return;
    }
    if (spec.kind == ModelKind::Gbdt) {
      const models::GbdtModel model = models::gbdt_from_json(text, spec.model_file);
      check(model.features, model.categorical);
      scores = models::score_gbdt(model, rows);
      return;
    }
    throw std::logic_error("the catalog reader gives saved models to logistic and gbdt models only");
  });
  add_tags(spec, scores, tags);
  out.manifest[spec.id] = {{"kind", std::string(catalog::to_string(spec.kind))},
                           {"features", spec.features},
                           {"trained", false},
                           {"model_file", spec.model_file}};
  out.summary.push_back(fmt::format("{}: scored with the saved model {}", spec.id, spec.model_file));
}

}  // namespace

void apply_propensity(const parallel::Comm& comm, const catalog::ModelSpec& spec, const std::string& where,
                      const models::CustomerRows& rows, const Column* label, Table& tags,
                      const std::string& catalog_hash, ModelOutcome& out) {
  if (label == nullptr) {
    score_saved(comm, spec, where, rows, tags, out);
    return;
  }
  const std::span<const std::int8_t> labels = label->values<std::int8_t>();
  std::vector<catalog::ModelCandidate> candidates = spec.candidates;
  if (spec.kind != ModelKind::Champion) {
    catalog::ModelCandidate only;
    only.name = std::string(catalog::to_string(spec.kind));
    only.kind = spec.kind;
    only.c = spec.c;
    only.gbdt = spec.gbdt;
    candidates = {only};
  }
  std::vector<Trained> trained;
  std::vector<models::CandidateScores> scores;
  for (const auto& c : candidates) {
    trained.push_back(train(comm, spec, c.name, c.kind, c.c, c.gbdt, rows, labels, catalog_hash));
  }
  for (const Trained& t : trained) {
    scores.push_back({t.name, std::string(catalog::to_string(t.kind)), t.scores});
  }
  const models::ModelComparison comparison = models::compare_candidates(
      comm, rows.id, labels, subsets_of(spec), scores, spec.select_by, spec.threshold);
  const Trained& best = trained[comparison.champion];
  const models::CandidateResult& result = comparison.candidates[comparison.champion];
  add_tags(spec, best.scores, tags);

  out.saved.emplace_back(spec.id + ".json", best.json);
  const nlohmann::json table = models::comparison_to_json(spec.id, comparison);
  out.saved.emplace_back(spec.id + ".comparison.json", table.dump(2) + "\n");
  out.saved.emplace_back(spec.id + ".comparison.csv", models::comparison_csv(comparison));
  out.saved.emplace_back(spec.id + ".calibration.csv", models::calibration_csv(comparison));

  nlohmann::json manifest = best.manifest;
  manifest["features"] = spec.features;
  manifest["trained"] = true;
  manifest["model_file"] = "";
  manifest["holdout"] = models::metrics_to_json(result.holdout);
  manifest["comparison"] = table;
  if (spec.kind == ModelKind::Champion) {
    manifest["kind"] = "champion";
    manifest["champion"] = best.name;
    manifest["champion_kind"] = std::string(catalog::to_string(best.kind));
    nlohmann::json each = nlohmann::json::object();
    for (const Trained& t : trained) {
      each[t.name] = t.manifest;
      out.saved.emplace_back(spec.id + "." + t.name + ".json", t.json);
      out.summary.push_back(fmt::format("{} candidate {}: {}; {}", spec.id, t.name, t.description,
                                        holdout_text(comparison.candidates[&t - trained.data()].holdout)));
    }
    manifest["candidates"] = each;
    out.summary.push_back(fmt::format("{}: champion {} by validation {} ({:.4f})", spec.id, best.name,
                                      to_string(comparison.metric),
                                      models::metric_value(result.validation, comparison.metric)));
  } else {
    out.summary.push_back(fmt::format("{}: {}; {}", spec.id, best.description, holdout_text(result.holdout)));
  }
  out.manifest[spec.id] = manifest;
}

}  // namespace portrait::engine

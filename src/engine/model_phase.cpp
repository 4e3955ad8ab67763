// src/engine/model_phase.cpp: training and applying the catalog's models.
#include "engine/model_phase.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "catalog/rule_eval.hpp"
#include "models/customer_rows.hpp"
#include "models/kmeans.hpp"
#include "models/logistic.hpp"
#include "models/model_json.hpp"
#include "models/rfm.hpp"
#include "parallel/collective_error.hpp"

namespace portrait::engine {
namespace {

std::vector<double> as_reals(const Column& column) {
  return column.visit([](const auto& v) {
    std::vector<double> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i)
      out[i] = is_missing(v[i]) ? missing<double>() : static_cast<double>(v[i]);
    return out;
  });
}

std::vector<std::int64_t> as_integers(const Column& column) {
  return column.visit([](const auto& v) {
    std::vector<std::int64_t> out(v.size());
    for (std::size_t i = 0; i < v.size(); ++i) {
      out[i] = is_missing(v[i]) ? missing<std::int64_t>() : static_cast<std::int64_t>(v[i]);
    }
    return out;
  });
}

nlohmann::json metrics_json(const models::BinaryMetrics& m) {
  return {{"customers", m.count},
          {"positives", m.positives},
          {"threshold", m.threshold},
          {"auc", m.auc},
          {"precision", m.precision},
          {"recall", m.recall},
          {"lift_top_decile", m.lift_top_decile},
          {"lift_top_percent", m.lift_top_percent}};
}

// The RFM scores and value level of every customer.
void apply_rfm(const parallel::Comm& comm, const catalog::ModelSpec& spec, const Table& customers,
               Table& tags, ModelOutcome& out) {
  std::vector<std::int64_t> r, f, m;
  parallel::collectively(comm, [&] {
    r = as_integers(catalog::input_column(spec.recency, customers, tags));
    f = as_integers(catalog::input_column(spec.frequency, customers, tags));
    m = as_integers(catalog::input_column(spec.monetary, customers, tags));
  });
  const models::RfmScores scores = models::score_rfm(comm, r, f, m);
  const std::vector<std::pair<std::string, const std::vector<std::int8_t>*>> parts{
      {"_recency", &scores.recency}, {"_frequency", &scores.frequency}, {"_monetary", &scores.monetary}};
  for (const auto& [suffix, values] : parts) {
    auto& column = tags.add(spec.id + suffix, ColumnType::Int64).values<std::int64_t>();
    for (std::size_t i = 0; i < values->size(); ++i) {
      column[i] = is_missing((*values)[i]) ? missing<std::int64_t>() : (*values)[i];
    }
  }
  auto& level = tags.add(spec.id, ColumnType::Int32).values<std::int32_t>();
  for (std::size_t i = 0; i < scores.level.size(); ++i) {
    level[i] = scores.level[i] == models::kMissingLevel ? missing<std::int32_t>() : scores.level[i];
  }
  out.manifest[spec.id] = {{"kind", "rfm"},
                           {"recency_cuts", scores.recency_cuts},
                           {"frequency_cuts", scores.frequency_cuts},
                           {"monetary_cuts", scores.monetary_cuts}};
  out.summary.push_back(fmt::format("{}: RFM quintile scores and value levels", spec.id));
}

// The model's feature columns as float64 (NaN = missing), with the rows'
// buckets and ids.
models::CustomerRows feature_rows(const parallel::Comm& comm, const catalog::ModelSpec& spec,
                                  const Table& customers, const Table& tags, std::span<const Bucket> bucket,
                                  const parallel::BucketRange& range,
                                  std::vector<std::vector<double>>& features) {
  parallel::collectively(comm, [&] {
    for (const auto& name : spec.features)
      features.push_back(as_reals(catalog::input_column(name, customers, tags)));
  });
  models::CustomerRows rows;
  rows.range = range;
  rows.bucket = bucket;
  rows.id = customers.values<std::int64_t>("customer_id");
  for (std::size_t k = 0; k < features.size(); ++k) {
    rows.features.emplace_back(features[k]);
    rows.feature_names.push_back(spec.features[k]);
  }
  return rows;
}

void apply_kmeans(const parallel::Comm& comm, const catalog::ModelSpec& spec,
                  const models::CustomerRows& rows, Table& tags, ModelOutcome& out) {
  models::KMeansOptions options;
  options.k = static_cast<int>(spec.k);
  options.seed = static_cast<std::uint64_t>(spec.seed);
  const models::KMeansResult result = models::train_kmeans(comm, rows, options);
  tags.add(spec.id, ColumnType::Int32).values<std::int32_t>() = result.cluster;
  out.manifest[spec.id] = {{"kind", "kmeans"},
                           {"features", spec.features},
                           {"k", result.k},
                           {"sizes", result.sizes},
                           {"inertia", result.inertia},
                           {"iterations", result.iterations},
                           {"converged", result.converged}};
  out.summary.push_back(fmt::format("{}: k-means, {} clusters, {} iterations{}, inertia {:.6g}", spec.id,
                                    result.k, result.iterations, result.converged ? "" : " (not converged)",
                                    result.inertia));
}

// The label column of a model's customers: 1, 0, or missing (not trained on).
Column model_labels(const parallel::Comm& comm, const catalog::ModelSpec& spec, const Table& customers,
                    const Table& tags) {
  Column label(ColumnType::Int8);
  parallel::collectively(comm, [&] {
    label.resize(customers.rows());
    const auto slots = catalog::bind_rule_inputs(*spec.label, customers, tags);
    catalog::EvalScratch scratch;
    for (std::size_t begin = 0; begin < customers.rows(); begin += catalog::kBatch) {
      catalog::evaluate_into(*spec.label, slots, begin, std::min(customers.rows(), begin + catalog::kBatch),
                             scratch, label);
    }
  });
  return label;
}

void apply_logistic(const parallel::Comm& comm, const catalog::ModelSpec& spec, const std::string& where,
                    const Table& customers, const models::CustomerRows& rows, Table& tags,
                    const std::string& catalog_hash, ModelOutcome& out) {
  models::LogisticModel model;
  if (!spec.model_file.empty()) {
    parallel::collectively(comm, [&] {
      model = models::load_logistic(spec.model_file);
      if (model.features != spec.features) {
        throw Error("the saved model's features differ from the catalog's", where + ", " + spec.model_file,
                    "retrain the model, or list the features it was trained on");
      }
    });
  } else {
    const Column label = model_labels(comm, spec, customers, tags);
    models::LogisticOptions options;
    options.c = spec.c;
    options.holdout_percent = static_cast<int>(spec.holdout_percent);
    options.threshold = spec.threshold;
    options.level_high = spec.level_high;
    options.level_medium = spec.level_medium;
    model = models::train_logistic(comm, rows, label.values<std::int8_t>(), options, catalog_hash);
    out.saved.emplace_back(spec.id + ".json", models::logistic_to_json(model));
  }
  const std::vector<double> scores = models::score_logistic(model, rows);
  const auto levels = models::propensity_levels(model, scores);
  tags.add(spec.id, ColumnType::Float64).values<double>() = scores;
  auto& level = tags.add(spec.id + "_level", ColumnType::Int32).values<std::int32_t>();
  for (std::size_t i = 0; i < levels.size(); ++i) level[i] = static_cast<std::int32_t>(levels[i]);
  const auto& h = model.holdout;
  out.manifest[spec.id] = {{"kind", "logistic"},
                           {"features", spec.features},
                           {"trained", spec.model_file.empty()},
                           {"model_file", spec.model_file},
                           {"training_customers", model.training_rows},
                           {"iterations", model.iterations},
                           {"converged", model.converged},
                           {"holdout", metrics_json(h)}};
  out.summary.push_back(fmt::format(
      "{}: logistic regression on {} features, {} training customers, {} Newton steps; holdout ({} "
      "customers, "
      "{} positive): AUC {:.4f}, precision {:.2f}%, recall {:.2f}% at {:.2f}, lift {:.2f} in the top decile, "
      "{:.2f} in the top 1%",
      spec.id, spec.features.size(), model.training_rows, model.iterations, h.count, h.positives, h.auc,
      100 * h.precision, 100 * h.recall, h.threshold, h.lift_top_decile, h.lift_top_percent));
}

}  // namespace

ModelOutcome apply_catalog_models(const parallel::Comm& comm, const catalog::Catalog& catalog,
                                  const Table& customers, Table& tags, std::span<const Bucket> bucket,
                                  const parallel::BucketRange& range, const std::string& catalog_hash) {
  ModelOutcome out;
  for (const auto& spec : catalog.models) {
    const std::string where =
        fmt::format("{}:{}:{} (model '{}')", catalog.file, spec.location.line, spec.location.column, spec.id);
    std::vector<std::vector<double>> features;  // what `rows` views
    switch (spec.kind) {
      case catalog::ModelKind::Rfm:
        apply_rfm(comm, spec, customers, tags, out);
        break;
      case catalog::ModelKind::KMeans:
        apply_kmeans(comm, spec, feature_rows(comm, spec, customers, tags, bucket, range, features), tags,
                     out);
        break;
      case catalog::ModelKind::Logistic:
        apply_logistic(comm, spec, where, customers,
                       feature_rows(comm, spec, customers, tags, bucket, range, features), tags, catalog_hash,
                       out);
        break;
    }
  }
  return out;
}

}  // namespace portrait::engine

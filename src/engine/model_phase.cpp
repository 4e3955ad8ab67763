// src/engine/model_phase.cpp: training and applying the catalog's models:
// the inputs every kind reads, k-means and RFM, and the dispatch by kind.
#include "engine/model_phase.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <optional>

#include "catalog/rule_eval.hpp"
#include "engine/model_kinds.hpp"
#include "models/customer_rows.hpp"
#include "models/kmeans.hpp"
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
  rows.categorical = spec.categorical;
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

}  // namespace

ModelOutcome apply_catalog_models(const parallel::Comm& comm, const catalog::Catalog& catalog,
                                  const Table& customers, Table& tags, std::span<const Bucket> bucket,
                                  const parallel::BucketRange& range, const ModelRecords& records,
                                  const std::string& catalog_hash) {
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
      case catalog::ModelKind::Gbdt:
      case catalog::ModelKind::Champion: {
        const models::CustomerRows rows = feature_rows(comm, spec, customers, tags, bucket, range, features);
        std::optional<Column> label;
        if (spec.model_file.empty()) label = model_labels(comm, spec, customers, tags);
        apply_propensity(comm, spec, where, rows, label ? &*label : nullptr, tags, catalog_hash, out);
        break;
      }
      case catalog::ModelKind::PageRank:
        apply_pagerank(comm, spec, records.at(spec.id), customers.values<std::int64_t>("customer_id"), bucket,
                       range, tags, out);
        break;
    }
  }
  return out;
}

}  // namespace portrait::engine

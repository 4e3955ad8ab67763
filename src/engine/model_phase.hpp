// src/engine/model_phase.hpp: the model tags of a run (the catalog's `models`
// section), after facts and rules and before statistics: propensity models
// (logistic regression) trained on the labelled customers and applied to all,
// k-means segments, RFM value levels. Every model is trained with
// collectives whose results do not depend on rank or thread count.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "core/column.hpp"
#include "parallel/mpi_context.hpp"
#include "parallel/partition.hpp"

namespace portrait::engine {

struct ModelOutcome {
  nlohmann::json manifest = nlohmann::json::object();      // per model: what was trained and how well
  std::vector<std::pair<std::string, std::string>> saved;  // (file name, JSON) of trained models
  std::vector<std::string> summary;                        // one printable line per model
};

// Collective. Adds every model's output tags to `tags` (same rows as
// `customers`, in (bucket, customer_id) order with `bucket`).
ModelOutcome apply_catalog_models(const parallel::Comm& comm, const catalog::Catalog& catalog,
                                  const Table& customers, Table& tags, std::span<const Bucket> bucket,
                                  const parallel::BucketRange& range, const std::string& catalog_hash);

}  // namespace portrait::engine

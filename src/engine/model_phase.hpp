// src/engine/model_phase.hpp: the model tags of a run (the catalog's `models`
// section), after facts and rules and before statistics: propensity models
// (logistic regression, gradient-boosted trees, or the champion of several)
// trained on the labelled customers and applied to all, k-means segments,
// RFM value levels, the contact graph's PageRank. Every model is trained with
// collectives whose results do not depend on rank or thread count.
#pragma once

#include <map>
#include <span>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "core/column.hpp"
#include "core/period.hpp"
#include "engine/grouped_customers.hpp"
#include "identity/contact_graph.hpp"
#include "parallel/mpi_context.hpp"
#include "parallel/partition.hpp"

namespace portrait::engine {

struct ModelOutcome {
  nlohmann::json manifest = nlohmann::json::object();  // per model: what was trained and how well
  // (file name, text ending in a newline) under <output>/models/: trained
  // models as JSON, the comparison tables as JSON and CSV.
  std::vector<std::pair<std::string, std::string>> saved;
  std::vector<std::string> summary;  // printable lines
};

// What PageRank models read of the records, taken while the records are
// held (the compute phase) so the records can go before the models run:
// per model id, the rank's calls of the period and the phone numbers of the
// identity channel.
struct ContactRecords {
  identity::ContactCalls calls;
  identity::PhoneNumbers phones;
};
using ModelRecords = std::map<std::string, ContactRecords>;

// Local (contact_phase.cpp).
ModelRecords collect_model_records(const catalog::Catalog& catalog, const GroupedCustomers& grouped,
                                   const Period& period);

// Collective. Adds every model's output tags to `tags` (same rows as
// `customers`, in (bucket, customer_id) order with `bucket`).
ModelOutcome apply_catalog_models(const parallel::Comm& comm, const catalog::Catalog& catalog,
                                  const Table& customers, Table& tags, std::span<const Bucket> bucket,
                                  const parallel::BucketRange& range, const ModelRecords& records,
                                  const std::string& catalog_hash);

}  // namespace portrait::engine

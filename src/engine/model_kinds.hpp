// src/engine/model_kinds.hpp: the model phase's kinds that have files of
// their own (model_phase.cpp dispatches to them).
#pragma once

#include <string>

#include "catalog/catalog.hpp"
#include "core/column.hpp"
#include "engine/model_phase.hpp"
#include "models/customer_rows.hpp"
#include "parallel/mpi_context.hpp"
#include "parallel/partition.hpp"

namespace portrait::engine {

// propensity_phase.cpp: logistic, gbdt and champion models. `label` is the
// label column (nullptr when the spec scores with a saved model).
void apply_propensity(const parallel::Comm& comm, const catalog::ModelSpec& spec, const std::string& where,
                      const models::CustomerRows& rows, const Column* label, Table& tags,
                      const std::string& catalog_hash, ModelOutcome& out);

// contact_phase.cpp: the PageRank of the contact graph and its leaders.
void apply_pagerank(const parallel::Comm& comm, const catalog::ModelSpec& spec, const ContactRecords& records,
                    std::span<const CustomerId> ids, std::span<const Bucket> bucket,
                    const parallel::BucketRange& range, Table& tags, ModelOutcome& out);

}  // namespace portrait::engine

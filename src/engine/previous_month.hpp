// src/engine/previous_month.hpp: last month's run as an input of this
// month's (the job's `inputs: previous`), so rules can read last month's
// tags as `prev.<tag>` (segment changed, ARPU dropped by 30%).
//
// The previous run's customers table is in (bucket, customer_id) order of
// its own bucket count. Each rank reads an even block of its rows, sends every
// row to the rank that owns its customer in this run, sorts what it receives
// by (bucket, customer_id) and joins it to its customers. Customers new this
// month have the `prev.` values missing.
#pragma once

#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "catalog/catalog_schema.hpp"
#include "core/column.hpp"
#include "core/period.hpp"
#include "parallel/mpi_context.hpp"
#include "parallel/partition.hpp"

namespace portrait::engine {

struct PreviousRun {
  std::string tags_file;  // <previous output>/tags.h5
  std::string checksum;   // of tags_file, for the manifest and checkpoints
  std::string period;     // the previous run's month
  std::uint64_t rows = 0;
  std::vector<catalog::PreviousTag> tags;  // every tag column, in file order
};

// Collective. Rank 0 checks that `dir` is a complete run (it has a
// manifest) of the month before `period` and describes its tags; every rank
// gets the description. Throws portrait::Error (every rank) otherwise.
PreviousRun describe_previous_run(const parallel::Comm& comm, const std::string& dir, const Period& period,
                                  const std::string& job_file);

// Collective. Adds a column `prev.<name>` for each of `names` to `customers`
// (this rank's customers in (bucket, customer_id) order). A category tag's
// codes are mapped by label to `catalog`'s tag of the same id when it has
// one (a label it no longer has becomes missing).
void attach_previous_tags(const parallel::Comm& comm, const PreviousRun& previous,
                          const std::vector<std::string>& names, const catalog::Catalog& catalog,
                          const parallel::BucketPartition& partition, std::uint64_t round_bytes,
                          Table& customers);

}  // namespace portrait::engine

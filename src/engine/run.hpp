// src/engine/run.hpp: one monthly recompute, phase by phase, on every rank:
//   plan    rank 0 lists the shards; every rank derives the same read plan;
//           ranks agree on each channel's columns (required + extra)
//   read + shuffle  rounds: each rank reads a budget-bounded batch of rows
//           from its shards, checks them, and sends them to the owners of
//           their customers' buckets
//   group   sort by (bucket, customer, time, record key); quarantine
//           duplicates and unknown customers; customer index
//   checkpoint  each rank saves its bucket range's customers and records
//   (identity) persons: distributed connected components over identifiers
//   compute the catalog's tags per customer (OpenMP): facts, then rules;
//           without a catalog, record counts and sums per channel
//   models  the catalog's models, trained and applied with collectives
//   checkpoint  each rank saves its customers' tags
//   (merge) merged profiles per person
//   reduce  the catalog's statistics, exact totals and the accounting (MPI
//           collectives)
//   write   one HDF5 file (collective), optional CSV, statistics JSON/CSV,
//           manifest last
// Any rank's error stops every rank with the same message. With `resume`, the
// run starts after the latest complete checkpoint (see checkpoint.hpp).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "engine/job.hpp"
#include "engine/progress.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::engine {

struct RunResult {
  nlohmann::json manifest;                   // also <output>/manifest.json
  std::vector<std::string> statistics_text;  // the catalog's statistics, printable
  std::vector<std::string> model_summary;    // one line per model of the catalog
  // Set when the run ended at a checkpoint (JobSpec::stop_after): no output,
  // no manifest; `portrait run --resume` continues.
  std::optional<CheckpointStage> stopped_after;
};

// Collective. Throws parallel::RankFailure on every rank when any rank fails.
RunResult run_job(const parallel::Comm& comm, const JobSpec& job, Progress& progress);

}  // namespace portrait::engine

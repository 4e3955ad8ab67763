// src/engine/run.hpp: one monthly recompute on every rank, as a sequence of
// phases over one run state (run_state.hpp; the sequence is in run.cpp):
//   plan          the shard list and read plan, agreed columns, checksums,
//                 the compiled catalog, reference lookups, checkpoints
//   read+shuffle  rounds: each rank reads a budget-bounded batch of rows,
//                 checks them and sends them to their buckets' owners
//   group         sort by (bucket, customer, time, record key); quarantine
//                 duplicates and unknown customers      -> checkpoint grouped
//   previous      last month's tags, when rules read prev.<tag>
//   identity      persons: distributed connected components over identifiers
//   compute       the catalog's facts, then rules (OpenMP); without a
//                 catalog, record counts and sums per channel
//   persons       the person id column joins the tag table
//   models        the catalog's models, trained and applied collectively
//   rules:after-models  the rules that read model outputs -> checkpoint tagged
//   merge         merged profiles per person
//   reduce        statistics, exact totals, the accounting check
//   write         tags.h5 (collective), CSV, statistics, models
//   manifest      last: its presence marks a complete output
// Any rank's error stops every rank with the same message. With `resume`, the
// run enters the sequence after the phase whose checkpoint it resumes.
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

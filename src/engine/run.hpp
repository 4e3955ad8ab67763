// src/engine/run.hpp: one monthly recompute, phase by phase, on every rank:
//   plan    rank 0 lists the shards; every rank derives the same read plan;
//           ranks agree on each channel's columns (required + extra)
//   read + shuffle  rounds: each rank reads a budget-bounded batch of rows
//           from its shards, checks them, and sends them to the owners of
//           their customers' buckets
//   group   sort by (bucket, customer, time, record key); quarantine
//           duplicates and unknown customers; customer index
//   compute tags per customer (OpenMP)
//   reduce  exact global totals and accounting (MPI collectives)
//   write   one HDF5 file (collective), optional CSV, manifest last
// Any rank's error stops every rank with the same message.
#pragma once

#include <nlohmann/json.hpp>

#include "dist/mpi_context.hpp"
#include "engine/job.hpp"
#include "engine/progress.hpp"

namespace portrait::engine {

// Collective. Returns the run manifest (also written to <output>/manifest.json).
// Throws dist::RankFailure on every rank when any rank fails.
nlohmann::json run_job(const dist::Comm& comm, const JobSpec& job, Progress& progress);

}  // namespace portrait::engine

// src/engine/job.hpp: the job file (jobs/*.yaml): what one run reads, which
// month it computes, where it writes, and how it is partitioned. Paths are
// taken relative to the directory the run starts in (a batch job's working
// directory), like every path on the command line.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/period.hpp"
#include "engine/checkpoint.hpp"
#include "identity/identity_guards.hpp"

namespace portrait::engine {

struct JobSpec {
  std::string file;  // the job file itself, for messages
  Period period;
  // Detail records of this many months before the period are kept, for
  // lookback windows and month-over-month precursors; older ones are
  // quarantined as outside the period.
  int history_months = 2;
  std::vector<std::string> shard_patterns;  // globs
  std::string reference;                    // optional reference file
  std::string previous;                     // optional: last month's output directory (prev.<tag>)
  std::string catalog;                      // optional tag catalog
  std::string output;                       // output directory
  std::uint32_t buckets = 4096;
  std::uint64_t memory_budget_bytes = std::uint64_t{2} << 30;  // per rank; its records must fit
  // Bytes read per round and bound of each shuffle round's buffers; 0 means
  // an eighth of the memory budget, at most 32 MiB: measured on the demo
  // month, larger rounds only cost first touches of fresh pages and cache
  // misses (docs/performance.md). Raise it for many ranks, where each
  // destination's share of a round gets small.
  std::uint64_t round_bytes = 0;
  bool write_csv = false;
  bool overwrite = false;  // replace an existing output directory
  // Checkpoints after the group phase and after the tags (see
  // checkpoint.hpp); removed when the run completes.
  bool checkpoints = true;
  // Where they go (`checkpoints: {dir, local, partner}`): markers, and the rank
  // files without `local`, in `checkpoint_dir` on the shared file system
  // (empty: `<output>.checkpoints`); with `checkpoint_local` the rank files
  // in that node-local directory of each node, and with `checkpoint_partner`
  // (the default there) a copy on a partner rank of another host.
  std::string checkpoint_dir, checkpoint_local;
  bool checkpoint_partner = false;
  // Restart from the latest complete checkpoint of an interrupted run.
  bool resume = false;
  // End the run (exit 0, no output) once this stage's checkpoint is complete:
  // to split a month over batch allocations, possibly of other rank counts.
  std::optional<CheckpointStage> stop_after;
  // Cross-channel identity resolution: on when the job has an `identity`
  // section; its guards say which identifiers may link customers.
  bool resolve_identity = false;
  identity::IdentityGuards identity_guards;

  std::uint64_t effective_round_bytes() const {
    return round_bytes > 0 ? round_bytes
                           : std::min<std::uint64_t>(memory_budget_bytes / 8, std::uint64_t{32} << 20);
  }
  UnixSeconds history_start() const { return period.plus_months(-history_months).start(); }
};

// `dir` without trailing slashes: `<output>.partial` and `<output>.checkpoints`
// are siblings of the output, never inside it.
std::string output_directory(std::string dir);

// Where the job's checkpoints go, with the output as given now (--output).
CheckpointPlace checkpoint_place(const JobSpec& job);

// Reads and checks a job file; throws portrait::Error with file:line:column,
// the offending key or value, and a hint.
JobSpec load_job(const std::string& path);

}  // namespace portrait::engine

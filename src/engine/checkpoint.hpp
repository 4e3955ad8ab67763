// src/engine/checkpoint.hpp: checkpoints of a run, so a monthly recompute
// that dies hours in (a node lost, a job over its time limit, a rank killed)
// restarts from its last completed stage instead of from the shards.
//
// Two stages are saved: `grouped` (after the group phase: customers, every
// channel's records, the quarantine, the accounting) and `tagged` (after the
// tags and models: customers, the tag table, the quarantine, the accounting).
// Each rank writes one file for its bucket range: a Boost.Serialization
// header (tables, columns, rows per bucket, XXH3 checksum of every column)
// followed by the raw column bytes. Rank 0 marks a stage complete in
// `<stage>/complete.json` only after every rank's file is on disk. Buckets are
// the unit, so a checkpoint written by P ranks is read back by any number of
// ranks: each rank reads the files that overlap its bucket range and keeps its
// buckets' rows (every table is in (bucket, customer_id) order).
//
// A checkpoint is used only for the same computation: its fingerprint (job
// settings, catalog hash, input and reference checksums, portrait version)
// must equal the resuming run's.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/column.hpp"
#include "engine/accounting.hpp"
#include "parallel/mpi_context.hpp"
#include "parallel/partition.hpp"

namespace portrait::engine {

enum class CheckpointStage : int { kGrouped = 1, kTagged = 2 };
std::string_view to_string(CheckpointStage stage);
// "grouped" or "tagged"; throws portrait::Error naming `where` otherwise.
CheckpointStage parse_checkpoint_stage(const std::string& text, const std::string& where);

// One rank file of a complete stage: its bucket range.
struct CheckpointFile {
  std::string name;
  Bucket begin = 0, end = 0;
  std::uint64_t bytes = 0;
};

// A complete stage, as rank 0 found it; the same on every rank.
struct CheckpointInfo {
  CheckpointStage stage = CheckpointStage::kGrouped;
  int ranks = 0;                                     // ranks that wrote it
  nlohmann::json shared = nlohmann::json::object();  // what `save` was given as `shared`
  std::vector<CheckpointFile> files;                 // by bucket range
};

class Checkpoints {
 public:
  // `dir`: where the stages live (a run's `<output>.checkpoints`).
  // `fingerprint`: what a checkpoint must match to be resumed.
  Checkpoints(std::filesystem::path dir, nlohmann::json fingerprint, std::uint32_t buckets);

  const std::filesystem::path& dir() const { return dir_; }

  // Collective. Writes this rank's `tables` (each in (bucket, customer_id)
  // order with a `customer_id` column) and its accounting; rank 0 then marks
  // the stage complete with `shared` (rank 0's value is kept). Saving a stage
  // first removes it and every later stage, so a complete marker never
  // describes files of another run.
  void save(const parallel::Comm& comm, CheckpointStage stage, const parallel::BucketRange& range,
            const std::vector<std::pair<std::string, const Table*>>& tables, const Accounting& accounting,
            const nlohmann::json& shared) const;

  // Collective. The latest complete stage, if any. Throws portrait::Error
  // when it was written for another computation (names the setting).
  std::optional<CheckpointInfo> latest(const parallel::Comm& comm) const;

  // Collective. This rank's tables for `range`, in saved order, each
  // column's checksum verified; adds the saved accounting to `accounting`
  // (each saved file's counts are added by exactly one rank).
  std::vector<std::pair<std::string, Table>> restore(const parallel::Comm& comm, const CheckpointInfo& info,
                                                     const parallel::BucketRange& range,
                                                     Accounting& accounting) const;

  // Collective. Removes every stage (after a complete run).
  void remove(const parallel::Comm& comm) const;

 private:
  std::filesystem::path dir_;
  nlohmann::json fingerprint_;
  std::uint32_t buckets_;
};

}  // namespace portrait::engine

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
//
// Where the files go is the job's choice (CheckpointPlace): on the shared file
// system beside the output, or on each node's local disk with a copy on a
// partner rank of another host (checkpoint_partner.hpp), so that a resume
// succeeds after a node and its disk are lost. The markers stay on the
// shared file system either way.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/column.hpp"
#include "engine/accounting.hpp"
#include "engine/checkpoint_partner.hpp"
#include "parallel/mpi_context.hpp"
#include "parallel/partition.hpp"

namespace portrait::engine {

enum class CheckpointStage : std::uint8_t { kGrouped = 1, kTagged = 2 };
// "grouped", "tagged"; "" for a value without a name (core/enum_names.hpp).
std::string_view to_string(CheckpointStage stage);
// "grouped" or "tagged"; throws portrait::Error naming `where` otherwise.
CheckpointStage parse_checkpoint_stage(const std::string& text, const std::string& where);

// Where a run's checkpoints live.
struct CheckpointPlace {
  // On the shared file system: the stages' markers, and the rank files unless
  // `local` is set (a run's `<output>.checkpoints` by default).
  std::filesystem::path dir;
  // A node-local directory: each rank writes its file there, on its own
  // node, under `<local>/<dir's name>/<stage>/`. Empty: in `dir`.
  std::filesystem::path local;
  // With `local`: each file is also copied to `partner/` of the same place on
  // a partner rank of another host.
  bool partner = false;
  // The host of every rank; empty: each rank's processor name. (Tests give
  // ranks of one machine different hosts, and each host its own `local`.)
  std::vector<std::string> hosts;
};

// A complete stage, as rank 0 found it; the same on every rank.
struct CheckpointInfo {
  CheckpointStage stage = CheckpointStage::kGrouped;
  int ranks = 0;                                     // ranks that wrote it
  bool local = false;                                // rank files on node-local disks
  nlohmann::json shared = nlohmann::json::object();  // what `save` was given as `shared`
  std::vector<CheckpointFile> files;                 // by bucket range
  // Which copy of which file every rank of the resuming run reads.
  std::vector<CheckpointRead> reads;

  // For the manifest: stage, ranks, where the files were and, from node-local
  // disks, the copy each file was read from.
  nlohmann::json to_json() const;
  // For the log: "the 'tagged' checkpoint written by 6 rank(s)", and from
  // node-local disks how many files came from primary and partner copies.
  std::string describe() const;
};

class Checkpoints {
 public:
  // `fingerprint`: what a checkpoint must match to be resumed.
  Checkpoints(CheckpointPlace place, nlohmann::json fingerprint, std::uint32_t buckets);
  // On the shared file system, in `dir`.
  Checkpoints(std::filesystem::path dir, nlohmann::json fingerprint, std::uint32_t buckets)
      : Checkpoints(CheckpointPlace{std::move(dir), {}, false, {}}, std::move(fingerprint), buckets) {}

  // The shared directory of the markers.
  const std::filesystem::path& dir() const { return place_.dir; }

  // Collective. Writes this rank's `tables` (each in (bucket, customer_id)
  // order with a `customer_id` column) and its accounting, and its partner
  // copy if the place asks for one; rank 0 then marks the stage complete with
  // `shared` (rank 0's value is kept). Saving a stage first removes it and
  // every later stage, so a complete marker never describes files of
  // another run.
  void save(const parallel::Comm& comm, CheckpointStage stage, const parallel::BucketRange& range,
            const std::vector<std::pair<std::string, const Table*>>& tables, const Accounting& accounting,
            const nlohmann::json& shared) const;

  // Collective. The latest complete stage, if any, with the plan of which
  // copy each rank reads. Throws portrait::Error when it was written for
  // another computation (names the setting) or a file has no copy left.
  std::optional<CheckpointInfo> latest(const parallel::Comm& comm) const;

  // Collective. This rank's tables for `range` (the even partition's range of
  // this rank), in saved order, each column's checksum verified; adds the
  // saved accounting to `accounting` (each saved file's counts are added by
  // exactly one rank). Rows of files on other hosts' disks arrive from a
  // rank there.
  std::vector<std::pair<std::string, Table>> restore(const parallel::Comm& comm, const CheckpointInfo& info,
                                                     const parallel::BucketRange& range,
                                                     Accounting& accounting) const;

  // Collective. Removes every stage (after a complete run), node-local
  // copies included.
  void remove(const parallel::Comm& comm) const;

 private:
  std::vector<std::string> hosts(const parallel::Comm& comm) const;
  // Where this rank's host keeps the rank files of `stage`, and the partner
  // copies of other ranks' files.
  std::filesystem::path files_dir(CheckpointStage stage) const;
  std::filesystem::path partner_dir(CheckpointStage stage) const;
  void save_partner_copy(const parallel::Comm& comm, CheckpointStage stage, const std::vector<int>& partners,
                         const std::vector<std::span<const std::byte>>& file) const;

  CheckpointPlace place_;
  nlohmann::json fingerprint_;
  std::uint32_t buckets_;
};

}  // namespace portrait::engine

// src/engine/run_state.hpp: what the phases of one run share, and each
// phase's entry point. A phase reads what earlier phases left in RunState
// and leaves its own results there; run.cpp is only the sequence (which
// phases apply, where a resume enters, which checkpoint stage follows which
// phase). Every entry point is collective over `comm`.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "engine/accounting.hpp"
#include "engine/checkpoint.hpp"
#include "engine/grouped_customers.hpp"
#include "engine/job.hpp"
#include "engine/linking_phase.hpp"
#include "engine/merged_profiles.hpp"
#include "engine/model_phase.hpp"
#include "engine/output_lock.hpp"
#include "engine/previous_month.hpp"
#include "engine/progress.hpp"
#include "engine/read_plan.hpp"
#include "engine/record_checks.hpp"
#include "engine/reference_lookups.hpp"
#include "identity/identity_graph.hpp"
#include "parallel/mpi_context.hpp"
#include "parallel/partition.hpp"
#include "parallel/shuffle.hpp"
#include "stats/group_stats.hpp"

namespace portrait::engine {

struct RunState {
  RunState(const parallel::Comm& run_comm, const JobSpec& run_job, Progress& run_progress);

  const parallel::Comm& comm;
  const JobSpec& job;
  Progress& progress;
  const parallel::BucketPartition partition;
  const parallel::BucketRange range;  // this rank's buckets

  // --- plan ---------------------------------------------------------------
  std::optional<OutputLock> lock;      // rank 0: held for the whole run
  std::vector<ShardFile> files;        // every input shard, in record-key order
  std::vector<std::string> checksums;  // of each file (XXH3-128)
  std::string reference_checksum;
  std::vector<ReadUnit> my_units;  // this rank's parts of the files
  // Each channel's agreed columns (schema columns, extra columns, _record,
  // _reason), empty: read batches are staged here.
  std::map<std::string, Table> staged;
  std::vector<std::string> channels;                          // customers first, then the schema's order
  std::map<std::string, std::int64_t> planned_by_channel;     // this rank's rows to read
  std::map<std::string, std::set<std::string>> shard_months;  // per channel, the periods of its shards
  std::uint64_t planned_rows = 0;                             // every rank's
  std::optional<PreviousRun> previous;                        // with inputs: previous
  std::optional<catalog::Catalog> catalog;
  std::string catalog_sha256;
  // The shards' columns beyond io/schema.hpp that the catalog was compiled
  // with (e.g. generated propensity labels), for the manifest: `compare` and
  // `report` compile the catalog again with them.
  std::map<std::string, std::vector<catalog::SchemaColumn>> extra_columns;
  ReferenceLookups lookups;
  std::optional<RecordChecks> checks;  // what a record read must pass
  Accounting accounting{{}};
  std::optional<Checkpoints> checkpoints;
  std::optional<CheckpointInfo> resumed;  // the stage a resume starts after

  // --- read + shuffle, group ----------------------------------------------
  std::map<std::string, Table> resident;  // the rank's records by channel, until grouped
  parallel::ShuffleStats shuffle_stats;
  GroupedCustomers grouped;

  // --- tags ---------------------------------------------------------------
  std::vector<CustomerId> persons;  // person id of each customer, with identities
  nlohmann::json identity_report;
  std::vector<identity::VertexLink> strong_links;  // this rank's identity graph links, kept for linking
  std::optional<LinkingOutcome> linking;           // with linking profiles
  // One row per customer in (bucket, customer_id) order: the key columns
  // (customer_id, bucket, person_id with identities), then every tag.
  Table tags;
  ModelRecords model_records;  // what PageRank models read of the records, until the models ran
  ModelOutcome models;

  // --- merge, reduce, write -----------------------------------------------
  std::optional<MergedProfiles> profiles;
  std::vector<std::pair<std::string, MergedProfiles>> profile_merges;  // (profile, its merged profiles)
  nlohmann::json merge_policies = nlohmann::json::object();
  std::optional<Accounting> global;  // summed over ranks
  std::vector<stats::GroupStats> statistics;
  std::vector<std::string> skipped_statistics;
  std::vector<Int128> totals;  // without a catalog: each built-in fact's exact sum
  std::int64_t customers_total = 0;
  std::uint64_t written = 0, persons_written = 0;
  std::vector<std::uint64_t> profile_persons_written;  // as profile_merges
  nlohmann::json manifest;

  // Bytes per shuffle round (the job's setting, at least 1 KiB).
  std::uint64_t round_bytes() const;
};

// The key columns that lead the tag table, by name (customer_id, bucket,
// person_id, person_id.<profile>): the tags follow them.
std::size_t key_column_count(const Table& tags);

// plan_phase.cpp: the shard list and read plan, the agreed columns, input
// checksums, the compiled catalog, the reference lookups, the checkpoints
// and, with --resume, the stage to resume after.
void plan_run(RunState& s);

// record_phases.cpp: every record read, checked and sent to the owner of its
// customer's bucket; then sorted and checked per customer.
void read_and_shuffle(RunState& s);
void group(RunState& s);

// tag_phases.cpp: last month's tags, identities, the catalog's facts and
// rules (or the built-in facts), person ids, models, the rules that read
// model outputs.
void attach_previous(RunState& s);
void resolve_identities(RunState& s);
void compute_tags(RunState& s);
void join_person_ids(RunState& s);
void train_models(RunState& s);
void evaluate_rules_after_models(RunState& s);

// linking_phase.cpp: probabilistic linking: a person id column per linking
// profile, after the strong person ids; releases the records.
void link_persons(RunState& s);

// output_phases.cpp: merged profiles, statistics and the accounting check,
// the output files, and the manifest (last: it marks the output complete).
void merge(RunState& s);
void reduce(RunState& s);
void write_outputs(RunState& s);
void write_manifest(RunState& s);

// checkpoint_stages.cpp: a stage's tables saved from, and restored into, the
// run state.
void save_stage(RunState& s, CheckpointStage stage);
void restore_stage(RunState& s);

}  // namespace portrait::engine

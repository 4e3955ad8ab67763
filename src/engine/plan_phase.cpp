// src/engine/plan_phase.cpp: the plan phase. Rank 0 checks and locks the
// output's place (engine/output_lock.hpp) and lists the shards; every
// rank derives the same read plan, opens only its own files' metadata, and
// the ranks agree on each channel's columns; input checksums, the compiled
// catalog, the reference lookups with the record checks (which months each
// channel's shards hold), the checkpoint fingerprint follow, and
// with --resume the latest complete checkpoint stage is found.
#include <fmt/format.h>
#include <omp.h>

#include <algorithm>
#include <boost/serialization/map.hpp>
#include <boost/serialization/set.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <filesystem>
#include <memory>
#include <numeric>

#include "catalog/catalog_broadcast.hpp"
#include "catalog/input_schema.hpp"
#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/version.hpp"
#include "engine/run_state.hpp"
#include "io/schema.hpp"
#include "io/shard_reader.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/collectives.hpp"
#include "parallel/metadata.hpp"

namespace portrait::engine {
namespace {

// channel -> (column, ColumnType as int), in the order the files give them.
using ColumnLayouts = std::map<std::string, std::vector<std::pair<std::string, int>>>;

// The agreed columns of each channel: the schema's required columns first,
// then extra columns by name. An extra column with two types is an error.
std::map<std::string, Table> agree_layouts(const std::vector<ColumnLayouts>& per_rank) {
  std::map<std::string, std::map<std::string, int>> extra;
  std::map<std::string, bool> present;
  for (const auto& layouts : per_rank) {
    for (const auto& [channel, columns] : layouts) {
      present[channel] = true;
      const auto& schema = io::channel_schema(channel);
      for (const auto& [name, type] : columns) {
        if (schema.find(name)) continue;
        auto [it, inserted] = extra[channel].emplace(name, type);
        if (!inserted && it->second != type) {
          throw Error(fmt::format("extra column '{}' of channel '{}' is {} in one shard and {} in another",
                                  name, channel, to_string(static_cast<ColumnType>(it->second)),
                                  to_string(static_cast<ColumnType>(type))),
                      "input shards", "re-import the data with one type per column");
        }
      }
    }
  }
  std::map<std::string, Table> staged;
  for (const auto& [channel, is_present] : present) {
    Table t = io::make_channel_table(channel);
    for (const auto& [name, type] : extra[channel]) t.add(name, static_cast<ColumnType>(type));
    t.add("_record", ColumnType::Int64);
    t.add("_reason", ColumnType::Int8);
    staged.emplace(channel, std::move(t));
  }
  return staged;
}

// Every input file's checksum, each file read whole by one rank (the
// largest files spread first), in file order on every rank.
std::vector<std::string> input_checksums(const parallel::Comm& comm, const std::vector<ShardFile>& files) {
  std::vector<std::uint32_t> order(files.size());
  std::iota(order.begin(), order.end(), 0U);
  std::stable_sort(order.begin(), order.end(),
                   [&](std::uint32_t a, std::uint32_t b) { return files[a].bytes > files[b].bytes; });
  std::vector<std::pair<std::uint32_t, std::string>> mine;
  parallel::collectively(comm, [&] {
    for (auto k = static_cast<std::size_t>(comm.rank()); k < order.size();
         k += static_cast<std::size_t>(comm.size())) {
      mine.emplace_back(order[k], file_checksum(files[order[k]].path));
    }
  });
  std::vector<std::string> sums(files.size());
  for (const auto& part : parallel::allgather_objects(comm, mine)) {
    for (const auto& [file, sum] : part) sums[file] = sum;
  }
  return sums;
}

nlohmann::json guards_json(const identity::IdentityGuards& guards) {
  nlohmann::json j;
  j["max_component_size"] = guards.max_component_size;
  for (int t = 0; t < identity::kIdTypeCount; ++t) {
    const auto& g = guards.by_type[static_cast<std::size_t>(t)];
    j["id_types"][std::string(identity::to_string(static_cast<identity::IdType>(t)))] = {
        {"links", g.links}, {"max_customers", g.max_customers}, {"blocked", g.blocked_hashes}};
  }
  return j;
}

// What a checkpoint must match to be resumed: everything the tags depend on.
nlohmann::json run_fingerprint(const RunState& s) {
  const JobSpec& job = s.job;
  nlohmann::json f;
  f["portrait"] = build_versions().front().second;
  f["commit"] = git_commit();
  f["period"] = job.period.to_string();
  f["history_months"] = job.history_months;
  f["buckets"] = job.buckets;
  f["catalog_sha256"] = s.catalog_sha256;
  f["reference"] = s.reference_checksum;
  f["identity"] = job.resolve_identity ? guards_json(job.identity_guards) : nlohmann::json();
  // The tags hold a person id column per linking profile.
  for (const auto& p : job.linking_profiles) f["linking_profiles"][p.name] = p.min_probability;
  for (std::size_t i = 0; i < s.files.size(); ++i) f["inputs"].push_back({s.files[i].path, s.checksums[i]});
  if (s.previous) f["previous"] = s.previous->checksum;
  // Saved models the catalog scores with are inputs too.
  parallel::collectively(s.comm, [&] {
    if (!s.comm.is_root() || !s.catalog) return;
    for (const auto& model : s.catalog->models) {
      if (!model.model_file.empty()) f["model_files"][model.id] = file_checksum(model.model_file);
    }
  });
  std::string text = f.dump();
  parallel::broadcast_object(s.comm, text);
  return nlohmann::json::parse(text);
}

// The shard list (rank 0 expands the globs) and this rank's read units.
void list_inputs(RunState& s) {
  const JobSpec& job = s.job;
  parallel::collectively(s.comm, [&] {
    if (job.stop_after && !job.checkpoints) {
      throw Error("the run is to stop after a checkpoint, but the job writes no checkpoints", job.file,
                  "set 'checkpoints: true' in the job (the default)");
    }
    if (!s.comm.is_root()) return;
    // The output's place first: a run that cannot write there, or that
    // another run is writing, stops before any work.
    prepare_output_location(job.output);
    s.lock.emplace(job.output, job.file);
    if (!s.lock->warning().empty()) s.progress.note("warning: " + s.lock->warning());
    if (std::filesystem::exists(job.output) && !job.overwrite) {
      throw Error(
          "the output directory exists", job.output,
          "pass --overwrite (or 'overwrite: true' in the job) to replace it, or choose another 'output'");
    }
    s.files = list_shard_files(job.shard_patterns, job.file);
  });
  parallel::broadcast_object(s.comm, s.files);
  s.my_units = assign_read_units(s.files, s.comm.size())[static_cast<std::size_t>(s.comm.rank())];
  s.checksums = input_checksums(s.comm, s.files);
  parallel::collectively(s.comm, [&] {
    if (s.comm.is_root() && !job.reference.empty()) s.reference_checksum = file_checksum(job.reference);
  });
  parallel::broadcast_object(s.comm, s.reference_checksum);
}

// Every rank opens its own files' metadata only, and the ranks agree on each
// channel's columns; customers first, then the schema's channel order.
void agree_channels(RunState& s) {
  ColumnLayouts mine;
  std::map<std::string, std::set<std::string>> months;
  parallel::collectively(s.comm, [&] {
    std::uint32_t open_file = UINT32_MAX;
    std::unique_ptr<io::ShardReader> reader;
    for (const auto& u : s.my_units) {
      if (u.file != open_file) {
        reader = std::make_unique<io::ShardReader>(s.files[u.file].path);
        open_file = u.file;
      }
      for (const auto& info : reader->tables()) {
        const auto [begin, end] = unit_rows(u, info.rows);
        s.planned_rows += end - begin;
        s.planned_by_channel[info.channel] += static_cast<std::int64_t>(end - begin);
        for (Period m = parse_period(info.first_period); m.yyyymm() <= parse_period(info.period).yyyymm();
             m = m.plus_months(1))
          months[info.channel].insert(m.to_string());
        auto& columns = mine[info.channel];
        if (!columns.empty()) continue;
        const Table empty = reader->empty_table(info.channel);
        for (std::size_t c = 0; c < empty.column_count(); ++c) {
          columns.emplace_back(empty.column_name(c), static_cast<int>(empty.column(c).type()));
        }
      }
    }
  });
  parallel::collectively(s.comm, [&] {
    s.staged = agree_layouts(parallel::allgather_objects(s.comm, mine));
    if (!s.staged.count("customers")) {
      throw Error("no shard holds a customers table", s.job.file,
                  "the customers channel drives the customer set: add its shards to 'inputs: shards'");
    }
  });
  for (const auto& part : parallel::allgather_objects(s.comm, months)) {
    for (const auto& [channel, periods] : part)
      s.shard_months[channel].insert(periods.begin(), periods.end());
  }
  s.planned_rows = static_cast<std::uint64_t>(
      parallel::sum<std::int64_t>(s.comm, static_cast<std::int64_t>(s.planned_rows)));
  s.channels = {"customers"};
  for (const auto& name : io::channel_names()) {
    if (name != "customers" && s.staged.count(name)) s.channels.push_back(name);
  }
  s.accounting = Accounting(s.channels);
}

// Rank 0 reads the catalog; every rank compiles it against the channels'
// agreed columns, the period and last month's tags (deterministic, so
// identical everywhere).
void compile_job_catalog(RunState& s) {
  if (!s.job.previous.empty())
    s.previous = describe_previous_run(s.comm, s.job.previous, s.job.period, s.job.file);
  if (s.job.catalog.empty()) return;
  const catalog::CatalogSource source = catalog::broadcast_catalog_source(s.comm, s.job.catalog);
  parallel::collectively(s.comm, [&] {
    std::map<std::string, std::vector<catalog::SchemaColumn>> extra;
    for (const auto& [channel, table] : s.staged) {
      const auto& schema = io::channel_schema(channel);
      for (std::size_t c = 0; c < table.column_count(); ++c) {
        const std::string& name = table.column_name(c);
        if (name.front() != '_' && !schema.find(name))
          extra[channel].push_back({name, table.column(c).type()});
      }
    }
    s.catalog = catalog::compile_catalog(
        source, catalog::input_schema(s.job.period, extra,
                                      s.previous ? s.previous->tags : std::vector<catalog::PreviousTag>{}));
    s.extra_columns = std::move(extra);
  });
  s.catalog_sha256 = sha256_hex(source.text);
}

// The checkpoints of this computation, and with --resume the stage to
// resume after.
void open_checkpoints(RunState& s) {
  s.checkpoints.emplace(checkpoint_place(s.job), run_fingerprint(s), s.job.buckets);
  if (s.job.resume) {
    s.resumed = s.checkpoints->latest(s.comm);
    s.progress.note(s.resumed
                        ? "resuming from " + s.resumed->describe()
                        : std::string("no complete checkpoint to resume from: starting the month over"));
  } else if (s.comm.is_root() && std::filesystem::exists(s.checkpoints->dir())) {
    s.progress.note(
        fmt::format("{} holds checkpoints of an interrupted run; this run replaces them (pass --resume to "
                    "continue from them "
                    "instead)",
                    s.checkpoints->dir().string()));
  }
}

}  // namespace

void plan_run(RunState& s) {
  list_inputs(s);
  agree_channels(s);
  compile_job_catalog(s);
  parallel::collectively(s.comm, [&] {
    s.lookups = load_reference_lookups(s.job.reference);
    s.checks.emplace(s.job, s.shard_months, s.lookups.reference);
  });
  s.progress.note(s.checks->describe_history());
  s.progress.note(
      fmt::format("{} shard file(s), {} ranks x {} thread(s), {} buckets, {} channels, {} records planned",
                  s.files.size(), s.comm.size(), omp_get_max_threads(), s.job.buckets, s.channels.size(),
                  human_count(static_cast<double>(s.planned_rows))));
  open_checkpoints(s);
}

}  // namespace portrait::engine

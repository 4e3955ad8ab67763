// src/engine/run.cpp: the phases of a run (see run.hpp).
#include "engine/run.hpp"

#include <fmt/format.h>
#include <omp.h>
#include <sys/resource.h>

#include <algorithm>
#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/utility.hpp>
#include <boost/serialization/vector.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <optional>

#include "catalog/catalog_broadcast.hpp"
#include "catalog/input_schema.hpp"
#include "catalog/rule_eval.hpp"
#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/version.hpp"
#include "engine/builtin_facts.hpp"
#include "engine/checkpoint.hpp"
#include "engine/group.hpp"
#include "engine/merged_profiles.hpp"
#include "engine/model_phase.hpp"
#include "engine/previous_month.hpp"
#include "engine/read_plan.hpp"
#include "engine/record_checks.hpp"
#include "engine/reference_lookups.hpp"
#include "engine/tag_phase.hpp"
#include "identity/identity_resolution.hpp"
#include "io/output_file.hpp"
#include "io/schema.hpp"
#include "io/shard_reader.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/metadata.hpp"
#include "parallel/partition.hpp"
#include "parallel/reduce.hpp"
#include "parallel/shuffle.hpp"

namespace portrait::engine {
namespace {

// channel -> (column, ColumnType as int), in the order the files give them.
using ColumnLayouts = std::map<std::string, std::vector<std::pair<std::string, int>>>;

constexpr int kRecordFileShift = 40;  // _record = file ordinal << 40 | row in the file's table

std::uint64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

void append_missing(Column& column, std::size_t n) {
  column.visit([n](auto& values) {
    using T = typename std::decay_t<decltype(values)>::value_type;
    values.insert(values.end(), n, missing<T>());
  });
}

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

// Reads the rank's read units chunk by chunk, in a fixed order.
class UnitCursor {
 public:
  UnitCursor(const std::vector<ShardFile>& files, const std::vector<ReadUnit>& units)
      : files_(files), units_(units) {}

  bool done() const { return unit_ >= units_.size(); }

  // Reads up to `max_rows` rows of the current table into `staged[channel]`;
  // returns the rows read and their channel.
  std::pair<std::string, std::uint64_t> read_next(std::map<std::string, Table>& staged,
                                                  std::uint64_t max_rows) {
    while (!done()) {
      const ReadUnit& u = units_[unit_];
      if (!reader_ || reader_file_ != u.file) {
        reader_ = std::make_unique<io::ShardReader>(files_[u.file].path);
        reader_file_ = u.file;
      }
      const auto& tables = reader_->tables();
      if (table_ >= tables.size()) {
        ++unit_;
        table_ = 0;
        row_ = 0;
        continue;
      }
      const auto& info = tables[table_];
      const auto [begin, end] = unit_rows(u, info.rows);
      const std::uint64_t from = std::max(begin, row_);
      if (from >= end || !staged.count(info.channel)) {
        ++table_;
        row_ = 0;
        continue;
      }
      const std::uint64_t to = std::min(end, from + max_rows);
      reader_->read(info.channel, from, to, buffer_);
      append(staged.at(info.channel), u.file, from, to - from);
      row_ = to;
      return {info.channel, to - from};
    }
    return {"", 0};
  }

 private:
  void append(Table& staged, std::uint32_t file, std::uint64_t first_row, std::uint64_t n) {
    for (std::size_t c = 0; c < staged.column_count(); ++c) {
      const std::string& name = staged.column_name(c);
      Column& column = staged.column(c);
      if (name == "_record") {
        auto& v = column.values<std::int64_t>();
        const auto base = static_cast<std::int64_t>(std::uint64_t{file} << kRecordFileShift);
        for (std::uint64_t i = 0; i < n; ++i) v.push_back(base + static_cast<std::int64_t>(first_row + i));
      } else if (name == "_reason") {
        column.values<std::int8_t>().insert(column.values<std::int8_t>().end(), n, 0);
      } else if (buffer_.has(name)) {
        column.append(buffer_.column(name), 0, n);
      } else {
        append_missing(column, n);
      }
    }
  }

  const std::vector<ShardFile>& files_;
  const std::vector<ReadUnit>& units_;
  std::size_t unit_ = 0, table_ = 0;
  std::uint64_t row_ = 0;
  std::unique_ptr<io::ShardReader> reader_;
  std::uint32_t reader_file_ = 0;
  Table buffer_;
};

// The customer table with `person_id` after `customer_id` and `bucket`.
Table with_person_ids(Table customers, std::vector<CustomerId> persons) {
  Column person(ColumnType::Int64);
  person.values<std::int64_t>() = std::move(persons);
  Table out(customers.name());
  for (std::size_t c = 0; c < 2; ++c) out.add(customers.column_name(c), std::move(customers.column(c)));
  out.add("person_id", std::move(person));
  for (std::size_t c = 2; c < customers.column_count(); ++c) {
    out.add(customers.column_name(c), std::move(customers.column(c)));
  }
  return out;
}

std::string format_int128(Int128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  auto u = negative ? static_cast<UInt128>(-(v + 1)) + 1 : static_cast<UInt128>(v);
  std::string digits;
  while (u > 0) {
    digits.push_back(static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (negative) digits.push_back('-');
  return {digits.rbegin(), digits.rend()};
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
nlohmann::json run_fingerprint(const JobSpec& job, const std::vector<ShardFile>& files,
                               const std::vector<std::string>& checksums,
                               const std::string& reference_checksum, const std::string& catalog_sha256) {
  nlohmann::json f;
  f["portrait"] = build_versions().front().second;
  f["commit"] = git_commit();
  f["period"] = job.period.to_string();
  f["history_months"] = job.history_months;
  f["buckets"] = job.buckets;
  f["catalog_sha256"] = catalog_sha256;
  f["reference"] = reference_checksum;
  f["identity"] = job.resolve_identity ? guards_json(job.identity_guards) : nlohmann::json();
  for (std::size_t i = 0; i < files.size(); ++i) f["inputs"].push_back({files[i].path, checksums[i]});
  return f;
}

// The read + shuffle phase: every record read, checked and sent to the rank
// that owns its customer's bucket. Returns the rank's records by channel.
std::map<std::string, Table> read_and_shuffle(
    const parallel::Comm& comm, const JobSpec& job, const std::vector<ShardFile>& files,
    const std::vector<ReadUnit>& my_units, const parallel::BucketPartition& partition,
    std::map<std::string, Table>& staged, const std::vector<std::string>& channels,
    std::map<std::string, std::int64_t>& planned_by_channel, std::uint64_t planned_rows,
    Accounting& accounting, Progress& progress, parallel::ShuffleStats& stats) {
  // A round reads about an eighth of the budget (unless set); the shuffle's
  // buffers take at most as much again; the rest holds the rank's own records.
  const std::uint64_t round_bytes = std::max<std::uint64_t>(job.effective_round_bytes(), 1024);
  parallel::Shuffle shuffle(comm, round_bytes);
  // Each rank receives about 1/ranks of every channel (buckets spread
  // customers evenly): reserve that once rather than grow by copying.
  std::vector<std::int64_t> channel_rows;
  for (const auto& name : channels) channel_rows.push_back(planned_by_channel[name]);
  channel_rows = parallel::sum_int64(comm, channel_rows);
  std::map<std::string, Table> resident;
  for (std::size_t k = 0; k < channels.size(); ++k) {
    Table t = staged.at(channels[k]).empty_like();
    t.reserve(
        static_cast<std::size_t>(channel_rows[k] / comm.size() + channel_rows[k] / comm.size() / 16 + 1024));
    resident.emplace(channels[k], std::move(t));
  }
  std::map<std::string, std::vector<int>> dest;
  std::map<std::string, std::vector<Bucket>> bucket;
  std::vector<int> owner(partition.buckets());  // of every bucket: a load per record, not a search
  for (Bucket k = 0; k < partition.buckets(); ++k) owner[k] = partition.owner_of_bucket(k);
  UnitCursor cursor(files, my_units);
  std::int64_t read_rows = 0;
  for (;;) {
    parallel::collectively(comm, [&] {
      std::uint64_t staged_bytes = 0;
      while (!cursor.done() && staged_bytes < round_bytes) {
        const auto [channel, rows] = cursor.read_next(staged, std::max<std::uint64_t>(1, round_bytes / 64));
        if (rows == 0) continue;
        const auto k =
            static_cast<std::size_t>(std::find(channels.begin(), channels.end(), channel) - channels.begin());
        accounting.channel(k).read += static_cast<std::int64_t>(rows);
        read_rows += static_cast<std::int64_t>(rows);
        staged_bytes = 0;
        for (const auto& [name, t] : staged) staged_bytes += t.byte_size();
      }
      for (auto& [name, t] : staged) {
        mark_bad_records(name, job, t);
        auto& d = dest[name];
        auto& b = bucket[name];
        const auto& id = t.values<std::int64_t>("customer_id");
        d.resize(id.size());
        b.resize(id.size());
        for (std::size_t i = 0; i < id.size(); ++i) {
          b[i] = bucket_of(id[i], partition.buckets());
          d[i] = owner[b[i]];
        }
      }
    });
    for (const auto& name : channels) {
      // Sent in bucket order: the group phase then sorts each bucket from a
      // few contiguous runs per round.
      shuffle.exchange(staged.at(name), dest[name], resident.at(name), bucket[name], partition.buckets());
      staged.at(name).clear();
    }
    std::int64_t status[2] = {read_rows, cursor.done() ? 0 : 1};
    MPI_Allreduce(MPI_IN_PLACE, status, 2, MPI_INT64_T, MPI_SUM, comm.raw());
    progress.update(static_cast<std::uint64_t>(status[0]), planned_rows, "records", status[1] == 0);
    parallel::collectively(comm, [&] {
      std::uint64_t held = 0;
      for (const auto& [name, t] : resident) held += t.byte_size();
      if (held > job.memory_budget_bytes) {
        throw Error(fmt::format("the rank's records take {} MiB, over its memory budget of {} MiB",
                                held >> 20, job.memory_budget_bytes >> 20),
                    job.file,
                    "raise 'memory_budget_mb' in the job (or --memory-budget-mb), or run on more ranks");
      }
    });
    if (status[1] == 0) break;
  }
  stats = shuffle.stats();
  return resident;
}

// The tables of a checkpoint: customers, each channel's good records while
// they are held (the `grouped` stage), the tag table when given (`tagged`),
// then each channel's quarantine.
std::vector<std::pair<std::string, const Table*>> checkpoint_tables(const GroupedCustomers& grouped,
                                                                    const std::vector<std::string>& channels,
                                                                    const Table* tags) {
  std::vector<std::pair<std::string, const Table*>> tables{{"customers", &grouped.customers}};
  for (const auto& c : grouped.channels) tables.emplace_back(c.channel, &c.records);
  if (tags != nullptr) tables.emplace_back("tags", tags);
  for (std::size_t k = 0; k < channels.size(); ++k) {
    tables.emplace_back("quarantine_" + channels[k], &grouped.quarantine[k]);
  }
  return tables;
}

// Takes the restored tables named `name` out of `tables`.
Table take_table(std::vector<std::pair<std::string, Table>>& tables, const std::string& name) {
  for (auto& [n, t] : tables) {
    if (n == name) return std::move(t);
  }
  throw Error(fmt::format("the checkpoint holds no table '{}'", name), "--resume",
              "rerun without --resume to start the month over");
}

// Customers, their buckets and the quarantine from restored tables; with
// `records`, every channel's records and customer index too.
void restore_grouped(std::vector<std::pair<std::string, Table>>& tables,
                     const std::vector<std::string>& channels, std::uint32_t buckets, bool records,
                     GroupedCustomers& grouped) {
  grouped.customers = take_table(tables, "customers");
  const auto& customer_id = grouped.customers.values<std::int64_t>("customer_id");
  grouped.bucket.resize(customer_id.size());
  for (std::size_t i = 0; i < customer_id.size(); ++i) grouped.bucket[i] = bucket_of(customer_id[i], buckets);
  grouped.quarantine.clear();
  for (const auto& channel : channels)
    grouped.quarantine.push_back(take_table(tables, "quarantine_" + channel));
  grouped.channels.clear();
  if (!records) return;
  for (std::size_t k = 1; k < channels.size(); ++k) {
    Table t = take_table(tables, channels[k]);
    auto offsets = customer_offsets(customer_id, t.values<std::int64_t>("customer_id"));
    grouped.channels.push_back({channels[k], std::move(t), std::move(offsets)});
  }
}

// What a reader of tags.h5 needs to interpret a tag column: its value type,
// and for a category the labels its codes index.
io::OutputFile::ColumnAttributes tag_column_attributes(const catalog::Catalog& catalog) {
  io::OutputFile::ColumnAttributes out;
  for (const auto& tag : catalog.tags) {
    auto& attributes = out[tag.id];
    attributes["value_type"] = std::string(catalog::to_string(tag.type));
    if (tag.type == catalog::ValueType::Category) attributes["labels"] = nlohmann::json(tag.labels).dump();
  }
  return out;
}

RunResult stopped_after(const Checkpoints& checkpoints, CheckpointStage stage, Progress& progress) {
  progress.finish();
  progress.note(fmt::format("stopped after the '{}' checkpoint in {}; continue with --resume",
                            to_string(stage), checkpoints.dir().string()));
  RunResult result;
  result.stopped_after = stage;
  return result;
}

}  // namespace

RunResult run_job(const parallel::Comm& comm, const JobSpec& job, Progress& progress) {
  // --- plan -----------------------------------------------------------------
  progress.phase("plan");
  std::vector<ShardFile> files;
  parallel::collectively(comm, [&] {
    if (job.stop_after && !job.checkpoints) {
      throw Error("the run is to stop after a checkpoint, but the job writes no checkpoints", job.file,
                  "set 'checkpoints: true' in the job (the default)");
    }
    if (!comm.is_root()) return;
    if (std::filesystem::exists(job.output) && !job.overwrite) {
      throw Error(
          "the output directory exists", job.output,
          "pass --overwrite (or 'overwrite: true' in the job) to replace it, or choose another 'output'");
    }
    files = list_shard_files(job.shard_patterns, job.file);
  });
  parallel::broadcast_object(comm, files);
  const parallel::BucketPartition partition(job.buckets, comm.size());
  const parallel::BucketRange range = partition.range_of(comm.rank());
  const auto plan = assign_read_units(files, comm.size());
  const auto& my_units = plan[static_cast<std::size_t>(comm.rank())];
  const std::vector<std::string> checksums = input_checksums(comm, files);
  std::string reference_checksum;
  parallel::collectively(comm, [&] {
    if (comm.is_root() && !job.reference.empty()) reference_checksum = file_checksum(job.reference);
  });
  parallel::broadcast_object(comm, reference_checksum);

  // Every rank opens its own files' metadata only, and the ranks agree on
  // each channel's columns.
  ColumnLayouts mine;
  std::uint64_t planned_rows = 0;
  std::map<std::string, std::int64_t> planned_by_channel;
  parallel::collectively(comm, [&] {
    std::uint32_t open_file = UINT32_MAX;
    std::unique_ptr<io::ShardReader> reader;
    for (const auto& u : my_units) {
      if (u.file != open_file) {
        reader = std::make_unique<io::ShardReader>(files[u.file].path);
        open_file = u.file;
      }
      for (const auto& info : reader->tables()) {
        const auto [begin, end] = unit_rows(u, info.rows);
        planned_rows += end - begin;
        planned_by_channel[info.channel] += static_cast<std::int64_t>(end - begin);
        auto& columns = mine[info.channel];
        if (!columns.empty()) continue;
        const Table empty = reader->empty_table(info.channel);
        for (std::size_t c = 0; c < empty.column_count(); ++c) {
          columns.emplace_back(empty.column_name(c), static_cast<int>(empty.column(c).type()));
        }
      }
    }
  });
  std::map<std::string, Table> staged;
  parallel::collectively(comm, [&] {
    staged = agree_layouts(parallel::allgather_objects(comm, mine));
    if (!staged.count("customers")) {
      throw Error("no shard holds a customers table", job.file,
                  "the customers channel drives the customer set: add its shards to 'inputs: shards'");
    }
  });
  planned_rows =
      parallel::sum_int64(comm, std::vector<std::int64_t>{static_cast<std::int64_t>(planned_rows)})[0];

  // The catalog: rank 0 reads it, every rank compiles it against the
  // channels' agreed columns and the period (deterministic, so identical).
  // Last month's run, when rules read last month's tags.
  std::optional<PreviousRun> previous;
  if (!job.previous.empty()) previous = describe_previous_run(comm, job.previous, job.period, job.file);
  std::optional<catalog::Catalog> tag_catalog;
  catalog::CatalogSource catalog_source;
  if (!job.catalog.empty()) {
    catalog_source = catalog::broadcast_catalog_source(comm, job.catalog);
    parallel::collectively(comm, [&] {
      std::map<std::string, std::vector<catalog::SchemaColumn>> extra;
      for (const auto& [channel, table] : staged) {
        const auto& schema = io::channel_schema(channel);
        for (std::size_t c = 0; c < table.column_count(); ++c) {
          const std::string& name = table.column_name(c);
          if (name.front() != '_' && !schema.find(name))
            extra[channel].push_back({name, table.column(c).type()});
        }
      }
      tag_catalog = catalog::compile_catalog(
          catalog_source,
          catalog::input_schema(job.period, extra,
                                previous ? previous->tags : std::vector<catalog::PreviousTag>{}));
    });
  }
  const std::string catalog_sha256 = tag_catalog ? sha256_hex(catalog_source.text) : std::string();
  ReferenceLookups lookups;
  parallel::collectively(comm, [&] { lookups = load_reference_lookups(job.reference); });

  // Channels in a fixed order: customers first, then the schema's order.
  std::vector<std::string> channels{"customers"};
  for (const auto& name : io::channel_names()) {
    if (name != "customers" && staged.count(name)) channels.push_back(name);
  }
  Accounting accounting(channels);
  progress.note(
      fmt::format("{} shard file(s), {} ranks x {} thread(s), {} buckets, {} channels, {} records planned",
                  files.size(), comm.size(), omp_get_max_threads(), job.buckets, channels.size(),
                  human_count(static_cast<double>(planned_rows))));

  nlohmann::json fingerprint = run_fingerprint(job, files, checksums, reference_checksum, catalog_sha256);
  if (previous) fingerprint["previous"] = previous->checksum;
  // Saved models the catalog scores with are inputs too.
  parallel::collectively(comm, [&] {
    if (!comm.is_root() || !tag_catalog) return;
    for (const auto& model : tag_catalog->models) {
      if (!model.model_file.empty()) fingerprint["model_files"][model.id] = file_checksum(model.model_file);
    }
  });
  std::string fingerprint_text = fingerprint.dump();
  parallel::broadcast_object(comm, fingerprint_text);
  fingerprint = nlohmann::json::parse(fingerprint_text);
  const Checkpoints checkpoints(job.output + ".checkpoints", std::move(fingerprint), job.buckets);
  std::optional<CheckpointInfo> resumed;
  if (job.resume) {
    resumed = checkpoints.latest(comm);
    progress.note(resumed ? fmt::format("resuming from the '{}' checkpoint written by {} rank(s)",
                                        to_string(resumed->stage), resumed->ranks)
                          : std::string("no complete checkpoint to resume from: starting the month over"));
  } else if (comm.is_root() && std::filesystem::exists(checkpoints.dir())) {
    progress.note(
        fmt::format("{} holds checkpoints of an interrupted run; this run replaces them "
                    "(pass --resume to continue from them instead)",
                    checkpoints.dir().string()));
  }
  const auto reached = [&](CheckpointStage stage) { return resumed && resumed->stage >= stage; };
  if (job.stop_after && reached(*job.stop_after))
    return stopped_after(checkpoints, *job.stop_after, progress);

  GroupedCustomers grouped;
  std::vector<std::pair<std::string, Table>> restored;  // a checkpoint's tables, when resumed
  parallel::ShuffleStats shuffle_stats;
  if (!resumed) {
    // --- read + shuffle -------------------------------------------------------
    progress.phase("read+shuffle");
    auto resident = read_and_shuffle(comm, job, files, my_units, partition, staged, channels,
                                     planned_by_channel, planned_rows, accounting, progress, shuffle_stats);

    // --- group ----------------------------------------------------------------
    progress.phase("group");
    Table customers = std::move(resident.at("customers"));
    std::vector<std::pair<std::string, Table>> others;
    for (std::size_t k = 1; k < channels.size(); ++k)
      others.emplace_back(channels[k], std::move(resident.at(channels[k])));
    resident.clear();
    // Rank-local (a rank over the 4-billion-records limit must not leave the others waiting).
    parallel::collectively(comm, [&] {
      group_records(std::move(customers), std::move(others), job.buckets, accounting, grouped);
    });
    if (job.checkpoints) {
      progress.phase("checkpoint:grouped");
      checkpoints.save(comm, CheckpointStage::kGrouped, range, checkpoint_tables(grouped, channels, nullptr),
                       accounting, nlohmann::json::object());
      if (job.stop_after == CheckpointStage::kGrouped)
        return stopped_after(checkpoints, CheckpointStage::kGrouped, progress);
    }
  } else {
    progress.phase(fmt::format("restore:{}", to_string(resumed->stage)));
    restored = checkpoints.restore(comm, *resumed, range, accounting);
    restore_grouped(restored, channels, job.buckets, resumed->stage == CheckpointStage::kGrouped, grouped);
  }

  Table facts;
  ModelOutcome models;
  nlohmann::json identity_report;
  if (!reached(CheckpointStage::kTagged)) {
    if (previous && tag_catalog) {
      const auto names = catalog::previous_tags_read(*tag_catalog);
      if (!names.empty()) {
        progress.phase("previous");
        attach_previous_tags(comm, *previous, names, *tag_catalog, partition,
                             std::max<std::uint64_t>(job.effective_round_bytes(), 1024), grouped.customers);
      }
    }
    // --- identity ---------------------------------------------------------------
    std::vector<CustomerId> persons;
    if (job.resolve_identity) {
      progress.phase("identity");
      const ChannelRecords* records = grouped.find("identity");
      parallel::collectively(comm, [&] {
        if (records == nullptr) {
          throw Error(
              "the job resolves identities, but no shard holds an identity table", job.file,
              "add the identity channel's shards to 'inputs: shards', or remove the 'identity' section");
        }
      });
      const auto owners = identity::CustomerOwners::gather(comm, job.buckets, range.begin, range.end);
      auto resolution = identity::resolve_identities(comm, records->records,
                                                     grouped.customers.values<std::int64_t>("customer_id"),
                                                     owners, job.identity_guards);
      persons = std::move(resolution.persons);
      identity_report = identity::to_json(resolution.report);
      progress.note(
          fmt::format("{} customers are {} persons; {} identifiers, {} links, {} component(s) over the cap",
                      resolution.report.customers, resolution.report.persons, resolution.report.identifiers,
                      resolution.report.links, resolution.report.components_over_cap));
    }

    // --- compute --------------------------------------------------------------
    progress.phase("compute");
    parallel::collectively(comm, [&] {
      facts = tag_catalog ? compute_catalog_tags(*tag_catalog, grouped, lookups, job.period)
                          : compute_builtin_facts(grouped);
      if (tag_catalog && job.resolve_identity) count_channel_records(*tag_catalog, grouped, job.period);
    });
    if (job.resolve_identity) facts = with_person_ids(std::move(facts), std::move(persons));
    if (tag_catalog && !tag_catalog->models.empty()) {
      progress.phase("models");
      models = apply_catalog_models(comm, *tag_catalog, grouped.customers, facts, grouped.bucket, range,
                                    catalog_sha256);
      for (const auto& line : models.summary) progress.note(line);
      parallel::collectively(comm, [&] {
        catalog::evaluate_rules(*tag_catalog, tag_catalog->after_models, grouped.customers, facts);
      });
    }
    // The records are not needed past the tags.
    grouped.channels.clear();
    if (job.checkpoints) {
      progress.phase("checkpoint:tagged");
      const nlohmann::json shared = {
          {"identity", identity_report},
          {"models", {{"manifest", models.manifest}, {"saved", models.saved}, {"summary", models.summary}}}};
      checkpoints.save(comm, CheckpointStage::kTagged, range, checkpoint_tables(grouped, channels, &facts),
                       accounting, shared);
      if (job.stop_after == CheckpointStage::kTagged)
        return stopped_after(checkpoints, CheckpointStage::kTagged, progress);
    }
  } else {
    // Restored above: customers and quarantine in `grouped`; the tags here.
    facts = take_table(restored, "tags");
    identity_report = resumed->shared.at("identity");
    const auto& m = resumed->shared.at("models");
    models.manifest = m.at("manifest");
    models.saved = m.at("saved").get<std::vector<std::pair<std::string, std::string>>>();
    models.summary = m.at("summary").get<std::vector<std::string>>();
  }

  // --- merged profiles ------------------------------------------------------------
  std::optional<MergedProfiles> profiles;
  nlohmann::json merge_policies = nlohmann::json::object();
  if (job.resolve_identity && tag_catalog && has_merged_profiles(*tag_catalog)) {
    progress.phase("merge");
    profiles = merge_profiles(comm, *tag_catalog, facts, grouped.customers, partition,
                              std::max<std::uint64_t>(job.effective_round_bytes(), 1024));
    for (const auto& tag : tag_catalog->tags) {
      if (tag.merge != catalog::MergePolicy::None) merge_policies[tag.id] = catalog::merge_description(tag);
    }
  }

  // --- reduce -----------------------------------------------------------------
  progress.phase("reduce");
  const Accounting global = accounting.global(comm);
  std::vector<stats::GroupStats> statistics;
  std::vector<std::string> skipped_statistics;
  if (tag_catalog) {
    for (const auto& spec : tag_catalog->statistics) {
      if (spec.persons && !profiles) {
        skipped_statistics.push_back(spec.id);
        progress.note("statistic '" + spec.id +
                      "' is over persons and this job resolves no identities: skipped");
      }
    }
    statistics =
        compute_catalog_statistics(comm, *tag_catalog, grouped.customers, facts, grouped.bucket,
                                   partition.range_of(comm.rank()), profiles ? &profiles->persons : nullptr);
  }
  // Without a catalog, the built-in facts' exact totals are the run's summary.
  std::vector<Int128> local_totals;
  if (!tag_catalog) {
    for (std::size_t c = job.resolve_identity ? 3 : 2; c < facts.column_count(); ++c) {
      Int128 sum = 0;
      for (auto v : facts.column(c).values<std::int64_t>()) sum += v;
      local_totals.push_back(sum);
    }
  }
  const auto totals = parallel::sum_exact(comm, local_totals);
  const auto customers_total =
      parallel::sum_int64(comm, std::vector<std::int64_t>{static_cast<std::int64_t>(grouped.size())})[0];
  if (const auto bad = global.unbalanced(); !bad.empty()) {
    throw Error(fmt::format("record accounting does not add up for channel '{}'", bad.front()), "run",
                "this is a bug in portrait: please report it with the manifest");
  }

  // --- write ------------------------------------------------------------------
  progress.phase("write");
  // Everything is written under <output>.partial and renamed when complete,
  // so an output directory with a manifest is always a whole run.
  const std::filesystem::path final_dir(job.output);
  const std::filesystem::path out_dir = final_dir.string() + ".partial";
  parallel::collectively(comm, [&] {
    if (!comm.is_root()) return;
    std::filesystem::remove_all(out_dir);
    std::filesystem::create_directories(out_dir);
  });
  std::uint64_t written = 0, persons_written = 0;
  parallel::collectively(comm, [&] {
    io::OutputFile out(comm.raw(), (out_dir / "tags.h5").string());
    const auto tag_attributes =
        tag_catalog ? tag_column_attributes(*tag_catalog) : io::OutputFile::ColumnAttributes();
    written = out.write_table("customers", facts, {{"period", job.period.to_string()}, {"job", job.file}},
                              tag_attributes);
    for (std::size_t k = 0; k < channels.size(); ++k) {
      out.write_table("quarantine_" + channels[k], grouped.quarantine[k], {{"channel", channels[k]}});
    }
    if (profiles) {
      persons_written = out.write_table("persons", profiles->persons,
                                        {{"merge_policies", merge_policies.dump()}}, tag_attributes);
      out.write_table("person_members", profiles->members);
    }
    out.close();
    if (job.write_csv) io::write_csv(comm.raw(), (out_dir / "tags.csv").string(), facts);
    if (comm.is_root() && tag_catalog) {
      std::ofstream(out_dir / "statistics.json") << statistics_json(*tag_catalog, statistics).dump(2) << '\n';
      std::filesystem::create_directories(out_dir / "statistics");
      for (const auto& s : statistics) std::ofstream(out_dir / "statistics" / (s.id + ".csv")) << s.to_csv();
      if (!models.saved.empty()) std::filesystem::create_directories(out_dir / "models");
      for (const auto& [file, json] : models.saved) std::ofstream(out_dir / "models" / file) << json << '\n';
    }
  });
  progress.finish();

  // --- manifest (last: its presence marks a complete output) ------------------
  const std::vector<std::int64_t> moved = parallel::sum_int64(
      comm, std::vector<std::int64_t>{static_cast<std::int64_t>(shuffle_stats.bytes_sent),
                                      static_cast<std::int64_t>(shuffle_stats.rows_sent)});
  std::uint64_t rss = peak_rss_bytes();
  std::vector<std::uint64_t> rss_all(static_cast<std::size_t>(comm.size()));
  MPI_Allgather(&rss, 1, MPI_UINT64_T, rss_all.data(), 1, MPI_UINT64_T, comm.raw());

  nlohmann::json manifest;
  manifest["job"] = job.file;
  manifest["period"] = job.period.to_string();
  manifest["ranks"] = comm.size();
  manifest["threads_per_rank"] = omp_get_max_threads();
  manifest["buckets"] = job.buckets;
  manifest["memory_budget_mb"] = job.memory_budget_bytes >> 20;
  for (std::size_t i = 0; i < files.size(); ++i) {
    manifest["inputs"].push_back(
        {{"path", files[i].path}, {"bytes", files[i].bytes}, {"checksum", checksums[i]}});
  }
  manifest["customers"] = customers_total;
  manifest["output_rows"] = written;
  manifest["accounting"] = global.to_json();
  for (const auto& [phase, s] : progress.phase_seconds()) manifest["phase_seconds"][phase] = s;
  manifest["wall_seconds"] = progress.elapsed();
  manifest["shuffle"] = {{"bytes_sent", moved[0]}, {"rows_sent", moved[1]}, {"rounds", shuffle_stats.rounds}};
  manifest["peak_rss_bytes_per_rank"] = rss_all;
  const std::size_t first_total = job.resolve_identity ? 3 : 2;
  for (std::size_t c = 0; c < totals.size(); ++c) {
    manifest["totals"][facts.column_name(c + first_total)] = format_int128(totals[c]);
  }
  if (job.resolve_identity) manifest["identity"] = identity_report;
  if (profiles) manifest["merged_profiles"] = {{"persons", persons_written}, {"policies", merge_policies}};
  if (tag_catalog) {
    manifest["catalog"] = {{"file", job.catalog},
                           {"sha256", catalog_sha256},
                           {"tags_computed", facts.column_count() - (job.resolve_identity ? 3 : 2)},
                           {"facts", tag_catalog->fact_count()},
                           {"rules", tag_catalog->rule_count()}};
    for (const auto& st : statistics) manifest["statistics"].push_back("statistics/" + st.id + ".csv");
    if (!skipped_statistics.empty()) manifest["statistics_skipped"] = skipped_statistics;
    if (!tag_catalog->models.empty()) manifest["models"] = models.manifest;
  }
  manifest["reference"] = job.reference;
  if (!job.reference.empty()) manifest["reference_checksum"] = reference_checksum;
  if (previous) {
    manifest["previous"] = {
        {"tags", previous->tags_file}, {"period", previous->period}, {"checksum", previous->checksum}};
  }
  if (resumed) manifest["resumed_from"] = {{"stage", to_string(resumed->stage)}, {"ranks", resumed->ranks}};
  for (const auto& [component, version] : build_versions()) manifest["versions"][component] = version;
  parallel::collectively(comm, [&] {
    if (comm.is_root()) {
      std::ofstream(out_dir / "manifest.json") << manifest.dump(2) << '\n';
      std::filesystem::remove_all(final_dir);
      std::filesystem::rename(out_dir, final_dir);
    }
  });
  // The output is complete: the checkpoints are no longer needed.
  checkpoints.remove(comm);
  RunResult result{std::move(manifest), {}, std::move(models.summary), std::nullopt};
  if (tag_catalog) {
    for (const auto& st : statistics) result.statistics_text.push_back(statistics_text(*tag_catalog, st));
  }
  return result;
}

}  // namespace portrait::engine

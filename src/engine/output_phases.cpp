// src/engine/output_phases.cpp: the phases after the tags: merged profiles
// per person, the reduce (statistics, exact totals, the accounting check),
// the output files under <output>.partial, and the manifest, written last
// and renamed with the directory so an output with a manifest is whole.
#include <fmt/format.h>
#include <omp.h>
#include <sys/resource.h>

#include <filesystem>
#include <functional>
#include <map>

#include "core/error.hpp"
#include "core/version.hpp"
#include "engine/run_state.hpp"
#include "engine/tag_phase.hpp"
#include "io/output_file.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/collectives.hpp"

namespace portrait::engine {
namespace {

std::uint64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
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

std::filesystem::path partial_dir(const JobSpec& job) { return job.output + ".partial"; }

// Runs `write` of every rank into <output>.partial; when it fails on any
// rank, rank 0 removes the partial output: half an output would keep a full
// disk full, and is never resumed.
void writing_partial(const RunState& s, const std::function<void()>& write) {
  try {
    parallel::collectively(s.comm, write);
  } catch (const parallel::RankFailure&) {
    std::error_code ignored;
    if (s.comm.is_root()) std::filesystem::remove_all(partial_dir(s.job), ignored);
    throw;
  }
}

// Collective. An upper bound of tags.h5's size, reserved before it is
// written: every table's bytes over all ranks, the attributes, and per
// column its object header and index (430 to 480 bytes measured on the
// telecom catalog and without one; 1 KiB allowed), plus 32 KiB for the
// superblock and the groups.
std::uint64_t tags_file_bound(const RunState& s, const io::OutputFile::ColumnAttributes& tag_attributes) {
  std::vector<const Table*> tables{&s.tags};
  for (const auto& q : s.grouped.quarantine) tables.push_back(&q);
  if (s.profiles) tables.insert(tables.end(), {&s.profiles->persons, &s.profiles->members});
  std::uint64_t bytes = 0, columns = 0;
  for (const Table* t : tables) {
    bytes += t->byte_size();
    columns += t->column_count();
  }
  bytes = static_cast<std::uint64_t>(parallel::sum<std::int64_t>(s.comm, static_cast<std::int64_t>(bytes)));
  std::uint64_t attributes = s.merge_policies.dump().size();
  for (const auto& [column, values] : tag_attributes) {
    for (const auto& [key, value] : values)
      attributes += 2 * (key.size() + value.size());  // customers and persons
  }
  return bytes + attributes + columns * 1024 + (std::uint64_t{32} << 10);
}

}  // namespace

std::size_t key_column_count(const Table& tags) {
  std::size_t n = 0;
  for (const char* key : {"customer_id", "bucket", "person_id"}) n += tags.has(key);
  // A linking profile's person ids: a dot no tag id has.
  while (n < tags.column_count() && tags.column_name(n).rfind("person_id.", 0) == 0) ++n;
  return n;
}

void merge(RunState& s) {
  s.profiles = merge_profiles(s.comm, *s.catalog, s.tags, s.grouped.customers, s.partition, s.round_bytes());
  for (const auto& profile : s.job.linking_profiles) {
    s.profile_merges.emplace_back(profile.name,
                                  merge_profiles(s.comm, *s.catalog, s.tags, s.grouped.customers, s.partition,
                                                 s.round_bytes(), profile_person_column(profile.name)));
  }
  for (const auto& tag : s.catalog->tags) {
    if (tag.merge != catalog::MergePolicy::None) s.merge_policies[tag.id] = catalog::merge_description(tag);
  }
}

void reduce(RunState& s) {
  s.global = s.accounting.global(s.comm);
  if (s.catalog) {
    for (const auto& spec : s.catalog->statistics) {
      if (spec.persons && !s.profiles) {
        s.skipped_statistics.push_back(spec.id);
        s.progress.note("statistic '" + spec.id +
                        "' is over persons and this job resolves no identities: skipped");
      }
    }
    s.statistics =
        compute_catalog_statistics(s.comm, *s.catalog, s.grouped.customers, s.tags, s.grouped.bucket, s.range,
                                   s.profiles ? &s.profiles->persons : nullptr);
  }
  // Without a catalog, the built-in facts' exact totals are the run's summary.
  std::vector<Int128> local_totals;
  if (!s.catalog) {
    for (std::size_t c = key_column_count(s.tags); c < s.tags.column_count(); ++c) {
      Int128 sum = 0;
      for (auto v : s.tags.column(c).values<std::int64_t>()) sum += v;
      local_totals.push_back(sum);
    }
  }
  s.totals = parallel::sum_exact(s.comm, local_totals);
  s.customers_total = parallel::sum<std::int64_t>(s.comm, static_cast<std::int64_t>(s.grouped.size()));
  if (const auto bad = s.global->unbalanced(); !bad.empty()) {
    throw Error(fmt::format("record accounting does not add up for channel '{}'", bad.front()), "run",
                "this is a bug in portrait: please report it with the manifest");
  }
}

void write_outputs(RunState& s) {
  const JobSpec& job = s.job;
  const parallel::Comm& comm = s.comm;
  // Everything is written under <output>.partial and renamed when complete,
  // so an output directory with a manifest is always a whole run.
  const std::filesystem::path out_dir = partial_dir(job);
  parallel::collectively(comm, [&] {
    if (!comm.is_root()) return;
    std::filesystem::remove_all(out_dir);
    std::filesystem::create_directories(out_dir);
  });
  const auto tag_attributes =
      s.catalog ? tag_column_attributes(*s.catalog) : io::OutputFile::ColumnAttributes();
  const std::uint64_t bound = tags_file_bound(s, tag_attributes);
  writing_partial(s, [&] {
    io::OutputFile out(comm.raw(), (out_dir / "tags.h5").string());
    out.reserve(bound);
    // What identifies the computation, never a spelling of a path: the
    // same job run as job.yaml or /abs/job.yaml gives the same bytes.
    std::map<std::string, std::string> attributes{{"period", job.period.to_string()},
                                                  {"job_sha256", job.sha256}};
    if (s.catalog) attributes["catalog_sha256"] = s.catalog_sha256;
    s.written = out.write_table("customers", s.tags, attributes, tag_attributes);
    for (std::size_t k = 0; k < s.channels.size(); ++k) {
      out.write_table("quarantine_" + s.channels[k], s.grouped.quarantine[k], {{"channel", s.channels[k]}});
    }
    if (s.profiles) {
      s.persons_written = out.write_table("persons", s.profiles->persons,
                                          {{"merge_policies", s.merge_policies.dump()}}, tag_attributes);
      out.write_table("person_members", s.profiles->members);
    }
    for (const auto& [profile, merged] : s.profile_merges) {
      s.profile_persons_written.push_back(out.write_table(
          "persons." + profile, merged.persons,
          {{"merge_policies", s.merge_policies.dump()}, {"linking_profile", profile}}, tag_attributes));
      out.write_table("person_members." + profile, merged.members, {{"linking_profile", profile}});
    }
    if (s.linking) out.write_table("linking_pairs", s.linking->pairs);
    out.close();
    if (job.write_csv) io::write_csv(comm.raw(), (out_dir / "tags.csv").string(), s.tags);
    if (comm.is_root() && s.catalog) {
      io::write_text_file((out_dir / "statistics.json").string(),
                          statistics_json(*s.catalog, s.statistics).dump(2) + '\n');
      std::filesystem::create_directories(out_dir / "statistics");
      for (const auto& st : s.statistics) {
        io::write_text_file((out_dir / "statistics" / (st.id + ".csv")).string(),
                            statistics_csv(*s.catalog, st));
      }
      if (!s.models.saved.empty()) std::filesystem::create_directories(out_dir / "models");
      for (const auto& [file, text] : s.models.saved)
        io::write_text_file((out_dir / "models" / file).string(), text);
      if (s.linking) {
        std::filesystem::create_directories(out_dir / "models");
        io::write_text_file((out_dir / "models" / "linking.json").string(), s.linking->model_json + '\n');
      }
    }
  });
}

void write_manifest(RunState& s) {
  const JobSpec& job = s.job;
  const parallel::Comm& comm = s.comm;
  const std::vector<std::int64_t> moved = parallel::sum<std::int64_t>(
      comm, std::vector<std::int64_t>{static_cast<std::int64_t>(s.shuffle_stats.bytes_sent),
                                      static_cast<std::int64_t>(s.shuffle_stats.rows_sent)});
  const std::vector<std::uint64_t> rss_all = parallel::allgather(comm, peak_rss_bytes());

  nlohmann::json& manifest = s.manifest;
  manifest["job"] = job.file;
  manifest["job_sha256"] = job.sha256;
  manifest["period"] = job.period.to_string();
  manifest["ranks"] = comm.size();
  manifest["threads_per_rank"] = omp_get_max_threads();
  manifest["buckets"] = job.buckets;
  manifest["memory_budget_mb"] = job.memory_budget_bytes >> 20;
  for (std::size_t i = 0; i < s.files.size(); ++i) {
    manifest["inputs"].push_back(
        {{"path", s.files[i].path}, {"bytes", s.files[i].bytes}, {"checksum", s.checksums[i]}});
  }
  manifest["customers"] = s.customers_total;
  manifest["output_rows"] = s.written;
  manifest["accounting"] = s.global->to_json();
  for (const auto& [phase, seconds] : s.progress.phase_seconds()) manifest["phase_seconds"][phase] = seconds;
  manifest["wall_seconds"] = s.progress.elapsed();
  manifest["shuffle"] = {
      {"bytes_sent", moved[0]}, {"rows_sent", moved[1]}, {"rounds", s.shuffle_stats.rounds}};
  manifest["peak_rss_bytes_per_rank"] = rss_all;
  const std::size_t first_total = key_column_count(s.tags);
  for (std::size_t c = 0; c < s.totals.size(); ++c) {
    manifest["totals"][s.tags.column_name(c + first_total)] = format_int128(s.totals[c]);
  }
  if (job.resolve_identity) manifest["identity"] = s.identity_report;
  if (s.profiles) {
    manifest["merged_profiles"] = {{"persons", s.persons_written}, {"policies", s.merge_policies}};
    for (std::size_t p = 0; p < s.profile_merges.size(); ++p)
      manifest["merged_profiles"]["linking_profiles"][s.profile_merges[p].first] =
          s.profile_persons_written[p];
  }
  if (s.linking) manifest["linking"] = s.linking->report;
  if (s.catalog) {
    manifest["catalog"] = {{"file", job.catalog},
                           {"sha256", s.catalog_sha256},
                           {"tags_computed", s.tags.column_count() - key_column_count(s.tags)},
                           {"facts", s.catalog->fact_count()},
                           {"rules", s.catalog->rule_count()}};
    for (const auto& [channel, columns] : s.extra_columns) {
      for (const auto& column : columns) {
        manifest["catalog"]["extra_columns"][channel].push_back(
            {{"name", column.name}, {"type", std::string(to_string(column.type))}});
      }
    }
    for (const auto& st : s.statistics) manifest["statistics"].push_back("statistics/" + st.id + ".csv");
    if (!s.skipped_statistics.empty()) manifest["statistics_skipped"] = s.skipped_statistics;
    if (!s.catalog->models.empty()) manifest["models"] = s.models.manifest;
  }
  manifest["reference"] = job.reference;
  if (!job.reference.empty()) manifest["reference_checksum"] = s.reference_checksum;
  if (s.previous) {
    manifest["previous"] = {
        {"tags", s.previous->tags_file}, {"period", s.previous->period}, {"checksum", s.previous->checksum}};
  }
  if (s.resumed) manifest["resumed_from"] = s.resumed->to_json();
  for (const auto& [component, version] : build_versions()) manifest["versions"][component] = version;
  writing_partial(s, [&] {
    if (!comm.is_root()) return;
    const std::filesystem::path out_dir = partial_dir(job);
    io::write_text_file((out_dir / "manifest.json").string(), manifest.dump(2) + '\n');
    std::filesystem::remove_all(job.output);
    std::filesystem::rename(out_dir, job.output);
  });
}

}  // namespace portrait::engine

// src/app/inspect_command.cpp: `portrait inspect FILE...`: validates shards
// (and summarises reference and truth files) and prints per table the row count, stored size, and
// per column the type, missing-value count and value range (times as UTC).
// Rank 0 does the work; every rank returns its exit code.
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "core/error.hpp"
#include "core/period.hpp"
#include "io/h5.hpp"
#include "io/reference.hpp"
#include "io/schema.hpp"
#include "io/shard_reader.hpp"
#include "io/truth.hpp"
#include "parallel/collectives.hpp"

namespace portrait::app {
namespace {

constexpr std::uint64_t kBlockRows = 1 << 20;

struct ColumnSummary {
  std::uint64_t missing = 0;
  double min = 0;
  double max = 0;
  std::int64_t min_int = 0;
  std::int64_t max_int = 0;
  bool any = false;
};

bool is_time_column(const std::string& name) {
  return name == "ts" || name == "join_date" || name == "contract_end";
}

// Folds one block of a column into its summary (integers exactly, floats as double).
void summarise(const Column& column, ColumnSummary& s) {
  column.visit([&s](const auto& values) {
    using V = typename std::decay_t<decltype(values)>::value_type;
    for (const V v : values) {
      if (is_missing(v)) {
        ++s.missing;
        continue;
      }
      if constexpr (std::is_floating_point_v<V>) {
        s.min = s.any ? std::min(s.min, v) : v;
        s.max = s.any ? std::max(s.max, v) : v;
      } else if constexpr (std::is_same_v<V, std::uint64_t>) {
        // Hashes: only presence matters; the range of a hash says nothing.
      } else {
        const auto x = static_cast<std::int64_t>(v);
        s.min_int = s.any ? std::min(s.min_int, x) : x;
        s.max_int = s.any ? std::max(s.max_int, x) : x;
      }
      s.any = true;
    }
  });
}

std::string range_text(const std::string& name, ColumnType type, const ColumnSummary& s) {
  if (!s.any || type == ColumnType::UInt64) return "";
  if (type == ColumnType::Float64) return fmt::format("{:.6g} .. {:.6g}", s.min, s.max);
  if (is_time_column(name)) return format_utc(s.min_int) + " .. " + format_utc(s.max_int);
  return fmt::format("{} .. {}", s.min_int, s.max_int);
}

void inspect_shard(const std::string& path) {
  io::ShardReader reader(path);
  std::printf("shard %s\n  period %s, producer '%s', %zu table(s)\n", path.c_str(), reader.period().c_str(),
              reader.producer().c_str(), reader.tables().size());
  Table block;
  for (const auto& info : reader.tables()) {
    const Table layout = reader.empty_table(info.channel);
    std::vector<ColumnSummary> summaries(layout.column_count());
    for (std::uint64_t begin = 0; begin < info.rows; begin += kBlockRows) {
      reader.read(info.channel, begin, std::min(info.rows, begin + kBlockRows), block);
      for (std::size_t c = 0; c < block.column_count(); ++c) summarise(block.column(c), summaries[c]);
    }
    std::printf("  table %s: %llu rows, %.1f KiB stored\n", info.channel.c_str(),
                static_cast<unsigned long long>(info.rows), static_cast<double>(info.bytes) / 1024.0);
    const io::ChannelSchema& schema = io::channel_schema(info.channel);
    for (std::size_t c = 0; c < layout.column_count(); ++c) {
      const std::string& name = layout.column_name(c);
      std::printf("    %-30s %-8s %s missing %-10llu %s\n", name.c_str(),
                  std::string(to_string(layout.column(c).type())).c_str(),
                  schema.find(name) != nullptr ? "required" : "extra   ",
                  static_cast<unsigned long long>(summaries[c].missing),
                  range_text(name, layout.column(c).type(), summaries[c]).c_str());
    }
  }
}

void inspect_reference(const std::string& path) {
  const io::Reference ref = io::read_reference(path);
  std::printf("reference %s\n", path.c_str());
  for (const Table* t : {&ref.cells, &ref.stores, &ref.domains}) {
    std::printf("  table %s: %zu rows\n", t->name().c_str(), t->rows());
  }
  for (const auto& d : ref.dictionaries)
    std::printf("  dictionary %s: %zu codes\n", d.name.c_str(), d.entries.size());
}

void inspect_truth(const std::string& path) {
  const Table truth = io::read_truth(path);
  std::int64_t churners = 0;
  for (auto c : truth.values<std::int8_t>("churn")) churners += c;
  std::printf("truth %s\n  %zu customers, %lld planted churners\n", path.c_str(), truth.rows(),
              static_cast<long long>(churners));
}

// The "format" attribute of a portrait HDF5 file ("" when absent or unreadable).
std::string file_format(const std::string& path) {
  io::h5::silence_errors();
  if (H5Fis_hdf5(path.c_str()) <= 0) return {};
  const io::h5::Handle file(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT), H5Fclose);
  if (!file.valid() || !io::h5::has_attribute(file.get(), "format")) return {};
  return io::h5::read_string_attribute(file.get(), "format", path);
}

int run_inspect(const std::vector<std::string>& files, const parallel::Comm& comm) {
  int failures = 0;
  if (comm.is_root()) {
    for (const auto& path : files) {
      try {
        const std::string format = file_format(path);
        if (format == "portrait-reference") {
          inspect_reference(path);
        } else if (format == "portrait-truth") {
          inspect_truth(path);
        } else {
          inspect_shard(path);
        }
      } catch (const Error& e) {
        std::fflush(stdout);
        std::fprintf(stderr, "portrait inspect: %s\n", e.what());
        ++failures;
      }
    }
    std::fflush(stdout);
    if (failures > 0)
      std::fprintf(stderr, "portrait inspect: %d of %zu file(s) failed\n", failures, files.size());
  }
  parallel::broadcast(comm, failures);
  return failures > 0 ? 1 : 0;
}

}  // namespace

void add_inspect_command(CLI::App& app, const parallel::Comm& comm, int& exit_code) {
  auto* sub = app.add_subcommand(
      "inspect",
      "Validate shards and print their tables, row counts, column types, missing values and ranges");
  auto files = std::make_shared<std::vector<std::string>>();
  sub->add_option("files", *files, "Shard or reference files")->required();
  sub->callback([files, &comm, &exit_code] { exit_code = run_inspect(*files, comm); });
}

}  // namespace portrait::app

// src/engine/previous_month.cpp: last month's tags joined to this month's
// customers (see previous_month.hpp).
#include "engine/previous_month.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <numeric>
#include <stdexcept>

#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "io/output_rows.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/metadata.hpp"
#include "parallel/shuffle.hpp"

namespace portrait::engine {
namespace {

catalog::ValueType value_type_of(const io::OutputColumn& column) {
  const auto it = column.attributes.find("value_type");
  const std::string type = it == column.attributes.end() ? "" : it->second;
  if (type == "bool") return catalog::ValueType::Bool;
  if (type == "category") return catalog::ValueType::Category;
  if (type == "float" || (type.empty() && column.type == ColumnType::Float64))
    return catalog::ValueType::Float;
  return catalog::ValueType::Int;
}

nlohmann::json to_json(const PreviousRun& p) {
  nlohmann::json j{
      {"tags_file", p.tags_file}, {"checksum", p.checksum}, {"period", p.period}, {"rows", p.rows}};
  j["tags"] = nlohmann::json::array();
  for (const auto& t : p.tags) {
    j["tags"].push_back({{"name", t.name},
                         {"column_type", static_cast<int>(t.column_type)},
                         {"type", static_cast<int>(t.type)},
                         {"labels", t.labels}});
  }
  return j;
}

PreviousRun from_json(const nlohmann::json& j) {
  PreviousRun p{j.at("tags_file"), j.at("checksum"), j.at("period"), j.at("rows"), {}};
  for (const auto& t : j.at("tags")) {
    p.tags.push_back({t.at("name"), static_cast<ColumnType>(t.at("column_type").get<int>()),
                      static_cast<catalog::ValueType>(t.at("type").get<int>()),
                      t.at("labels").get<std::vector<std::string>>()});
  }
  return p;
}

// Rows of `table` reordered by (bucket, customer_id).
void sort_by_bucket(Table& table, std::uint32_t buckets) {
  const auto& id = table.values<std::int64_t>("customer_id");
  std::vector<Bucket> bucket(id.size());
  for (std::size_t i = 0; i < id.size(); ++i) bucket[i] = bucket_of(id[i], buckets);
  std::vector<std::uint32_t> order(id.size());
  std::iota(order.begin(), order.end(), 0U);
  std::sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) {
    return bucket[a] != bucket[b] ? bucket[a] < bucket[b] : id[a] < id[b];
  });
  for (std::size_t c = 0; c < table.column_count(); ++c) {
    Column sorted(table.column(c).type());
    sorted.gather(table.column(c), order);
    table.column(c) = std::move(sorted);
  }
}

}  // namespace

PreviousRun describe_previous_run(const parallel::Comm& comm, const std::string& dir, const Period& period,
                                  const std::string& job_file) {
  std::string description;
  parallel::collectively(comm, [&] {
    if (!comm.is_root()) return;
    const std::filesystem::path run(dir);
    const std::filesystem::path manifest_path = run / "manifest.json";
    if (!std::filesystem::exists(manifest_path)) {
      throw Error("the previous month's output is not a complete run (it has no manifest.json)", dir,
                  "point 'inputs: previous' at the output directory of last month's completed run");
    }
    const auto manifest = nlohmann::json::parse(std::ifstream(manifest_path));
    const std::string expected = period.plus_months(-1).to_string();
    const std::string found = manifest.value("period", std::string());
    if (found != expected) {
      throw Error(fmt::format("the previous run is of {}, not of {}, the month before {}", found, expected,
                              period.to_string()),
                  dir, fmt::format("set 'inputs: previous' in {} to the run of {}", job_file, expected));
    }
    PreviousRun p;
    p.tags_file = (run / "tags.h5").string();
    p.checksum = file_checksum(p.tags_file);
    p.period = found;
    const io::OutputTableShape info = io::output_table_shape(p.tags_file, "customers");
    p.rows = info.rows;
    for (const auto& column : info.columns) {
      if (column.name == "customer_id" || column.name == "bucket" || column.name == "person_id") continue;
      std::vector<std::string> labels;
      if (const auto it = column.attributes.find("labels"); it != column.attributes.end())
        labels = nlohmann::json::parse(it->second).get<std::vector<std::string>>();
      p.tags.push_back({column.name, column.type, value_type_of(column), std::move(labels)});
    }
    description = to_json(p).dump();
  });
  parallel::broadcast_object(comm, description);
  return from_json(nlohmann::json::parse(description));
}

void attach_previous_tags(const parallel::Comm& comm, const PreviousRun& previous,
                          const std::vector<std::string>& names, const catalog::Catalog& catalog,
                          const parallel::BucketPartition& partition, std::uint64_t round_bytes,
                          Table& customers) {
  // An even block of the previous table's rows per rank, sent to this run's owners.
  const auto ranks = static_cast<std::uint64_t>(comm.size());
  const auto rank = static_cast<std::uint64_t>(comm.rank());
  const std::uint64_t begin = previous.rows * rank / ranks, end = previous.rows * (rank + 1) / ranks;
  std::vector<std::string> columns{"customer_id"};
  for (const auto& name : names) columns.push_back(name);
  Table block;
  parallel::collectively(
      comm, [&] { block = io::read_output_rows(previous.tags_file, "customers", columns, begin, end); });
  std::vector<int> dest(block.rows());
  const auto& block_id = block.values<std::int64_t>("customer_id");
  for (std::size_t i = 0; i < dest.size(); ++i) dest[i] = partition.owner_of(block_id[i]);
  Table mine = block.empty_like();
  parallel::Shuffle shuffle(comm, std::max<std::uint64_t>(round_bytes, 1024));
  shuffle.exchange(block, dest, mine);
  block = Table();
  parallel::collectively(comm, [&] {
    if (mine.rows() >= UINT32_MAX) {
      throw std::length_error("a rank holds over 4 billion of last month's customers: use more ranks");
    }
    sort_by_bucket(mine, partition.buckets());
  });

  // Both tables are in (bucket, customer_id) order: one merge walk joins them.
  const auto& id = customers.values<std::int64_t>("customer_id");
  const auto& prev_id = mine.values<std::int64_t>("customer_id");
  constexpr std::uint32_t kNew = UINT32_MAX;
  std::vector<std::uint32_t> row(id.size(), kNew);
  const auto key = [&](std::int64_t v) { return std::make_pair(bucket_of(v, partition.buckets()), v); };
  for (std::size_t i = 0, j = 0; i < id.size(); ++i) {
    const auto wanted = key(id[i]);
    while (j < prev_id.size() && key(prev_id[j]) < wanted) ++j;
    if (j < prev_id.size() && prev_id[j] == id[i]) row[i] = static_cast<std::uint32_t>(j);
  }

  for (const auto& name : names) {
    const Column& source = mine.column(name);
    Column joined(source.type());
    joined.visit([&](auto& out) {
      using T = typename std::decay_t<decltype(out)>::value_type;
      const auto& in = source.values<T>();
      out.resize(row.size());
      for (std::size_t i = 0; i < row.size(); ++i) out[i] = row[i] == kNew ? missing<T>() : in[row[i]];
    });
    // A category's codes index the previous run's labels: map them by label.
    const auto spec = std::find_if(previous.tags.begin(), previous.tags.end(),
                                   [&](const catalog::PreviousTag& t) { return t.name == name; });
    const catalog::Tag* now = catalog.find(name);
    if (spec != previous.tags.end() && spec->type == catalog::ValueType::Category && now != nullptr &&
        now->type == catalog::ValueType::Category) {
      std::vector<std::int32_t> code_now(spec->labels.size(), missing<std::int32_t>());
      for (std::size_t k = 0; k < spec->labels.size(); ++k) {
        const auto it = std::find(now->labels.begin(), now->labels.end(), spec->labels[k]);
        if (it != now->labels.end()) code_now[k] = static_cast<std::int32_t>(it - now->labels.begin());
      }
      for (auto& code : joined.values<std::int32_t>()) {
        if (!is_missing(code)) {
          code = code >= 0 && static_cast<std::size_t>(code) < code_now.size()
                     ? code_now[static_cast<std::size_t>(code)]
                     : missing<std::int32_t>();
        }
      }
    }
    customers.add(std::string(catalog::kPreviousPrefix) + name, std::move(joined));
  }
}

}  // namespace portrait::engine

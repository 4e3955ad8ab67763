// src/stats/run_output.cpp: opening a run's output directory.
#include "stats/run_output.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "catalog/input_schema.hpp"
#include "core/digest.hpp"
#include "core/enum_names.hpp"
#include "core/error.hpp"

namespace portrait::stats {
namespace {

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

bool RunOutput::has_column(const std::string& name) const {
  for (const auto& c : customers.columns) {
    if (c.name == name) return true;
  }
  return false;
}

bool is_key_column(const std::string& name) {
  return name == "customer_id" || name == "bucket" || name == "person_id";
}

RunOutput open_run_output(const std::string& dir) {
  namespace fs = std::filesystem;
  std::string trimmed = dir;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.pop_back();
  if (!fs::is_directory(trimmed)) {
    if (fs::exists(trimmed + ".partial"))
      throw Error("the run did not complete: only " + trimmed + ".partial exists", trimmed,
                  "rerun the job (portrait run) until it writes its manifest");
    throw Error("no such run directory", trimmed, "give the output directory of a completed run");
  }
  const std::string manifest_path = trimmed + "/manifest.json";
  if (!fs::exists(manifest_path))
    throw Error("the run did not complete: it has no manifest.json", trimmed,
                "rerun the job (portrait run); a run writes its manifest last");
  RunOutput run;
  run.dir = trimmed;
  try {
    run.manifest = nlohmann::json::parse(read_text(manifest_path));
    run.period = run.manifest.at("period").get<std::string>();
    run.buckets = run.manifest.at("buckets").get<std::uint32_t>();
  } catch (const nlohmann::json::exception& e) {
    throw Error(fmt::format("unreadable manifest: {}", e.what()), manifest_path,
                "the manifest of a completed run has period and buckets");
  }
  if (!fs::exists(run.tags_path()))
    throw Error("the run has no tags.h5", run.dir, "rerun the job; its output is incomplete");
  run.customers = io::output_table_shape(run.tags_path(), "customers");

  // Tag types and labels come from tags.h5 itself; the catalog adds display
  // names and the tags its statistics group by, when it is still there.
  if (const auto c = run.manifest.find("catalog"); c != run.manifest.end() && c->is_object()) {
    const std::string file = c->value("file", "");
    if (!fs::exists(file)) {
      run.warnings.push_back(
          fmt::format("{}: the run's catalog {} is not there; tags are shown without "
                      "their names (run from the directory the job ran in)",
                      run.dir, file));
      return run;
    }
    const std::string text = read_text(file);
    if (sha256_hex(text) != c->value("sha256", ""))
      run.warnings.push_back(fmt::format(
          "{}: the catalog {} changed since the run (SHA-256 differs); its current tag names are shown",
          run.dir, file));
    try {
      // The shards' extra columns the run compiled the catalog with.
      std::map<std::string, std::vector<catalog::SchemaColumn>> extra;
      const nlohmann::json listed = c->value("extra_columns", nlohmann::json::object());
      for (const auto& [channel, columns] : listed.items()) {
        for (const auto& column : columns) {
          const auto type = from_name<ColumnType>(column.value("type", ""));
          if (!type) throw Error("the manifest names an unknown column type", run.dir + "/manifest.json");
          extra[channel].push_back({column.value("name", ""), *type});
        }
      }
      run.catalog = catalog::compile_catalog(text, file, catalog::input_schema({}, extra));
    } catch (const Error& e) {
      // E.g. a catalog over last month's tags.
      run.warnings.push_back(
          fmt::format("{}: the catalog {} does not compile without the run's inputs ({}); "
                      "tags are shown without their names",
                      run.dir, file, e.what()));
    }
  }
  return run;
}

const io::OutputColumn* RunOutput::column(const std::string& name) const {
  for (const auto& c : customers.columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

catalog::ValueType RunOutput::tag_type(const std::string& name) const {
  const io::OutputColumn* c = column(name);
  if (c != nullptr) {
    if (const auto it = c->attributes.find("value_type"); it != c->attributes.end()) {
      if (const auto type = from_name<catalog::ValueType>(it->second)) return *type;
    }
  }
  if (const catalog::Tag* tag = catalog ? catalog->find(name) : nullptr) return tag->type;
  return c != nullptr && c->type == ColumnType::Float64 ? catalog::ValueType::Float : catalog::ValueType::Int;
}

std::vector<std::string> RunOutput::tag_labels(const std::string& name) const {
  if (const io::OutputColumn* c = column(name)) {
    if (const auto it = c->attributes.find("labels"); it != c->attributes.end())
      return nlohmann::json::parse(it->second).get<std::vector<std::string>>();
  }
  if (const catalog::Tag* tag = catalog ? catalog->find(name) : nullptr) return tag->labels;
  return {};
}

Table read_customer_rows(const RunOutput& run, const parallel::BucketRange& range,
                         const std::vector<std::string>& columns) {
  const auto [first, end] = io::output_bucket_rows(run.tags_path(), "customers", range.begin, range.end);
  return io::read_output_rows(run.tags_path(), "customers", columns, first, end);
}

}  // namespace portrait::stats

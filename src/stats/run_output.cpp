// src/stats/run_output.cpp: opening a run's output directory.
#include "stats/run_output.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "catalog/input_schema.hpp"
#include "core/digest.hpp"
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

  if (const auto c = run.manifest.find("catalog"); c != run.manifest.end() && c->is_object()) {
    const std::string file = c->value("file", "");
    if (!fs::exists(file))
      throw Error("the run's catalog is not there: " + file, manifest_path,
                  "run the command from the directory the job ran in, or restore the catalog file");
    const std::string text = read_text(file);
    if (sha256_hex(text) != c->value("sha256", ""))
      run.warnings.push_back(
          fmt::format("{}: the catalog {} changed since the run (SHA-256 differs); its "
                      "current tag types and labels are used",
                      run.dir, file));
    run.catalog = catalog::compile_catalog(text, file, catalog::input_schema());
  }
  return run;
}

Table read_customer_rows(const RunOutput& run, const dist::BucketRange& range,
                         const std::vector<std::string>& columns) {
  const auto [first, end] = io::output_bucket_rows(run.tags_path(), "customers", range.begin, range.end);
  return io::read_output_rows(run.tags_path(), "customers", columns, first, end);
}

}  // namespace portrait::stats

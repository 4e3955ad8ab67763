// src/engine/job.cpp: parsing and checking of job files with yaml-cpp, keeping
// every node's mark so errors point into the file.
#include "engine/job.hpp"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "core/enum_names.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/spelling.hpp"

namespace portrait::engine {
namespace {

std::string where(const std::string& file, const YAML::Node& node) {
  const auto mark = node.Mark();
  return mark.line < 0 ? file : fmt::format("{}:{}:{}", file, mark.line + 1, mark.column + 1);
}

template <class T>
T scalar(const std::string& file, const YAML::Node& node, const char* key, const char* expected) {
  try {
    return node.as<T>();
  } catch (const YAML::Exception&) {
    throw Error(fmt::format("'{}' must be {}, not '{}'", key, expected,
                            node.IsScalar() ? node.Scalar() : "a list or map"),
                where(file, node));
  }
}

void check_keys(const std::string& file, const YAML::Node& map, const std::vector<std::string>& known,
                const std::string& section) {
  for (const auto& item : map) {
    const auto key = item.first.as<std::string>();
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      throw Error(fmt::format("unknown key '{}'{}", key, section.empty() ? "" : " in '" + section + "'"),
                  where(file, item.first), name_hint(key, known));
    }
  }
}

// identity:
//   max_component_size: 1000
//   id_types:
//     phone: {max_customers: 20, blocked: [123, 456]}
//     email: {links: false}
void read_identity(const std::string& file, const YAML::Node& node, JobSpec& job) {
  job.resolve_identity = true;
  if (node.IsNull()) return;
  if (!node.IsMap()) throw Error("'identity' must be a map of settings", where(file, node));
  check_keys(file, node, {"max_component_size", "id_types"}, "identity");
  auto& guards = job.identity_guards;
  if (auto m = node["max_component_size"]) {
    guards.max_component_size = scalar<std::int64_t>(file, m, "max_component_size", "a number of customers");
  }
  if (auto types = node["id_types"]) {
    if (!types.IsMap()) throw Error("'id_types' must map id types to their settings", where(file, types));
    for (const auto& item : types) {
      const auto name = item.first.as<std::string>();
      const auto type = from_name<identity::IdType>(name);
      if (!type) {
        throw Error(fmt::format("unknown id type '{}'", name), where(file, item.first),
                    name_hint(name, value_names<identity::IdType>()));
      }
      auto& guard = guards.by_type[static_cast<std::size_t>(*type)];
      const YAML::Node& settings = item.second;
      if (!settings.IsMap())
        throw Error(fmt::format("'{}' must be a map of settings", name), where(file, settings));
      check_keys(file, settings, {"links", "max_customers", "blocked"}, name);
      if (auto l = settings["links"]) guard.links = scalar<bool>(file, l, "links", "true or false");
      if (auto m = settings["max_customers"]) {
        guard.max_customers = scalar<std::int64_t>(file, m, "max_customers", "a number of customers");
      }
      if (auto b = settings["blocked"]) {
        if (!b.IsSequence()) throw Error("'blocked' must be a list of identifier hashes", where(file, b));
        for (const auto& h : b)
          guard.blocked_hashes.push_back(scalar<std::uint64_t>(file, h, "blocked", "an identifier hash"));
      }
    }
  }
  try {
    guards.validate();
  } catch (const Error& e) {
    throw Error(e.problem(), where(file, node) + " (" + e.where() + ")", e.hint());
  }
}

// checkpoints: true | false
// checkpoints:
//   dir: /shared/portrait/2026-10.checkpoints   # markers (default <output>.checkpoints)
//   local: /local/scratch/portrait              # rank files on each node's disk
//   partner: true                               # and a copy on another host (default with local)
void read_checkpoints(const std::string& file, const YAML::Node& node, JobSpec& job) {
  if (node.IsScalar()) {
    job.checkpoints =
        scalar<bool>(file, node, "checkpoints", "true, false or a map of 'dir', 'local', 'partner'");
    return;
  }
  if (!node.IsMap()) {
    throw Error("'checkpoints' must be true, false or a map of 'dir', 'local' and 'partner'",
                where(file, node));
  }
  check_keys(file, node, {"dir", "local", "partner"}, "checkpoints");
  job.checkpoints = true;
  if (auto d = node["dir"])
    job.checkpoint_dir = output_directory(scalar<std::string>(file, d, "dir", "a directory path"));
  if (auto l = node["local"]) {
    job.checkpoint_local = output_directory(scalar<std::string>(file, l, "local", "a directory path"));
    job.checkpoint_partner = true;
  }
  if (auto p = node["partner"]) {
    job.checkpoint_partner = scalar<bool>(file, p, "partner", "true or false");
    if (job.checkpoint_partner && job.checkpoint_local.empty()) {
      throw Error("a partner copy is made of node-local checkpoint files, but 'local' is not set",
                  where(file, p),
                  "set 'local' to a node-local directory, or leave 'partner' out for the shared file system");
    }
  }
}

}  // namespace

CheckpointPlace checkpoint_place(const JobSpec& job) {
  return {job.checkpoint_dir.empty() ? job.output + ".checkpoints" : job.checkpoint_dir,
          job.checkpoint_local,
          job.checkpoint_partner,
          {}};
}

std::string output_directory(std::string dir) {
  while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
  return dir;
}

JobSpec load_job(const std::string& path) {
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    throw Error("cannot open the job file", path, "check the path; jobs live in jobs/*.yaml");
  } catch (const YAML::ParserException& e) {
    throw Error(fmt::format("YAML syntax error: {}", e.msg),
                fmt::format("{}:{}:{}", path, e.mark.line + 1, e.mark.column + 1));
  }
  if (!root.IsMap()) throw Error("a job file is a map of settings", path, "see jobs/telecom-monthly.yaml");

  JobSpec job;
  job.file = path;
  check_keys(path, root,
             {"period", "history_months", "inputs", "catalog", "output", "buckets", "memory_budget_mb",
              "round_kb", "csv", "overwrite", "checkpoints", "identity"},
             "");
  for (const char* required : {"period", "inputs", "output"}) {
    if (!root[required]) throw Error(fmt::format("missing required key '{}'", required), path);
  }

  job.period = parse_period(scalar<std::string>(path, root["period"], "period", "a month YYYY-MM"),
                            where(path, root["period"]));
  if (auto n = root["history_months"]) {
    job.history_months = scalar<int>(path, n, "history_months", "a whole number of months");
    if (job.history_months < 0 || job.history_months > 36) {
      throw Error("'history_months' must be between 0 and 36", where(path, n));
    }
  }

  const YAML::Node inputs = root["inputs"];
  if (!inputs.IsMap())
    throw Error("'inputs' must be a map with 'shards' and optionally 'reference' and 'previous'",
                where(path, inputs));
  check_keys(path, inputs, {"shards", "reference", "previous"}, "inputs");
  const YAML::Node shards = inputs["shards"];
  if (!shards)
    throw Error("missing 'shards' in 'inputs'", where(path, inputs), "list the shard files or globs");
  if (shards.IsScalar()) {
    job.shard_patterns.push_back(shards.Scalar());
  } else if (shards.IsSequence() && shards.size() > 0) {
    for (const auto& s : shards)
      job.shard_patterns.push_back(scalar<std::string>(path, s, "shards", "a path or glob"));
  } else {
    throw Error("'shards' must be a path, a glob or a list of them", where(path, shards));
  }
  if (auto r = inputs["reference"]) job.reference = scalar<std::string>(path, r, "reference", "a path");
  if (auto p = inputs["previous"])
    job.previous = scalar<std::string>(path, p, "previous", "last month's output directory");

  if (auto c = root["catalog"]) job.catalog = scalar<std::string>(path, c, "catalog", "a path");
  job.output = output_directory(scalar<std::string>(path, root["output"], "output", "a directory path"));
  if (auto b = root["buckets"]) {
    const auto n = scalar<std::int64_t>(path, b, "buckets", "a power of two");
    if (n < 1 || n > (std::int64_t{1} << 24) || !is_power_of_two(static_cast<std::uint64_t>(n))) {
      throw Error(fmt::format("'buckets' is {}, not a power of two between 1 and 2^24", n), where(path, b),
                  "use 4096 (the default) or another power of two, 64 x ranks or more");
    }
    job.buckets = static_cast<std::uint32_t>(n);
  }
  if (auto m = root["memory_budget_mb"]) {
    const auto mb = scalar<std::int64_t>(path, m, "memory_budget_mb", "a number of MiB");
    if (mb < 1) throw Error("'memory_budget_mb' must be at least 1", where(path, m));
    job.memory_budget_bytes = static_cast<std::uint64_t>(mb) << 20;
  }
  if (auto r = root["round_kb"]) {
    const auto kb = scalar<std::int64_t>(path, r, "round_kb", "a number of KiB");
    if (kb < 1) throw Error("'round_kb' must be at least 1", where(path, r));
    job.round_bytes = static_cast<std::uint64_t>(kb) << 10;
  }
  if (auto c = root["csv"]) job.write_csv = scalar<bool>(path, c, "csv", "true or false");
  if (auto o = root["overwrite"]) job.overwrite = scalar<bool>(path, o, "overwrite", "true or false");
  if (auto c = root["checkpoints"]) read_checkpoints(path, c, job);
  if (auto id = root["identity"]) read_identity(path, id, job);
  return job;
}

}  // namespace portrait::engine

// src/engine/read_plan.cpp: shard listing and balanced assignment.
#include "engine/read_plan.hpp"

#include <fmt/format.h>
#include <glob.h>

#include <algorithm>
#include <filesystem>

#include "core/error.hpp"

namespace portrait::engine {

std::vector<ShardFile> list_shard_files(const std::vector<std::string>& patterns,
                                        const std::string& job_file) {
  std::vector<std::string> paths;
  for (const auto& pattern : patterns) {
    glob_t found{};
    const int rc = glob(pattern.c_str(), GLOB_NOSORT, nullptr, &found);
    std::size_t matched = 0;
    if (rc == 0) {
      for (std::size_t i = 0; i < found.gl_pathc; ++i) {
        if (std::filesystem::is_regular_file(found.gl_pathv[i])) {
          paths.emplace_back(found.gl_pathv[i]);
          ++matched;
        }
      }
    }
    globfree(&found);
    if (matched == 0) {
      throw Error(
          fmt::format("no shard file matches '{}'", pattern), job_file,
          "check 'inputs: shards' (paths are relative to the directory the run starts in), or make the data "
          "first (portrait gen / portrait import)");
    }
  }
  std::sort(paths.begin(), paths.end());
  paths.erase(std::unique(paths.begin(), paths.end()), paths.end());
  std::vector<ShardFile> files;
  files.reserve(paths.size());
  for (auto& p : paths) files.push_back({p, std::filesystem::file_size(p)});
  return files;
}

std::vector<std::vector<ReadUnit>> assign_read_units(const std::vector<ShardFile>& files, int ranks) {
  const auto p = static_cast<std::uint64_t>(ranks);
  std::uint64_t total = 0;
  for (const auto& f : files) total += f.bytes;
  const std::uint64_t fair = std::max<std::uint64_t>(1, total / p);

  std::vector<ReadUnit> units;
  for (std::uint32_t i = 0; i < files.size(); ++i) {
    // A file over a rank's fair share is read by several ranks, in parts of
    // at most a fair share each (never more parts than ranks).
    const auto parts =
        static_cast<std::uint32_t>(std::clamp<std::uint64_t>((files[i].bytes + fair - 1) / fair, 1, p));
    for (std::uint32_t k = 0; k < parts; ++k) {
      const std::uint64_t bytes = files[i].bytes * (k + 1) / parts - files[i].bytes * k / parts;
      units.push_back({i, k, parts, bytes});
    }
  }
  // Largest first to the least-loaded rank; ties by file order and rank, so
  // the plan is a function of its inputs only.
  std::stable_sort(units.begin(), units.end(),
                   [](const ReadUnit& a, const ReadUnit& b) { return a.bytes > b.bytes; });
  std::vector<std::vector<ReadUnit>> plan(p);
  std::vector<std::uint64_t> load(p, 0);
  for (const auto& u : units) {
    const auto r = static_cast<std::size_t>(std::min_element(load.begin(), load.end()) - load.begin());
    plan[r].push_back(u);
    load[r] += u.bytes;
  }
  for (auto& mine : plan) {
    std::sort(mine.begin(), mine.end(), [](const ReadUnit& a, const ReadUnit& b) {
      return std::tie(a.file, a.part) < std::tie(b.file, b.part);
    });
  }
  return plan;
}

}  // namespace portrait::engine

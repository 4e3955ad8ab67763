// src/engine/read_plan.cpp: shard listing and balanced assignment.
#include "engine/read_plan.hpp"

#include <fmt/format.h>
#include <glob.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include "core/error.hpp"

namespace portrait::engine {

namespace {

// Why a glob match cannot be read as a shard, or empty when it can. A
// month whose shard sits on storage that is not mounted (a dangling link)
// or cannot be read must stop, not lose that shard's records silently.
std::string unreadable_reason(const std::string& path) {
  std::error_code ec;
  const auto link = std::filesystem::symlink_status(path, ec);
  if (ec) return ec.message();
  const auto target = std::filesystem::status(path, ec);
  if (std::filesystem::is_symlink(link) && (ec || !std::filesystem::exists(target))) {
    std::error_code read_error;
    const auto to = std::filesystem::read_symlink(path, read_error);
    return ec && ec != std::errc::no_such_file_or_directory
               ? "it is a symbolic link that cannot be followed: " + ec.message()
               : "it is a symbolic link to '" + to.string() + "', which does not exist";
  }
  if (ec) return ec.message();
  if (std::filesystem::is_directory(target)) return "it is a directory, not a shard file";
  if (!std::filesystem::is_regular_file(target)) return "it is not a regular file";
  if (::access(path.c_str(), R_OK) != 0) return std::strerror(errno);
  return {};
}

// glob's report of a directory it cannot read (kept for the message).
thread_local std::string glob_failure;

// A directory that does not exist only matches nothing; one that exists and
// cannot be listed stops the listing.
int on_glob_error(const char* path, int error) {
  if (error == ENOENT) return 0;
  glob_failure = fmt::format("cannot read directory '{}': {}", path, std::strerror(error));
  return 1;
}

}  // namespace

std::vector<ShardFile> list_shard_files(const std::vector<std::string>& patterns,
                                        const std::string& job_file) {
  std::vector<std::string> paths;
  for (const auto& pattern : patterns) {
    glob_t found{};
    glob_failure.clear();
    const int rc = glob(pattern.c_str(), GLOB_NOSORT, on_glob_error, &found);
    std::vector<std::string> matched(found.gl_pathv, found.gl_pathv + (rc == 0 ? found.gl_pathc : 0));
    globfree(&found);
    if (rc == GLOB_ABORTED) {
      throw Error(fmt::format("listing '{}' failed: {}", pattern, glob_failure), job_file,
                  "check that the shards' storage is mounted and readable by the job's user");
    }
    if (matched.empty()) {
      throw Error(
          fmt::format("no shard file matches '{}'", pattern), job_file,
          "check 'inputs: shards' (paths are relative to the directory the run starts in), or make the data "
          "first (portrait gen / portrait import)");
    }
    for (auto& path : matched) {
      if (const std::string why = unreadable_reason(path); !why.empty()) {
        throw Error(fmt::format("shard '{}' (matched by '{}') cannot be read: {}", path, pattern, why),
                    job_file,
                    "mount the storage that holds it, fix or remove the link, or narrow 'inputs: shards' so "
                    "that every match is a shard");
      }
      paths.push_back(std::move(path));
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

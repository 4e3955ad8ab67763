// src/engine/read_plan.hpp: which rank reads which shard, and which rows.
// Rank 0 expands the job's globs and sizes the files (no file is opened);
// files are split into parts when much larger than a rank's fair share, and
// parts are assigned largest first to the least-loaded rank. Deterministic:
// the same files and rank count give the same plan.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace portrait::engine {

struct ShardFile {
  std::string path;
  std::uint64_t bytes = 0;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& path& bytes;
  }
};

// Rows [part * rows / parts, (part + 1) * rows / parts) of every table of a file.
struct ReadUnit {
  std::uint32_t file = 0;  // index into the sorted file list: also the record key's file ordinal
  std::uint32_t part = 0;
  std::uint32_t parts = 1;
  std::uint64_t bytes = 0;  // estimated

  bool operator==(const ReadUnit&) const = default;
};

// Expands globs into shard files, sorted by path, without duplicates.
// Throws portrait::Error when a pattern matches nothing, when a match cannot
// be read (a dangling symbolic link, a directory, no read permission) and
// when a directory on the way cannot be listed: a shard that drops out of
// the listing would drop its records out of the month.
std::vector<ShardFile> list_shard_files(const std::vector<std::string>& patterns,
                                        const std::string& job_file);

// units[r] are rank r's read units, in file order.
std::vector<std::vector<ReadUnit>> assign_read_units(const std::vector<ShardFile>& files, int ranks);

// Row range of a unit within a table of `rows` rows.
inline std::pair<std::uint64_t, std::uint64_t> unit_rows(const ReadUnit& u, std::uint64_t rows) {
  return {rows * u.part / u.parts, rows * (u.part + 1) / u.parts};
}

}  // namespace portrait::engine

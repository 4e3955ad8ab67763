// src/engine/checkpoint.cpp: the checkpoint files (see checkpoint.hpp).
//
// A rank file is
//   "PORTRAIT-CKPT-01"  16 bytes
//   header size, header checksum   2 x uint64, little-endian as written
//   header                         Boost.Serialization (binary archive)
//   column data                    raw bytes, at the header's offsets
// and is written under a temporary name, flushed to disk and renamed.
#include "engine/checkpoint.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <algorithm>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>

#include "core/digest.hpp"
#include "core/error.hpp"
#include "core/hash.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/metadata.hpp"

namespace portrait::engine {
namespace {

constexpr char kMagic[16] = {'P', 'O', 'R', 'T', 'R', 'A', 'I', 'T', '-', 'C', 'K', 'P', 'T', '-', '0', '1'};
constexpr const char* kCompleteMarker = "complete.json";

struct ColumnEntry {
  std::string name;
  int type = 0;
  std::uint64_t offset = 0;  // from the start of the column data
  std::uint64_t bytes = 0;
  std::uint64_t checksum = 0;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& name& type& offset& bytes& checksum;
  }
};

struct TableEntry {
  std::string name;
  std::uint64_t rows = 0;
  // bucket_rows[b - begin] is the first row of bucket b; one more entry
  // than the file's buckets.
  std::vector<std::uint64_t> bucket_rows;
  std::vector<ColumnEntry> columns;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& name& rows& bucket_rows& columns;
  }
};

// What every rank tells rank 0 about the file it wrote.
struct WrittenFile {
  std::string name;
  Bucket begin = 0, end = 0;
  std::uint64_t bytes = 0;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& name& begin& end& bytes;
  }
};

struct RankFileHeader {
  int stage = 0;
  std::uint32_t buckets = 0;
  Bucket begin = 0, end = 0;
  std::vector<TableEntry> tables;
  // Per channel: ChannelAccount::counts().
  std::vector<std::string> channels;
  std::vector<std::vector<std::int64_t>> accounts;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& stage& buckets& begin& end& tables& channels& accounts;
  }
};

std::filesystem::path stage_dir(const std::filesystem::path& dir, CheckpointStage stage) {
  return dir / std::string(to_string(stage));
}

// Writes all of `bytes` to `fd`; throws naming `path` on failure.
void write_all(int fd, const void* data, std::size_t size, const std::filesystem::path& path) {
  const auto* p = static_cast<const char*>(data);
  while (size > 0) {
    const ssize_t n = ::write(fd, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error(fmt::format("cannot write the checkpoint: {}", std::strerror(errno)), path.string(),
                  "check the free space and quota of the output file system");
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void read_at(std::ifstream& in, std::uint64_t offset, void* data, std::size_t size,
             const std::filesystem::path& path) {
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(static_cast<char*>(data), static_cast<std::streamsize>(size));
  if (!in) {
    throw Error("the checkpoint file is truncated", path.string(),
                "rerun without --resume to start the month over");
  }
}

// The first row of every bucket of [begin, end] in a table sorted by bucket.
std::vector<std::uint64_t> bucket_rows(const Table& table, std::uint32_t buckets, Bucket begin, Bucket end,
                                       const std::string& name) {
  const auto& id = table.values<std::int64_t>("customer_id");
  std::vector<std::uint64_t> first(end - begin + 1, 0);
  Bucket previous = begin;
  for (std::size_t i = 0; i < id.size(); ++i) {
    const Bucket b = bucket_of(id[i], buckets);
    if (b < previous || b >= end) {
      throw std::logic_error(
          fmt::format("checkpoint table '{}' is not in bucket order of the rank's range", name));
    }
    for (; previous < b; ++previous) first[previous - begin + 1] = i;
  }
  for (; previous < end; ++previous) first[previous - begin + 1] = id.size();
  return first;
}

struct OpenRankFile {
  std::ifstream in;
  RankFileHeader header;
  std::uint64_t data_start = 0;
};

OpenRankFile open_rank_file(const std::filesystem::path& path) {
  OpenRankFile f;
  f.in.open(path, std::ios::binary);
  if (!f.in) {
    throw Error("cannot open the checkpoint file", path.string(),
                "the checkpoint is incomplete: rerun without --resume to start the month over");
  }
  char magic[sizeof kMagic];
  std::uint64_t sizes[2];
  read_at(f.in, 0, magic, sizeof magic, path);
  if (std::memcmp(magic, kMagic, sizeof magic) != 0) {
    throw Error("not a portrait checkpoint file (or of another format version)", path.string(),
                "rerun without --resume to start the month over");
  }
  read_at(f.in, sizeof magic, sizes, sizeof sizes, path);
  std::string bytes(sizes[0], '\0');
  read_at(f.in, sizeof magic + sizeof sizes, bytes.data(), bytes.size(), path);
  if (checksum64(std::as_bytes(std::span(bytes))) != sizes[1]) {
    throw Error("the checkpoint header does not match its checksum", path.string(),
                "rerun without --resume to start the month over");
  }
  f.header = parallel::from_bytes<RankFileHeader>(bytes);
  f.data_start = sizeof magic + sizeof sizes + bytes.size();
  return f;
}

// The top-level keys on which two fingerprints differ.
std::string differing_keys(const nlohmann::json& a, const nlohmann::json& b) {
  std::vector<std::string> keys;
  for (const auto& [key, value] : a.items()) {
    if (!b.contains(key) || b.at(key) != value) keys.push_back(key);
  }
  for (const auto& [key, value] : b.items()) {
    if (!a.contains(key)) keys.push_back(key);
  }
  return fmt::format("{}", fmt::join(keys, ", "));
}

// Runs every rank's `write` of a stage; when it fails on any rank, rank 0
// removes the stage's directory: an incomplete stage is never resumed, and
// its files would keep a full disk full.
void write_stage(const parallel::Comm& comm, const std::filesystem::path& dir,
                 const std::function<void()>& write) {
  try {
    parallel::collectively(comm, write);
  } catch (const parallel::RankFailure&) {
    std::error_code ignored;
    if (comm.is_root()) std::filesystem::remove_all(dir, ignored);
    throw;
  }
}

}  // namespace

std::string_view to_string(CheckpointStage stage) {
  return stage == CheckpointStage::kGrouped ? "grouped" : "tagged";
}

CheckpointStage parse_checkpoint_stage(const std::string& text, const std::string& where) {
  if (text == "grouped") return CheckpointStage::kGrouped;
  if (text == "tagged") return CheckpointStage::kTagged;
  throw Error(fmt::format("unknown checkpoint stage '{}'", text), where,
              "the stages are 'grouped' (after the group phase) and 'tagged' (after tags and models)");
}

Checkpoints::Checkpoints(std::filesystem::path dir, nlohmann::json fingerprint, std::uint32_t buckets)
    : dir_(std::move(dir)), fingerprint_(std::move(fingerprint)), buckets_(buckets) {}

void Checkpoints::save(const parallel::Comm& comm, CheckpointStage stage, const parallel::BucketRange& range,
                       const std::vector<std::pair<std::string, const Table*>>& tables,
                       const Accounting& accounting, const nlohmann::json& shared) const {
  const std::filesystem::path dir = stage_dir(dir_, stage);
  parallel::collectively(comm, [&] {
    if (!comm.is_root()) return;
    for (int s = static_cast<int>(stage); s <= static_cast<int>(CheckpointStage::kTagged); ++s) {
      std::filesystem::remove_all(stage_dir(dir_, static_cast<CheckpointStage>(s)));
    }
    std::filesystem::create_directories(dir);
  });

  const std::string name = fmt::format("rank-{:06d}.ckpt", comm.rank());
  std::uint64_t file_bytes = 0;
  write_stage(comm, dir, [&] {
    RankFileHeader header;
    header.stage = static_cast<int>(stage);
    header.buckets = buckets_;
    header.begin = range.begin;
    header.end = range.end;
    std::uint64_t offset = 0;
    for (const auto& [table_name, table] : tables) {
      TableEntry entry{
          table_name, table->rows(), bucket_rows(*table, buckets_, range.begin, range.end, table_name), {}};
      for (std::size_t c = 0; c < table->column_count(); ++c) {
        const auto bytes = table->column(c).bytes();
        entry.columns.push_back({table->column_name(c), static_cast<int>(table->column(c).type()), offset,
                                 bytes.size(), checksum64(bytes)});
        offset += bytes.size();
      }
      header.tables.push_back(std::move(entry));
    }
    for (const auto& a : accounting.channels()) {
      header.channels.push_back(a.channel);
      header.accounts.push_back(a.counts());
    }
    const std::string header_bytes = parallel::to_bytes(header);
    const std::uint64_t sizes[2] = {header_bytes.size(), checksum64(std::as_bytes(std::span(header_bytes)))};

    const std::filesystem::path path = dir / name;
    const std::filesystem::path temporary = dir / (name + ".tmp");
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) {
      throw Error(fmt::format("cannot create the checkpoint file: {}", std::strerror(errno)),
                  temporary.string(), "check that the output's parent directory is writable");
    }
    try {
      write_all(fd, kMagic, sizeof kMagic, temporary);
      write_all(fd, sizes, sizeof sizes, temporary);
      write_all(fd, header_bytes.data(), header_bytes.size(), temporary);
      for (const auto& [table_name, table] : tables) {
        for (std::size_t c = 0; c < table->column_count(); ++c) {
          const auto bytes = table->column(c).bytes();
          write_all(fd, bytes.data(), bytes.size(), temporary);
        }
      }
      // On disk before the stage can be marked complete.
      if (::fsync(fd) != 0) {
        throw Error(fmt::format("cannot flush the checkpoint: {}", std::strerror(errno)), temporary.string(),
                    "check the output file system");
      }
    } catch (...) {
      // A partial file on a full disk would keep the disk full: remove it.
      ::close(fd);
      std::filesystem::remove(temporary);
      throw;
    }
    if (::close(fd) != 0) {
      std::filesystem::remove(temporary);
      throw Error(fmt::format("cannot close the checkpoint: {}", std::strerror(errno)), temporary.string(),
                  "check the free space and quota of the output file system");
    }
    std::filesystem::rename(temporary, path);
    file_bytes = sizeof kMagic + sizeof sizes + header_bytes.size() + offset;
  });

  const auto all = parallel::allgather_objects(comm, WrittenFile{name, range.begin, range.end, file_bytes});
  parallel::collectively(comm, [&] {
    if (!comm.is_root()) return;
    nlohmann::json marker;
    marker["stage"] = to_string(stage);
    marker["ranks"] = comm.size();
    marker["buckets"] = buckets_;
    marker["fingerprint"] = fingerprint_;
    marker["shared"] = shared;
    for (const auto& f : all) {
      marker["files"].push_back({{"name", f.name}, {"begin", f.begin}, {"end", f.end}, {"bytes", f.bytes}});
    }
    const std::filesystem::path temporary = dir / (std::string(kCompleteMarker) + ".tmp");
    std::ofstream(temporary) << marker.dump(1) << '\n';
    std::filesystem::rename(temporary, dir / kCompleteMarker);
  });
}

std::optional<CheckpointInfo> Checkpoints::latest(const parallel::Comm& comm) const {
  std::string found;  // the marker's JSON text, or empty
  parallel::collectively(comm, [&] {
    if (!comm.is_root()) return;
    for (int s = static_cast<int>(CheckpointStage::kTagged); s >= static_cast<int>(CheckpointStage::kGrouped);
         --s) {
      const auto path = stage_dir(dir_, static_cast<CheckpointStage>(s)) / kCompleteMarker;
      if (!std::filesystem::exists(path)) continue;
      nlohmann::json marker;
      try {
        marker = nlohmann::json::parse(std::ifstream(path));
      } catch (const nlohmann::json::exception& e) {
        throw Error(fmt::format("the checkpoint marker is unreadable: {}", e.what()), path.string(),
                    "rerun without --resume to start the month over");
      }
      if (marker.at("fingerprint") != fingerprint_) {
        throw Error(fmt::format("the checkpoint was written for another computation (it differs in: {})",
                                differing_keys(marker.at("fingerprint"), fingerprint_)),
                    path.string(),
                    "resume with the same job, catalog, inputs and portrait version, or rerun without "
                    "--resume to start the month over");
      }
      found = marker.dump();
      return;
    }
  });
  parallel::broadcast_object(comm, found);
  if (found.empty()) return std::nullopt;
  const auto marker = nlohmann::json::parse(found);
  CheckpointInfo info;
  info.stage = parse_checkpoint_stage(marker.at("stage").get<std::string>(), dir_.string());
  info.ranks = marker.at("ranks").get<int>();
  info.shared = marker.at("shared");
  for (const auto& f : marker.at("files")) {
    info.files.push_back({f.at("name").get<std::string>(), f.at("begin").get<Bucket>(),
                          f.at("end").get<Bucket>(), f.at("bytes").get<std::uint64_t>()});
  }
  std::sort(info.files.begin(), info.files.end(),
            [](const CheckpointFile& a, const CheckpointFile& b) { return a.begin < b.begin; });
  return info;
}

std::vector<std::pair<std::string, Table>> Checkpoints::restore(const parallel::Comm& comm,
                                                                const CheckpointInfo& info,
                                                                const parallel::BucketRange& range,
                                                                Accounting& accounting) const {
  std::vector<std::pair<std::string, Table>> tables;
  parallel::collectively(comm, [&] {
    const std::filesystem::path dir = stage_dir(dir_, info.stage);
    std::vector<std::byte> buffer;  // one column at a time, reused
    for (const auto& file : info.files) {
      if (file.end <= range.begin || file.begin >= range.end) continue;
      const std::filesystem::path path = dir / file.name;
      std::error_code error;
      if (std::filesystem::file_size(path, error) != file.bytes || error) {
        throw Error("the checkpoint file is missing or of the wrong size", path.string(),
                    "rerun without --resume to start the month over");
      }
      OpenRankFile f = open_rank_file(path);
      const RankFileHeader& h = f.header;
      if (h.buckets != buckets_ || h.begin != file.begin || h.end != file.end) {
        throw Error("the checkpoint file does not cover the buckets its marker says", path.string(),
                    "rerun without --resume to start the month over");
      }
      if (tables.empty()) {
        for (const auto& t : h.tables) {
          Table table(t.name);
          for (const auto& c : t.columns) table.add(c.name, static_cast<ColumnType>(c.type));
          tables.emplace_back(t.name, std::move(table));
        }
      }
      if (h.tables.size() != tables.size()) {
        throw Error("the checkpoint's rank files hold different tables", path.string(),
                    "rerun without --resume to start the month over");
      }
      const Bucket lo = std::max(range.begin, h.begin), hi = std::min(range.end, h.end);
      for (std::size_t t = 0; t < h.tables.size(); ++t) {
        const TableEntry& entry = h.tables[t];
        Table& out = tables[t].second;
        const std::uint64_t first = entry.bucket_rows[lo - h.begin], last = entry.bucket_rows[hi - h.begin];
        if (entry.columns.size() != out.column_count()) {
          throw Error(fmt::format("table '{}' has other columns in this rank file", entry.name),
                      path.string(), "rerun without --resume to start the month over");
        }
        const std::size_t old_rows = out.rows();
        for (std::size_t c = 0; c < entry.columns.size(); ++c) {
          const ColumnEntry& col = entry.columns[c];
          Column& column = out.column(c);
          if (col.name != out.column_name(c) || col.type != static_cast<int>(column.type()) ||
              col.bytes != entry.rows * size_of(column.type())) {
            throw Error(fmt::format("column '{}' of table '{}' does not match the other rank files", col.name,
                                    entry.name),
                        path.string(), "rerun without --resume to start the month over");
          }
          buffer.resize(col.bytes);
          read_at(f.in, f.data_start + col.offset, buffer.data(), buffer.size(), path);
          if (checksum64(buffer) != col.checksum) {
            throw Error(
                fmt::format("column '{}' of table '{}' does not match its checksum", col.name, entry.name),
                path.string(), "the file is damaged: rerun without --resume to start the month over");
          }
          const std::size_t width = size_of(column.type());
          column.resize(old_rows + (last - first));
          std::memcpy(static_cast<std::byte*>(column.data()) + old_rows * width,
                      buffer.data() + first * width, (last - first) * width);
        }
      }
      // The file's counts belong to the rank that owns its first bucket.
      if (range.contains(h.begin)) {
        for (std::size_t k = 0; k < h.channels.size(); ++k) {
          ChannelAccount& a = accounting.channel(k);
          if (a.channel != h.channels[k]) {
            throw Error("the checkpoint's channels differ from this run's", path.string(),
                        "rerun without --resume to start the month over");
          }
          a.add_counts(h.accounts[k]);
        }
      }
    }
    if (tables.empty()) {
      throw Error(fmt::format("no checkpoint file covers buckets [{}, {})", range.begin, range.end),
                  dir.string(), "rerun without --resume to start the month over");
    }
  });
  return tables;
}

void Checkpoints::remove(const parallel::Comm& comm) const {
  parallel::collectively(comm, [&] {
    if (comm.is_root()) std::filesystem::remove_all(dir_);
  });
}

}  // namespace portrait::engine

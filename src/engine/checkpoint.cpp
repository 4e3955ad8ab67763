// src/engine/checkpoint.cpp: the checkpoint files (see checkpoint.hpp).
//
// A rank file is
//   "PORTRAIT-CKPT-01"  16 bytes
//   header size, header checksum   2 x uint64, little-endian as written
//   header                         Boost.Serialization (binary archive)
//   column data                    raw bytes, at the header's offsets
// and is written under a temporary name, flushed to disk and renamed. A
// partner copy is the same bytes, in `partner/` of another host's stage
// directory.
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
#include <exception>
#include <fstream>
#include <functional>

#include "core/digest.hpp"
#include "core/enum_names.hpp"
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

struct RankFileHeader {
  int stage = 0;
  std::uint32_t buckets = 0;
  Bucket begin = 0, end = 0;
  std::vector<TableEntry> tables;
  // Per channel: read, used, then quarantined by reason.
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

// A rank file as the byte ranges it is made of: magic and sizes, header,
// then every column's bytes (still in the tables).
struct RankFileBytes {
  std::string prefix;  // magic, header size and checksum, header
  std::uint64_t header_checksum = 0;
  std::vector<std::span<const std::byte>> columns;

  std::vector<std::span<const std::byte>> ranges() const {
    std::vector<std::span<const std::byte>> all{std::as_bytes(std::span(prefix))};
    all.insert(all.end(), columns.begin(), columns.end());
    return all;
  }
  std::uint64_t size() const {
    std::uint64_t n = prefix.size();
    for (const auto& c : columns) n += c.size();
    return n;
  }
};

RankFileBytes rank_file_bytes(CheckpointStage stage, std::uint32_t buckets,
                              const parallel::BucketRange& range,
                              const std::vector<std::pair<std::string, const Table*>>& tables,
                              const Accounting& accounting) {
  RankFileHeader header;
  header.stage = static_cast<int>(stage);
  header.buckets = buckets;
  header.begin = range.begin;
  header.end = range.end;
  std::uint64_t offset = 0;
  for (const auto& [table_name, table] : tables) {
    TableEntry entry{
        table_name, table->rows(), bucket_rows(*table, buckets, range.begin, range.end, table_name), {}};
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
    std::vector<std::int64_t> counts{a.read, a.used};
    counts.insert(counts.end(), a.quarantined.begin(), a.quarantined.end());
    header.accounts.push_back(std::move(counts));
  }
  const std::string header_bytes = parallel::to_bytes(header);
  RankFileBytes file;
  file.header_checksum = checksum64(std::as_bytes(std::span(header_bytes)));
  const std::uint64_t sizes[2] = {header_bytes.size(), file.header_checksum};
  file.prefix.append(kMagic, sizeof kMagic);
  file.prefix.append(reinterpret_cast<const char*>(sizes), sizeof sizes);
  file.prefix += header_bytes;
  for (const auto& [table_name, table] : tables) {
    for (std::size_t c = 0; c < table->column_count(); ++c) file.columns.push_back(table->column(c).bytes());
  }
  return file;
}

// Writes a file under a temporary name, flushed to disk before it is
// renamed into place. `write(fd, temporary)` writes the content.
void write_durably(const std::filesystem::path& path,
                   const std::function<void(int fd, const std::filesystem::path& temporary)>& write) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    throw Error(fmt::format("cannot create the checkpoint file: {}", std::strerror(errno)),
                temporary.string(), "check that the checkpoint directory is writable");
  }
  try {
    write(fd, temporary);
    // On disk before the stage can be marked complete.
    if (::fsync(fd) != 0) {
      throw Error(fmt::format("cannot flush the checkpoint: {}", std::strerror(errno)), temporary.string(),
                  "check the checkpoint file system");
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  ::close(fd);
  std::filesystem::rename(temporary, path);
}

// The header checksum of a rank file on disk, 0 when it is missing, of
// another size than `bytes`, or not a rank file.
std::uint64_t header_checksum_on_disk(const std::filesystem::path& path, std::uint64_t bytes) {
  std::error_code error;
  if (std::filesystem::file_size(path, error) != bytes || error) return 0;
  std::ifstream in(path, std::ios::binary);
  char magic[sizeof kMagic];
  std::uint64_t sizes[2];
  if (!in.read(magic, sizeof magic) || std::memcmp(magic, kMagic, sizeof magic) != 0) return 0;
  if (!in.read(reinterpret_cast<char*>(sizes), sizeof sizes) || sizes[0] > bytes) return 0;
  std::string header(sizes[0], '\0');
  if (!in.read(header.data(), static_cast<std::streamsize>(header.size()))) return 0;
  return checksum64(std::as_bytes(std::span(header))) == sizes[1] ? sizes[1] : 0;
}

std::string rank_file_name(int rank) { return fmt::format("rank-{:06d}.ckpt", rank); }

// What a rank sends with the rows of one file for another rank: the tables'
// layout and rows, and the file's accounting when the destination owns the
// file's first bucket.
struct SliceHeader {
  std::vector<std::string> tables;
  std::vector<std::vector<std::string>> column_names;
  std::vector<std::vector<int>> column_types;
  std::vector<std::uint64_t> rows;
  std::vector<std::string> channels;
  std::vector<std::vector<std::int64_t>> accounts;

  template <class Archive>
  void serialize(Archive& ar, unsigned /*version*/) {
    ar& tables& column_names& column_types& rows& channels& accounts;
  }
};

struct Slice {
  std::string header;  // SliceHeader, serialised
  std::vector<std::vector<std::byte>> columns;
};

void check_file_covers(const RankFileHeader& h, const CheckpointFile& file, std::uint32_t buckets,
                       const std::filesystem::path& path) {
  if (h.buckets != buckets || h.begin != file.begin || h.end != file.end) {
    throw Error("the checkpoint file does not cover the buckets its marker says", path.string(),
                "rerun without --resume to start the month over");
  }
}

// Calls take(t, c, rows) for every column c of every table t of the file,
// with the bytes of the rows of buckets [lo, hi), each column checked
// against its checksum first.
void read_rows(OpenRankFile& f, const std::filesystem::path& path, Bucket lo, Bucket hi,
               std::vector<std::byte>& buffer,
               const std::function<void(std::size_t, std::size_t, std::span<const std::byte>)>& take) {
  const RankFileHeader& h = f.header;
  for (std::size_t t = 0; t < h.tables.size(); ++t) {
    const TableEntry& entry = h.tables[t];
    const std::uint64_t first = entry.bucket_rows[lo - h.begin], last = entry.bucket_rows[hi - h.begin];
    for (std::size_t c = 0; c < entry.columns.size(); ++c) {
      const ColumnEntry& col = entry.columns[c];
      const std::size_t width = size_of(static_cast<ColumnType>(col.type));
      if (col.bytes != entry.rows * width) {
        throw Error(fmt::format("column '{}' of table '{}' has the wrong size", col.name, entry.name),
                    path.string(), "the file is damaged: rerun without --resume to start the month over");
      }
      buffer.resize(col.bytes);
      read_at(f.in, f.data_start + col.offset, buffer.data(), buffer.size(), path);
      if (checksum64(buffer) != col.checksum) {
        throw Error(
            fmt::format("column '{}' of table '{}' does not match its checksum", col.name, entry.name),
            path.string(), "the file is damaged: rerun without --resume to start the month over");
      }
      take(t, c, std::span(buffer).subspan(first * width, (last - first) * width));
    }
  }
}

// The restored tables: laid out by the first file (or slice) to arrive, and
// every later one checked against that layout.
class RestoredTables {
 public:
  RestoredTables(const parallel::BucketRange& range, Accounting& accounting)
      : range_(range), accounting_(accounting) {}

  void lay_out(const SliceHeader& h, const std::string& where) {
    if (tables_.empty()) {
      for (std::size_t t = 0; t < h.tables.size(); ++t) {
        Table table(h.tables[t]);
        for (std::size_t c = 0; c < h.column_names[t].size(); ++c) {
          table.add(h.column_names[t][c], static_cast<ColumnType>(h.column_types[t][c]));
        }
        tables_.emplace_back(h.tables[t], std::move(table));
      }
    }
    if (h.tables.size() != tables_.size()) {
      throw Error("the checkpoint's rank files hold different tables", where,
                  "rerun without --resume to start the month over");
    }
    for (std::size_t t = 0; t < h.tables.size(); ++t) {
      const Table& table = tables_[t].second;
      bool same = h.tables[t] == tables_[t].first && h.column_names[t].size() == table.column_count();
      for (std::size_t c = 0; same && c < table.column_count(); ++c) {
        same = h.column_names[t][c] == table.column_name(c) &&
               h.column_types[t][c] == static_cast<int>(table.column(c).type());
      }
      if (!same) {
        throw Error(fmt::format("table '{}' has other columns in this rank file", h.tables[t]), where,
                    "rerun without --resume to start the month over");
      }
    }
  }

  // Room for `rows` more rows of table t; returns where column c's go.
  std::span<std::byte> grow(std::size_t t, std::size_t c, std::uint64_t rows) {
    Column& column = tables_[t].second.column(c);
    const std::size_t width = size_of(column.type()), old_rows = column.size();
    column.resize(old_rows + rows);
    return {static_cast<std::byte*>(column.data()) + old_rows * width, rows * width};
  }

  void add_accounts(const std::vector<std::string>& channels,
                    const std::vector<std::vector<std::int64_t>>& accounts, const std::string& where) {
    for (std::size_t k = 0; k < channels.size(); ++k) {
      ChannelAccount& a = accounting_.channel(k);
      if (a.channel != channels[k]) {
        throw Error("the checkpoint's channels differ from this run's", where,
                    "rerun without --resume to start the month over");
      }
      const auto& counts = accounts[k];
      a.read += counts[0];
      a.used += counts[1];
      for (std::size_t r = 0; r < kReasonCount; ++r) a.quarantined[r] += counts[2 + r];
    }
  }

  const parallel::BucketRange& range() const { return range_; }
  std::vector<std::pair<std::string, Table>> take() { return std::move(tables_); }
  bool empty() const { return tables_.empty(); }

 private:
  parallel::BucketRange range_;
  Accounting& accounting_;
  std::vector<std::pair<std::string, Table>> tables_;
};

SliceHeader slice_header(const RankFileHeader& h, Bucket lo, Bucket hi, bool with_accounts) {
  SliceHeader s;
  for (const auto& t : h.tables) {
    s.tables.push_back(t.name);
    s.column_names.emplace_back();
    s.column_types.emplace_back();
    for (const auto& c : t.columns) {
      s.column_names.back().push_back(c.name);
      s.column_types.back().push_back(c.type);
    }
    s.rows.push_back(t.bucket_rows[hi - h.begin] - t.bucket_rows[lo - h.begin]);
  }
  if (with_accounts) {
    s.channels = h.channels;
    s.accounts = h.accounts;
  }
  return s;
}

// Adds the rows of `range`'s buckets in a rank file to `out`.
void restore_from_file(const std::filesystem::path& path, const CheckpointFile& file, std::uint32_t buckets,
                       RestoredTables& out, std::vector<std::byte>& buffer) {
  OpenRankFile f = open_rank_file(path);
  check_file_covers(f.header, file, buckets, path);
  const Bucket lo = std::max(out.range().begin, file.begin), hi = std::min(out.range().end, file.end);
  const SliceHeader layout = slice_header(f.header, lo, hi, out.range().contains(file.begin));
  out.lay_out(layout, path.string());
  read_rows(f, path, lo, hi, buffer, [&](std::size_t t, std::size_t c, std::span<const std::byte> rows) {
    const auto into = out.grow(t, c, layout.rows[t]);
    std::memcpy(into.data(), rows.data(), rows.size());
  });
  // The file's counts belong to the rank that owns its first bucket.
  out.add_accounts(layout.channels, layout.accounts, path.string());
}

// The rows of `range`'s buckets in a rank file, for another rank.
Slice slice_of_file(const std::filesystem::path& path, const CheckpointFile& file, std::uint32_t buckets,
                    const parallel::BucketRange& range, std::vector<std::byte>& buffer) {
  OpenRankFile f = open_rank_file(path);
  check_file_covers(f.header, file, buckets, path);
  const Bucket lo = std::max(range.begin, file.begin), hi = std::min(range.end, file.end);
  Slice slice;
  slice.header = parallel::to_bytes(slice_header(f.header, lo, hi, range.contains(file.begin)));
  read_rows(f, path, lo, hi, buffer, [&](std::size_t, std::size_t, std::span<const std::byte> rows) {
    slice.columns.emplace_back(rows.begin(), rows.end());
  });
  return slice;
}

constexpr int kPartnerTag = 7301;
constexpr int kSliceTag = 7400;  // + the file's index

}  // namespace

std::string_view to_string(CheckpointStage stage) {
  switch (stage) {
    case CheckpointStage::kGrouped:
      return "grouped";
    case CheckpointStage::kTagged:
      return "tagged";
  }
  return "";
}

CheckpointStage parse_checkpoint_stage(const std::string& text, const std::string& where) {
  if (const auto stage = from_name<CheckpointStage>(text)) return *stage;
  throw Error(fmt::format("unknown checkpoint stage '{}'", text), where,
              "the stages are 'grouped' (after the group phase) and 'tagged' (after tags and models)");
}

nlohmann::json CheckpointInfo::to_json() const {
  nlohmann::json j{{"stage", to_string(stage)}, {"ranks", ranks}, {"place", local ? "local" : "shared"}};
  if (!local) return j;
  // Per file, the copies its rows were read from (several ranks may read
  // one file, each from the copy nearest to it).
  j["copies"] = nlohmann::json::array();
  for (std::size_t f = 0; f < files.size(); ++f) {
    nlohmann::json used = nlohmann::json::array();
    for (const auto& r : reads) {
      if (r.file != f) continue;
      const nlohmann::json one{{"copy", to_string(r.copy)}, {"host", r.host}};
      if (std::find(used.begin(), used.end(), one) == used.end()) used.push_back(one);
    }
    j["copies"].push_back({{"file", files[f].name}, {"written_on", files[f].host}, {"read_from", used}});
  }
  return j;
}

std::string CheckpointInfo::describe() const {
  std::string text = fmt::format("the '{}' checkpoint written by {} rank(s)", to_string(stage), ranks);
  if (!local) return text;
  std::vector<std::string> from_partner;
  int primary = 0;
  for (std::size_t f = 0; f < files.size(); ++f) {
    bool partner = false;
    std::string partner_host;
    for (const auto& r : reads) {
      if (r.file == f && r.copy == CheckpointCopy::kPartner) {
        partner = true;
        partner_host = r.host;
      }
    }
    if (partner) {
      from_partner.push_back(
          fmt::format("{} of {} from its partner copy on {}", files[f].name, files[f].host, partner_host));
    } else {
      ++primary;
    }
  }
  text += fmt::format(" on node-local disks: {} file(s) from their primary copy, {} from a partner copy",
                      primary, from_partner.size());
  if (!from_partner.empty()) text += fmt::format(" ({})", fmt::join(from_partner, ", "));
  return text;
}

Checkpoints::Checkpoints(CheckpointPlace place, nlohmann::json fingerprint, std::uint32_t buckets)
    : place_(std::move(place)), fingerprint_(std::move(fingerprint)), buckets_(buckets) {}

std::vector<std::string> Checkpoints::hosts(const parallel::Comm& comm) const {
  if (place_.hosts.empty()) return parallel::allgather_objects(comm, parallel::processor_name());
  if (static_cast<int>(place_.hosts.size()) != comm.size()) {
    throw std::logic_error("CheckpointPlace::hosts must name the host of every rank");
  }
  return place_.hosts;
}

std::filesystem::path Checkpoints::files_dir(CheckpointStage stage) const {
  return place_.local.empty() ? stage_dir(place_.dir, stage)
                              : stage_dir(place_.local / place_.dir.filename(), stage);
}

std::filesystem::path Checkpoints::partner_dir(CheckpointStage stage) const {
  return files_dir(stage) / "partner";
}

void Checkpoints::save(const parallel::Comm& comm, CheckpointStage stage, const parallel::BucketRange& range,
                       const std::vector<std::pair<std::string, const Table*>>& tables,
                       const Accounting& accounting, const nlohmann::json& shared) const {
  const std::vector<std::string> host_of_rank = hosts(comm);
  const bool local = !place_.local.empty();
  const std::vector<int> partners =
      local && place_.partner ? partner_ranks(host_of_rank) : std::vector<int>(host_of_rank.size(), -1);
  parallel::collectively(comm, [&] {
    // Rank 0 prepares the shared directory, the first rank of each host its
    // node-local one.
    const auto prepare = [&](const std::filesystem::path& root_of_stage_dirs) {
      for (int s = static_cast<int>(stage); s <= static_cast<int>(CheckpointStage::kTagged); ++s) {
        std::filesystem::remove_all(stage_dir(root_of_stage_dirs, static_cast<CheckpointStage>(s)));
      }
    };
    if (comm.is_root()) {
      prepare(place_.dir);
      std::filesystem::create_directories(stage_dir(place_.dir, stage));
    }
    if (local && is_host_leader(host_of_rank, comm.rank())) {
      prepare(files_dir(stage).parent_path());
      std::filesystem::create_directories(partner_dir(stage));
    }
  });

  const std::string name = rank_file_name(comm.rank());
  RankFileBytes file;
  parallel::collectively(comm, [&] {
    file = rank_file_bytes(stage, buckets_, range, tables, accounting);
    write_durably(files_dir(stage) / name, [&](int fd, const std::filesystem::path& temporary) {
      for (const auto& r : file.ranges()) write_all(fd, r.data(), r.size(), temporary);
    });
  });
  if (local && place_.partner) save_partner_copy(comm, stage, partners, file.ranges());

  const int partner = partners[static_cast<std::size_t>(comm.rank())];
  // What every rank tells rank 0 about the file it wrote.
  const auto all = parallel::allgather_objects(
      comm, CheckpointFile{name, range.begin, range.end, file.size(), file.header_checksum,
                           host_of_rank[static_cast<std::size_t>(comm.rank())],
                           partner < 0 ? std::string() : host_of_rank[static_cast<std::size_t>(partner)]});
  parallel::collectively(comm, [&] {
    if (!comm.is_root()) return;
    nlohmann::json marker;
    marker["stage"] = to_string(stage);
    marker["ranks"] = comm.size();
    marker["buckets"] = buckets_;
    marker["fingerprint"] = fingerprint_;
    marker["shared"] = shared;
    marker["place"] = local ? "local" : "shared";
    for (const auto& f : all) {
      marker["files"].push_back({{"name", f.name},
                                 {"begin", f.begin},
                                 {"end", f.end},
                                 {"bytes", f.bytes},
                                 {"header_checksum", f.header_checksum},
                                 {"host", f.host},
                                 {"partner_host", f.partner_host}});
    }
    const std::filesystem::path dir = stage_dir(place_.dir, stage);
    const std::filesystem::path temporary = dir / (std::string(kCompleteMarker) + ".tmp");
    std::ofstream(temporary) << marker.dump(1) << '\n';
    std::filesystem::rename(temporary, dir / kCompleteMarker);
  });
}

// Every rank sends its file to its partner, and writes the files of the
// ranks it is the partner of. Sends are posted first and receives drain every
// message even after a write failed, so no rank is left waiting; the failure
// is then thrown on every rank.
void Checkpoints::save_partner_copy(const parallel::Comm& comm, CheckpointStage stage,
                                    const std::vector<int>& partners,
                                    const std::vector<std::span<const std::byte>>& file) const {
  const int me = comm.rank();
  std::exception_ptr failure;
  {
    std::uint64_t total = 0;  // sent first, so it outlives the sends
    Transfers sends(comm);
    if (const int partner = partners[static_cast<std::size_t>(me)]; partner >= 0) {
      for (const auto& r : file) total += r.size();
      sends.send(partner, kPartnerTag, std::as_bytes(std::span(&total, 1)));
      for (const auto& r : file) {
        if (!r.empty()) sends.send(partner, kPartnerTag, r);
      }
    }
    std::vector<std::byte> buffer;
    for (int source = 0; source < comm.size(); ++source) {
      if (partners[static_cast<std::size_t>(source)] != me) continue;
      std::uint64_t bytes = 0;
      receive_into(comm, source, kPartnerTag, std::as_writable_bytes(std::span(&bytes, 1)));
      bool drained = false;
      const auto receive_all = [&](const std::function<void(std::span<const std::byte>)>& take) {
        for (std::uint64_t received = 0; received < bytes;) {
          const auto piece = receive_message(comm, source, kPartnerTag, buffer);
          take(piece);
          received += piece.size();
        }
        drained = true;
      };
      if (!failure) {
        try {
          write_durably(partner_dir(stage) / rank_file_name(source),
                        [&](int fd, const std::filesystem::path& tmp) {
                          std::exception_ptr write_failure;
                          receive_all([&](std::span<const std::byte> piece) {
                            if (write_failure) return;
                            try {
                              write_all(fd, piece.data(), piece.size(), tmp);
                            } catch (...) {
                              write_failure = std::current_exception();
                            }
                          });
                          if (write_failure) std::rethrow_exception(write_failure);
                        });
        } catch (...) {
          failure = std::current_exception();
        }
      }
      // A file that could not even be created: its bytes are still received.
      if (!drained) receive_all([](std::span<const std::byte>) {});
    }
    sends.wait();
  }
  parallel::collectively(comm, [&] {
    if (failure) std::rethrow_exception(failure);
  });
}

std::optional<CheckpointInfo> Checkpoints::latest(const parallel::Comm& comm) const {
  std::string found;  // the marker's JSON text, or empty
  parallel::collectively(comm, [&] {
    if (!comm.is_root()) return;
    for (int s = static_cast<int>(CheckpointStage::kTagged); s >= static_cast<int>(CheckpointStage::kGrouped);
         --s) {
      const auto path = stage_dir(place_.dir, static_cast<CheckpointStage>(s)) / kCompleteMarker;
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
      const bool local = marker.value("place", "shared") == "local";
      if (local != !place_.local.empty()) {
        throw Error(fmt::format("the checkpoint's rank files are {}, but this job keeps them {}",
                                local ? "on node-local disks" : "on the shared file system",
                                local ? "on the shared file system" : "on node-local disks"),
                    path.string(), "resume with the job's 'checkpoints' settings of the interrupted run");
      }
      found = marker.dump();
      return;
    }
  });
  parallel::broadcast_object(comm, found);
  if (found.empty()) return std::nullopt;
  const auto marker = nlohmann::json::parse(found);
  CheckpointInfo info;
  info.stage = parse_checkpoint_stage(marker.at("stage").get<std::string>(), place_.dir.string());
  info.ranks = marker.at("ranks").get<int>();
  info.shared = marker.at("shared");
  info.local = marker.value("place", "shared") == "local";
  for (const auto& f : marker.at("files")) {
    info.files.push_back({f.at("name").get<std::string>(), f.at("begin").get<Bucket>(),
                          f.at("end").get<Bucket>(), f.at("bytes").get<std::uint64_t>(),
                          f.value("header_checksum", std::uint64_t{0}), f.value("host", std::string()),
                          f.value("partner_host", std::string())});
  }
  std::sort(info.files.begin(), info.files.end(),
            [](const CheckpointFile& a, const CheckpointFile& b) { return a.begin < b.begin; });

  if (!info.local) return info;  // every rank reads the shared files it needs itself
  // Which copies each host's disk holds (its first rank looks), then who
  // reads what: the same plan on every rank.
  const std::vector<std::string> host_of_rank = hosts(comm);
  std::vector<std::uint8_t> held(info.files.size(), 0);  // bit 0: primary, bit 1: partner copy
  if (is_host_leader(host_of_rank, comm.rank())) {
    for (std::size_t f = 0; f < info.files.size(); ++f) {
      const CheckpointFile& file = info.files[f];
      const auto matches = [&](const std::filesystem::path& path) {
        return header_checksum_on_disk(path, file.bytes) == file.header_checksum;
      };
      if (matches(files_dir(info.stage) / file.name)) held[f] |= 1;
      if (matches(partner_dir(info.stage) / file.name)) held[f] |= 2;
    }
  }
  const auto all_held = parallel::allgather_objects(comm, held);
  std::vector<FileCopies> copies(info.files.size());
  for (int r = 0; r < comm.size(); ++r) {
    const auto& h = all_held[static_cast<std::size_t>(r)];
    for (std::size_t f = 0; f < h.size(); ++f) {
      if (h[f] & 1) copies[f].primary.push_back(host_of_rank[static_cast<std::size_t>(r)]);
      if (h[f] & 2) copies[f].partner.push_back(host_of_rank[static_cast<std::size_t>(r)]);
    }
  }
  info.reads = plan_local_reads(info.files, copies, host_of_rank, buckets_);
  return info;
}

std::vector<std::pair<std::string, Table>> Checkpoints::restore(const parallel::Comm& comm,
                                                                const CheckpointInfo& info,
                                                                const parallel::BucketRange& range,
                                                                Accounting& accounting) const {
  RestoredTables out(range, accounting);
  const auto none_covers = [&] {
    return Error(fmt::format("no checkpoint file covers buckets [{}, {})", range.begin, range.end),
                 place_.dir.string(), "rerun without --resume to start the month over");
  };
  std::vector<std::byte> buffer;  // one column at a time, reused
  if (!info.local) {
    // On the shared file system every rank reads the files overlapping its
    // buckets itself.
    parallel::collectively(comm, [&] {
      for (const auto& file : info.files) {
        if (file.end <= range.begin || file.begin >= range.end) continue;
        const std::filesystem::path path = files_dir(info.stage) / file.name;
        std::error_code error;
        if (std::filesystem::file_size(path, error) != file.bytes || error) {
          throw Error("the checkpoint file is missing or of the wrong size", path.string(),
                      "rerun without --resume to start the month over");
        }
        restore_from_file(path, file, buckets_, out, buffer);
      }
      if (out.empty()) throw none_covers();
    });
    return out.take();
  }

  // From node-local disks, as latest() planned for the even partition.
  const int me = comm.rank();
  const parallel::BucketPartition partition(buckets_, comm.size());
  if (partition.range_of(me).begin != range.begin || partition.range_of(me).end != range.end) {
    throw std::logic_error("a node-local checkpoint is restored for the even partition of the buckets only");
  }
  const auto path_of = [&](const CheckpointRead& read) {
    const std::string& name = info.files[read.file].name;
    return read.copy == CheckpointCopy::kPartner ? partner_dir(info.stage) / name
                                                 : files_dir(info.stage) / name;
  };

  // First what this rank reads for others, so that every send is posted
  // before any rank waits for one; a failed read stops every rank here.
  std::vector<std::pair<const CheckpointRead*, Slice>> outgoing;
  parallel::collectively(comm, [&] {
    for (const auto& read : info.reads) {
      if (read.reader != me || read.destination == me) continue;
      outgoing.emplace_back(&read, slice_of_file(path_of(read), info.files[read.file], buckets_,
                                                 partition.range_of(read.destination), buffer));
    }
  });
  Transfers sends(comm);
  for (const auto& [read, slice] : outgoing) {
    const int tag = kSliceTag + static_cast<int>(read->file);
    sends.send(read->destination, tag, std::as_bytes(std::span(slice.header)));
    for (const auto& column : slice.columns) sends.send(read->destination, tag, column);
  }

  // Then this rank's rows, file by file in bucket order. Every expected
  // message is received even after a failure, so no sender is left waiting.
  std::exception_ptr failure;
  std::vector<std::byte> header_buffer, discard;
  for (const auto& read : info.reads) {
    if (read.destination != me) continue;
    const CheckpointFile& file = info.files[read.file];
    if (read.reader == me) {
      if (failure) continue;
      try {
        restore_from_file(path_of(read), file, buckets_, out, buffer);
      } catch (...) {
        failure = std::current_exception();
      }
      continue;
    }
    const int tag = kSliceTag + static_cast<int>(read.file);
    const auto header_bytes = receive_message(comm, read.reader, tag, header_buffer);
    const auto header = parallel::from_bytes<SliceHeader>(
        std::string(reinterpret_cast<const char*>(header_bytes.data()), header_bytes.size()));
    const std::string where = fmt::format("{} (rows sent by rank {})", file.name, read.reader);
    if (!failure) {
      try {
        out.lay_out(header, where);
      } catch (...) {
        failure = std::current_exception();
      }
    }
    for (std::size_t t = 0; t < header.tables.size(); ++t) {
      for (std::size_t c = 0; c < header.column_names[t].size(); ++c) {
        const std::uint64_t bytes =
            header.rows[t] * size_of(static_cast<ColumnType>(header.column_types[t][c]));
        if (failure) {
          discard.resize(bytes);
          receive_into(comm, read.reader, tag, discard);
        } else {
          receive_into(comm, read.reader, tag, out.grow(t, c, header.rows[t]));
        }
      }
    }
    if (!failure) {
      try {
        out.add_accounts(header.channels, header.accounts, where);
      } catch (...) {
        failure = std::current_exception();
      }
    }
  }
  sends.wait();
  parallel::collectively(comm, [&] {
    if (failure) std::rethrow_exception(failure);
    if (out.empty()) throw none_covers();
  });
  return out.take();
}

void Checkpoints::remove(const parallel::Comm& comm) const {
  const std::vector<std::string> host_of_rank =
      place_.local.empty() ? std::vector<std::string>{} : hosts(comm);
  parallel::collectively(comm, [&] {
    if (comm.is_root()) std::filesystem::remove_all(place_.dir);
    if (!place_.local.empty() && is_host_leader(host_of_rank, comm.rank())) {
      std::filesystem::remove_all(place_.local / place_.dir.filename());
    }
  });
}

}  // namespace portrait::engine

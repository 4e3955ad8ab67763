// src/engine/record_phases.cpp: the read + shuffle and group phases. In
// rounds, each rank reads a budget-bounded batch of rows from its parts of
// the shards, tags each record with its record key and a quarantine reason,
// checks it, and sends it to the rank owning its customer's bucket; then the
// group phase sorts each channel by (bucket, customer, time, record key) and
// quarantines duplicates and records of unknown customers.
#include <fmt/format.h>

#include <algorithm>
#include <memory>

#include "core/error.hpp"
#include "engine/group.hpp"
#include "engine/record_checks.hpp"
#include "engine/run_state.hpp"
#include "io/shard_reader.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/collectives.hpp"

namespace portrait::engine {
namespace {

constexpr int kRecordFileShift = 40;  // _record = file ordinal << 40 | row in the file's table

void append_missing(Column& column, std::size_t n) {
  column.visit([n](auto& values) {
    using T = typename std::decay_t<decltype(values)>::value_type;
    values.insert(values.end(), n, missing<T>());
  });
}

// Reads the rank's read units chunk by chunk, in a fixed order.
class UnitCursor {
 public:
  UnitCursor(const std::vector<ShardFile>& files, const std::vector<ReadUnit>& units)
      : files_(files), units_(units) {}

  bool done() const { return unit_ >= units_.size(); }

  // Reads up to `max_rows` rows of the current table into `staged[channel]`;
  // returns the rows read and their channel.
  std::pair<std::string, std::uint64_t> read_next(std::map<std::string, Table>& staged,
                                                  std::uint64_t max_rows) {
    while (!done()) {
      const ReadUnit& u = units_[unit_];
      if (!reader_ || reader_file_ != u.file) {
        reader_ = std::make_unique<io::ShardReader>(files_[u.file].path);
        reader_file_ = u.file;
      }
      const auto& tables = reader_->tables();
      if (table_ >= tables.size()) {
        ++unit_;
        table_ = 0;
        row_ = 0;
        continue;
      }
      const auto& info = tables[table_];
      const auto [begin, end] = unit_rows(u, info.rows);
      const std::uint64_t from = std::max(begin, row_);
      if (from >= end || !staged.count(info.channel)) {
        ++table_;
        row_ = 0;
        continue;
      }
      const std::uint64_t to = std::min(end, from + max_rows);
      reader_->read(info.channel, from, to, buffer_);
      append(staged.at(info.channel), u.file, from, to - from);
      row_ = to;
      return {info.channel, to - from};
    }
    return {"", 0};
  }

 private:
  void append(Table& staged, std::uint32_t file, std::uint64_t first_row, std::uint64_t n) {
    for (std::size_t c = 0; c < staged.column_count(); ++c) {
      const std::string& name = staged.column_name(c);
      Column& column = staged.column(c);
      if (name == "_record") {
        auto& v = column.values<std::int64_t>();
        const auto base = static_cast<std::int64_t>(std::uint64_t{file} << kRecordFileShift);
        for (std::uint64_t i = 0; i < n; ++i) v.push_back(base + static_cast<std::int64_t>(first_row + i));
      } else if (name == "_reason") {
        column.values<std::int8_t>().insert(column.values<std::int8_t>().end(), n, 0);
      } else if (buffer_.has(name)) {
        column.append(buffer_.column(name), 0, n);
      } else {
        append_missing(column, n);
      }
    }
  }

  const std::vector<ShardFile>& files_;
  const std::vector<ReadUnit>& units_;
  std::size_t unit_ = 0, table_ = 0;
  std::uint64_t row_ = 0;
  std::unique_ptr<io::ShardReader> reader_;
  std::uint32_t reader_file_ = 0;
  Table buffer_;
};

// Each rank receives about 1/ranks of every channel (buckets spread
// customers evenly): reserve that once rather than grow by copying.
std::map<std::string, Table> reserve_resident(RunState& s) {
  std::vector<std::int64_t> channel_rows;
  for (const auto& name : s.channels) channel_rows.push_back(s.planned_by_channel[name]);
  channel_rows = parallel::sum<std::int64_t>(s.comm, channel_rows);
  std::map<std::string, Table> resident;
  const std::int64_t ranks = s.comm.size();
  for (std::size_t k = 0; k < s.channels.size(); ++k) {
    Table t = s.staged.at(s.channels[k]).empty_like();
    t.reserve(static_cast<std::size_t>(channel_rows[k] / ranks + channel_rows[k] / ranks / 16 + 1024));
    resident.emplace(s.channels[k], std::move(t));
  }
  return resident;
}

}  // namespace

void read_and_shuffle(RunState& s) {
  const JobSpec& job = s.job;
  const parallel::Comm& comm = s.comm;
  // A round reads about an eighth of the budget (unless set); the shuffle's
  // buffers take at most as much again; the rest holds the rank's own records.
  const std::uint64_t round_bytes = s.round_bytes();
  parallel::Shuffle shuffle(comm, round_bytes);
  s.resident = reserve_resident(s);
  std::map<std::string, std::vector<int>> dest;
  std::map<std::string, std::vector<Bucket>> bucket;
  std::vector<int> owner(s.partition.buckets());  // of every bucket: a load per record, not a search
  for (Bucket k = 0; k < s.partition.buckets(); ++k) owner[k] = s.partition.owner_of_bucket(k);
  UnitCursor cursor(s.files, s.my_units);
  std::int64_t read_rows = 0;
  for (;;) {
    parallel::collectively(comm, [&] {
      std::uint64_t staged_bytes = 0;
      while (!cursor.done() && staged_bytes < round_bytes) {
        const auto [channel, rows] = cursor.read_next(s.staged, std::max<std::uint64_t>(1, round_bytes / 64));
        if (rows == 0) continue;
        const auto k = static_cast<std::size_t>(std::find(s.channels.begin(), s.channels.end(), channel) -
                                                s.channels.begin());
        s.accounting.channel(k).read += static_cast<std::int64_t>(rows);
        read_rows += static_cast<std::int64_t>(rows);
        staged_bytes = 0;
        for (const auto& [name, t] : s.staged) staged_bytes += t.byte_size();
      }
      for (auto& [name, t] : s.staged) {
        mark_bad_records(name, job, t);
        auto& d = dest[name];
        auto& b = bucket[name];
        const auto& id = t.values<std::int64_t>("customer_id");
        d.resize(id.size());
        b.resize(id.size());
        for (std::size_t i = 0; i < id.size(); ++i) {
          b[i] = bucket_of(id[i], s.partition.buckets());
          d[i] = owner[b[i]];
        }
      }
    });
    for (const auto& name : s.channels) {
      // Sent in bucket order: the group phase then sorts each bucket from a
      // few contiguous runs per round.
      shuffle.exchange(s.staged.at(name), dest[name], s.resident.at(name), bucket[name],
                       s.partition.buckets());
      s.staged.at(name).clear();
    }
    const std::vector<std::int64_t> status =
        parallel::sum<std::int64_t>(comm, std::vector<std::int64_t>{read_rows, cursor.done() ? 0 : 1});
    s.progress.update(static_cast<std::uint64_t>(status[0]), s.planned_rows, "records", status[1] == 0);
    parallel::collectively(comm, [&] {
      std::uint64_t held = 0;
      for (const auto& [name, t] : s.resident) held += t.byte_size();
      if (held > job.memory_budget_bytes) {
        throw Error(fmt::format("the rank's records take {} MiB, over its memory budget of {} MiB",
                                held >> 20, job.memory_budget_bytes >> 20),
                    job.file,
                    "raise 'memory_budget_mb' in the job (or --memory-budget-mb), or run on more ranks");
      }
    });
    if (status[1] == 0) break;
  }
  s.shuffle_stats = shuffle.stats();
}

void group(RunState& s) {
  Table customers = std::move(s.resident.at("customers"));
  std::vector<std::pair<std::string, Table>> others;
  for (std::size_t k = 1; k < s.channels.size(); ++k)
    others.emplace_back(s.channels[k], std::move(s.resident.at(s.channels[k])));
  s.resident.clear();
  // Rank-local (a rank over the 4-billion-records limit must not leave the others waiting).
  parallel::collectively(s.comm, [&] {
    group_records(std::move(customers), std::move(others), s.job.buckets, s.accounting, s.grouped);
  });
}

}  // namespace portrait::engine

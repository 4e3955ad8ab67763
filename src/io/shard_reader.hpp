// src/io/shard_reader.hpp: opens one shard, validates its layout from
// metadata alone (no column data is read on open, so listing thousands of
// shards is cheap) and reads row ranges of a channel's columns. Main thread
// only; independent, non-collective reads with the default file driver.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/column.hpp"
#include "io/h5.hpp"

namespace portrait::io {

struct ShardTableInfo {
  std::string file;
  std::string channel;
  std::uint64_t rows = 0;
  std::uint64_t bytes = 0;  // stored bytes of the table's columns (after compression)
  std::string period;
  std::string first_period;  // the earliest month of its records: `period` unless the shard says
};

class ShardReader {
 public:
  // Validates format version, every table's required columns, their types and
  // equal lengths; throws portrait::Error naming file, table and column.
  explicit ShardReader(const std::string& path);

  const std::string& path() const { return path_; }
  const std::string& period() const { return period_; }
  // The months first_period()..period() are those the file's records are of.
  const std::string& first_period() const { return first_period_; }
  const std::string& producer() const { return producer_; }
  const std::vector<ShardTableInfo>& tables() const { return tables_; }
  bool has(const std::string& channel) const;
  // The file's columns for `channel` (required and extra), as an empty table.
  Table empty_table(const std::string& channel) const;

  // Reads rows [begin, end) of `channel` into `out` (cleared first; its
  // columns become the file's columns for that channel; buffers are reused
  // when out already has those columns).
  void read(const std::string& channel, std::uint64_t begin, std::uint64_t end, Table& out);

 private:
  struct TableLayout {
    std::vector<std::pair<std::string, ColumnType>> columns;
  };
  std::size_t index_of(const std::string& channel) const;
  void validate_table(const std::string& name);

  std::string path_;
  std::string period_;
  std::string first_period_;
  std::string producer_;
  h5::Handle file_;
  std::vector<ShardTableInfo> tables_;
  std::vector<TableLayout> layouts_;
};

}  // namespace portrait::io

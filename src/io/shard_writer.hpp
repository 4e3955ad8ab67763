// src/io/shard_writer.hpp: writes channel tables into one shard file (a new
// file; an existing one is replaced). Main thread only.
#pragma once

#include <string>

#include "core/column.hpp"
#include "io/h5.hpp"
#include "io/shard_format.hpp"

namespace portrait::io {

class ShardWriter {
 public:
  ShardWriter(const std::string& path, ShardAttributes attrs);
  ~ShardWriter();  // closes; errors at that point are lost, call close() to see them
  ShardWriter(const ShardWriter&) = delete;
  ShardWriter& operator=(const ShardWriter&) = delete;

  // Writes `table` (its name() is the channel). It must have the channel's
  // required columns with their types; extra columns are kept. Writing the
  // same channel again appends rows (same columns required), so a producer
  // can stream blocks.
  void write(const Table& table);
  void close();
  const std::string& path() const { return path_; }

 private:
  void create_table(const Table& table, const std::string& where);
  void append_table(const Table& table, const std::string& where);

  std::string path_;
  ShardAttributes attrs_;
  h5::Handle file_;
};

}  // namespace portrait::io

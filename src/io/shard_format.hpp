// src/io/shard_format.hpp: the constants of the shard file layout shared by
// the writer, the reader and the tests (see docs/shard-format.md).
#pragma once

#include <cstdint>
#include <string>

namespace portrait::io {

// Bump when a reader of the old layout could misread a new file.
constexpr std::int64_t kShardFormatVersion = 1;
// Rows per HDF5 chunk: 64 Ki rows (512 KiB of int64) reads well from
// parallel file systems and keeps small shards small.
constexpr std::uint64_t kChunkRows = 65536;

// File attributes (on "/").
inline const std::string kAttrFormat = "format";  // "portrait-shard"
inline const std::string kAttrFormatVersion = "format_version";
inline const std::string kAttrProducer = "producer";
inline const std::string kAttrPeriod = "period";
// Optional: the first month of an export of several months (see ShardAttributes).
inline const std::string kAttrFirstPeriod = "first_period";
// Table attributes (on "/<channel>").
inline const std::string kAttrChannel = "channel";
inline const std::string kAttrRows = "rows";
inline const std::string kFormatName = "portrait-shard";

struct ShardAttributes {
  std::string producer;  // the system that wrote the shard, e.g. "portrait gen"
  std::string period;    // "YYYY-MM"
  int compression = 0;   // deflate level 0..9 (0: none); 1 is the fast choice
  // Empty: the records are of `period`. Else "YYYY-MM" before it: an export
  // of the months first_period..period, whose earlier months are history
  // for a run of `period` (a source system that exports a quarter at once).
  std::string first_period;
};

}  // namespace portrait::io

// src/io/synthetic_generator.hpp: `portrait gen` without the MPI: the plan of
// shard files (cut by channel and time like real source systems), which rank
// writes which, and writing one rank's share, the reference file and the
// truth file. The caller (app/gen_command.cpp) runs it on every rank.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "io/synthetic_model.hpp"

namespace portrait::io::synthetic {

struct ShardJob {
  std::string file;  // relative to the output directory
  std::string channel;
  int slice = 0;  // customers: file index; billing: month index; usage/web: day; others: week
  int part = 0;   // usage/web: part of the day
  int index_in_channel = 0;
};

// Every shard of the data set, in a fixed order.
std::vector<ShardJob> plan_shards(const Options& options);
// Shards are dealt round-robin per channel, so the big daily channels spread
// evenly over ranks.
inline bool rank_writes(const ShardJob& job, int rank, int ranks) {
  return job.index_in_channel % ranks == rank;
}

struct WriteCounts {
  std::uint64_t shards = 0;
  std::array<std::uint64_t, 7> rows{};  // per channel, in channel_schemas() order
};

// Writes the shards of `rank` under dir/shards (created if needed).
WriteCounts write_rank_shards(const Options& options, const Population& population, const std::string& dir,
                              int rank, int ranks);
// dir/reference.h5: cells, stores, domains and every dictionary.
void write_synthetic_reference(const Options& options, const std::string& path);
// dir/truth.h5 from the population, with its planted links (synthetic_linking.hpp).
void write_synthetic_truth(const Population& population, const std::string& path);

}  // namespace portrait::io::synthetic

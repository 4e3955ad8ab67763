// src/parallel/shuffle.hpp: moves rows of a column table to the ranks that own
// them, with an all-to-all-v of packed raw columns, in rounds whose buffers stay
// within a byte budget. Row counts and offsets are 64-bit; the per-round
// byte counts of an exchange (int, as MPI takes them) are bounded by the
// budget, so nothing overflows however much a rank holds in total.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

#include "core/column.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::parallel {

struct ShuffleStats {
  std::uint64_t rows_sent = 0;
  std::uint64_t rows_received = 0;
  std::uint64_t bytes_sent = 0;  // to other ranks only
  std::uint64_t bytes_received = 0;
  std::uint64_t rounds = 0;
};

class Shuffle {
 public:
  // `round_bytes` bounds the send plus receive buffers of one round on every
  // rank (at least one row per destination is always sent).
  Shuffle(const Comm& comm, std::size_t round_bytes);

  // Collective. Sends row i of `outgoing` to rank dest[i] and appends the rows
  // this rank receives to `incoming`, which has the same columns. The order of
  // appended rows is unspecified (callers sort by a total key). With `group`
  // (one value below `groups` per row, e.g. the bucket), the rows to one
  // destination are sent in group order, so each round's block from each
  // source arrives grouped: a later pass over one group's rows then reads a
  // few contiguous runs instead of rows scattered over the whole table.
  void exchange(const Table& outgoing, std::span<const int> dest, Table& incoming,
                std::span<const std::uint32_t> group = {}, std::uint32_t groups = 0);

  const ShuffleStats& stats() const { return stats_; }

 private:
  const Comm& comm_;
  std::size_t round_bytes_;
  ShuffleStats stats_;
  // Reused between calls and rounds: first touch of fresh pages is slow.
  std::vector<std::uint32_t> order_;  // outgoing rows grouped by destination (and group)
  std::vector<std::uint32_t> by_group_;
  std::vector<std::uint64_t> dest_begin_, group_begin_;
  std::vector<std::byte> send_;
  std::vector<std::byte> receive_;
  std::vector<std::int64_t> send_rows_, receive_rows_;
  std::vector<int> send_counts_, send_displs_, receive_counts_, receive_displs_;
};

}  // namespace portrait::parallel

// src/parallel/shuffle.cpp: bounded-round all-to-all-v of column tables.
//
// One round sends, to every destination d, the next `cap` rows of those bound
// for d. `cap` is chosen so that P * cap rows fit in half the budget, hence a
// rank's send buffer and its receive buffer (at most cap rows from each of P
// sources) each stay within half the budget. Within a destination's block the
// layout is column after column, each column's values contiguous.
#include "parallel/shuffle.hpp"

#include <algorithm>
#include <climits>
#include <cstring>
#include <stdexcept>

#include "parallel/collectives.hpp"

namespace portrait::parallel {
namespace {

// out[i] = src[rows[i]] for elements of `width` bytes; the fixed-size copies
// compile to plain loads and stores (a memcpy of a run-time size per value
// would be a library call).
template <std::size_t W>
void gather_values(std::byte* out, const std::byte* src, const std::uint32_t* rows, std::size_t n) {
  for (std::size_t i = 0; i < n; ++i)
    std::memcpy(out + i * W, src + static_cast<std::size_t>(rows[i]) * W, W);
}

void gather_values(std::size_t width, std::byte* out, const std::byte* src, const std::uint32_t* rows,
                   std::size_t n) {
  switch (width) {
    case 1:
      return gather_values<1>(out, src, rows, n);
    case 4:
      return gather_values<4>(out, src, rows, n);
    case 8:
      return gather_values<8>(out, src, rows, n);
    default:
      for (std::size_t i = 0; i < n; ++i)
        std::memcpy(out + i * width, src + static_cast<std::size_t>(rows[i]) * width, width);
  }
}

}  // namespace

Shuffle::Shuffle(const Comm& comm, std::size_t round_bytes) : comm_(comm), round_bytes_(round_bytes) {}

void Shuffle::exchange(const Table& outgoing, std::span<const int> dest, Table& incoming,
                       std::span<const std::uint32_t> group, std::uint32_t groups) {
  const int p = comm_.size();
  const auto np = static_cast<std::size_t>(p);
  const std::size_t rows = outgoing.rows();
  if (dest.size() != rows) throw std::logic_error("Shuffle::exchange: one destination per row");
  if (!group.empty() && group.size() != rows) throw std::logic_error("Shuffle::exchange: one group per row");
  if (incoming.column_names() != outgoing.column_names()) {
    throw std::logic_error("Shuffle::exchange: incoming and outgoing tables differ in columns");
  }

  std::size_t row_bytes = 0;
  for (std::size_t c = 0; c < outgoing.column_count(); ++c) row_bytes += size_of(outgoing.column(c).type());
  row_bytes = std::max<std::size_t>(row_bytes, 1);

  // Stable counting sorts of rows by group (when given), then by destination.
  by_group_.resize(group.empty() ? 0 : rows);
  if (!group.empty()) {
    group_begin_.assign(static_cast<std::size_t>(groups) + 1, 0);
    for (const std::uint32_t g : group) {
      if (g >= groups) throw std::logic_error("Shuffle::exchange: a group outside [0, groups)");
      ++group_begin_[g + 1];
    }
    for (std::size_t g = 0; g < groups; ++g) group_begin_[g + 1] += group_begin_[g];
    for (std::size_t i = 0; i < rows; ++i)
      by_group_[group_begin_[group[i]]++] = static_cast<std::uint32_t>(i);
  }
  dest_begin_.assign(np + 1, 0);
  for (int d : dest) ++dest_begin_[static_cast<std::size_t>(d) + 1];
  for (std::size_t d = 0; d < np; ++d) dest_begin_[d + 1] += dest_begin_[d];
  order_.resize(rows);
  {
    std::vector<std::uint64_t> next(dest_begin_.begin(), dest_begin_.end() - 1);
    for (std::size_t k = 0; k < rows; ++k) {
      const std::uint32_t i = group.empty() ? static_cast<std::uint32_t>(k) : by_group_[k];
      order_[next[static_cast<std::size_t>(dest[i])]++] = i;
    }
  }

  std::uint64_t cap = std::max<std::uint64_t>(1, round_bytes_ / 2 / np / row_bytes);
  cap = std::min<std::uint64_t>(cap, static_cast<std::uint64_t>(INT_MAX) / np / row_bytes);
  std::uint64_t my_rounds = 0;
  for (std::size_t d = 0; d < np; ++d) {
    my_rounds = std::max(my_rounds, (dest_begin_[d + 1] - dest_begin_[d] + cap - 1) / cap);
  }
  const std::uint64_t rounds = maximum(comm_, my_rounds);

  send_rows_.resize(np);
  receive_rows_.resize(np);
  send_counts_.resize(np);
  send_displs_.resize(np);
  receive_counts_.resize(np);
  receive_displs_.resize(np);

  // The rank's rows for itself do not go through MPI: they are gathered
  // straight into their place in `incoming` (no pack, copy and unpack).
  const auto self = static_cast<std::size_t>(comm_.rank());
  for (std::uint64_t round = 0; round < rounds; ++round) {
    std::size_t send_total = 0;
    for (std::size_t d = 0; d < np; ++d) {
      const std::uint64_t have = dest_begin_[d + 1] - dest_begin_[d];
      const std::uint64_t first = std::min(have, round * cap);
      send_rows_[d] = static_cast<std::int64_t>(std::min(have, first + cap) - first);
      send_displs_[d] = static_cast<int>(send_total);
      send_counts_[d] = d == self ? 0 : static_cast<int>(static_cast<std::size_t>(send_rows_[d]) * row_bytes);
      send_total += static_cast<std::size_t>(send_counts_[d]);
    }
    comm_.transport().alltoall(send_rows_.data(), sizeof(std::int64_t), receive_rows_.data());
    std::size_t receive_total = 0;
    std::uint64_t received_rows = 0;
    for (std::size_t s = 0; s < np; ++s) {
      receive_displs_[s] = static_cast<int>(receive_total);
      receive_counts_[s] =
          s == self ? 0 : static_cast<int>(static_cast<std::size_t>(receive_rows_[s]) * row_bytes);
      receive_total += static_cast<std::size_t>(receive_counts_[s]);
      received_rows += static_cast<std::uint64_t>(receive_rows_[s]);
    }

    // Pack: destination blocks, column after column within each block.
    send_.resize(send_total);
    for (std::size_t d = 0; d < np; ++d) {
      if (d == self) continue;
      const std::uint64_t first = dest_begin_[d] + round * cap;
      const auto n = static_cast<std::size_t>(send_rows_[d]);
      std::byte* out = send_.data() + send_displs_[d];
      for (std::size_t c = 0; c < outgoing.column_count(); ++c) {
        const Column& col = outgoing.column(c);
        const std::size_t width = size_of(col.type());
        gather_values(width, out, static_cast<const std::byte*>(col.data()), order_.data() + first, n);
        out += n * width;
      }
    }

    receive_.resize(receive_total);
    comm_.transport().alltoallv(send_.data(), 1, send_counts_, send_displs_, receive_.data(), receive_counts_,
                                receive_displs_);

    // Unpack: append every source's block, column by column; this rank's
    // own block straight from `outgoing`.
    const std::size_t before = incoming.rows();
    incoming.resize(before + received_rows);
    for (std::size_t c = 0; c < incoming.column_count(); ++c) {
      Column& col = incoming.column(c);
      const std::size_t width = size_of(col.type());
      auto* dst = static_cast<std::byte*>(col.data()) + before * width;
      for (std::size_t s = 0; s < np; ++s) {
        const auto n = static_cast<std::size_t>(receive_rows_[s]);
        if (s == self) {
          gather_values(width, dst, static_cast<const std::byte*>(outgoing.column(c).data()),
                        order_.data() + dest_begin_[self] + round * cap, n);
        } else {
          // Offset of column c inside source s's block.
          std::size_t offset = static_cast<std::size_t>(receive_displs_[s]);
          for (std::size_t k = 0; k < c; ++k) offset += n * size_of(incoming.column(k).type());
          std::memcpy(dst, receive_.data() + offset, n * width);
        }
        dst += n * width;
      }
    }

    for (std::size_t d = 0; d < np; ++d) {
      stats_.rows_sent += static_cast<std::uint64_t>(send_rows_[d]);
      if (d != self) stats_.bytes_sent += static_cast<std::uint64_t>(send_counts_[d]);
    }
    stats_.rows_received += received_rows;
    stats_.bytes_received += receive_total;
  }
  stats_.rounds += rounds;
}

}  // namespace portrait::parallel

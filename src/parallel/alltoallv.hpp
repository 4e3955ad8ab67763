// src/parallel/alltoallv.hpp: all-to-all exchange of variable-size blocks of
// plain structs, safe for any size. Counts are int64 elements; MPI's int
// counts and displacements are met by sending each element as one derived
// contiguous type (counts in elements, not bytes) and, when a rank's total
// still exceeds max_round_elements, by exchanging in rounds through staging
// buffers (each round sends a proportional slice of every block).
#pragma once

#include <climits>
#include <cstdint>
#include <numeric>
#include <span>
#include <type_traits>
#include <vector>

#include "parallel/mpi_context.hpp"

namespace portrait::parallel {

inline constexpr std::int64_t kMaxRoundElements = INT_MAX;

// recv_counts[r] = what rank r will send to this rank.
std::vector<std::int64_t> exchange_counts(const Comm& comm, std::span<const std::int64_t> send_counts);

// The untyped exchange; `recv` has room for the sum of recv_counts. Returns
// the number of exchange rounds (the same on every rank).
int alltoallv_raw(const Comm& comm, const void* send, std::size_t element_size,
                  std::span<const std::int64_t> send_counts, void* recv,
                  std::span<const std::int64_t> recv_counts,
                  std::int64_t max_round_elements = kMaxRoundElements);

// `send` holds the block for rank 0, then rank 1, ...; send_counts[r] is the
// size of the block for rank r. recv is resized (capacity kept) and filled
// with the blocks from rank 0, 1, ...; recv_counts gets their sizes.
template <class T>
int alltoallv(const Comm& comm, std::span<const T> send, std::span<const std::int64_t> send_counts,
              std::vector<T>& recv, std::vector<std::int64_t>& recv_counts,
              std::int64_t max_round_elements = kMaxRoundElements) {
  static_assert(std::is_trivially_copyable_v<T>, "alltoallv sends raw bytes");
  recv_counts = exchange_counts(comm, send_counts);
  recv.resize(
      static_cast<std::size_t>(std::accumulate(recv_counts.begin(), recv_counts.end(), std::int64_t{0})));
  return alltoallv_raw(comm, send.data(), sizeof(T), send_counts, recv.data(), recv_counts,
                       max_round_elements);
}

}  // namespace portrait::parallel

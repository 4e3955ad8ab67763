// src/parallel/alltoallv.cpp: the all-to-all-v exchange, in one call or in rounds.
#include "parallel/alltoallv.hpp"

#include <algorithm>
#include <cstring>
#include <string>

#include "core/error.hpp"
#include "core/types.hpp"
#include "parallel/collectives.hpp"

namespace portrait::parallel {
namespace {

std::vector<std::int64_t> offsets_of(std::span<const std::int64_t> counts) {
  std::vector<std::int64_t> offsets(counts.size() + 1, 0);
  std::partial_sum(counts.begin(), counts.end(), offsets.begin() + 1);
  return offsets;
}

// First element of round `round` of `rounds` in a block of `count`.
std::int64_t slice_begin(std::int64_t count, int round, int rounds) {
  return static_cast<std::int64_t>(static_cast<Int128>(count) * round / rounds);
}

}  // namespace

std::vector<std::int64_t> exchange_counts(const Comm& comm, std::span<const std::int64_t> send_counts) {
  return alltoall(comm, send_counts);
}

int alltoallv_raw(const Comm& comm, const void* send, std::size_t element_size,
                  std::span<const std::int64_t> send_counts, void* recv,
                  std::span<const std::int64_t> recv_counts, std::int64_t max_round_elements) {
  const int ranks = comm.size();
  if (max_round_elements <= ranks || max_round_elements > kMaxRoundElements || element_size > INT_MAX) {
    throw Error("alltoallv round limit " + std::to_string(max_round_elements) + " is not in (ranks, INT_MAX]",
                "parallel/alltoallv", "pass a larger max_round_elements");
  }
  const std::vector<std::int64_t> send_offsets = offsets_of(send_counts);
  const std::vector<std::int64_t> recv_offsets = offsets_of(recv_counts);
  // A round carries at most total/rounds + 1 elements per block, so leave
  // one element per rank of headroom under the limit.
  const std::int64_t per_round = max_round_elements - ranks;
  const std::int64_t busiest = maximum(comm, std::max(send_offsets.back(), recv_offsets.back()));
  const int rounds = static_cast<int>(std::max<std::int64_t>(1, (busiest + per_round - 1) / per_round));

  const Transport& transport = comm.transport();
  std::vector<int> scounts(static_cast<std::size_t>(ranks)), sdispls(scounts.size());
  std::vector<int> rcounts(scounts.size()), rdispls(scounts.size());
  if (rounds == 1) {
    for (std::size_t r = 0; r < scounts.size(); ++r) {
      scounts[r] = static_cast<int>(send_counts[r]);
      sdispls[r] = static_cast<int>(send_offsets[r]);
      rcounts[r] = static_cast<int>(recv_counts[r]);
      rdispls[r] = static_cast<int>(recv_offsets[r]);
    }
    transport.alltoallv(send, element_size, scounts, sdispls, recv, rcounts, rdispls);
    return 1;
  }

  // Rounds: stage each round's slices contiguously so displacements stay small.
  const auto* in = static_cast<const std::byte*>(send);
  auto* out = static_cast<std::byte*>(recv);
  std::vector<std::byte> stage_send, stage_recv;
  for (int round = 0; round < rounds; ++round) {
    int sent = 0, received = 0;
    for (std::size_t r = 0; r < scounts.size(); ++r) {
      const std::int64_t sb = slice_begin(send_counts[r], round, rounds);
      const std::int64_t rb = slice_begin(recv_counts[r], round, rounds);
      scounts[r] = static_cast<int>(slice_begin(send_counts[r], round + 1, rounds) - sb);
      rcounts[r] = static_cast<int>(slice_begin(recv_counts[r], round + 1, rounds) - rb);
      sdispls[r] = sent;
      rdispls[r] = received;
      sent += scounts[r];
      received += rcounts[r];
    }
    stage_send.resize(static_cast<std::size_t>(sent) * element_size);
    stage_recv.resize(static_cast<std::size_t>(received) * element_size);
    for (std::size_t r = 0; r < scounts.size(); ++r) {
      const std::int64_t sb = send_offsets[r] + slice_begin(send_counts[r], round, rounds);
      std::memcpy(stage_send.data() + static_cast<std::size_t>(sdispls[r]) * element_size,
                  in + static_cast<std::size_t>(sb) * element_size,
                  static_cast<std::size_t>(scounts[r]) * element_size);
    }
    transport.alltoallv(stage_send.data(), element_size, scounts, sdispls, stage_recv.data(), rcounts,
                        rdispls);
    for (std::size_t r = 0; r < scounts.size(); ++r) {
      const std::int64_t rb = recv_offsets[r] + slice_begin(recv_counts[r], round, rounds);
      std::memcpy(out + static_cast<std::size_t>(rb) * element_size,
                  stage_recv.data() + static_cast<std::size_t>(rdispls[r]) * element_size,
                  static_cast<std::size_t>(rcounts[r]) * element_size);
    }
  }
  return rounds;
}

}  // namespace portrait::parallel

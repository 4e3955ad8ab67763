// src/parallel/collectives.hpp: the typed collectives every layer above
// uses, over MPI or an in-process group alike (transport.hpp). They keep
// the rules that make results independent of the rank count in one place:
//   - sums are over integers only, and exact (sum_exact for 128 bits);
//     floating-point sums go through bucket_reduce.hpp, in bucket order;
//   - min and max take any arithmetic type (exact whatever the order);
//   - gathers return blocks in rank order; scans are exclusive, in rank order.
// Everything here is collective: every rank of `comm` calls it, in the same
// order. Element counts are 64-bit; a gather over MPI's int range throws.
#pragma once

#include <concepts>
#include <cstdint>
#include <numeric>
#include <span>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "core/types.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::parallel {

template <class T>
concept Plain = std::is_trivially_copyable_v<T>;

template <class T>
concept Reducible =
    std::same_as<T, std::int8_t> || std::same_as<T, std::int32_t> || std::same_as<T, std::uint32_t> ||
    std::same_as<T, std::int64_t> || std::same_as<T, std::uint64_t> || std::same_as<T, double>;

template <class T>
constexpr ScalarType scalar_type() {
  if constexpr (std::same_as<T, std::int8_t>) return ScalarType::Int8;
  if constexpr (std::same_as<T, std::int32_t>) return ScalarType::Int32;
  if constexpr (std::same_as<T, std::uint32_t>) return ScalarType::UInt32;
  if constexpr (std::same_as<T, std::int64_t>) return ScalarType::Int64;
  if constexpr (std::same_as<T, std::uint64_t>) return ScalarType::UInt64;
  if constexpr (std::same_as<T, double>) return ScalarType::Double;
}

// ---- reductions -------------------------------------------------------------

// Element-wise exact sum over ranks; every rank gets it.
template <Reducible T>
requires std::integral<T> std::vector<T> sum(const Comm& comm, std::span<const T> local) {
  std::vector<T> out(local.size());
  comm.transport().allreduce(local.data(), out.data(), local.size(), scalar_type<T>(), ReduceOp::Sum);
  return out;
}
template <Reducible T>
requires std::integral<T> std::vector<T> sum(const Comm& comm, const std::vector<T>& local) {
  return sum(comm, std::span<const T>(local));
}
template <Reducible T>
requires std::integral<T> T sum(const Comm& comm, T local) {
  comm.transport().allreduce(&local, &local, 1, scalar_type<T>(), ReduceOp::Sum);
  return local;
}

// Element-wise minimum / maximum over ranks.
template <Reducible T>
std::vector<T> minimum(const Comm& comm, std::span<const T> local) {
  std::vector<T> out(local.size());
  comm.transport().allreduce(local.data(), out.data(), local.size(), scalar_type<T>(), ReduceOp::Min);
  return out;
}
template <Reducible T>
T minimum(const Comm& comm, T local) {
  comm.transport().allreduce(&local, &local, 1, scalar_type<T>(), ReduceOp::Min);
  return local;
}
template <Reducible T>
std::vector<T> maximum(const Comm& comm, std::span<const T> local) {
  std::vector<T> out(local.size());
  comm.transport().allreduce(local.data(), out.data(), local.size(), scalar_type<T>(), ReduceOp::Max);
  return out;
}
template <Reducible T>
T maximum(const Comm& comm, T local) {
  comm.transport().allreduce(&local, &local, 1, scalar_type<T>(), ReduceOp::Max);
  return local;
}

// Exact sum over ranks of 128-bit partials, element-wise.
inline std::vector<Int128> sum_exact(const Comm& comm, std::span<const Int128> local) {
  std::vector<Int128> out(local.size());
  comm.transport().allreduce(local.data(), out.data(), local.size(), ScalarType::Int128, ReduceOp::Sum);
  return out;
}
inline Int128 sum_exact(const Comm& comm, Int128 local) {
  comm.transport().allreduce(&local, &local, 1, ScalarType::Int128, ReduceOp::Sum);
  return local;
}

// ---- gathers and broadcasts -----------------------------------------------------

// One value from every rank, in rank order.
template <Plain T>
std::vector<T> allgather(const Comm& comm, const T& value) {
  std::vector<T> out(static_cast<std::size_t>(comm.size()));
  comm.transport().allgather(&value, sizeof(T), out.data());
  return out;
}

// The sum of `local` over the ranks before this one (0 on rank 0).
template <Reducible T>
requires std::integral<T> T exclusive_scan_sum(const Comm& comm, T local) {
  const std::vector<T> all = allgather(comm, local);
  return std::accumulate(all.begin(), all.begin() + comm.rank(), T{0});
}

namespace detail {
// Counts and displacements in elements for MPI's int fields.
struct Blocks {
  std::vector<int> counts, displs;
  std::size_t total = 0;
};
inline Blocks blocks_of(const std::vector<std::int64_t>& counts) {
  Blocks b;
  b.counts.resize(counts.size());
  b.displs.resize(counts.size());
  std::int64_t total = 0;
  for (std::size_t r = 0; r < counts.size(); ++r) {
    if (total > INT32_MAX || counts[r] > INT32_MAX) throw std::length_error("gather over 2^31 elements");
    b.counts[r] = static_cast<int>(counts[r]);
    b.displs[r] = static_cast<int>(total);
    total += counts[r];
  }
  if (total > INT32_MAX) throw std::length_error("gather over 2^31 elements");
  b.total = static_cast<std::size_t>(total);
  return b;
}
}  // namespace detail

// Every rank's `local`, concatenated in rank order; `counts`, when given,
// gets each rank's element count.
template <Plain T>
std::vector<T> allgatherv(const Comm& comm, std::span<const T> local,
                          std::vector<std::int64_t>* counts = nullptr) {
  const std::vector<std::int64_t> sizes = allgather(comm, static_cast<std::int64_t>(local.size()));
  const detail::Blocks b = detail::blocks_of(sizes);
  std::vector<T> out(b.total);
  comm.transport().allgatherv(local.data(), sizeof(T), static_cast<int>(local.size()), out.data(), b.counts,
                              b.displs);
  if (counts != nullptr) *counts = sizes;
  return out;
}

// As allgatherv, but only `root` receives (an empty vector elsewhere).
template <Plain T>
std::vector<T> gatherv(const Comm& comm, std::span<const T> local, int root = 0) {
  const std::vector<std::int64_t> sizes = allgather(comm, static_cast<std::int64_t>(local.size()));
  const detail::Blocks b = detail::blocks_of(sizes);
  std::vector<T> out(comm.rank() == root ? b.total : 0);
  comm.transport().gatherv(local.data(), sizeof(T), static_cast<int>(local.size()), out.data(), b.counts,
                           b.displs, root);
  return out;
}

// Root's `values` on every rank (every rank passes the same length).
template <Plain T>
void broadcast(const Comm& comm, std::span<T> values, int root = 0) {
  comm.transport().broadcast(values.data(), values.size_bytes(), root);
}
template <Plain T>
void broadcast(const Comm& comm, T& value, int root = 0) {
  comm.transport().broadcast(&value, sizeof(T), root);
}

// send[r] goes to rank r; the result's element r came from rank r.
template <Plain T>
std::vector<T> alltoall(const Comm& comm, std::span<const T> send) {
  if (send.size() != static_cast<std::size_t>(comm.size()))
    throw std::invalid_argument("alltoall: one per rank");
  std::vector<T> out(send.size());
  comm.transport().alltoall(send.data(), sizeof(T), out.data());
  return out;
}

inline void barrier(const Comm& comm) { comm.transport().barrier(); }

}  // namespace portrait::parallel

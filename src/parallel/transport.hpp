// src/parallel/transport.hpp: the collective primitives every communication
// of portrait is built from, behind one interface with two implementations:
// MPI (mpi_transport.cpp, the ranks of a job) and an in-process group of
// ranks on threads (local_group.hpp, for tests of shuffle, models and
// identity at several rank counts without mpirun). Callers use the typed
// wrappers of collectives.hpp, never these directly.
//
// Counts are MPI's: int elements of `element_size` bytes with int
// displacements. Callers that may exceed them exchange in rounds
// (alltoallv.hpp, shuffle.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

namespace portrait::parallel {

// The element types of reductions.
enum class ScalarType : std::uint8_t { Int8, Int32, UInt32, Int64, UInt64, Double, Int128 };
// Sums are exact for integers only: floating-point sums over ranks depend on
// the order of arrival, so they go through bucket_reduce.hpp instead.
enum class ReduceOp : std::uint8_t { Sum, Min, Max };

class Transport {
 public:
  virtual ~Transport() = default;

  virtual int rank() const = 0;
  virtual int size() const = 0;

  virtual void barrier() const = 0;
  // `bytes` at `data` on `root` are copied to `data` on every rank.
  virtual void broadcast(void* data, std::size_t bytes, int root) const = 0;
  // Each rank gives `bytes` at `send`; `recv` gets size() blocks, in rank order.
  virtual void allgather(const void* send, std::size_t bytes, void* recv) const = 0;
  // Rank r gives counts[r] elements; `recv` gets them at displs[r].
  virtual void allgatherv(const void* send, std::size_t element_size, int count, void* recv,
                          std::span<const int> counts, std::span<const int> displs) const = 0;
  // As allgatherv, but only `root` receives (`recv` is ignored elsewhere).
  virtual void gatherv(const void* send, std::size_t element_size, int count, void* recv,
                       std::span<const int> counts, std::span<const int> displs, int root) const = 0;
  // `send` holds one block of `bytes` per destination rank; `recv` gets one per source.
  virtual void alltoall(const void* send, std::size_t bytes, void* recv) const = 0;
  // Block r of `send` (send_counts[r] elements at send_displs[r]) goes to
  // rank r; the block from rank r lands at recv_displs[r].
  virtual void alltoallv(const void* send, std::size_t element_size, std::span<const int> send_counts,
                         std::span<const int> send_displs, void* recv, std::span<const int> recv_counts,
                         std::span<const int> recv_displs) const = 0;
  // Element-wise over ranks; `send` may equal `recv` (in place).
  virtual void allreduce(const void* send, void* recv, std::size_t count, ScalarType type,
                         ReduceOp op) const = 0;

  // Ends every rank now: for failures the others cannot learn of collectively.
  [[noreturn]] virtual void abort(int code) const = 0;
};

}  // namespace portrait::parallel

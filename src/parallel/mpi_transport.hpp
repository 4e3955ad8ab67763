// src/parallel/mpi_transport.hpp: the collective primitives over an MPI
// communicator (see transport.hpp).
#pragma once

#include <mpi.h>

#include "parallel/transport.hpp"

namespace portrait::parallel {

class MpiTransport final : public Transport {
 public:
  explicit MpiTransport(MPI_Comm comm);

  int rank() const override { return rank_; }
  int size() const override { return size_; }
  void barrier() const override;
  void broadcast(void* data, std::size_t bytes, int root) const override;
  void allgather(const void* send, std::size_t bytes, void* recv) const override;
  void allgatherv(const void* send, std::size_t element_size, int count, void* recv,
                  std::span<const int> counts, std::span<const int> displs) const override;
  void gatherv(const void* send, std::size_t element_size, int count, void* recv, std::span<const int> counts,
               std::span<const int> displs, int root) const override;
  void alltoall(const void* send, std::size_t bytes, void* recv) const override;
  void alltoallv(const void* send, std::size_t element_size, std::span<const int> send_counts,
                 std::span<const int> send_displs, void* recv, std::span<const int> recv_counts,
                 std::span<const int> recv_displs) const override;
  void allreduce(const void* send, void* recv, std::size_t count, ScalarType type,
                 ReduceOp op) const override;
  [[noreturn]] void abort(int code) const override;

 private:
  MPI_Comm comm_;
  int rank_ = 0;
  int size_ = 1;
};

}  // namespace portrait::parallel

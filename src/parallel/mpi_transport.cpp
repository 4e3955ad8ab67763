// src/parallel/mpi_transport.cpp: the collective primitives over MPI. Byte
// counts above MPI's int range travel as elements of a contiguous derived
// type; a call's failure code becomes a portrait::Error on the rank.
#include "parallel/mpi_transport.hpp"

#include <climits>
#include <cstdlib>
#include <string>

#include "core/error.hpp"
#include "core/types.hpp"

namespace portrait::parallel {
namespace {

void check(int code, const char* call) {
  if (code == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int length = 0;
  MPI_Error_string(code, text, &length);
  throw Error(std::string(call) + " failed: " + std::string(text, static_cast<std::size_t>(length)), "MPI",
              "a rank or the network failed; the job stops");
}

int as_int(std::size_t n, const char* what) {
  if (n > INT_MAX)
    throw Error(std::string(what) + " over 2 GiB in one MPI call", "MPI", "exchange in rounds");
  return static_cast<int>(n);
}

// One element of `size` bytes as an MPI datatype, freed on scope exit.
class ElementType {
 public:
  explicit ElementType(std::size_t size) {
    if (size == 1) {
      type_ = MPI_BYTE;
      return;
    }
    MPI_Type_contiguous(as_int(size, "an element"), MPI_BYTE, &type_);
    MPI_Type_commit(&type_);
    owned_ = true;
  }
  ~ElementType() {
    if (owned_) MPI_Type_free(&type_);
  }
  ElementType(const ElementType&) = delete;
  ElementType& operator=(const ElementType&) = delete;
  MPI_Datatype get() const { return type_; }

 private:
  MPI_Datatype type_ = MPI_DATATYPE_NULL;
  bool owned_ = false;
};

// 128-bit two's complement addition on (low, high) words; wraps exactly like
// Int128, so the sum of partials is exact whenever the true sum fits.
void add_int128(void* in, void* inout, int* len, MPI_Datatype*) {
  const auto* a = static_cast<const std::uint64_t*>(in);
  auto* b = static_cast<std::uint64_t*>(inout);
  for (int i = 0; i < *len; ++i) {
    const std::uint64_t low = a[2 * i] + b[2 * i];
    const std::uint64_t carry = low < a[2 * i] ? 1 : 0;
    b[2 * i] = low;
    b[2 * i + 1] = a[2 * i + 1] + b[2 * i + 1] + carry;
  }
}

MPI_Datatype mpi_type(ScalarType type) {
  switch (type) {
    case ScalarType::Int8:
      return MPI_INT8_T;
    case ScalarType::Int32:
      return MPI_INT32_T;
    case ScalarType::UInt32:
      return MPI_UINT32_T;
    case ScalarType::Int64:
      return MPI_INT64_T;
    case ScalarType::UInt64:
      return MPI_UINT64_T;
    case ScalarType::Double:
      return MPI_DOUBLE;
    case ScalarType::Int128:
      break;
  }
  return MPI_DATATYPE_NULL;
}

MPI_Op mpi_op(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum:
      return MPI_SUM;
    case ReduceOp::Min:
      return MPI_MIN;
    case ReduceOp::Max:
      return MPI_MAX;
  }
  return MPI_OP_NULL;
}

}  // namespace

MpiTransport::MpiTransport(MPI_Comm comm) : comm_(comm) {
  MPI_Comm_rank(comm_, &rank_);
  MPI_Comm_size(comm_, &size_);
}

void MpiTransport::barrier() const { check(MPI_Barrier(comm_), "MPI_Barrier"); }

void MpiTransport::broadcast(void* data, std::size_t bytes, int root) const {
  check(MPI_Bcast(data, as_int(bytes, "a broadcast"), MPI_BYTE, root, comm_), "MPI_Bcast");
}

void MpiTransport::allgather(const void* send, std::size_t bytes, void* recv) const {
  const int n = as_int(bytes, "an allgather block");
  check(MPI_Allgather(send, n, MPI_BYTE, recv, n, MPI_BYTE, comm_), "MPI_Allgather");
}

void MpiTransport::allgatherv(const void* send, std::size_t element_size, int count, void* recv,
                              std::span<const int> counts, std::span<const int> displs) const {
  const ElementType element(element_size);
  check(MPI_Allgatherv(send, count, element.get(), recv, counts.data(), displs.data(), element.get(), comm_),
        "MPI_Allgatherv");
}

void MpiTransport::gatherv(const void* send, std::size_t element_size, int count, void* recv,
                           std::span<const int> counts, std::span<const int> displs, int root) const {
  const ElementType element(element_size);
  check(
      MPI_Gatherv(send, count, element.get(), recv, counts.data(), displs.data(), element.get(), root, comm_),
      "MPI_Gatherv");
}

void MpiTransport::alltoall(const void* send, std::size_t bytes, void* recv) const {
  const int n = as_int(bytes, "an alltoall block");
  check(MPI_Alltoall(send, n, MPI_BYTE, recv, n, MPI_BYTE, comm_), "MPI_Alltoall");
}

void MpiTransport::alltoallv(const void* send, std::size_t element_size, std::span<const int> send_counts,
                             std::span<const int> send_displs, void* recv, std::span<const int> recv_counts,
                             std::span<const int> recv_displs) const {
  const ElementType element(element_size);
  check(MPI_Alltoallv(send, send_counts.data(), send_displs.data(), element.get(), recv, recv_counts.data(),
                      recv_displs.data(), element.get(), comm_),
        "MPI_Alltoallv");
}

void MpiTransport::allreduce(const void* send, void* recv, std::size_t count, ScalarType type,
                             ReduceOp op) const {
  const void* in = send == recv ? MPI_IN_PLACE : send;
  const int n = as_int(count, "a reduction");
  if (type != ScalarType::Int128) {
    check(MPI_Allreduce(in, recv, n, mpi_type(type), mpi_op(op), comm_), "MPI_Allreduce");
    return;
  }
  if (op != ReduceOp::Sum) throw Error("only sums of 128-bit integers are reduced", "parallel::allreduce");
  static_assert(sizeof(Int128) == 16);
  MPI_Datatype pair;
  MPI_Type_contiguous(2, MPI_UINT64_T, &pair);
  MPI_Type_commit(&pair);
  MPI_Op add;
  MPI_Op_create(&add_int128, /*commute=*/1, &add);
  const int code = MPI_Allreduce(in, recv, n, pair, add, comm_);
  MPI_Op_free(&add);
  MPI_Type_free(&pair);
  check(code, "MPI_Allreduce");
}

void MpiTransport::abort(int code) const {
  MPI_Abort(comm_, code);
  std::_Exit(code);  // MPI_Abort does not return; this keeps [[noreturn]] honest
}

}  // namespace portrait::parallel

// src/parallel/local_group.cpp: the in-process group of ranks (see
// local_group.hpp). Every primitive publishes this rank's buffers in its
// slot, waits until every rank has, copies what it receives straight from
// the other ranks' buffers, and waits again so no buffer is reused while
// another rank still reads it. Reductions combine in rank order.
#include "parallel/local_group.hpp"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <exception>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "core/types.hpp"

namespace portrait::parallel {
namespace {

// Thrown in the other ranks when one rank of the group failed.
struct GroupAborted : std::runtime_error {
  GroupAborted() : std::runtime_error("another rank of the in-process group failed") {}
};

// A rank that waits this long in one collective is waiting for ranks that
// took another path: a test's hang becomes its failure.
constexpr std::chrono::seconds kCollectiveTimeout{120};

// What one rank shows the others during a collective.
struct Slot {
  const void* send = nullptr;
  std::size_t bytes = 0;
  int count = 0;
  std::span<const int> counts, displs;
};

class Group {
 public:
  explicit Group(int ranks) : slots_(static_cast<std::size_t>(ranks)), ranks_(ranks) {}

  int ranks() const { return ranks_; }
  Slot& slot(int rank) { return slots_[static_cast<std::size_t>(rank)]; }

  void barrier() {
    std::unique_lock lock(mutex_);
    if (aborted_) throw GroupAborted();
    const std::uint64_t generation = generation_;
    if (++arrived_ == ranks_) {
      arrived_ = 0;
      ++generation_;
      changed_.notify_all();
      return;
    }
    if (!changed_.wait_for(lock, kCollectiveTimeout, [&] { return generation_ != generation || aborted_; })) {
      aborted_ = true;
      changed_.notify_all();
      throw std::runtime_error("a collective of the in-process group waited " +
                               std::to_string(kCollectiveTimeout.count()) +
                               " s for ranks that never came: the ranks called different collectives");
    }
    if (generation_ == generation) throw GroupAborted();
  }

  void abort() {
    std::lock_guard lock(mutex_);
    aborted_ = true;
    changed_.notify_all();
  }

 private:
  std::vector<Slot> slots_;
  const int ranks_;
  std::mutex mutex_;
  std::condition_variable changed_;
  int arrived_ = 0;
  std::uint64_t generation_ = 0;
  bool aborted_ = false;
};

template <class T>
void reduce_into(const std::vector<const void*>& inputs, void* out, std::size_t count, ReduceOp op) {
  std::vector<T> acc(static_cast<const T*>(inputs[0]), static_cast<const T*>(inputs[0]) + count);
  for (std::size_t r = 1; r < inputs.size(); ++r) {
    const auto* in = static_cast<const T*>(inputs[r]);
    for (std::size_t i = 0; i < count; ++i) {
      switch (op) {
        case ReduceOp::Sum:
          acc[i] = static_cast<T>(acc[i] + in[i]);
          break;
        case ReduceOp::Min:
          acc[i] = std::min(acc[i], in[i]);
          break;
        case ReduceOp::Max:
          acc[i] = std::max(acc[i], in[i]);
          break;
      }
    }
  }
  std::memcpy(out, acc.data(), count * sizeof(T));
}

class LocalTransport final : public Transport {
 public:
  LocalTransport(Group& group, int rank) : group_(group), rank_(rank) {}

  int rank() const override { return rank_; }
  int size() const override { return group_.ranks(); }

  void barrier() const override { group_.barrier(); }

  void broadcast(void* data, std::size_t bytes, int root) const override {
    publish(data, bytes);
    if (rank_ != root) std::memcpy(data, group_.slot(root).send, bytes);
    group_.barrier();
  }

  void allgather(const void* send, std::size_t bytes, void* recv) const override {
    publish(send, bytes);
    for (int r = 0; r < size(); ++r)
      std::memcpy(at(recv, bytes * static_cast<std::size_t>(r)), group_.slot(r).send, bytes);
    group_.barrier();
  }

  void allgatherv(const void* send, std::size_t element_size, int count, void* recv,
                  std::span<const int> counts, std::span<const int> displs) const override {
    publish(send, element_size, count);
    gather_into(recv, element_size, counts, displs);
    group_.barrier();
  }

  void gatherv(const void* send, std::size_t element_size, int count, void* recv, std::span<const int> counts,
               std::span<const int> displs, int root) const override {
    publish(send, element_size, count);
    if (rank_ == root) gather_into(recv, element_size, counts, displs);
    group_.barrier();
  }

  void alltoall(const void* send, std::size_t bytes, void* recv) const override {
    publish(send, bytes);
    const auto me = static_cast<std::size_t>(rank_);
    for (int r = 0; r < size(); ++r) {
      std::memcpy(at(recv, bytes * static_cast<std::size_t>(r)), at(group_.slot(r).send, bytes * me), bytes);
    }
    group_.barrier();
  }

  void alltoallv(const void* send, std::size_t element_size, std::span<const int> send_counts,
                 std::span<const int> send_displs, void* recv, std::span<const int> recv_counts,
                 std::span<const int> recv_displs) const override {
    publish(send, element_size, 0, send_counts, send_displs);
    const auto me = static_cast<std::size_t>(rank_);
    for (int r = 0; r < size(); ++r) {
      const Slot& from = group_.slot(r);
      const auto k = static_cast<std::size_t>(r);
      if (from.counts[me] != recv_counts[k])
        throw std::logic_error("alltoallv: send and receive counts differ");
      std::memcpy(at(recv, element_size * static_cast<std::size_t>(recv_displs[k])),
                  at(from.send, element_size * static_cast<std::size_t>(from.displs[me])),
                  element_size * static_cast<std::size_t>(recv_counts[k]));
    }
    group_.barrier();
  }

  void allreduce(const void* send, void* recv, std::size_t count, ScalarType type,
                 ReduceOp op) const override {
    publish(send, count);
    std::vector<const void*> inputs(static_cast<std::size_t>(size()));
    for (int r = 0; r < size(); ++r) inputs[static_cast<std::size_t>(r)] = group_.slot(r).send;
    // Into a copy first: `recv` may be this rank's `send`, which others still read.
    std::vector<std::byte> result(count * 16);
    switch (type) {
      case ScalarType::Int8:
        reduce_into<std::int8_t>(inputs, result.data(), count, op);
        break;
      case ScalarType::Int32:
        reduce_into<std::int32_t>(inputs, result.data(), count, op);
        break;
      case ScalarType::UInt32:
        reduce_into<std::uint32_t>(inputs, result.data(), count, op);
        break;
      case ScalarType::Int64:
        reduce_into<std::int64_t>(inputs, result.data(), count, op);
        break;
      case ScalarType::UInt64:
        reduce_into<std::uint64_t>(inputs, result.data(), count, op);
        break;
      case ScalarType::Double:
        reduce_into<double>(inputs, result.data(), count, op);
        break;
      case ScalarType::Int128:
        reduce_into<Int128>(inputs, result.data(), count, op);
        break;
    }
    group_.barrier();
    std::memcpy(recv, result.data(), count * element_bytes(type));
  }

  [[noreturn]] void abort(int code) const override {
    group_.abort();
    throw std::runtime_error("rank " + std::to_string(rank_) + " aborted the group with code " +
                             std::to_string(code));
  }

 private:
  static void* at(void* base, std::size_t offset) { return static_cast<std::byte*>(base) + offset; }
  static const void* at(const void* base, std::size_t offset) {
    return static_cast<const std::byte*>(base) + offset;
  }

  static std::size_t element_bytes(ScalarType type) {
    switch (type) {
      case ScalarType::Int8:
        return 1;
      case ScalarType::Int32:
      case ScalarType::UInt32:
        return 4;
      case ScalarType::Int64:
      case ScalarType::UInt64:
      case ScalarType::Double:
        return 8;
      case ScalarType::Int128:
        return 16;
    }
    return 0;
  }

  // This rank's buffers in its slot, then wait until every rank's are there.
  void publish(const void* send, std::size_t bytes, int count = 0, std::span<const int> counts = {},
               std::span<const int> displs = {}) const {
    group_.slot(rank_) = Slot{send, bytes, count, counts, displs};
    group_.barrier();
  }

  void gather_into(void* recv, std::size_t element_size, std::span<const int> counts,
                   std::span<const int> displs) const {
    for (int r = 0; r < size(); ++r) {
      const Slot& from = group_.slot(r);
      const auto k = static_cast<std::size_t>(r);
      if (from.count != counts[k]) throw std::logic_error("gather: counts differ from what ranks send");
      std::memcpy(at(recv, element_size * static_cast<std::size_t>(displs[k])), from.send,
                  element_size * static_cast<std::size_t>(counts[k]));
    }
  }

  Group& group_;
  const int rank_;
};

}  // namespace

void run_local_group(int ranks, const std::function<void(const Comm&)>& rank_body) {
  if (ranks < 1) throw std::invalid_argument("run_local_group: at least one rank");
  Group group(ranks);
  std::vector<std::exception_ptr> failures(static_cast<std::size_t>(ranks));
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(ranks));
  for (int r = 0; r < ranks; ++r) {
    threads.emplace_back([&, r] {
      try {
        const Comm comm(std::make_shared<LocalTransport>(group, r));
        rank_body(comm);
      } catch (const GroupAborted&) {
        // Another rank failed first; its exception is the one reported.
      } catch (...) {
        failures[static_cast<std::size_t>(r)] = std::current_exception();
        group.abort();
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const auto& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
}

}  // namespace portrait::parallel

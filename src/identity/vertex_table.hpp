// src/identity/vertex_table.hpp: the customers of the identity graph that
// this rank owns (by the hash of the customer id, independent of buckets),
// with their parent pointer and component size, and the collective
// exchanges that read and update them from any rank. Queries arrive sorted
// by id, so the owner answers with one forward (galloping) scan per sender.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/types.hpp"
#include "dist/mpi_context.hpp"

namespace portrait::identity {

// A question about `id` whose answer goes to answers[slot].
struct VertexQuery {
  CustomerId id;
  std::uint64_t slot;
};

// An update of `id` with `value`.
struct VertexUpdate {
  CustomerId id;
  CustomerId value;
};

class VertexTable {
 public:
  enum class Field { Parent, Size };

  explicit VertexTable(const dist::Comm& comm) : comm_(comm) {}

  static int owner_of(CustomerId id, int ranks);

  // Collective: registers `ids` (this rank's, sorted and distinct) at their
  // owners. Each registered vertex starts as its own parent with size 0.
  void add(std::span<const CustomerId> ids);

  // Collective: answers[q.slot] = field of q.id for every query (sorted by
  // id, repeats allowed). An id not registered is a singleton: its own
  // parent, size 1. `answers` must have room for every slot.
  void lookup(std::span<const VertexQuery> queries, Field field, std::vector<CustomerId>& answers);

  // Collective: parent = min(parent, value) at each id's owner (updates
  // sorted by id, registered ids). `lowered` gets the local indices whose
  // parent went down from being their own (roots hooked this call).
  void hook(std::span<const VertexUpdate> updates, std::vector<std::uint32_t>& lowered);

  // Collective: size += value at each id's owner (updates sorted by id).
  void add_sizes(std::span<const VertexUpdate> updates);

  std::span<const CustomerId> ids() const { return ids_; }
  std::vector<CustomerId>& parent() { return parent_; }
  const std::vector<CustomerId>& size() const { return size_; }
  // MPI all-to-all-v calls so far (each query or update is two or one).
  int exchanges() const { return exchanges_; }

 private:
  // Sends the distinct ids of sorted `items` (by id(item)) to their owners;
  // recv_ gets them, send_counts_/recv_counts_ the block sizes and
  // position_[i] where item i's id went in the send order.
  template <class T>
  void send_to_owners(std::span<const T> items);
  std::size_t find(CustomerId id, std::size_t& from) const;

  const dist::Comm& comm_;
  std::vector<CustomerId> ids_, parent_, size_;
  int exchanges_ = 0;
  // Reused between calls.
  std::vector<VertexUpdate> send_, recv_;
  std::vector<CustomerId> answers_out_, answers_in_;
  std::vector<std::int64_t> send_counts_, recv_counts_;
  std::vector<std::uint64_t> position_;
};

}  // namespace portrait::identity

// src/identity/vertex_table.hpp: the customers this rank owns (by bucket) as
// vertices of the identity graph, with their parent pointer and member
// count, and the collective exchanges that read and update them from any
// rank. Queries arrive sorted by id, so the owner answers with one forward
// (galloping) scan per sender.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/types.hpp"
#include "dist/mpi_context.hpp"
#include "identity/customer_owners.hpp"

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
  enum class Field { Parent, Members };

  VertexTable(const dist::Comm& comm, const CustomerOwners& owners) : comm_(comm), owners_(owners) {}

  // Local: this rank's customers (any order) become its vertices, each its
  // own parent with one member. Customers of other ranks and repeats are
  // counted in unknown_ids().
  void assign(std::span<const CustomerId> customers);

  // Collective: answers[q.slot] = field of q.id for every query (sorted by
  // id, repeats allowed). Parent: the parent; Members: the member count.
  // `answers` must have room for every slot.
  void lookup(std::span<const VertexQuery> queries, Field field, std::vector<CustomerId>& answers);

  // Collective: parent = min(parent, value) at each id's owner (updates
  // sorted by id, distinct ids). `lowered` gets the local indices whose
  // parent went down from being their own (roots hooked this call).
  void hook(std::span<const VertexUpdate> updates, std::vector<std::uint32_t>& lowered);

  // Collective: members += value at each id's owner (sorted, distinct ids).
  void add_members(std::span<const VertexUpdate> updates);

  // persons[i] = parent of customers[i] for the list given to assign().
  void write_parents(std::span<CustomerId> persons) const;

  // Ids seen in exchanges or assign() that are not this rank's customers
  // (a broken input contract; the caller checks the global sum).
  std::int64_t unknown_ids() const { return unknown_ids_; }

  std::span<const CustomerId> ids() const { return ids_; }
  std::vector<CustomerId>& parent() { return parent_; }
  const std::vector<std::int64_t>& members() const { return members_; }
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
  const CustomerOwners& owners_;
  std::vector<CustomerId> ids_, parent_;
  std::vector<std::int64_t> members_;
  std::vector<std::uint64_t> list_position_;  // where ids_[i] was in the assigned list
  std::int64_t unknown_ids_ = 0;
  int exchanges_ = 0;
  // Reused between calls.
  std::vector<VertexUpdate> send_, recv_;
  std::vector<CustomerId> answers_out_, answers_in_;
  std::vector<std::int64_t> send_counts_, recv_counts_;
  std::vector<std::uint64_t> position_;
};

}  // namespace portrait::identity

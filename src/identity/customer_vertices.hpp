// src/identity/customer_vertices.hpp: the customers of all ranks as the
// vertices of the identity graph. A vertex is named by the rank that lists
// the customer and the customer's position in that rank's list, so every
// step of the components reads and writes a vertex's state by indexing (no
// search), and person ids come out in list order. Ids become vertices once:
// by the caller's own pass when a rank holds its customers' records in list
// order (the engine's layout), otherwise by lookup() at each id's owner.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/types.hpp"
#include "identity/customer_owners.hpp"
#include "identity/owner_exchange.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::identity {

// rank << kVertexPositionBits | position in that rank's customer list. The
// order of vertices is the order the components hook in; any total order
// gives the same components.
using Vertex = std::uint64_t;
inline constexpr int kVertexPositionBits = 40;
inline constexpr int kVertexRankBits = 16;
inline constexpr Vertex kNoVertex = ~Vertex{0};

constexpr int rank_of_vertex(Vertex v) { return static_cast<int>(v >> kVertexPositionBits); }
constexpr std::size_t position_of_vertex(Vertex v) {
  return static_cast<std::size_t>(v & ((Vertex{1} << kVertexPositionBits) - 1));
}

class CustomerVertices {
 public:
  // Local; keeps a view of `customers` (this rank's list). Customers another
  // rank owns and repeated ones are counted for check(). Throws
  // portrait::Error beyond 2^16 ranks or 2^40 customers on a rank.
  CustomerVertices(const parallel::Comm& comm, std::span<const CustomerId> customers,
                   const CustomerOwners& owners);

  std::span<const CustomerId> customers() const { return customers_; }
  Vertex vertex(std::size_t position) const { return first_vertex_ | position; }

  // Collective: vertices[k] = the vertex of ids[k], which may be any rank's
  // customer; an id no rank lists gets kNoVertex and is counted for check().
  void lookup(std::span<const CustomerId> ids, std::vector<Vertex>& vertices);

  // Collective: throws portrait::Error on every rank when some rank listed a
  // customer it does not own or twice, or looked up an id nobody lists.
  void check() const;

  // The exchange of messages to vertex owners; one for the whole
  // resolution, so its buffers stay warm from the graph to the components.
  OwnerExchange& exchange() { return exchange_; }

 private:
  // This rank's customers sorted by id, with their positions.
  struct IdAndSlot {
    CustomerId id;
    std::uint64_t slot;
  };
  void sort_directory();
  std::size_t find(CustomerId id, std::size_t& from) const;

  const parallel::Comm& comm_;
  std::span<const CustomerId> customers_;
  const CustomerOwners& owners_;
  Vertex first_vertex_;
  std::int64_t unknown_ids_ = 0;
  std::vector<IdAndSlot> directory_;  // sorted only when needed: lookups, or a list out of order
  bool directory_sorted_ = false;
  std::vector<IdAndSlot> queries_, scratch_;
  OwnerExchange exchange_;
};

}  // namespace portrait::identity

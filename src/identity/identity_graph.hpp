// src/identity/identity_graph.hpp: the identity graph of one run. Identifier
// observations (customer, id_type, id_hash) are sent to the rank that owns
// the identifier (by the hash of (id_type, id_hash), not by customer), the
// guards are applied there, and every identifier that may link becomes a
// star of links from its first customer (in vertex order) to each other
// customer.
#pragma once

#include <cstdint>
#include <vector>

#include "core/column.hpp"
#include "core/hash.hpp"
#include "identity/customer_vertices.hpp"
#include "identity/identity_guards.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::identity {

// An undirected link between two customers, low < high.
struct VertexLink {
  Vertex low;
  Vertex high;
};

// Why records or identifiers were kept out of linking (global counts).
struct IdentifierDrops {
  std::int64_t records_missing_hash = 0;           // id_hash 0
  std::int64_t records_unknown_type = 0;           // id_type outside 0..4
  std::int64_t records_type_not_linking = 0;       // id_type whose guard says links: false
  std::int64_t identifiers_blocked = 0;            // distinct identifiers on a blocked list
  std::int64_t identifiers_over_customer_cap = 0;  // distinct identifiers with too many customers
};

struct IdentityGraph {
  // This rank's links: those of the identifiers it owns.
  std::vector<VertexLink> links;
  // Global counts, identical on every rank.
  std::int64_t records = 0;
  std::int64_t identifiers = 0;         // distinct identifiers that passed the guards
  std::int64_t shared_identifiers = 0;  // of those, seen with two or more customers
  std::int64_t links_total = 0;
  IdentifierDrops drops;
};

// The 64-bit key identifiers are grouped and partitioned by: the id_hash
// through a bijection salted by the id_type.
constexpr std::uint64_t identifier_salt(std::int8_t id_type) {
  return mix64(0x6964656e74697479ULL + static_cast<std::uint64_t>(id_type));
}
constexpr std::uint64_t identifier_key(std::int8_t id_type, std::uint64_t id_hash) {
  return mix64(id_hash ^ identifier_salt(id_type));
}

// Collective. `records` is this rank's identity channel (columns customer_id
// int64, id_type int8, id_hash uint64); any split of the records over ranks
// gives the same links in total, and the records are cheapest in the
// engine's layout (a rank's own customers, grouped in list order). Every
// customer of a record must be some rank's listed customer (checked:
// portrait::Error on every rank).
IdentityGraph build_identity_graph(const parallel::Comm& comm, const Table& records,
                                   CustomerVertices& vertices, const IdentityGuards& guards);

}  // namespace portrait::identity

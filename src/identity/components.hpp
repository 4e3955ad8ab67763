// src/identity/components.hpp: distributed connected components of the
// customer graph. Every customer's person id is the smallest customer id of
// its component, the same for any rank count; components larger than the
// cap are not merged (each member stays its own person).
#pragma once

#include <cstdint>
#include <vector>

#include "identity/customer_vertices.hpp"
#include "identity/identity_graph.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::identity {

// A component of two or more customers, named by its smallest customer id.
struct ComponentSize {
  CustomerId component;
  std::int64_t size;
};

// How much communication the components took (identical on every rank).
struct ComponentRounds {
  int iterations = 0;   // hook + shortcut + relabel cycles until no link joins two trees
  int jump_rounds = 0;  // pointer-jumping rounds, including the final flattening
  int exchanges = 0;    // MPI all-to-all-v calls
};

struct Components {
  // Person id of each customer of the list `vertices` was built from, in
  // list order.
  std::vector<CustomerId> persons;
  // Components of 2+ customers whose root vertex is on this rank.
  std::vector<ComponentSize> owned;
  ComponentRounds rounds;
};

// Collective. `links` is this rank's share of the graph (any split; taken
// over as working memory); `vertices` names every rank's customers and
// lends its exchange.
Components connected_components(const parallel::Comm& comm, std::vector<VertexLink> links,
                                CustomerVertices& vertices, std::int64_t max_component_size);

}  // namespace portrait::identity

// src/identity/components.hpp: distributed connected components of the
// customer graph. Every customer's person id is the smallest customer id of
// its component, the same for any rank count; components larger than the
// cap are not merged (each member stays its own person).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "dist/mpi_context.hpp"
#include "identity/customer_owners.hpp"
#include "identity/identity_graph.hpp"

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
  // Person id of each customer passed in, in the same order.
  std::vector<CustomerId> persons;
  // Components of 2+ customers whose smallest id this rank owns, by id.
  std::vector<ComponentSize> owned;
  ComponentRounds rounds;
};

// Collective. `links` is this rank's share of the graph (any split);
// `customers` this rank's customers (any order), which `owners` assigns to
// it; every customer of a link must be some rank's customer (checked:
// portrait::Error on every rank).
Components connected_components(const dist::Comm& comm, std::span<const CustomerLink> links,
                                std::span<const CustomerId> customers, const CustomerOwners& owners,
                                std::int64_t max_component_size);

}  // namespace portrait::identity

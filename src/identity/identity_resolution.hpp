// src/identity/identity_resolution.hpp: identity resolution of one run, from
// the identity channel records to a person id per customer and the report.
#pragma once

#include <span>
#include <vector>

#include "core/column.hpp"
#include "identity/customer_owners.hpp"
#include "identity/identity_guards.hpp"
#include "identity/identity_report.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::identity {

struct IdentityResolution {
  // Person id of each customer passed in, same order: the smallest customer
  // id of its component, or the customer itself when the component is over
  // the cap or the customer has no links.
  std::vector<CustomerId> persons;
  IdentityReport report;
  // Communication of the components; depends on the order the customers
  // are listed in, so it is logged, not written to outputs.
  ComponentRounds rounds;
  // This rank's links of the graph, when asked for (probabilistic linking
  // adds its own to them).
  std::vector<VertexLink> links;
};

// Collective. `records`: this rank's identity channel records; `customers`:
// this rank's customers, the ones `owners` assigns to it (every customer of
// a record must be some rank's). With `keep_links`, the result holds the
// graph's links too.
IdentityResolution resolve_identities(const parallel::Comm& comm, const Table& records,
                                      std::span<const CustomerId> customers, const CustomerOwners& owners,
                                      const IdentityGuards& guards, bool keep_links = false);

}  // namespace portrait::identity

// src/identity/identity_resolution.cpp: graph, components, report.
#include "identity/identity_resolution.hpp"

#include <utility>

namespace portrait::identity {

IdentityResolution resolve_identities(const parallel::Comm& comm, const Table& records,
                                      std::span<const CustomerId> customers, const CustomerOwners& owners,
                                      const IdentityGuards& guards, bool keep_links) {
  CustomerVertices vertices(comm, customers, owners);
  IdentityGraph graph = build_identity_graph(comm, records, vertices, guards);
  IdentityResolution result;
  if (keep_links) result.links = graph.links;
  Components components =
      connected_components(comm, std::move(graph.links), vertices, guards.max_component_size);
  result.report = make_identity_report(comm, graph, components, static_cast<std::int64_t>(customers.size()),
                                       guards.max_component_size);
  result.persons = std::move(components.persons);
  result.rounds = components.rounds;
  return result;
}

}  // namespace portrait::identity

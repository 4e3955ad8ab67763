// src/identity/identity_report.hpp: what identity resolution did, for the
// run manifest: component sizes, identifiers dropped by reason, the largest
// components (ids and sizes only, never raw identifiers). Computed with
// collectives; identical on every rank and for every rank count (the
// communication rounds, which do depend on it, are kept out of it).
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "identity/components.hpp"
#include "identity/identity_graph.hpp"

namespace portrait::identity {

struct ComponentSizeBin {
  std::string label;  // "1", "2", "3", "4-10", "11-100", "101-1000", ">1000"
  std::int64_t components = 0;
  std::int64_t customers = 0;
};

struct LargestComponent {
  CustomerId component;  // smallest customer id; the person id when merged
  std::int64_t size;
  bool merged;  // false when above max_component_size
};

// The persons and component sizes that one computation of the components
// gave (global; customers without links are components of size 1).
struct ComponentSummary {
  std::int64_t customers = 0;
  std::int64_t persons = 0;
  std::int64_t max_component_size = 0;
  std::int64_t components_over_cap = 0;
  std::int64_t customers_in_components_over_cap = 0;
  // Components before the cap.
  std::vector<ComponentSizeBin> size_histogram;
  // By size (descending), then component id.
  std::vector<LargestComponent> largest;
};

struct IdentityReport : ComponentSummary {
  std::int64_t records = 0;
  std::int64_t identifiers = 0;
  std::int64_t shared_identifiers = 0;
  std::int64_t links = 0;
  IdentifierDrops drops;
};

// Collective. `local_customers` is the number of customers this rank owns.
ComponentSummary summarize_components(const parallel::Comm& comm, const Components& components,
                                      std::int64_t local_customers, std::int64_t max_component_size,
                                      std::size_t largest_count = 10);

// Collective.
IdentityReport make_identity_report(const parallel::Comm& comm, const IdentityGraph& graph,
                                    const Components& components, std::int64_t local_customers,
                                    std::int64_t max_component_size, std::size_t largest_count = 10);

// The histogram and the largest components as the manifest shows them.
nlohmann::json component_sizes_json(const ComponentSummary& summary);
nlohmann::json largest_components_json(const ComponentSummary& summary);
nlohmann::json to_json(const IdentityReport& report);

}  // namespace portrait::identity

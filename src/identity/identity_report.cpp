// src/identity/identity_report.cpp: the identity report from global sums and
// one gather of each rank's largest components.
#include "identity/identity_report.hpp"

#include <algorithm>
#include <array>

#include "parallel/collectives.hpp"

namespace portrait::identity {
namespace {

struct Bin {
  const char* label;
  std::int64_t max_size;
};
constexpr std::array<Bin, 7> kBins{
    {{"1", 1}, {"2", 2}, {"3", 3}, {"4-10", 10}, {"11-100", 100}, {"101-1000", 1000}, {">1000", INT64_MAX}}};

std::size_t bin_of(std::int64_t size) {
  std::size_t b = 0;
  while (size > kBins[b].max_size) ++b;
  return b;
}

// Larger components first, ties by smaller id.
template <class Component>
bool larger_first(const Component& a, const Component& b) {
  return a.size != b.size ? a.size > b.size : a.component < b.component;
}

std::vector<LargestComponent> largest_components(const parallel::Comm& comm, const Components& components,
                                                 std::int64_t max_component_size, std::size_t count) {
  // This rank's largest, chosen without copying all its components.
  std::vector<ComponentSize> mine(std::min(count, components.owned.size()));
  std::partial_sort_copy(components.owned.begin(), components.owned.end(), mine.begin(), mine.end(),
                         larger_first<ComponentSize>);
  // Gathered as (id, size) pairs; `merged` follows from the cap.
  std::vector<std::int64_t> flat;
  for (const ComponentSize& c : mine) {
    flat.push_back(c.component);
    flat.push_back(c.size);
  }
  const std::vector<std::int64_t> all = parallel::allgatherv(comm, std::span<const std::int64_t>(flat));
  std::vector<LargestComponent> largest;
  for (std::size_t i = 0; i + 1 < all.size(); i += 2) {
    largest.push_back({all[i], all[i + 1], all[i + 1] <= max_component_size});
  }
  std::sort(largest.begin(), largest.end(), larger_first<LargestComponent>);
  if (largest.size() > count) largest.resize(count);
  return largest;
}

}  // namespace

IdentityReport make_identity_report(const parallel::Comm& comm, const IdentityGraph& graph,
                                    const Components& components, std::int64_t local_customers,
                                    std::int64_t max_component_size, std::size_t largest_count) {
  IdentityReport report;
  report.records = graph.records;
  report.identifiers = graph.identifiers;
  report.shared_identifiers = graph.shared_identifiers;
  report.links = graph.links_total;
  report.drops = graph.drops;
  report.max_component_size = max_component_size;

  // [0] customers, [1] customers in linked components, [2] merged-away
  // customers, [3] components over cap, [4] their customers, then per bin
  // components and customers.
  std::vector<std::int64_t> sums(5 + 2 * kBins.size(), 0);
  sums[0] = local_customers;
  for (const ComponentSize& c : components.owned) {
    sums[1] += c.size;
    if (c.size > max_component_size) {
      ++sums[3];
      sums[4] += c.size;
    } else {
      sums[2] += c.size - 1;
    }
    const std::size_t b = bin_of(c.size);
    ++sums[5 + 2 * b];
    sums[6 + 2 * b] += c.size;
  }
  sums = parallel::sum(comm, sums);
  report.customers = sums[0];
  report.persons = sums[0] - sums[2];
  report.components_over_cap = sums[3];
  report.customers_in_components_over_cap = sums[4];
  const std::int64_t singletons = sums[0] - sums[1];
  for (std::size_t b = 0; b < kBins.size(); ++b) {
    report.size_histogram.push_back({kBins[b].label, sums[5 + 2 * b], sums[6 + 2 * b]});
  }
  report.size_histogram[0].components += singletons;
  report.size_histogram[0].customers += singletons;
  report.largest = largest_components(comm, components, max_component_size, largest_count);
  return report;
}

nlohmann::json to_json(const IdentityReport& report) {
  nlohmann::json histogram = nlohmann::json::array();
  for (const ComponentSizeBin& bin : report.size_histogram) {
    histogram.push_back({{"size", bin.label}, {"components", bin.components}, {"customers", bin.customers}});
  }
  nlohmann::json largest = nlohmann::json::array();
  for (const LargestComponent& c : report.largest) {
    largest.push_back({{"component", c.component}, {"size", c.size}, {"merged", c.merged}});
  }
  return {{"customers", report.customers},
          {"persons", report.persons},
          {"records", report.records},
          {"identifiers", report.identifiers},
          {"shared_identifiers", report.shared_identifiers},
          {"links", report.links},
          {"dropped",
           {{"records_missing_hash", report.drops.records_missing_hash},
            {"records_unknown_type", report.drops.records_unknown_type},
            {"records_type_not_linking", report.drops.records_type_not_linking},
            {"identifiers_blocked", report.drops.identifiers_blocked},
            {"identifiers_over_customer_cap", report.drops.identifiers_over_customer_cap}}},
          {"max_component_size", report.max_component_size},
          {"components_over_cap", report.components_over_cap},
          {"customers_in_components_over_cap", report.customers_in_components_over_cap},
          {"component_sizes", histogram},
          {"largest_components", largest}};
}

}  // namespace portrait::identity

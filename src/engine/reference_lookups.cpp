// src/engine/reference_lookups.cpp: reference tables as sorted lookups.
#include "engine/reference_lookups.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

namespace portrait::engine {
namespace {

// Sorts every column of `table` by the int32 key column `key`.
void sort_by_key(Table& table, const std::string& key) {
  const auto& k = table.values<std::int32_t>(key);
  std::vector<std::uint32_t> order(k.size());
  std::iota(order.begin(), order.end(), 0u);
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return k[a] < k[b]; });
  for (std::size_t c = 0; c < table.column_count(); ++c) {
    Column sorted(table.column(c).type());
    sorted.gather(table.column(c), order);
    std::swap(table.column(c), sorted);
  }
}

// Haversine central angle (monotonic in distance, so the radius is not needed).
double central_angle(double lat1, double lon1, double lat2, double lon2) {
  constexpr double kRadians = 3.14159265358979323846 / 180.0;
  const double dlat = (lat2 - lat1) * kRadians, dlon = (lon2 - lon1) * kRadians;
  const double a = std::sin(dlat / 2) * std::sin(dlat / 2) + std::cos(lat1 * kRadians) *
                                                                 std::cos(lat2 * kRadians) *
                                                                 std::sin(dlon / 2) * std::sin(dlon / 2);
  return 2 * std::asin(std::min(1.0, std::sqrt(a)));
}

}  // namespace

std::vector<std::int32_t> nearest_stores(const Table& cells, const Table& stores) {
  const auto& cell_lat = cells.values<double>("lat");
  const auto& cell_lon = cells.values<double>("lon");
  const auto& store_id = stores.values<std::int32_t>("store_id");
  const auto& store_lat = stores.values<double>("lat");
  const auto& store_lon = stores.values<double>("lon");
  std::vector<std::int32_t> nearest(cells.rows(), missing<std::int32_t>());
#pragma omp parallel for schedule(static)
  for (std::size_t c = 0; c < cells.rows(); ++c) {
    double best = 0.0;
    for (std::size_t s = 0; s < stores.rows(); ++s) {
      const double d = central_angle(cell_lat[c], cell_lon[c], store_lat[s], store_lon[s]);
      if (is_missing(nearest[c]) || d < best || (d == best && store_id[s] < nearest[c])) {
        best = d;
        nearest[c] = store_id[s];
      }
    }
  }
  return nearest;
}

ReferenceLookups load_reference_lookups(const std::string& path) {
  ReferenceLookups out;
  out.reference = path.empty() ? io::Reference::empty() : io::read_reference(path);
  out.cells = out.reference.cells;
  out.cells.add("store_id", ColumnType::Int32).values<std::int32_t>() =
      nearest_stores(out.reference.cells, out.reference.stores);
  out.domains = out.reference.domains;
  sort_by_key(out.cells, "cell_id");
  sort_by_key(out.domains, "domain_id");
  return out;
}

}  // namespace portrait::engine

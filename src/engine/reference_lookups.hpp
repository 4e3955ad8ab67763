// src/engine/reference_lookups.hpp: the lookup tables facts may aggregate
// through (usage.cell_id -> cells.store_id, web.domain_id -> domains.category1):
// read from the job's reference file by every rank (it is small), each sorted
// by its key. A cell's store is the store nearest to it, computed here from
// the coordinates, so "the store nearest to a customer's home" is the store of
// the customer's home cell.
#pragma once

#include <map>
#include <string>

#include "core/column.hpp"
#include "io/reference.hpp"

namespace portrait::engine {

struct ReferenceLookups {
  Table cells{"cells"};      // cell_id, lat, lon, store_id
  Table domains{"domains"};  // domain_id, category1, category2
  io::Reference reference;   // as read, with the dictionaries (labels of codes)

  // The tables by name, for a CustomerBlock.
  std::map<std::string, const Table*> tables() const { return {{"cells", &cells}, {"domains", &domains}}; }
};

// Main thread only (HDF5). An empty path gives empty tables: lookups then
// give missing values.
ReferenceLookups load_reference_lookups(const std::string& path);

// For each cell, the nearest store by great-circle distance (ties: the
// smaller store_id); missing when there is no store.
std::vector<std::int32_t> nearest_stores(const Table& cells, const Table& stores);

}  // namespace portrait::engine

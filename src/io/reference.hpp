// src/io/reference.hpp: the reference file beside the shards: cells and
// stores with coordinates, web domains with their content categories, and
// the code tables (dictionaries) that give coded columns their labels.
#pragma once

#include <string>
#include <vector>

#include "core/column.hpp"
#include "io/schema.hpp"

namespace portrait::io {

struct Reference {
  Table cells{"cells"};      // cell_id int32, lat float64, lon float64
  Table stores{"stores"};    // store_id int32, lat float64, lon float64
  Table domains{"domains"};  // domain_id int32, category1 int32, category2 int32
  std::vector<Dictionary> dictionaries;

  // Empty tables with the required columns.
  static Reference empty();
  // Throws portrait::Error naming the dictionary when absent.
  const Dictionary& dictionary(const std::string& name) const;
};

// Main thread of one rank only.
void write_reference(const std::string& path, const Reference& reference);
Reference read_reference(const std::string& path);

}  // namespace portrait::io

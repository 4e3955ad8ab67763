// src/catalog/input_schema.hpp: what a catalog is compiled against in a run:
// the input channels of io/schema.hpp with the extra columns the run's shards
// carry, the reference lookups (cells with their nearest store, domains with
// their content categories), and the month being computed.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "catalog/catalog_schema.hpp"
#include "core/period.hpp"

namespace portrait::catalog {

// `extra_columns` maps a channel to columns beyond its schema (e.g. an
// imported CSV's features), which facts and rules may then use; `previous`
// are last month's tags, which rules read as `prev.<tag>`.
CatalogSchema input_schema(const Period& period = {},
                           const std::map<std::string, std::vector<SchemaColumn>>& extra_columns = {},
                           std::vector<PreviousTag> previous = {});

}  // namespace portrait::catalog

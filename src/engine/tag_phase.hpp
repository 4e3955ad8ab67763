// src/engine/tag_phase.hpp: the compute phase with a catalog: every computed
// tag (not offline) for each of the rank's customers, facts from the grouped
// records and then rules in dependency order; and the catalog's statistics
// over those tags with collectives.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "catalog/catalog.hpp"
#include "core/period.hpp"
#include "engine/grouped_customers.hpp"
#include "engine/reference_lookups.hpp"
#include "parallel/partition.hpp"
#include "stats/group_stats.hpp"

namespace portrait::engine {

// One row per customer in the rank's order: customer_id, bucket, then the
// computed tags in the catalog's declaration order (categories stored as
// int32 codes of their labels).
Table compute_catalog_tags(const catalog::Catalog& catalog, const GroupedCustomers& grouped,
                           const ReferenceLookups& lookups, const Period& period);

// Collective. Every statistic of the catalog: customer-level ones over the
// customers' tags, person-level ones over `persons` (the merged profiles,
// with their bucket column; null when the run merged none: then the
// person-level statistics are skipped).
std::vector<stats::GroupStats> compute_catalog_statistics(
    const parallel::Comm& comm, const catalog::Catalog& catalog, const Table& customers, const Table& tags,
    std::span<const Bucket> bucket, const parallel::BucketRange& range, const Table* persons);

// The statistics as JSON, with category codes replaced by their labels and
// the display names of statistics and measures.
nlohmann::json statistics_json(const catalog::Catalog& catalog,
                               const std::vector<stats::GroupStats>& statistics);

// A statistic as CSV (statistics/<id>.csv): category group-by values as
// their labels, like statistics.json; missing ones as empty fields.
std::string statistics_csv(const catalog::Catalog& catalog, const stats::GroupStats& statistic);

// A statistic as a printable table: one column per group (rows are the
// measures) when there are few groups, else one row per group.
std::string statistics_text(const catalog::Catalog& catalog, const stats::GroupStats& statistic);

}  // namespace portrait::engine

// src/engine/merged_profiles.hpp: one profile per person (one natural person
// behind several numbers and accounts): each customer's tags that have a
// merge policy in the catalog travel to the rank owning the person's bucket,
// where they are merged. Persons are in (bucket of person id, person id)
// order, members of a person by customer id, so the tables are the same
// bytes for any rank and thread count.
#pragma once

#include "catalog/catalog.hpp"
#include "core/column.hpp"
#include "dist/mpi_context.hpp"
#include "dist/partition.hpp"

namespace portrait::engine {

struct MergedProfiles {
  // person_id, bucket, members, then each merged tag (catalog order).
  Table persons{"persons"};
  // person_id, customer_id: the members of each person (a ragged table).
  Table members{"person_members"};
};

// True when any computed tag of the catalog has a merge policy.
bool has_merged_profiles(const catalog::Catalog& catalog);

// Collective. `customers`: the rank's output rows with customer_id,
// person_id and the tags.
MergedProfiles merge_profiles(const dist::Comm& comm, const catalog::Catalog& catalog, const Table& customers,
                              const dist::BucketPartition& partition, std::size_t round_bytes);

// Merges rows [begin, end) of `column` (one person's members, by customer id)
// by `policy` into `out` (appended); `by` orders members for Latest.
void merge_values(catalog::MergePolicy policy, const Column& column, const Column* by, std::size_t begin,
                  std::size_t end, Column& out);

}  // namespace portrait::engine

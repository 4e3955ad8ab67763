// src/engine/merged_profiles.hpp: one profile per person (one natural person
// behind several numbers and accounts): each customer's tags that have a
// merge policy in the catalog travel to the rank owning the person's bucket,
// where they are merged. Persons are in (bucket of person id, person id)
// order, members of a person by customer id, so the tables are the same
// bytes for any rank and thread count.
#pragma once

#include <span>
#include <string>

#include "catalog/catalog.hpp"
#include "core/column.hpp"
#include "core/period.hpp"
#include "engine/grouped_customers.hpp"
#include "parallel/mpi_context.hpp"
#include "parallel/partition.hpp"

namespace portrait::engine {

struct MergedProfiles {
  // person_id, bucket, members, then each merged tag (catalog order).
  Table persons{"persons"};
  // person_id, customer_id: the members of each person (a ragged table).
  Table members{"person_members"};
};

// True when any computed tag of the catalog has a merge policy.
bool has_merged_profiles(const catalog::Catalog& catalog);

// The column of the customers table holding each customer's number of
// records of `channel` in the period: "records.<channel>", which no tag id
// can be (ids have no dot), so it travels beside the tags.
std::string channel_records_column(const std::string& channel);

// Adds to `grouped.customers` the record counts that rank members for the
// catalog's channel_priority merges (Catalog::merge_record_counts), one
// column per channel, computed from the grouped records like count facts.
// Before the records are released: a checkpoint then keeps the counts with
// the customers. Throws portrait::Error when a counted channel has no records
// loaded.
void count_channel_records(const catalog::Catalog& catalog, GroupedCustomers& grouped, const Period& period);

// Collective. `tags`: the rank's output rows with customer_id, the person
// ids (`person_column`: person_id, or a linking profile's) and the tags;
// `customers`: the rank's customers in the same order, with the counts of
// count_channel_records.
MergedProfiles merge_profiles(const parallel::Comm& comm, const catalog::Catalog& catalog, const Table& tags,
                              const Table& customers, const parallel::BucketPartition& partition,
                              std::size_t round_bytes, const std::string& person_column = "person_id");

// Merges rows [begin, end) of `column` (one person's members, by customer id)
// by `policy` into `out` (appended). `by` orders the members: for Latest the
// time tag (the greatest wins); for ChannelPriority the record counts of the
// listed channels, most trusted first (a member ranks by the first channel
// in which it has a record; the best-ranked member with a known value wins).
// Ties go to the earlier row, the smaller customer id.
void merge_values(catalog::MergePolicy policy, const Column& column, std::span<const Column* const> by,
                  std::size_t begin, std::size_t end, Column& out);

}  // namespace portrait::engine

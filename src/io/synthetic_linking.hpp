// src/io/synthetic_linking.hpp: what `portrait gen` plants for probabilistic
// identity linking. A share of persons hold a second number that shares no
// identifier with their first (another id card, device, account), but whose
// usage shows the person: the same home and work cells, much of the same
// contact circle, records at the same hours and cells. Decoys make it hard:
// family members share the home cell (and some contacts, and records at
// home), colleagues the work cell (records at work); they are other persons
// and must not link. A follower's planted relation is to its anchor, a
// customer who joined before it and follows nobody; the truth goes to
// truth.h5 (planted_links).
#pragma once

#include <cstdint>
#include <string>

#include "core/column.hpp"
#include "io/synthetic_model.hpp"

namespace portrait::io::synthetic {

// Random streams of the planting and of the followers' records, above every
// value of Stream so that no existing stream changes.
inline constexpr std::uint64_t kLinkPlanting = 64;
inline constexpr std::uint64_t kFollowedContacts = 65;
inline constexpr std::uint64_t kFollowedRecords = 66;

// How a follower relates to its anchor (Population::link_role).
enum class LinkRole : std::int8_t { None = 0, SecondNumber = 1, Family = 2, Colleague = 3 };

// Called by build_population for the customer `c` holding `slot`, after its
// own residence is in `population`. The relation is decided once, when the
// customer joins, so it and the places it gives stay across months: for
// each role, a customer draws (from its id) whether it follows the customer
// who then held the role's partner slot (a fixed slot far away), who must
// have joined before it and follow nobody. A follower takes its anchor's
// region and cells (a second number also its circle); follows is set while
// the anchor still holds its number.
void plant_link(const Options& options, std::int64_t slot, const Occupant& c, Population& population);

// After the persons: a second number is registered on its own id card, so
// it leaves the person of its block of slots (which may then hold one
// number only). Nothing identifies it with its anchor's person.
void separate_second_numbers(Population& population);

// Whose circle holds the contact at `slot` of customer i: a follower calls
// many of its anchor's contacts (the same slot of the anchor's circle).
std::size_t circle_of_contact(const Options& options, const Population& population, std::size_t i,
                              std::uint64_t slot);

// For record `record` of follower i on `day`: the anchor's record of that
// day it is placed with (the same hour and cell), given the anchor's record
// count; -1 when the record is the follower's own. A family member is placed
// only with the anchor's records at home, a colleague only with those at
// work (the caller checks the anchor record's cell with places_with()).
std::int64_t followed_record(const Options& options, const Population& population, std::size_t i, int day,
                             std::uint32_t record, std::uint32_t anchor_records);
bool places_with(const Population& population, std::size_t i, std::int32_t anchor_cell, bool anchor_roaming);

// truth.h5 table `planted_links`: customer_id, anchor_id (int64), role
// (int8, LinkRole), one row per follower in slot order.
Table planted_links_table(const Population& population);
// Adds that table to the truth file at `path` (made by write_synthetic_truth).
void write_planted_links(const Population& population, const std::string& path);

}  // namespace portrait::io::synthetic

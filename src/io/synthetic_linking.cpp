// src/io/synthetic_linking.cpp: second numbers and decoys of the synthetic
// population.
#include "io/synthetic_linking.hpp"

#include <algorithm>
#include <array>
#include <optional>
#include <utility>

#include "io/h5.hpp"
#include "io/plain_table.hpp"

namespace portrait::io::synthetic {
namespace {

// Per role (index LinkRole): the share of the follower's contact slots that
// are its anchor's, and of its records placed with one of the anchor's.
constexpr std::array<double, 4> kSharedContacts = {0, 0.8, 0.35, 0.2};
constexpr std::array<double, 4> kPlacedRecords = {0, 0.85, 0.5, 0.5};

// How far a role's partner slot is (a fraction of the slots): far enough
// that the two never share a block of three (one person) or of four (a
// family device), which would be an identifier in common.
constexpr std::array<std::int64_t, 4> kPartnerDivisor = {0, 2, 3, 5};
constexpr std::int64_t kMinPartnerOffset = 12;
// The chance per customer and role of following, against the wanted share
// (of persons for second numbers, of customers for decoys), measured: in a
// month after the first years only about 40% of the relations are active,
// as the anchor, who joined first, has often left since.
constexpr std::array<double, 4> kDrawPerShare = {0, 2.0, 2.9, 3.1};
// Anchors follow nobody; the check recurses over ever earlier joiners and
// stops here (a deeper chain is taken as following).
constexpr int kMaxChain = 8;

LinkRole role_of(const Population& p, std::size_t i) { return static_cast<LinkRole>(p.link_role[i]); }

// A cell of `region` (1-based) at the same position as `cell` in its own region.
std::int32_t same_place_in(std::int32_t region, std::int32_t cell) {
  return (region - 1) * kCellsPerRegion + 1 + (cell - 1) % kCellsPerRegion;
}
std::int32_t next_cell_in_region(std::int32_t cell) {
  const std::int32_t base = (cell - 1) / kCellsPerRegion * kCellsPerRegion + 1;
  return base + (cell - base + 1) % kCellsPerRegion;
}

struct Relation {
  LinkRole role = LinkRole::None;
  std::int64_t anchor_slot = -1;
  Occupant anchor;
};

// The relation customer c of `slot` took when it joined.
Relation relation_of(const Options& o, std::int64_t slot, const Occupant& c, int depth) {
  if (depth > kMaxChain) return {LinkRole::SecondNumber, -1, {}};
  std::optional<UnixSeconds> joined;
  for (const LinkRole role : {LinkRole::SecondNumber, LinkRole::Family, LinkRole::Colleague}) {
    const auto r = static_cast<std::size_t>(role);
    const double share = role == LinkRole::SecondNumber ? o.second_number_share : o.decoy_share;
    KeyedRandom draw(o.seed, slice_key(c.id, static_cast<std::int64_t>(role)), kLinkPlanting);
    if (draw.uniform() >= share * kDrawPerShare[r]) continue;
    const std::int64_t offset = o.customers / kPartnerDivisor[r];
    if (offset < kMinPartnerOffset) continue;
    const std::int64_t anchor_slot = (slot + offset) % o.customers;
    const Occupant anchor = occupant_of(o, anchor_slot, std::max(c.joined, month_index(kMovesAnchor)));
    if (!joined) joined = residence_of(o, c).join_date;
    if (std::pair(residence_of(o, anchor).join_date, anchor.id) >= std::pair(*joined, c.id)) continue;
    if (relation_of(o, anchor_slot, anchor, depth + 1).role != LinkRole::None) continue;
    return {role, anchor_slot, anchor};
  }
  return {};
}

}  // namespace

void plant_link(const Options& o, std::int64_t slot, const Occupant& c, Population& p) {
  const Relation relation = relation_of(o, slot, c, 0);
  if (relation.role == LinkRole::None) return;
  const auto i = static_cast<std::size_t>(slot);
  const Residence anchor = residence_of(o, relation.anchor);
  p.link_role[i] = static_cast<std::int8_t>(relation.role);
  p.region[i] = anchor.region;  // the other cells around follow the region
  switch (relation.role) {
    case LinkRole::SecondNumber:
      p.home_cell[i] = anchor.home_cell;
      p.work_cell[i] = anchor.work_cell;
      p.circle[i] = anchor.circle;
      break;
    case LinkRole::Family:
      p.home_cell[i] = anchor.home_cell;
      p.work_cell[i] = same_place_in(anchor.region, p.work_cell[i]);
      if (p.work_cell[i] == anchor.work_cell) p.work_cell[i] = next_cell_in_region(p.work_cell[i]);
      break;
    case LinkRole::Colleague:
      p.work_cell[i] = anchor.work_cell;
      p.home_cell[i] = same_place_in(anchor.region, p.home_cell[i]);
      if (p.home_cell[i] == anchor.home_cell) p.home_cell[i] = next_cell_in_region(p.home_cell[i]);
      break;
    case LinkRole::None:
      break;
  }
  if (occupant_of(o, relation.anchor_slot, month_index(o.period)).id == relation.anchor.id)
    p.follows[i] = static_cast<std::int32_t>(relation.anchor_slot);
}

void separate_second_numbers(Population& p) {
  const auto n = static_cast<std::size_t>(p.customers);
#pragma omp parallel for schedule(static)
  for (std::size_t first = 0; first < n; first += 3) {
    const std::size_t end = std::min(n, first + 3);
    bool separated = false;
    for (std::size_t k = first; k < end; ++k) {
      if (p.shared_person[k] != 0 && role_of(p, k) == LinkRole::SecondNumber) {
        p.shared_person[k] = 0;
        p.person[k] = p.id[k];
        separated = true;
      }
    }
    if (!separated) continue;
    std::size_t members = 0;
    CustomerId person = INT64_MAX;
    for (std::size_t k = first; k < end; ++k) {
      if (p.shared_person[k] == 0) continue;
      ++members;
      person = std::min(person, p.id[k]);
    }
    for (std::size_t k = first; k < end; ++k) {
      if (p.shared_person[k] == 0) continue;
      p.person[k] = members > 1 ? person : p.id[k];
      p.shared_person[k] = static_cast<std::int8_t>(members > 1 ? 1 : 0);
    }
  }
}

std::size_t circle_of_contact(const Options& o, const Population& p, std::size_t i, std::uint64_t slot) {
  const std::int32_t anchor = p.follows[i];
  if (anchor < 0) return i;
  KeyedRandom r(o.seed, slice_key(p.id[i], static_cast<std::int64_t>(slot)), kFollowedContacts);
  const auto role = static_cast<std::size_t>(role_of(p, i));
  return r.uniform() < kSharedContacts[role] ? static_cast<std::size_t>(anchor) : i;
}

std::int64_t followed_record(const Options& o, const Population& p, std::size_t i, int day,
                             std::uint32_t record, std::uint32_t anchor_records) {
  if (p.follows[i] < 0 || anchor_records == 0) return -1;
  KeyedRandom r(o.seed, slice_key(p.id[i], day) ^ mix64(record + 1ULL), kFollowedRecords);
  const auto role = static_cast<std::size_t>(role_of(p, i));
  if (r.uniform() >= kPlacedRecords[role]) return -1;
  return static_cast<std::int64_t>(r.below(anchor_records));
}

bool places_with(const Population& p, std::size_t i, std::int32_t anchor_cell, bool anchor_roaming) {
  const auto anchor = static_cast<std::size_t>(p.follows[i]);
  switch (role_of(p, i)) {
    case LinkRole::SecondNumber:
      return true;  // the person carries both phones
    case LinkRole::Family:
      return !anchor_roaming && anchor_cell == p.home_cell[anchor];
    case LinkRole::Colleague:
      return !anchor_roaming && anchor_cell == p.work_cell[anchor];
    case LinkRole::None:
      break;
  }
  return false;
}

Table planted_links_table(const Population& p) {
  Table t("planted_links");
  t.add("customer_id", ColumnType::Int64);
  t.add("anchor_id", ColumnType::Int64);
  t.add("role", ColumnType::Int8);
  std::size_t rows = 0;
  for (const std::int32_t a : p.follows) rows += a >= 0 ? 1 : 0;
  t.resize(rows);
  auto& customer = t.values<std::int64_t>("customer_id");
  auto& anchor = t.values<std::int64_t>("anchor_id");
  auto& role = t.values<std::int8_t>("role");
  std::size_t k = 0;
  for (std::size_t i = 0; i < p.follows.size(); ++i) {
    if (p.follows[i] < 0) continue;
    customer[k] = p.id[i];
    anchor[k] = p.id[static_cast<std::size_t>(p.follows[i])];
    role[k] = p.link_role[i];
    ++k;
  }
  return t;
}

void write_planted_links(const Population& p, const std::string& path) {
  h5::silence_errors();
  const h5::Handle file(h5::check(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT),
                                  "cannot open the truth file to add the planted links", path,
                                  "check that the directory is writable"),
                        H5Fclose);
  write_plain_table(file.get(), planted_links_table(p), path);
}

}  // namespace portrait::io::synthetic

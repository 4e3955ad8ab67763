// src/catalog/linking_spec.hpp: the catalog's `linking` section, as read
// and checked: which channel's records show the person behind a number (its
// time, place and contact columns), which tags make blocking keys and
// comparisons, and how the Fellegi-Sunter model is trained. The engine turns
// it into identity::LinkingSettings; the job names the profiles.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace portrait::catalog {

struct LinkingBlockSpec {
  enum class Kind : std::uint8_t { Tags, TopContacts, PresenceHash };
  Kind kind = Kind::Tags;
  std::string name;               // "home_cell+work_cell", "top_contacts", "presence_hash"
  std::vector<std::string> tags;  // Tags: int, bool or category tags (or customers.<column>)
  int count = 0;                  // TopContacts, PresenceHash: keys per customer
};

struct LinkingComparisonSpec {
  enum class Kind : std::uint8_t { Equal, ContactJaccard, SharedHours, SharedPlaces };
  Kind kind = Kind::Equal;
  std::string name;               // Equal: the tags joined by '+'; "contacts", "shared_hours", ...
  std::vector<std::string> tags;  // Equal: equal when every one is
  std::vector<double> bands;      // shares ascending in (0, 1]; SharedPlaces: counts ascending from 1
  std::int64_t at_least = 1;      // not Equal: the smaller set's least size
};

struct LinkingSpec {
  std::string channel = "usage";
  std::string time_column = "ts";
  std::string place_column = "cell_id";
  std::string contact_column = "peer";
  std::vector<LinkingBlockSpec> blocks;
  std::int64_t max_block_customers = 1000;
  std::vector<LinkingComparisonSpec> comparisons;
  std::int64_t contact_circle = 16;
  std::int64_t presence_limit = 64;
  std::int64_t max_iterations = 500;
  double tolerance = 1e-10;
  double initial_match_share = 0.01;
  double write_pairs_above = 1.0;
  std::string location;  // file:line:column of the section, for errors found at run time
};

}  // namespace portrait::catalog

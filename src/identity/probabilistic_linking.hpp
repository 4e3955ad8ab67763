// src/identity/probabilistic_linking.hpp: probabilistic ("fuzzy") identity
// linking of one run. Numbers that share no identifier may still be one
// person: their usage shows it (same cells, same contacts, seen at the same
// hours and places). Candidate pairs come from blocking, each pair gets a
// comparison pattern, a Fellegi-Sunter model trained by expectation
// maximisation gives each pattern a match probability, and every linking
// profile (a use with its own strictness) gets its own person ids: the
// components of the strong links plus the pairs at or above its threshold.
#pragma once

#include <nlohmann/json.hpp>

#include <span>
#include <vector>

#include "core/column.hpp"
#include "identity/candidate_pairs.hpp"
#include "identity/customer_owners.hpp"
#include "identity/fellegi_sunter.hpp"
#include "identity/identity_graph.hpp"
#include "identity/identity_report.hpp"
#include "identity/linking_settings.hpp"
#include "identity/linking_signatures.hpp"

namespace portrait::identity {

struct ProfileReport {
  LinkingProfile profile;
  std::int64_t links = 0;  // candidate pairs at or above the profile's threshold
  ComponentSummary components;
};

// Compared pairs by match probability: [from, to), the last bin closed.
struct ProbabilityBin {
  double from = 0;
  double to = 0;
  std::int64_t pairs = 0;
};

struct LinkingReport {
  BlockingCounts blocking;
  FellegiSunterModel model;
  std::vector<ProbabilityBin> probabilities;
  double expected_matches = 0;  // sum of the compared pairs' probabilities
  std::vector<ProfileReport> profiles;
  std::int64_t pairs_written = 0;
};

struct LinkingResult {
  // Per profile (settings order): the person id of each listed customer.
  std::vector<std::vector<CustomerId>> persons;
  LinkingReport report;  // identical on every rank
  // This rank's pairs at or above settings.write_pairs_above, in the order
  // of their smaller customer's list position, then the other customer:
  // customer_id, other_id, probability, match_weight, level.<comparison>.
  Table pairs{"linking_pairs"};
};

// Collective. `inputs.customers` is this rank's list (as `owners` assigns),
// `strong_links` this rank's share of the identity graph's links (from
// resolve_identities with keep_links) and inputs.persons its person ids.
LinkingResult link_probabilistically(const parallel::Comm& comm, const LinkingInputs& inputs,
                                     const LinkingSettings& settings, const CustomerOwners& owners,
                                     std::span<const VertexLink> strong_links,
                                     std::int64_t max_component_size);

nlohmann::json to_json(const LinkingReport& report, const LinkingSettings& settings);

}  // namespace portrait::identity

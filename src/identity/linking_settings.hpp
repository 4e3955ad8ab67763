// src/identity/linking_settings.hpp: what probabilistic identity linking
// compares and how: the blocking keys that make candidate pairs, the cap on
// a block, the comparisons with their levels, the expectation maximisation
// of the Fellegi-Sunter model, and the use-dependent profiles. Plain values:
// the catalog's `linking` section and the job's profiles fill them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace portrait::identity {

// A family of blocking keys; two customers are a candidate pair when they
// share a key.
struct BlockingKey {
  enum class Kind : std::uint8_t {
    Attributes,   // the values of some attributes together (e.g. home and work cell)
    TopContacts,  // each of the customer's `count` most frequent contacts
    PresenceHash  // `count` min-hashes of the (hour, place) set: equal with chance = its Jaccard
  };
  Kind kind = Kind::Attributes;
  std::string name;                     // for reports and errors
  std::vector<std::size_t> attributes;  // Attributes: indices into LinkingInputs::attributes
  int count = 0;                        // TopContacts, PresenceHash
};

// One comparison of a pair: its levels are ordered, level 0 the least alike.
struct Comparison {
  enum class Kind : std::uint8_t {
    Equal,           // two levels: different, equal (every attribute of the comparison)
    ContactJaccard,  // |C_a ∩ C_b| / |C_a ∪ C_b| of the contact circles, in bands
    SharedHours,     // |P_a ∩ P_b| / min(|P_a|, |P_b|) of the (hour, place) sets, in bands
    SharedPlaces     // the distinct places of P_a ∩ P_b (seen together where), in bands of counts
  };
  Kind kind = Kind::Equal;
  std::string name;
  // Equal: indices into LinkingInputs::attributes, compared together (home
  // and work cells as one place pair: a family shares the home, colleagues
  // the work, one person both).
  std::vector<std::size_t> attributes;
  // Ascending lower bounds of levels 1, 2, ... (a value v is at the level of
  // the number of bounds <= v): shares in (0, 1], or counts of places.
  std::vector<double> bands;
  // Not Equal: a pair whose smaller set has fewer elements is missing (one
  // shared hour of two says little).
  std::size_t at_least = 1;

  int levels() const { return kind == Kind::Equal ? 2 : static_cast<int>(bands.size()) + 1; }
};

struct ExpectationMaximisation {
  int max_iterations = 500;
  double tolerance = 1e-10;           // largest change of any parameter that ends it
  double initial_match_share = 0.01;  // lambda before the first iteration
};

// Use-dependent strictness: a use of the person ids (recommendation,
// notification) links two customers when the match probability of their
// pair is at least `min_probability`.
struct LinkingProfile {
  std::string name;
  double min_probability = 0.9;
};

struct LinkingSettings {
  std::vector<BlockingKey> blocks;
  // A block (customers sharing one key) with more customers than this makes
  // no pairs: it is counted (blocks, customers, pairs not made) instead.
  std::int64_t max_block_customers = 1000;
  std::vector<Comparison> comparisons;
  int contact_circle = 16;  // most frequent contacts kept per customer
  int presence_limit = 64;  // (hour, place) observations kept per customer (bottom-k by hash)
  ExpectationMaximisation em;
  std::vector<LinkingProfile> profiles;
  // Scored pairs written out (for audits and curves): those at or above this.
  double write_pairs_above = 1.0;

  // Throws portrait::Error naming the setting when a value is unusable.
  void validate(std::size_t attribute_count) const;
};

}  // namespace portrait::identity

// src/identity/fellegi_sunter.hpp: the Fellegi-Sunter model of record
// linkage. A candidate pair is a match (one person) with probability lambda;
// given match or not, the comparisons are independent, comparison c at
// level l with probability m[c][l] (match) or u[c][l] (non-match). The
// parameters are estimated by expectation maximisation from the number of
// pairs of each comparison pattern: exact integer counts summed over ranks,
// so every rank runs the same iterations on the same numbers and gets the
// same bits, whatever the rank count.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "identity/linking_settings.hpp"
#include "identity/pair_comparison.hpp"

namespace portrait::identity {

struct FellegiSunterModel {
  double match_share = 0;                 // lambda
  std::vector<std::vector<double>> m, u;  // [comparison][level]
  int iterations = 0;
  bool converged = false;
  std::int64_t pairs = 0;  // trained on

  // P(match | pattern) = lambda M / (lambda M + (1 - lambda) U), with M and U
  // the products of m and u over the comparisons the pattern has a level for.
  double probability(const PatternSpace& space, std::uint32_t pattern) const;
  // log2(m / u) of one level; +-infinity where m or u is 0.
  double weight(std::size_t comparison, int level) const;
  // The sum of the pattern's level weights (missing levels add nothing).
  double match_weight(const PatternSpace& space, std::uint32_t pattern) const;
};

// Local and deterministic. counts[g] = pairs with pattern g (g < space.size()).
// Starts from u = each comparison's level shares over all pairs (matches
// are rare), m proportional to 4^level (agreement is likely for a match),
// lambda = em.initial_match_share; stops when no parameter changes by
// em.tolerance or more, or after em.max_iterations.
FellegiSunterModel train_fellegi_sunter(const PatternSpace& space, std::span<const std::int64_t> counts,
                                        const ExpectationMaximisation& em);

// The saved model (format "portrait-fellegi-sunter-1", docs/identity.md):
// settings, lambda, and per comparison and level: label, m, u, weight.
nlohmann::json to_json(const FellegiSunterModel& model, const LinkingSettings& settings);

}  // namespace portrait::identity

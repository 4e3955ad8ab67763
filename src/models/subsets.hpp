// src/models/subsets.hpp: which labelled customers a propensity model trains
// on, validates on (early stopping, choosing among candidates) and is judged
// on (the holdout). The subset is a function of the customer id alone, so it
// is the same for any rank count and for every candidate of a model.
#pragma once

#include <cstdint>

#include "core/hash.hpp"
#include "core/types.hpp"

namespace portrait::models {

enum class Subset : std::uint8_t { Training, Validation, Holdout };

// h = mix64(id ^ salt) % 100: h < holdout_percent is the holdout, the next
// validation_percent values the validation customers, the rest training.
// The holdout is the same as in_holdout() of the logistic model.
struct SubsetRule {
  int holdout_percent = 20;
  int validation_percent = 0;
  std::uint64_t salt = 0x706f727472616974ULL;

  Subset of(CustomerId id) const {
    const auto h = static_cast<int>(mix64(static_cast<std::uint64_t>(id) ^ salt) % 100);
    if (h < holdout_percent) return Subset::Holdout;
    return h < holdout_percent + validation_percent ? Subset::Validation : Subset::Training;
  }
};

}  // namespace portrait::models

// src/io/synthetic_propensity.hpp: the propensities `portrait gen` plants
// beside churn, as labels of the customers table (extra int8 columns, 1 =
// happened in the period) that models learn from the other channels:
//   handset_change   the customer changed handset;
//   data_order       the customer ordered a data product;
//   false_identity   the account was opened under a false identity (fraud).
// Each label is drawn with probability sigmoid(z), z a sum of effects of
// attributes the shards show (contract, handset, tenure, spend, interests,
// usage, contacts, movement; docs/shard-format.md lists them), so a model
// can learn it but never perfectly. Draws come from streams of their own:
// planting them changes no other value of the data set.
#pragma once

#include <array>
#include <cstdint>

#include "core/column.hpp"
#include "io/synthetic_model.hpp"

namespace portrait::io::synthetic {

inline constexpr std::array<const char*, 3> kPlantedLabels = {"handset_change", "data_order",
                                                              "false_identity"};

// Adds (or refills) the label columns of a customers table made by
// customers_records for the slots starting at first_slot (1-based).
void add_propensity_labels(const Options& o, const Population& p, std::int64_t first_slot, Table& customers);

}  // namespace portrait::io::synthetic

// src/io/synthetic_dirt.hpp: the faults of real source systems, planted at a
// given rate so validation and quarantine have something to find: unknown
// and zero customer ids, negative money, times outside the period, duplicated
// records and missing values.
#pragma once

#include <cstdint>

#include "core/column.hpp"
#include "io/synthetic_model.hpp"

namespace portrait::io::synthetic {

// Makes about options.dirty_rate of the rows of `table` (a channel table)
// dirty. `slice` names the shard (channel and slice) so the choice of rows
// is the same whichever rank writes the shard.
void add_dirt(const Options& options, std::uint64_t slice, Table& table);

}  // namespace portrait::io::synthetic

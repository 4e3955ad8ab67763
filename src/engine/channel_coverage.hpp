// src/engine/channel_coverage.hpp: does every channel have records in the
// period? An empty or missing shard of the period's billing otherwise gives
// a run that exits 0 with every billing tag at zero. After the group phase
// each rank counts its good records dated in the period, per channel; the
// ranks sum them; a channel without any is a warning, or an error when the
// job requires it (`inputs: require_channels`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/period.hpp"
#include "engine/grouped_customers.hpp"

namespace portrait::engine {

// Per channel of `channels` (customers first, counted as its rows), the
// rank's good records dated in `period` (billing: its month; others: a time
// in [start, end)). A channel without grouped records counts 0.
std::vector<std::int64_t> records_in_period(const GroupedCustomers& grouped,
                                            const std::vector<std::string>& channels, const Period& period);

// From the global counts of `records_in_period` over `channels` (the ones
// the shards hold): one warning per channel of `expected` (those the shards
// hold and those the catalog's facts read) with no record in the period.
// Throws portrait::Error naming `job_file` when a channel of `required` has
// none.
std::vector<std::string> check_channel_coverage(const std::vector<std::string>& channels,
                                                const std::vector<std::int64_t>& in_period,
                                                const std::vector<std::string>& expected,
                                                const std::vector<std::string>& required,
                                                const Period& period, const std::string& job_file);

}  // namespace portrait::engine

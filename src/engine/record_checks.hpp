// src/engine/record_checks.hpp: the checks a record passes on the rank that
// reads it, before it travels: a valid customer id, a time inside the run's
// window, no negative money, duration or volume. A failing record is marked
// with its Reason in the `_reason` column and travels on to its customer's
// owner like any other, so quarantined records are kept and written in the
// same deterministic order as the rest.
#pragma once

#include <string>

#include "core/column.hpp"
#include "engine/job.hpp"

namespace portrait::engine {

// Marks failing rows of `records` (which has a `_reason` column, 0 = good)
// with the first failing check's Reason. Rows already marked stay as they are.
void mark_bad_records(const std::string& channel, const JobSpec& job, Table& records);

}  // namespace portrait::engine

// src/engine/builtin_facts.hpp: the facts every run computes without a
// catalog: per customer and channel, the number of records and the sums of
// its money, duration and volume columns. They exercise the whole spine (and
// make a quick sanity table); catalog tags are computed beside them.
#pragma once

#include "core/column.hpp"
#include "engine/grouped_customers.hpp"

namespace portrait::engine {

// One row per customer of `grouped`, in its order: customer_id, bucket,
// <channel>_records, <channel>_<column>_sum. OpenMP over customer blocks;
// each value is computed by one thread in record order.
Table compute_builtin_facts(const GroupedCustomers& grouped);

}  // namespace portrait::engine

// src/engine/facts.hpp: fact aggregation kernels: each fact tag of a catalog
// computed for every customer of a CustomerBlock from its grouped records.
//
// Exact and deterministic: int64 sums accumulate in Int128 and are checked;
// averages are float64 from the exact sum and count; float sums run in record
// order. OpenMP threads take fixed-size ranges of customers (dynamic
// schedule); each customer's value is computed by one thread in record
// order, so results do not depend on the thread count.
#pragma once

#include "catalog/catalog.hpp"
#include "core/column.hpp"
#include "engine/customer_view.hpp"

namespace portrait::engine {

// Customers per OpenMP work item.
inline constexpr std::size_t kFactCustomers = 256;

// Computes one fact tag into `out` (resized to the block's customers, of
// catalog::storage_type(tag.type)). Throws portrait::Error when the channel or
// a column is absent, or an int64 sum overflows (naming the customer).
void compute_fact(const catalog::Tag& tag, const CustomerBlock& block, Column& out);

// Every computed (not offline) fact tag of the catalog, each into the column
// of `out` named by the tag id (added when absent, reused when present).
void compute_facts(const catalog::Catalog& catalog, const CustomerBlock& block, Table& out);

}  // namespace portrait::engine

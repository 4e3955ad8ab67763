// src/engine/customer_view.hpp: how one rank's customers and their records
// look when tags are computed: customers in (bucket, customer_id) order, and
// per channel the records grouped by customer through a CSR index.
#pragma once

#include <cstdint>
#include <map>
#include <span>
#include <string>

#include "core/column.hpp"
#include "core/period.hpp"
#include "core/types.hpp"
#include "engine/grouped_customers.hpp"

namespace portrait::engine {

// Customer i's records of a channel are rows [offsets[i], offsets[i + 1]) of
// `records`, sorted by time within the customer. offsets has customers + 1 entries.
struct GroupedChannel {
  const Table* records = nullptr;
  std::span<const std::uint64_t> offsets;
};

struct CustomerBlock {
  const Table* customers = nullptr;  // one row per customer
  std::map<std::string, GroupedChannel> channels;
  // Reference lookups (cells, domains), each sorted by its key column ascending.
  std::map<std::string, const Table*> references;
  UnixSeconds period_start = 0;  // the calendar month [period_start, period_end)
  UnixSeconds period_end = 0;

  std::size_t size() const { return customers == nullptr ? 0 : customers->rows(); }
};

// The view of a rank's grouped customers for `period`, without references.
inline CustomerBlock customer_block(const GroupedCustomers& grouped, const Period& period) {
  CustomerBlock block;
  block.customers = &grouped.customers;
  for (const auto& channel : grouped.channels)
    block.channels[channel.channel] = {&channel.records, channel.offsets};
  block.period_start = period.start();
  block.period_end = period.end();
  return block;
}

}  // namespace portrait::engine

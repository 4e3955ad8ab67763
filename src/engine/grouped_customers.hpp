// src/engine/grouped_customers.hpp: a rank's customers and their records after
// the shuffle, in the one order every tag computation uses: customers by
// (bucket, customer_id); each channel's records by (bucket, customer_id,
// time, record key), with a CSR index so that customer i's records of a
// channel are rows [offsets[i], offsets[i+1]).
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "core/column.hpp"

namespace portrait::engine {

struct ChannelRecords {
  std::string channel;
  Table records;
  std::vector<std::uint64_t> offsets;  // customers + 1 entries
};

struct GroupedCustomers {
  Table customers;             // one row per customer
  std::vector<Bucket> bucket;  // bucket of each customer
  std::vector<ChannelRecords> channels;
  // Quarantined records per channel (customers first, then as `channels`),
  // with their `_reason`, in the same order as good records.
  std::vector<Table> quarantine;

  std::size_t size() const { return customers.rows(); }
  const ChannelRecords* find(const std::string& channel) const;
};

}  // namespace portrait::engine

// src/engine/group.hpp: the group phase. Sorts the records a rank received
// into (bucket, customer_id, time, record key) order, quarantines duplicates,
// records of customers missing from the customers table and the largest
// money or volume values of a customer whose sum would overflow int64, and
// builds the customer index. The record key (`_record`: file ordinal and row) makes the
// order total, so it does not depend on arrival order, rank or thread count.
#pragma once

#include <utility>
#include <vector>

#include "engine/accounting.hpp"
#include "engine/grouped_customers.hpp"

namespace portrait::engine {

// `customers` and every table of `channels` carry `_record` (int64) and
// `_reason` (int8, 0 = good) columns. Accounting entry 0 is the customers
// channel, entry k is channels[k-1]: used and quarantined counts are added.
// The input tables are consumed.
void group_records(Table customers, std::vector<std::pair<std::string, Table>> channels,
                   std::uint32_t buckets, Accounting& accounting, GroupedCustomers& out);

// The CSR index of records over customers: customer c's records are rows
// [offsets[c], offsets[c+1]). Both id columns are in (bucket, customer_id)
// order and every record's customer is among `customer_id`.
std::vector<std::uint64_t> customer_offsets(const std::vector<CustomerId>& customer_id,
                                            const std::vector<CustomerId>& record_customer_id);

}  // namespace portrait::engine

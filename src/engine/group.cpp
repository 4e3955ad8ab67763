// src/engine/group.cpp: sorting, duplicate and unknown-customer checks, and
// the CSR customer index.
//
// The sort is a counting sort by bucket followed by independent sorts within
// each bucket, run in parallel over buckets: each bucket's order depends only
// on its records, so any thread count gives the same result.
#include "engine/group.hpp"

#include <omp.h>

#include <algorithm>
#include <numeric>
#include <stdexcept>

#include "core/hash.hpp"
#include "io/schema.hpp"

namespace portrait::engine {
namespace {

std::vector<std::int64_t> time_keys(const Table& table, const std::string& time_column) {
  std::vector<std::int64_t> keys(table.rows(), 0);
  if (time_column.empty()) return keys;
  table.column(time_column).visit([&](const auto& values) {
    for (std::size_t i = 0; i < values.size(); ++i) keys[i] = static_cast<std::int64_t>(values[i]);
  });
  return keys;
}

void permute(Table& table, const std::vector<std::uint32_t>& order) {
  Column scratch;
  for (std::size_t c = 0; c < table.column_count(); ++c) {
    Column& column = table.column(c);
    scratch = Column(column.type());
    scratch.gather(column, order);
    std::swap(column, scratch);
  }
}

// True when rows a and b agree on every column that is data (not `_record`
// or `_reason`).
bool same_record(const Table& t, std::size_t a, std::size_t b) {
  for (std::size_t c = 0; c < t.column_count(); ++c) {
    if (t.column_name(c).front() == '_') continue;
    const bool equal = t.column(c).visit([&](const auto& v) {
      using T = typename std::decay_t<decltype(v)>::value_type;
      if constexpr (std::is_floating_point_v<T>) {
        return v[a] == v[b] || (is_missing(v[a]) && is_missing(v[b]));
      } else {
        return v[a] == v[b];
      }
    });
    if (!equal) return false;
  }
  return true;
}

void mark(std::vector<std::int8_t>& reason, std::size_t i, Reason why) {
  if (reason[i] == 0) reason[i] = static_cast<std::int8_t>(why);
}

// Moves rows with a reason to `quarantine` (same columns), keeping order,
// and counts them.
void split_quarantine(Table& table, Table& quarantine, ChannelAccount& account) {
  const auto& reason = table.values<std::int8_t>("_reason");
  std::vector<std::uint32_t> good, bad;
  for (std::uint32_t i = 0; i < reason.size(); ++i) (reason[i] == 0 ? good : bad).push_back(i);
  quarantine = table.empty_like();
  for (std::size_t c = 0; c < table.column_count(); ++c) quarantine.column(c).gather(table.column(c), bad);
  for (auto i : bad) ++account.quarantined[static_cast<std::size_t>(reason[i])];
  if (!bad.empty()) permute(table, good);
  account.used += static_cast<std::int64_t>(good.size());
}

}  // namespace

void sort_by_customer(Table& table, const std::string& time_column, std::uint32_t buckets) {
  const std::size_t n = table.rows();
  if (n >= std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("a rank holds over 4 billion records of one channel: use more ranks");
  }
  const auto& id = table.values<std::int64_t>("customer_id");
  const auto& record = table.values<std::int64_t>("_record");
  const std::vector<std::int64_t> time = time_keys(table, time_column);

  std::vector<Bucket> bucket(n);
  std::vector<std::uint64_t> start(static_cast<std::size_t>(buckets) + 1, 0);
  for (std::size_t i = 0; i < n; ++i) {
    bucket[i] = bucket_of(id[i], buckets);
    ++start[bucket[i] + 1];
  }
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<std::uint32_t> order(n);
  {
    std::vector<std::uint64_t> next(start.begin(), start.end() - 1);
    for (std::uint32_t i = 0; i < n; ++i) order[next[bucket[i]]++] = i;
  }
  const auto less = [&](std::uint32_t a, std::uint32_t b) {
    if (id[a] != id[b]) return id[a] < id[b];
    if (time[a] != time[b]) return time[a] < time[b];
    return record[a] < record[b];
  };
#pragma omp parallel for schedule(dynamic, 16)
  for (std::int64_t b = 0; b < static_cast<std::int64_t>(buckets); ++b) {
    const auto first = order.begin() + static_cast<std::ptrdiff_t>(start[static_cast<std::size_t>(b)]);
    const auto last = order.begin() + static_cast<std::ptrdiff_t>(start[static_cast<std::size_t>(b) + 1]);
    std::sort(first, last, less);
  }
  permute(table, order);
}

void group_records(Table customers, std::vector<std::pair<std::string, Table>> channels,
                   std::uint32_t buckets, Accounting& accounting, GroupedCustomers& out) {
  // Customers: one row per customer id; later rows of the same id are duplicates.
  sort_by_customer(customers, "", buckets);
  {
    const auto& id = customers.values<std::int64_t>("customer_id");
    auto& reason = customers.values<std::int8_t>("_reason");
    std::int64_t previous_good = missing<std::int64_t>();
    for (std::size_t i = 0; i < id.size(); ++i) {
      if (reason[i] != 0) continue;
      if (id[i] == previous_good) {
        mark(reason, i, Reason::kDuplicate);
      } else {
        previous_good = id[i];
      }
    }
  }
  out.quarantine.assign(channels.size() + 1, Table());
  split_quarantine(customers, out.quarantine[0], accounting.channel(0));
  out.customers = std::move(customers);
  const auto& customer_id = out.customers.values<std::int64_t>("customer_id");
  out.bucket.resize(customer_id.size());
  for (std::size_t i = 0; i < customer_id.size(); ++i) out.bucket[i] = bucket_of(customer_id[i], buckets);

  out.channels.clear();
  for (std::size_t k = 0; k < channels.size(); ++k) {
    auto& [name, records] = channels[k];
    const std::string& time = io::channel_schema(name).time_column;
    sort_by_customer(records, time, buckets);
    const auto& id = records.values<std::int64_t>("customer_id");
    auto& reason = records.values<std::int8_t>("_reason");
    const std::vector<std::int64_t> t = time_keys(records, time);

    // Exact duplicates sit in the same (customer, time) run after the sort.
    for (std::size_t run = 0; run < id.size();) {
      std::size_t end = run + 1;
      while (end < id.size() && id[end] == id[run] && t[end] == t[run]) ++end;
      for (std::size_t i = run + 1; i < end; ++i) {
        for (std::size_t j = run; j < i; ++j) {
          if (reason[j] == 0 && reason[i] == 0 && same_record(records, i, j)) {
            mark(reason, i, Reason::kDuplicate);
            break;
          }
        }
      }
      run = end;
    }

    // Records of customers absent from the customers table; both are in
    // (bucket, customer_id) order, so one merge walk finds them.
    {
      std::size_t c = 0;
      for (std::size_t i = 0; i < id.size(); ++i) {
        if (reason[i] != 0) continue;
        const auto key = std::make_pair(bucket_of(id[i], buckets), id[i]);
        while (c < customer_id.size() && std::make_pair(out.bucket[c], customer_id[c]) < key) ++c;
        if (c == customer_id.size() || customer_id[c] != id[i]) mark(reason, i, Reason::kUnknownCustomer);
      }
    }
    split_quarantine(records, out.quarantine[k + 1], accounting.channel(k + 1));

    auto offsets = customer_offsets(customer_id, records.values<std::int64_t>("customer_id"));
    out.channels.push_back({name, std::move(records), std::move(offsets)});
  }
}

std::vector<std::uint64_t> customer_offsets(const std::vector<CustomerId>& customer_id,
                                            const std::vector<CustomerId>& record_customer_id) {
  std::vector<std::uint64_t> offsets(customer_id.size() + 1, 0);
  std::size_t r = 0;
  for (std::size_t c = 0; c < customer_id.size(); ++c) {
    offsets[c] = r;
    while (r < record_customer_id.size() && record_customer_id[r] == customer_id[c]) ++r;
  }
  offsets[customer_id.size()] = r;
  if (r != record_customer_id.size()) {
    throw std::logic_error("records of a customer outside the customer table reached the customer index");
  }
  return offsets;
}

const ChannelRecords* GroupedCustomers::find(const std::string& channel) const {
  for (const auto& c : channels) {
    if (c.channel == channel) return &c;
  }
  return nullptr;
}

}  // namespace portrait::engine

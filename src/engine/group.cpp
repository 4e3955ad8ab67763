// src/engine/group.cpp: sorting, the duplicate, unknown-customer and
// overflowing-sum checks, and the CSR customer index.
//
// A channel is put in order in two steps: a counting sort of row numbers by
// bucket, then, for each bucket independently and in parallel over buckets,
// a sort of compact keys (customer, time, record key, row) copied out of the
// columns. The checks run on the same sorted keys while they are in cache:
// duplicates sit in one (customer, time) run, a bucket's records meet
// the customers of the same bucket in one merge walk, and a customer's
// money and volume sums are checked on the customer's run. Each bucket's result
// depends only on its own records, so any thread count gives the same order
// and the same reasons. Finally every column is gathered once, good rows to
// the grouped table and quarantined rows to the quarantine, through spare
// buffers reused from column to column of a type (fresh pages are slow to
// touch).
#include "engine/group.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <limits>
#include <numeric>
#include <stdexcept>

#include "core/hash.hpp"
#include "io/schema.hpp"

namespace portrait::engine {
namespace {

// One record's place in the customer order.
struct SortKey {
  CustomerId customer;
  std::int64_t time;
  std::int64_t record;
  std::uint32_t row;

  friend bool operator<(const SortKey& a, const SortKey& b) {
    if (a.customer != b.customer) return a.customer < b.customer;
    if (a.time != b.time) return a.time < b.time;
    return a.record < b.record;
  }
};

// The good customers of a rank, in (bucket, customer_id) order: bucket b's
// are customer_id[start[b], start[b+1]).
struct CustomersByBucket {
  const std::vector<CustomerId>* customer_id = nullptr;
  std::vector<std::uint64_t> start;
};

// What to check while a bucket's keys are sorted.
enum class Checks {
  RepeatedCustomer,          // the customers table: a later row of the same id is a duplicate
  DuplicateAndUnknownRecord  // a channel: exact duplicates, then customers absent from the table
};

void mark(std::int8_t& reason, Reason why) {
  if (reason == 0) reason = static_cast<std::int8_t>(why);
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

// The int64 columns of a channel that are never negative (money, volumes):
// their sum over any of a customer's records is at most the sum over all.
std::vector<const std::vector<std::int64_t>*> summed_columns(const Table& table, const std::string& channel) {
  std::vector<const std::vector<std::int64_t>*> out;
  for (const auto& column : io::channel_schema(channel).columns) {
    if (column.sign == io::Sign::NonNegative && column.type == ColumnType::Int64 && table.has(column.name))
      out.push_back(&table.values<std::int64_t>(column.name));
  }
  return out;
}

// A customer's good records whose values of `values` sum beyond int64 (a
// corrupt amount): the largest values are quarantined until the rest fits,
// so every fact over the customer's records (a sum over a subset) fits too.
void quarantine_overflowing_sum(std::span<const SortKey> customer, const std::vector<std::int64_t>& values,
                                std::vector<std::int8_t>& reason) {
  std::int64_t sum = 0;
  bool overflow = false;
  for (const SortKey& key : customer) {
    const std::int64_t v = values[key.row];
    if (reason[key.row] == 0 && !is_missing(v)) overflow = overflow || __builtin_add_overflow(sum, v, &sum);
  }
  if (!overflow) return;
  std::vector<const SortKey*> largest;
  Int128 total = 0;
  for (const SortKey& key : customer) {
    const std::int64_t v = values[key.row];
    if (reason[key.row] != 0 || is_missing(v)) continue;
    largest.push_back(&key);
    total += v;
  }
  // Largest first; equal values in record order, so the choice is fixed.
  std::sort(largest.begin(), largest.end(), [&](const SortKey* a, const SortKey* b) {
    if (values[a->row] != values[b->row]) return values[a->row] > values[b->row];
    return *a < *b;
  });
  for (const SortKey* key : largest) {
    if (total <= std::numeric_limits<std::int64_t>::max()) break;
    total -= values[key->row];
    mark(reason[key->row], Reason::kSumOverflow);
  }
}

// Checks of one bucket's sorted keys; reasons are written only for the
// bucket's own rows, so buckets can be checked concurrently.
void check_bucket(const Table& table, std::span<const SortKey> keys, Checks checks,
                  std::span<const CustomerId> bucket_customers,
                  std::span<const std::vector<std::int64_t>* const> summed,
                  std::vector<std::int8_t>& reason) {
  if (checks == Checks::RepeatedCustomer) {
    for (std::size_t run = 0; run < keys.size();) {
      std::size_t end = run + 1;
      while (end < keys.size() && keys[end].customer == keys[run].customer) ++end;
      bool kept = false;
      for (std::size_t i = run; i < end; ++i) {
        std::int8_t& r = reason[keys[i].row];
        if (r != 0) continue;
        if (kept) mark(r, Reason::kDuplicate);
        kept = true;
      }
      run = end;
    }
    return;
  }
  // Exact duplicates sit in the same (customer, time) run; a record is a
  // duplicate of the first earlier good record equal to it.
  for (std::size_t run = 0; run < keys.size();) {
    std::size_t end = run + 1;
    while (end < keys.size() && keys[end].customer == keys[run].customer && keys[end].time == keys[run].time)
      ++end;
    for (std::size_t i = run + 1; i < end; ++i) {
      for (std::size_t j = run; j < i; ++j) {
        if (reason[keys[j].row] == 0 && reason[keys[i].row] == 0 &&
            same_record(table, keys[i].row, keys[j].row)) {
          mark(reason[keys[i].row], Reason::kDuplicate);
          break;
        }
      }
    }
    run = end;
  }
  // Records of customers absent from the customers table: both sides are
  // sorted by customer id within the bucket.
  std::size_t c = 0;
  for (const SortKey& key : keys) {
    std::int8_t& r = reason[key.row];
    if (r != 0) continue;
    while (c < bucket_customers.size() && bucket_customers[c] < key.customer) ++c;
    if (c == bucket_customers.size() || bucket_customers[c] != key.customer)
      mark(r, Reason::kUnknownCustomer);
  }
  if (summed.empty()) return;
  for (std::size_t run = 0; run < keys.size();) {
    std::size_t end = run + 1;
    while (end < keys.size() && keys[end].customer == keys[run].customer) ++end;
    for (const auto* values : summed)
      quarantine_overflowing_sum(keys.subspan(run, end - run), *values, reason);
    run = end;
  }
}

// The rows of `table` in (bucket, customer_id, time, _record) order, after
// running `checks` on every bucket (marking `_reason`).
template <class Time>
std::vector<std::uint32_t> sorted_rows_by_time(Table& table, const Time* time, std::uint32_t buckets,
                                               Checks checks, const CustomersByBucket* customers,
                                               std::span<const std::vector<std::int64_t>* const> summed) {
  const std::size_t n = table.rows();
  const auto& id = table.values<std::int64_t>("customer_id");
  const auto& record = table.values<std::int64_t>("_record");
  auto& reason = table.values<std::int8_t>("_reason");

  std::vector<Bucket> bucket(n);
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i) bucket[i] = bucket_of(id[i], buckets);
  std::vector<std::uint64_t> start(static_cast<std::size_t>(buckets) + 1, 0);
  for (std::size_t i = 0; i < n; ++i) ++start[bucket[i] + 1];
  std::partial_sum(start.begin(), start.end(), start.begin());
  std::vector<std::uint32_t> order(n);
  {
    std::vector<std::uint64_t> next(start.begin(), start.end() - 1);
    for (std::uint32_t i = 0; i < n; ++i) order[next[bucket[i]]++] = i;
  }

#pragma omp parallel
  {
    std::vector<SortKey> keys;  // this thread's, reused from bucket to bucket
#pragma omp for schedule(dynamic, 16)
    for (std::int64_t b = 0; b < static_cast<std::int64_t>(buckets); ++b) {
      const auto first = start[static_cast<std::size_t>(b)], last = start[static_cast<std::size_t>(b) + 1];
      keys.resize(last - first);
      for (auto k = first; k < last; ++k) {
        const std::uint32_t row = order[k];
        keys[k - first] = {id[row], time == nullptr ? 0 : static_cast<std::int64_t>(time[row]), record[row],
                           row};
      }
      std::sort(keys.begin(), keys.end());
      std::span<const CustomerId> bucket_customers;
      if (customers != nullptr) {
        const auto c0 = customers->start[static_cast<std::size_t>(b)];
        const auto c1 = customers->start[static_cast<std::size_t>(b) + 1];
        bucket_customers = std::span<const CustomerId>(customers->customer_id->data() + c0, c1 - c0);
      }
      check_bucket(table, keys, checks, bucket_customers, summed, reason);
      for (auto k = first; k < last; ++k) order[k] = keys[k - first].row;
    }
  }
  return order;
}

// `channel` names the table's channel (its schema); empty for the
// customers table.
std::vector<std::uint32_t> sorted_rows(Table& table, const std::string& channel, std::uint32_t buckets,
                                       Checks checks, const CustomersByBucket* customers) {
  if (table.rows() >= std::numeric_limits<std::uint32_t>::max()) {
    throw std::length_error("a rank holds over 4 billion records of one channel: use more ranks");
  }
  if (channel.empty()) {
    return sorted_rows_by_time<std::int64_t>(table, nullptr, buckets, checks, customers, {});
  }
  const auto summed = summed_columns(table, channel);
  return table.column(io::channel_schema(channel).time_column).visit([&](const auto& values) {
    return sorted_rows_by_time(table, values.data(), buckets, checks, customers, summed);
  });
}

// Gathers a table's columns in a new row order, in place, through a spare
// buffer per column type: after the swap the spare holds the old column,
// whose pages are already touched, for the next column of that type. A
// spare is released after the table's last column of its type, so it is
// held only while another column of the type remains to be gathered.
void reorder(Table& table, std::span<const std::uint32_t> rows) {
  std::array<Column, 5> spare;  // one per ColumnType
  for (std::size_t c = 0; c < table.column_count(); ++c) {
    Column& column = table.column(c);
    Column& s = spare[static_cast<std::size_t>(column.type())];
    if (s.type() != column.type()) s = Column(column.type());
    s.gather(column, rows);
    std::swap(column, s);
    bool used_again = false;
    for (std::size_t k = c + 1; k < table.column_count(); ++k)
      used_again |= table.column(k).type() == column.type();
    if (!used_again) s = Column(column.type());
  }
}

// Moves the rows with a reason to `quarantine` (same columns) and puts the
// good rows in `order`, both keeping `order`'s sequence; counts them.
void split_in_order(Table& table, const std::vector<std::uint32_t>& order, Table& quarantine,
                    ChannelAccount& account) {
  const auto& reason = table.values<std::int8_t>("_reason");
  std::vector<std::uint32_t> good, bad;
  good.reserve(order.size());
  for (const std::uint32_t row : order) (reason[row] == 0 ? good : bad).push_back(row);
  quarantine = table.empty_like();
  for (std::size_t c = 0; c < table.column_count(); ++c) quarantine.column(c).gather(table.column(c), bad);
  for (const std::uint32_t row : bad) ++account.quarantined[static_cast<std::size_t>(reason[row])];
  account.used += static_cast<std::int64_t>(good.size());
  reorder(table, good);
}

}  // namespace

void group_records(Table customers, std::vector<std::pair<std::string, Table>> channels,
                   std::uint32_t buckets, Accounting& accounting, GroupedCustomers& out) {
  out.quarantine.assign(channels.size() + 1, Table());
  {
    const auto order = sorted_rows(customers, {}, buckets, Checks::RepeatedCustomer, nullptr);
    split_in_order(customers, order, out.quarantine[0], accounting.channel(0));
  }
  out.customers = std::move(customers);
  const auto& customer_id = out.customers.values<std::int64_t>("customer_id");
  CustomersByBucket by_bucket{&customer_id,
                              std::vector<std::uint64_t>(static_cast<std::size_t>(buckets) + 1, 0)};
  out.bucket.resize(customer_id.size());
  for (std::size_t i = 0; i < customer_id.size(); ++i) {
    out.bucket[i] = bucket_of(customer_id[i], buckets);
    ++by_bucket.start[out.bucket[i] + 1];
  }
  std::partial_sum(by_bucket.start.begin(), by_bucket.start.end(), by_bucket.start.begin());

  out.channels.clear();
  for (std::size_t k = 0; k < channels.size(); ++k) {
    auto& [name, records] = channels[k];
    const auto order = sorted_rows(records, name, buckets, Checks::DuplicateAndUnknownRecord, &by_bucket);
    split_in_order(records, order, out.quarantine[k + 1], accounting.channel(k + 1));
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

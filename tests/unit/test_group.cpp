// tests/unit/test_group.cpp: the group phase: order, duplicates, unknown
// customers, the customer index and the accounting, on hand-made records;
// and the same result for any thread count.
#include <gtest/gtest.h>
#include <omp.h>

#include <algorithm>
#include <limits>

#include "core/hash.hpp"
#include "engine/group.hpp"

namespace portrait::engine {
namespace {

constexpr std::uint32_t kBuckets = 8;

Table customers_of(const std::vector<std::int64_t>& ids) {
  Table t("customers");
  t.add("customer_id", ColumnType::Int64).values<std::int64_t>() = ids;
  t.add("star_level", ColumnType::Int8).values<std::int8_t>().assign(ids.size(), 3);
  auto& record = t.add("_record", ColumnType::Int64).values<std::int64_t>();
  for (std::size_t i = 0; i < ids.size(); ++i) record[i] = static_cast<std::int64_t>(i);
  t.add("_reason", ColumnType::Int8).values<std::int8_t>().assign(ids.size(), 0);
  return t;
}

struct UsageRow {
  std::int64_t id, ts, charge, record;
};

Table usage_of(const std::vector<UsageRow>& rows) {
  Table t("usage");
  auto& id = t.add("customer_id", ColumnType::Int64).values<std::int64_t>();
  auto& ts = t.add("ts", ColumnType::Int64).values<std::int64_t>();
  auto& charge = t.add("charge", ColumnType::Int64).values<std::int64_t>();
  auto& record = t.add("_record", ColumnType::Int64).values<std::int64_t>();
  for (const auto& r : rows) {
    id.push_back(r.id);
    ts.push_back(r.ts);
    charge.push_back(r.charge);
    record.push_back(r.record);
  }
  t.add("_reason", ColumnType::Int8).values<std::int8_t>().assign(rows.size(), 0);
  return t;
}

GroupedCustomers group(Accounting& accounting) {
  // Customers 1..6, with 4 twice; usage in scrambled order with one exact
  // duplicate (id 2, ts 50), one near-duplicate (same time, other charge)
  // and a record of unknown customer 99.
  Table customers = customers_of({5, 4, 1, 6, 4, 2, 3});
  Table usage = usage_of({{2, 50, 10, 7},
                          {1, 20, 5, 3},
                          {99, 10, 1, 4},
                          {2, 50, 10, 1},
                          {2, 50, 11, 2},
                          {6, 30, 9, 5},
                          {1, 10, 5, 6}});
  std::vector<std::pair<std::string, Table>> channels;
  channels.emplace_back("usage", std::move(usage));
  GroupedCustomers out;
  group_records(std::move(customers), std::move(channels), kBuckets, accounting, out);
  return out;
}

TEST(Group, OrdersQuarantinesAndIndexes) {
  Accounting accounting({"customers", "usage"});
  accounting.channel(0).read = 7;
  accounting.channel(1).read = 7;
  const GroupedCustomers g = group(accounting);

  // Customers in (bucket, id) order, each once.
  const auto& ids = g.customers.values<std::int64_t>("customer_id");
  ASSERT_EQ(ids.size(), 6u);
  for (std::size_t i = 1; i < ids.size(); ++i) {
    EXPECT_LT(std::make_pair(bucket_of(ids[i - 1], kBuckets), ids[i - 1]),
              std::make_pair(bucket_of(ids[i], kBuckets), ids[i]));
  }
  EXPECT_EQ(g.quarantine[0].rows(), 1u);  // the second customer 4
  EXPECT_EQ(g.quarantine[0].values<std::int64_t>("_record")[0], 4);

  // Usage: the duplicate (record 7, later than record 1) and customer 99 are out.
  const ChannelRecords* usage = g.find("usage");
  ASSERT_NE(usage, nullptr);
  EXPECT_EQ(usage->records.rows(), 5u);
  ASSERT_EQ(g.quarantine[1].rows(), 2u);
  for (std::size_t i = 0; i < ids.size(); ++i) {
    const auto first = usage->offsets[i], last = usage->offsets[i + 1];
    std::vector<std::int64_t> records;
    for (auto r = first; r < last; ++r) {
      EXPECT_EQ(usage->records.values<std::int64_t>("customer_id")[r], ids[i]);
      records.push_back(usage->records.values<std::int64_t>("_record")[r]);
    }
    if (ids[i] == 1) {
      EXPECT_EQ(records, (std::vector<std::int64_t>{6, 3}));  // by time: ts 10, then 20
    } else if (ids[i] == 2) {
      EXPECT_EQ(records, (std::vector<std::int64_t>{1, 2}));  // same ts: by record key
    } else if (ids[i] == 3) {
      EXPECT_TRUE(records.empty());
    }
  }

  const auto& a = accounting.channels();
  EXPECT_EQ(a[0].used, 6);
  EXPECT_EQ(a[0].quarantined[static_cast<std::size_t>(Reason::kDuplicate)], 1);
  EXPECT_EQ(a[1].used, 5);
  EXPECT_EQ(a[1].quarantined[static_cast<std::size_t>(Reason::kDuplicate)], 1);
  EXPECT_EQ(a[1].quarantined[static_cast<std::size_t>(Reason::kUnknownCustomer)], 1);
  EXPECT_TRUE(accounting.unbalanced().empty());
}

TEST(Group, QuarantineInCustomerOrder) {
  // Invalid ids (0) arrive in scrambled record order; the quarantine lists
  // them by record key, like good rows, whatever the arrival order.
  Table t = customers_of({0, 5, 0, 0, 3, 0});
  t.values<std::int64_t>("_record") = {60, 1, 50, 40, 2, 30};
  t.values<std::int8_t>("_reason") = {1, 0, 1, 1, 0, 1};
  Accounting accounting({"customers"});
  GroupedCustomers g;
  group_records(std::move(t), {}, kBuckets, accounting, g);
  EXPECT_EQ(g.quarantine[0].values<std::int64_t>("_record"), (std::vector<std::int64_t>{30, 40, 50, 60}));
  EXPECT_EQ(g.customers.rows(), 2u);
}

TEST(Group, SameResultForAnyThreadCount) {
  // Many customers and records so that buckets are sorted and checked by
  // several threads; customers 1..450 of the 500 in the records, 21 of them
  // listed twice, and every 50th record repeated.
  auto grouped = [] {
    std::vector<std::int64_t> ids;
    for (std::int64_t id = 1; id <= 450; ++id) ids.push_back(id);
    for (std::int64_t id = 7; id <= 450; id += 22) ids.push_back(id);
    std::vector<UsageRow> rows;
    for (std::int64_t i = 0; i < 20000; ++i) {
      KeyedRandom rng(3, static_cast<std::uint64_t>(i));
      rows.push_back({1 + static_cast<std::int64_t>(rng.below(500)),
                      static_cast<std::int64_t>(rng.below(100)), static_cast<std::int64_t>(rng.below(7)), i});
      if (i % 50 == 0) rows.push_back({rows.back().id, rows.back().ts, rows.back().charge, 100000 + i});
    }
    Accounting accounting({"customers", "usage"});
    std::vector<std::pair<std::string, Table>> channels;
    channels.emplace_back("usage", usage_of(rows));
    GroupedCustomers out;
    group_records(customers_of(ids), std::move(channels), 64, accounting, out);
    return out;
  };
  const int threads_before = omp_get_max_threads();
  GroupedCustomers by_threads[2];
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    by_threads[threads - 1] = grouped();
  }
  const GroupedCustomers& one = by_threads[0];
  const GroupedCustomers& two = by_threads[1];
  EXPECT_EQ(one.customers.values<std::int64_t>("_record"), two.customers.values<std::int64_t>("_record"));
  EXPECT_EQ(one.channels[0].records.values<std::int64_t>("_record"),
            two.channels[0].records.values<std::int64_t>("_record"));
  EXPECT_EQ(one.channels[0].offsets, two.channels[0].offsets);
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_EQ(one.quarantine[k].values<std::int64_t>("_record"),
              two.quarantine[k].values<std::int64_t>("_record"));
    EXPECT_EQ(one.quarantine[k].values<std::int8_t>("_reason"),
              two.quarantine[k].values<std::int8_t>("_reason"));
  }
  // Both kinds of channel quarantine happened, so the checks ran in threads.
  const auto& reasons = one.quarantine[1].values<std::int8_t>("_reason");
  EXPECT_GT(std::count(reasons.begin(), reasons.end(), static_cast<std::int8_t>(Reason::kDuplicate)), 300);
  EXPECT_GT(std::count(reasons.begin(), reasons.end(), static_cast<std::int8_t>(Reason::kUnknownCustomer)),
            1000);
  EXPECT_EQ(one.quarantine[0].rows(), 21u);
  omp_set_num_threads(threads_before);
}

// A corrupt charge that would overflow a customer's int64 sum: the largest
// charges are quarantined until the rest fits, the customer's other records
// stay, and other customers are untouched.
TEST(Group, SumsThatOverflowQuarantineTheLargestValues) {
  constexpr std::int64_t kHuge = std::numeric_limits<std::int64_t>::max() / 2 + 10;
  Accounting accounting({"customers", "usage"});
  std::vector<std::pair<std::string, Table>> channels;
  // Customer 1: three huge charges (any two overflow) and two small ones:
  // the two largest go (of equal values, the first in record order first);
  // customer 2's sum fits.
  channels.emplace_back("usage", usage_of({{1, 10, kHuge, 1},
                                           {1, 20, 5, 2},
                                           {1, 30, kHuge, 3},
                                           {1, 40, kHuge - 1, 4},
                                           {1, 50, 7, 5},
                                           {2, 10, kHuge, 6},
                                           {2, 20, kHuge / 2, 7}}));
  GroupedCustomers g;
  group_records(customers_of({1, 2}), std::move(channels), kBuckets, accounting, g);
  const Table& q = g.quarantine[1];
  ASSERT_EQ(q.rows(), 2u);
  EXPECT_EQ(q.values<std::int64_t>("_record"), (std::vector<std::int64_t>{1, 3}));
  for (const auto r : q.values<std::int8_t>("_reason"))
    EXPECT_EQ(r, static_cast<std::int8_t>(Reason::kSumOverflow));
  EXPECT_EQ(g.find("usage")->records.values<std::int64_t>("_record"),
            (bucket_of(1, kBuckets) <= bucket_of(2, kBuckets) ? std::vector<std::int64_t>{2, 4, 5, 6, 7}
                                                              : std::vector<std::int64_t>{6, 7, 2, 4, 5}));
  EXPECT_EQ(accounting.channels()[1].quarantined[static_cast<std::size_t>(Reason::kSumOverflow)], 2);
}

}  // namespace
}  // namespace portrait::engine

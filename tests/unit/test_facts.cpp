// tests/unit/test_facts.cpp: every fact kind on a small hand-made block whose
// expected values are written by hand, int64 sum overflow, and identical
// columns for 1 and 2 OpenMP threads.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "catalog/input_schema.hpp"
#include "core/error.hpp"
#include "engine/facts.hpp"

namespace portrait::engine {
namespace {

constexpr std::int64_t kStart = 1709251200;  // 2024-03-01 00:00 UTC
constexpr std::int64_t kEnd = 1711929600;    // 2024-04-01 00:00 UTC
constexpr std::int64_t kHour = 3600, kDay = 86400;
constexpr std::int64_t M = std::numeric_limits<std::int64_t>::min();

const char* kCatalog = R"yaml(catalog: facts
categories:
  - id: c
    subcategories:
      - id: s
        tags:
          - {id: n_all, fact: {channel: usage, agg: count}}
          - {id: n_voice_night, fact: {channel: usage, agg: count, where: "kind == 0 and (hour(ts) >= 22 or hour(ts) < 6)"}}
          - {id: charge_sum, fact: {channel: usage, agg: sum, of: charge}}
          - {id: charge_avg, fact: {channel: usage, agg: avg, of: charge}}
          - {id: max_voice_s, fact: {channel: usage, agg: max, of: duration_s, where: "kind == 0"}}
          - {id: min_s, fact: {channel: usage, agg: min, of: duration_s}}
          - {id: peers, fact: {channel: usage, agg: count_distinct, of: peer}}
          - {id: top_cell, fact: {channel: usage, agg: most_frequent, of: cell_id}}
          - {id: top_store, fact: {channel: usage, agg: most_frequent, of: cell_id, lookup: {table: cells, value: store_id}}}
          - {id: first_cell, fact: {channel: usage, agg: first, of: cell_id}}
          - {id: last_cell, fact: {channel: usage, agg: last, of: cell_id}}
          - {id: voice_share, fact: {channel: usage, agg: share, when: "kind == 0"}}
          - {id: recent, fact: {channel: usage, agg: count, window: {last_days: 7}}}
          - {id: early, fact: {channel: usage, agg: count, window: {days_before_end: [7, 30]}}}
          - {id: two_months, fact: {channel: usage, agg: count, window: {last_months: 2}}}
          - {id: lat_sum, fact: {channel: usage, agg: sum, of: cell_id, lookup: {table: cells, value: lat}}}
          - {id: lat_avg, fact: {channel: usage, agg: avg, of: cell_id, lookup: {table: cells, value: lat}}}
          - {id: lat_max, fact: {channel: usage, agg: max, of: cell_id, lookup: {table: cells, value: lat}}}
          - {id: at_store2, fact: {channel: usage, agg: count, of: cell_id, lookup: {table: cells, value: store_id}, where: "cells.store_id == 2"}}
          - {id: arpu3, fact: {channel: billing, agg: avg, of: amount, window: {last_months: 3}}}
          - {id: bill_month, fact: {channel: billing, agg: sum, of: amount}}
          - {id: last_bill, fact: {channel: billing, agg: last, of: amount, window: {last_months: 3}}}
          - {id: unused, state: offline, fact: {channel: usage, agg: count}}
)yaml";

struct UsageRow {
  std::int64_t ts;
  std::int8_t kind;
  std::int32_t duration_s;
  std::int32_t cell_id;
  std::uint64_t peer;
  std::int64_t charge;
};

// Three customers (11: five records, 12: none, 13: two at the same second),
// March 2024, cells 100 -> store 1, 200 -> store 2, 300 -> store 2.
struct HandBlock {
  Table customers{"customers"}, usage{"usage"}, billing{"billing"}, cells{"cells"};
  std::vector<std::uint64_t> usage_offsets{0, 5, 5, 7}, billing_offsets{0, 2, 2, 3};
  CustomerBlock block;

  HandBlock() {
    customers.add("customer_id", ColumnType::Int64).values<std::int64_t>() = {11, 12, 13};
    const std::vector<UsageRow> rows = {
        {kStart - 10 * kDay, 0, 500, 300, 9, 50},              // February: outside the period
        {kStart + 1 * kDay + 23 * kHour, 0, 60, 100, 7, 10},   // night voice
        {kStart + 10 * kDay + 2 * kHour, 0, 120, 100, 8, 20},  // night voice
        {kStart + 20 * kDay + 12 * kHour, 2, 0, 200, 0, 30},   // data, no peer
        {kEnd - 2 * kDay + 1 * kHour, 0, 30, 200, 7, 40},      // night voice, last week
        {kStart + 5 * kDay + 3 * kHour, 1, 0, 300, 9, 5},      // customer 13: sms
        {kStart + 5 * kDay + 3 * kHour, 0, 10, 200, 9, M},     // same second, charge missing
    };
    // All columns first: Table::add may move the columns added before.
    usage.add("ts", ColumnType::Int64);
    usage.add("kind", ColumnType::Int8);
    usage.add("duration_s", ColumnType::Int32);
    usage.add("cell_id", ColumnType::Int32);
    usage.add("peer", ColumnType::UInt64);
    usage.add("charge", ColumnType::Int64);
    auto& ts = usage.values<std::int64_t>("ts");
    auto& kind = usage.values<std::int8_t>("kind");
    auto& duration = usage.values<std::int32_t>("duration_s");
    auto& cell = usage.values<std::int32_t>("cell_id");
    auto& peer = usage.values<std::uint64_t>("peer");
    auto& charge = usage.values<std::int64_t>("charge");
    for (const auto& r : rows) {
      ts.push_back(r.ts);
      kind.push_back(r.kind);
      duration.push_back(r.duration_s);
      cell.push_back(r.cell_id);
      peer.push_back(r.peer);
      charge.push_back(r.charge);
    }
    billing.add("month", ColumnType::Int32).values<std::int32_t>() = {202402, 202403, 202403};
    billing.add("amount", ColumnType::Int64).values<std::int64_t>() = {1000, 3001, M};
    cells.add("cell_id", ColumnType::Int32).values<std::int32_t>() = {100, 200, 300};
    cells.add("lat", ColumnType::Float64).values<double>() = {31.5, 31.25, 30.0};
    cells.add("store_id", ColumnType::Int32).values<std::int32_t>() = {1, 2, 2};
    block.customers = &customers;
    block.channels["usage"] = {&usage, usage_offsets};
    block.channels["billing"] = {&billing, billing_offsets};
    block.references["cells"] = &cells;
    block.period_start = kStart;
    block.period_end = kEnd;
  }
};

catalog::Catalog compile(const std::string& text) {
  return catalog::compile_catalog(text, "facts.yaml", catalog::input_schema());
}

std::vector<std::int64_t> ints(const Table& t, const std::string& name) {
  return t.values<std::int64_t>(name);
}
std::vector<double> floats(const Table& t, const std::string& name) { return t.values<double>(name); }

TEST(Facts, EveryKindOnAHandMadeBlock) {
  const auto catalog = compile(kCatalog);
  HandBlock hand;
  Table out("facts");
  compute_facts(catalog, hand.block, out);
  EXPECT_FALSE(out.has("unused"));
  using I = std::vector<std::int64_t>;
  EXPECT_EQ(ints(out, "n_all"), (I{4, 0, 2}));
  EXPECT_EQ(ints(out, "n_voice_night"), (I{3, 0, 1}));
  EXPECT_EQ(ints(out, "charge_sum"), (I{100, 0, 5}));  // missing charge skipped; no records sum to 0
  EXPECT_EQ(ints(out, "max_voice_s"), (I{120, M, 10}));
  EXPECT_EQ(ints(out, "min_s"), (I{0, M, 0}));
  EXPECT_EQ(ints(out, "peers"), (I{2, 0, 1}));         // peer 0 is "none"
  EXPECT_EQ(ints(out, "top_cell"), (I{100, M, 200}));  // ties: the smallest
  EXPECT_EQ(ints(out, "top_store"), (I{1, M, 2}));
  EXPECT_EQ(ints(out, "first_cell"), (I{100, M, 300}));  // same second: the first record
  EXPECT_EQ(ints(out, "last_cell"), (I{200, M, 200}));   // same second: the last record
  EXPECT_EQ(ints(out, "recent"), (I{1, 0, 0}));
  EXPECT_EQ(ints(out, "early"), (I{3, 0, 2}));
  EXPECT_EQ(ints(out, "two_months"), (I{5, 0, 2}));
  EXPECT_EQ(ints(out, "at_store2"), (I{2, 0, 2}));
  EXPECT_EQ(ints(out, "bill_month"), (I{3001, 0, 0}));
  EXPECT_EQ(ints(out, "last_bill"), (I{3001, M, M}));

  const auto a = floats(out, "charge_avg");
  EXPECT_EQ(a[0], 25.0);
  EXPECT_TRUE(std::isnan(a[1]));
  EXPECT_EQ(a[2], 5.0);
  const auto share = floats(out, "voice_share");
  EXPECT_EQ(share[0], 0.75);
  EXPECT_TRUE(std::isnan(share[1]));
  EXPECT_EQ(share[2], 0.5);
  const auto lat_sum = floats(out, "lat_sum");
  EXPECT_EQ(lat_sum[0], 125.5);
  EXPECT_EQ(lat_sum[1], 0.0);
  EXPECT_EQ(lat_sum[2], 61.25);
  const auto lat_avg = floats(out, "lat_avg");
  EXPECT_EQ(lat_avg[0], 31.375);
  EXPECT_EQ(lat_avg[2], 30.625);
  EXPECT_EQ(floats(out, "lat_max")[0], 31.5);
  EXPECT_TRUE(std::isnan(floats(out, "lat_max")[1]));
  const auto arpu = floats(out, "arpu3");
  EXPECT_EQ(arpu[0], 2000.5);  // (1000 + 3001) / 2 from the exact sum
  EXPECT_TRUE(std::isnan(arpu[1]));
  EXPECT_TRUE(std::isnan(arpu[2]));
}

TEST(Facts, LookupsAgreeWithAndWithoutTheDirectIndex) {
  // The cells as a dense table (looked up through a direct index) and with
  // one far-away key more (searched): the same values. Repeated keys take
  // their first row on both paths; a key absent from the table is missing.
  const auto catalog = compile(kCatalog);
  const std::vector<std::string> looked_up{"top_store", "lat_sum", "lat_avg", "lat_max", "at_store2"};
  const auto facts_with = [&](std::vector<std::int32_t> cell, std::vector<std::int32_t> store,
                              std::vector<double> lat) {
    HandBlock hand;
    hand.cells = Table("cells");
    hand.cells.add("cell_id", ColumnType::Int32).values<std::int32_t>() = std::move(cell);
    hand.cells.add("lat", ColumnType::Float64).values<double>() = std::move(lat);
    hand.cells.add("store_id", ColumnType::Int32).values<std::int32_t>() = std::move(store);
    Table out("facts");
    compute_facts(catalog, hand.block, out);
    Table picked("picked");
    for (const auto& name : looked_up) picked.add(name, out.column(name));
    return picked;
  };
  const auto same = [&](const Table& a, const Table& b) {
    for (const auto& name : looked_up) {
      a.column(name).visit([&](const auto& v) {
        using V = typename std::decay_t<decltype(v)>::value_type;
        const auto& w = b.column(name).values<V>();
        ASSERT_EQ(v.size(), w.size()) << name;
        EXPECT_EQ(std::memcmp(v.data(), w.data(), v.size() * sizeof(V)), 0) << name;
      });
    }
  };
  const Table dense = facts_with({100, 200, 300}, {1, 2, 2}, {31.5, 31.25, 30.0});
  same(dense, facts_with({100, 200, 300, 2'000'000'000}, {1, 2, 2, 9}, {31.5, 31.25, 30.0, 0.0}));
  same(dense, facts_with({100, 200, 200, 300}, {1, 2, 5, 2}, {31.5, 31.25, 99.0, 30.0}));
  same(dense,
       facts_with({100, 200, 200, 300, 2'000'000'000}, {1, 2, 5, 2, 9}, {31.5, 31.25, 99.0, 30.0, 0.0}));

  // Without cell 200: customer 11's two records there have no latitude.
  const Table without = facts_with({100, 300}, {1, 2}, {31.5, 30.0});
  same(without, facts_with({100, 300, 2'000'000'000}, {1, 2, 9}, {31.5, 30.0, 0.0}));
  EXPECT_EQ(without.values<double>("lat_sum")[0], 31.5 + 31.5);
  EXPECT_EQ(without.values<std::int64_t>("at_store2")[0], 0);
}

TEST(Facts, Int64SumOverflowIsAnErrorNamingTheCustomer) {
  const auto catalog = compile(kCatalog);
  HandBlock hand;
  hand.billing.values<std::int64_t>("amount") = {std::numeric_limits<std::int64_t>::max(), 1, M};
  // 202402 is outside the period: only 1 is summed for customer 11, no overflow.
  Column out;
  compute_fact(*catalog.find("bill_month"), hand.block, out);
  EXPECT_EQ(out.values<std::int64_t>(), (std::vector<std::int64_t>{1, 0, 0}));
  hand.billing.values<std::int32_t>("month") = {202403, 202403, 202403};
  try {
    compute_fact(*catalog.find("bill_month"), hand.block, out);
    FAIL() << "no overflow error";
  } catch (const Error& e) {
    EXPECT_EQ(e.problem(), "the sum of billing.amount overflows int64");
    EXPECT_EQ(e.where(), "fact 'bill_month', customer 11");
  }
}

TEST(Facts, OverflowIsReportedForTheFirstFactInEvaluationOrder) {
  // The usage facts are computed in one pass before the billing fact (usage
  // comes first), yet the billing fact is declared before the second usage
  // fact and both overflow: the error names the billing fact.
  const auto catalog = compile(R"yaml(catalog: overflow
categories:
  - id: c
    subcategories:
      - id: s
        tags:
          - {id: n_all, fact: {channel: usage, agg: count}}
          - {id: bill_month, fact: {channel: billing, agg: sum, of: amount}}
          - {id: charge_sum, fact: {channel: usage, agg: sum, of: charge}}
)yaml");
  HandBlock hand;
  hand.billing.values<std::int32_t>("month") = {202403, 202403, 202403};
  hand.billing.values<std::int64_t>("amount") = {std::numeric_limits<std::int64_t>::max(), 1, M};
  hand.usage.values<std::int64_t>("charge")[2] = std::numeric_limits<std::int64_t>::max();
  Table out("facts");
  try {
    compute_facts(catalog, hand.block, out);
    FAIL() << "no overflow error";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "fact 'bill_month', customer 11");
  }
  // Without the billing overflow, the usage one is reported.
  hand.billing.values<std::int64_t>("amount") = {1, 1, M};
  try {
    compute_facts(catalog, hand.block, out);
    FAIL() << "no overflow error";
  } catch (const Error& e) {
    EXPECT_EQ(e.where(), "fact 'charge_sum', customer 11");
  }
}

TEST(Facts, MissingChannelOrReferenceIsAnError) {
  const auto catalog = compile(kCatalog);
  HandBlock hand;
  hand.block.references.clear();
  Column out;
  EXPECT_THROW(compute_fact(*catalog.find("top_store"), hand.block, out), Error);
  hand.block.channels.erase("usage");
  EXPECT_THROW(compute_fact(*catalog.find("n_all"), hand.block, out), Error);
}

// Many customers with pseudo-random records over several work items.
TEST(Facts, OneAndTwoThreadsGiveIdenticalColumns) {
  const auto catalog = compile(kCatalog);
  HandBlock hand;
  const std::size_t n = 3 * kFactCustomers + 17;
  Table customers("customers"), usage = hand.usage.empty_like();
  auto& ids = customers.add("customer_id", ColumnType::Int64).values<std::int64_t>();
  std::vector<std::uint64_t> offsets{0};
  std::uint64_t state = 12345;
  const auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  for (std::size_t c = 0; c < n; ++c) {
    ids.push_back(static_cast<std::int64_t>(c + 1));
    const std::size_t records = next() % 40;
    std::int64_t t = kStart - 20 * kDay;
    for (std::size_t r = 0; r < records; ++r) {
      t += static_cast<std::int64_t>(next() % (2 * kDay));
      usage.values<std::int64_t>("ts").push_back(t);
      usage.values<std::int8_t>("kind").push_back(static_cast<std::int8_t>(next() % 3));
      usage.values<std::int32_t>("duration_s").push_back(static_cast<std::int32_t>(next() % 600));
      usage.values<std::int32_t>("cell_id").push_back(static_cast<std::int32_t>(100 * (1 + next() % 3)));
      usage.values<std::uint64_t>("peer").push_back(next() % 5);
      usage.values<std::int64_t>("charge").push_back(static_cast<std::int64_t>(next() % 1000));
    }
    offsets.push_back(usage.rows());
  }
  std::vector<std::uint64_t> billing_offsets(n + 1, 0);
  CustomerBlock block = hand.block;
  block.customers = &customers;
  block.channels["usage"] = {&usage, offsets};
  block.channels["billing"] = {&hand.billing, billing_offsets};

  const int threads = omp_get_max_threads();
  Table one("one"), two("two");
  omp_set_num_threads(1);
  compute_facts(catalog, block, one);
  omp_set_num_threads(2);
  compute_facts(catalog, block, two);
  omp_set_num_threads(threads);
  ASSERT_EQ(one.column_names(), two.column_names());
  for (std::size_t k = 0; k < one.column_count(); ++k) {
    const auto a = one.column(k).bytes(), b = two.column(k).bytes();
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size()), 0) << one.column_name(k);
  }
  // The block is non-trivial: customers with night voice calls exist.
  const auto& night = one.values<std::int64_t>("n_voice_night");
  EXPECT_GT(*std::max_element(night.begin(), night.end()), 0);
}

}  // namespace
}  // namespace portrait::engine

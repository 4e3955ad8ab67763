// tests/unit/test_synthetic_propensity.cpp: the planted handset-change,
// data-order and false-identity labels: their rates, the attributes that
// raise them, the same labels whatever slice of customers a shard holds,
// and dirt that leaves them (and every other column's dirt) as it was.
#include <gtest/gtest.h>

#include <cmath>

#include "io/schema.hpp"
#include "io/synthetic_channels.hpp"
#include "io/synthetic_dirt.hpp"
#include "io/synthetic_propensity.hpp"

namespace portrait::io::synthetic {
namespace {

constexpr std::int64_t kCustomers = 40000;

struct Month {
  Options o;
  Population p;
  Table customers;
  Month() {
    o.customers = kCustomers;
    o.period = {2024, 3};
    o.seed = 5;
    build_population(o, p);
    customers_records(o, p, 1, kCustomers + 1, customers);
    add_propensity_labels(o, p, 1, customers);
  }
};

const Month& month() {
  static const Month m;
  return m;
}

// The label's rate among customers with and without a condition.
template <class Condition>
std::pair<double, double> rates(const char* label, Condition condition) {
  const Month& m = month();
  const auto& y = m.customers.values<std::int8_t>(label);
  double with[2] = {0, 0}, without[2] = {0, 0};
  for (std::size_t i = 0; i < y.size(); ++i) {
    double* counts = condition(i) ? with : without;
    counts[0] += 1;
    counts[1] += y[i];
  }
  return {with[1] / with[0], without[1] / without[0]};
}

TEST(SyntheticPropensity, RatesAndWhatRaisesThem) {
  const Month& m = month();
  for (const char* label : kPlantedLabels) {
    const auto& y = m.customers.values<std::int8_t>(label);
    double positives = 0;
    for (const auto v : y) {
      ASSERT_TRUE(v == 0 || v == 1) << label;
      positives += v;
    }
    const double rate = positives / kCustomers;
    std::printf("%s: %.2f%%\n", label, 100 * rate);
    EXPECT_GT(rate, 0.01) << label;
    EXPECT_LT(rate, 0.2) << label;
  }
  const UnixSeconds end = m.o.period.end();
  const auto& contract_type = m.customers.values<std::int8_t>("contract_type");
  const auto& contract_end = m.customers.values<std::int64_t>("contract_end");
  const auto& join_date = m.customers.values<std::int64_t>("join_date");
  const auto [expiring, others] = rates("handset_change", [&](std::size_t i) {
    return contract_type[i] == 2 && contract_end[i] - end <= 92 * kSecondsPerDay;
  });
  EXPECT_GT(expiring, 3 * others);
  const auto [fans, rest] = rates("data_order", [&](std::size_t i) {
    const auto& interests = m.p.interests[i];
    return std::find(interests.begin(), interests.end(), 2) != interests.end() ||
           std::find(interests.begin(), interests.end(), 3) != interests.end();
  });
  EXPECT_GT(fans, 2 * rest);
  const auto [new_accounts, old_accounts] =
      rates("false_identity", [&](std::size_t i) { return end - join_date[i] < 4 * 2629800; });
  EXPECT_GT(new_accounts, 4 * old_accounts);
}

TEST(SyntheticPropensity, SameLabelsWhateverTheShardsSlice) {
  const Month& m = month();
  Table first, second;
  customers_records(m.o, m.p, 1, 1001, first);
  add_propensity_labels(m.o, m.p, 1, first);
  customers_records(m.o, m.p, 1001, 3001, second);
  add_propensity_labels(m.o, m.p, 1001, second);
  // A reused table is refilled, not given a second set of columns.
  customers_records(m.o, m.p, 1001, 3001, first);
  add_propensity_labels(m.o, m.p, 1001, first);
  for (const char* label : kPlantedLabels) {
    const auto& all = m.customers.values<std::int8_t>(label);
    EXPECT_EQ(first.values<std::int8_t>(label), second.values<std::int8_t>(label));
    EXPECT_TRUE(std::equal(second.values<std::int8_t>(label).begin(), second.values<std::int8_t>(label).end(),
                           all.begin() + 1000));
  }
  EXPECT_EQ(first.column_count(), make_channel_table("customers").column_count() + kPlantedLabels.size());
}

TEST(SyntheticPropensity, DirtLeavesTheLabelsAndEveryOtherColumnAsItWas) {
  const Month& m = month();
  Options dirty = m.o;
  dirty.dirty_rate = 0.3;
  Table plain, labelled;
  customers_records(dirty, m.p, 1, 5001, plain);
  customers_records(dirty, m.p, 1, 5001, labelled);
  add_propensity_labels(dirty, m.p, 1, labelled);
  const Table clean = labelled;
  add_dirt(dirty, 7, plain);
  add_dirt(dirty, 7, labelled);
  for (std::size_t c = 0; c < plain.column_count(); ++c) {
    EXPECT_EQ(plain.column(c).bytes().size(), labelled.column(c).bytes().size());
    EXPECT_TRUE(std::equal(plain.column(c).bytes().begin(), plain.column(c).bytes().end(),
                           labelled.column(c).bytes().begin()))
        << plain.column_name(c);
  }
  // Duplicated rows copy their labels with the rest; no label goes missing.
  const auto& ids = labelled.values<std::int64_t>("customer_id");
  for (const char* label : kPlantedLabels) {
    const auto& y = labelled.values<std::int8_t>(label);
    const auto& before = clean.values<std::int8_t>(label);
    for (std::size_t i = 0; i < y.size(); ++i) {
      ASSERT_FALSE(is_missing(y[i])) << label;
      if (i > 0 && ids[i] == ids[i - 1] && ids[i] > 0 && ids[i] <= kCustomers) {  // a duplicate
        EXPECT_EQ(y[i], y[i - 1]);
      } else if (ids[i] == clean.values<std::int64_t>("customer_id")[i]) {
        EXPECT_EQ(y[i], before[i]);
      }
    }
  }
}

}  // namespace
}  // namespace portrait::io::synthetic

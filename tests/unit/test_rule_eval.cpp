// tests/unit/test_rule_eval.cpp: rule tags over customer attributes, facts
// and other rules: expression rules, categorical rules (first match,
// default, no match), dependency order, and thread-count independence.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "catalog/input_schema.hpp"
#include "catalog/rule_eval.hpp"

namespace portrait::catalog {
namespace {

const char* kRules = R"yaml(catalog: rules
categories:
  - id: c
    subcategories:
      - id: s
        tags:
          - {id: bill, fact: {channel: billing, agg: sum, of: amount}}
          - {id: calls, fact: {channel: usage, agg: count}}
          - id: value
            rule:
              values:
                - {value: vip, when: "bill >= 20000 and star_level >= 4"}
                - {value: high, when: "bill >= 10000"}
                - {value: normal}
          - id: target
            rule: {expr: "value != \"normal\" and calls < 10"}
          - id: per_call
            rule: {expr: "bill / calls"}
          - id: loyal
            rule:
              values:
                - {value: yes, when: "customers.status == 0 and value == \"vip\""}
)yaml";

constexpr std::int64_t M = std::numeric_limits<std::int64_t>::min();
constexpr std::int8_t M8 = std::numeric_limits<std::int8_t>::min();
constexpr std::int32_t M32 = std::numeric_limits<std::int32_t>::min();

struct Tables {
  Table customers{"customers"}, tags{"tags"};
  Tables(std::vector<std::int8_t> star, std::vector<std::int8_t> status, std::vector<std::int64_t> bill,
         std::vector<std::int64_t> calls) {
    customers.add("star_level", ColumnType::Int8).values<std::int8_t>() = std::move(star);
    customers.add("status", ColumnType::Int8).values<std::int8_t>() = std::move(status);
    tags.add("bill", ColumnType::Int64).values<std::int64_t>() = std::move(bill);
    tags.add("calls", ColumnType::Int64).values<std::int64_t>() = std::move(calls);
  }
};

TEST(RuleEval, ExpressionAndCategoricalRulesInDependencyOrder) {
  const Catalog catalog = compile_catalog(kRules, "rules.yaml", input_schema());
  Tables t({5, 5, 1, M8, 4}, {0, 1, 0, 0, 0}, {25000, 25000, 12000, 30000, M}, {3, 20, 0, 5, 2});
  evaluate_rules(catalog, t.customers, t.tags);
  // value: vip / high / normal by the first matching condition; a missing bill matches nothing but the
  // default.
  EXPECT_EQ(t.tags.values<std::int32_t>("value"), (std::vector<std::int32_t>{0, 0, 1, 1, 2}));
  EXPECT_EQ(t.tags.values<std::int8_t>("target"), (std::vector<std::int8_t>{1, 0, 1, 1, 0}));
  const auto& per_call = t.tags.values<double>("per_call");
  EXPECT_EQ(per_call[0], 25000.0 / 3.0);
  EXPECT_EQ(per_call[1], 1250.0);
  EXPECT_TRUE(std::isnan(per_call[2]));  // division by zero
  EXPECT_EQ(per_call[3], 6000.0);
  EXPECT_TRUE(std::isnan(per_call[4]));
  // No default: customers matching no value are missing.
  EXPECT_EQ(t.tags.values<std::int32_t>("loyal"), (std::vector<std::int32_t>{0, M32, M32, M32, M32}));
}

TEST(RuleEval, RulesReadTheBoundsOfTheComputedMonth) {
  const char* text = R"yaml(catalog: period
categories:
  - id: c
    subcategories:
      - id: s
        tags:
          - id: tenure_days
            rule: {expr: "(period_end - customers.join_date) / 86400"}
          - id: month_days
            rule: {expr: "(period_end - period_start) / 86400"}
)yaml";
  const Catalog catalog = compile_catalog(text, "period.yaml", input_schema(parse_period("2024-02")));
  Table customers("customers"), tags("tags");
  const std::int64_t march_1st = parse_period("2024-03").start();
  customers.add("join_date", ColumnType::Int64).values<std::int64_t>() = {march_1st - 10 * 86400, M};
  evaluate_rules(catalog, customers, tags);
  EXPECT_EQ(tags.values<double>("tenure_days")[0], 10.0);
  EXPECT_TRUE(std::isnan(tags.values<double>("tenure_days")[1]));
  EXPECT_EQ(tags.values<double>("month_days"), (std::vector<double>{29.0, 29.0}));  // a leap February
}

TEST(RuleEval, OneAndTwoThreadsGiveIdenticalColumns) {
  const Catalog catalog = compile_catalog(kRules, "rules.yaml", input_schema());
  const std::size_t n = 2 * kBatch + 333;
  std::vector<std::int8_t> star(n), status(n);
  std::vector<std::int64_t> bill(n), calls(n);
  for (std::size_t i = 0; i < n; ++i) {
    star[i] = static_cast<std::int8_t>(1 + i % 5);
    status[i] = static_cast<std::int8_t>(i % 7 == 0);
    bill[i] = i % 11 == 0 ? M : static_cast<std::int64_t>((i * 7919) % 40000);
    calls[i] = static_cast<std::int64_t>(i % 13);
  }
  Tables one(star, status, bill, calls), two(star, status, bill, calls);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  evaluate_rules(catalog, one.customers, one.tags);
  omp_set_num_threads(2);
  evaluate_rules(catalog, two.customers, two.tags);
  omp_set_num_threads(threads);
  for (std::size_t k = 0; k < one.tags.column_count(); ++k) {
    const auto a = one.tags.column(k).bytes(), b = two.tags.column(k).bytes();
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size()), 0) << one.tags.column_name(k);
  }
  const auto& value = one.tags.values<std::int32_t>("value");
  EXPECT_GT(std::count(value.begin(), value.end(), 0), 0);  // some vip customers exist
}

}  // namespace
}  // namespace portrait::catalog

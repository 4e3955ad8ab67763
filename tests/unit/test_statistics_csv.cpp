// tests/unit/test_statistics_csv.cpp: statistics/<id>.csv writes a category
// group-by value as its label, as statistics.json does, numbers as numbers
// and missing values as empty fields.
#include <gtest/gtest.h>

#include "catalog/catalog.hpp"
#include "catalog/input_schema.hpp"
#include "engine/tag_phase.hpp"

namespace portrait::engine {
namespace {

TEST(StatisticsCsv, CategoriesAreWrittenAsTheirLabels) {
  const catalog::Catalog catalog = catalog::compile_catalog(
      "catalog: t\n"
      "categories:\n"
      "  - id: value\n"
      "    name: {zh: 价值, en: Value}\n"
      "    subcategories:\n"
      "      - id: spend\n"
      "        tags:\n"
      "          - id: arpu\n"
      "            fact: {channel: billing, agg: avg, of: amount}\n"
      "          - id: level\n"
      "            rule:\n"
      "              values:\n"
      "                - {value: high, when: \"arpu >= 100\"}\n"
      "                - {value: \"low, or none\"}\n"
      "statistics:\n"
      "  - id: by_level\n"
      "    group_by: [level, customers.region]\n"
      "    measures:\n"
      "      - {id: n, kind: count}\n",
      "t.yaml", catalog::input_schema());
  stats::GroupStats s;
  s.id = "by_level";
  s.group_by = {"level", "customers.region"};
  s.measures = {"n"};
  s.keys = {{missing<std::int64_t>(), 3}, {0, 3}, {1, missing<std::int64_t>()}};
  s.counts = {1, 2, 4};
  for (const auto n : s.counts) s.values.push_back({stats::StatValue{stats::StatValue::Kind::Int, n, 0.0}});
  EXPECT_EQ(statistics_csv(catalog, s),
            "level,customers.region,customers,n\n"
            ",3,1,1\n"
            "high,3,2,2\n"
            "\"low, or none\",,4,4\n");
  // statistics.json names the same groups by the same labels.
  const auto json = statistics_json(catalog, {s});
  EXPECT_EQ(json[0]["groups"][1]["level"], "high");
  EXPECT_EQ(json[0]["groups"][2]["level"], "low, or none");
}

}  // namespace
}  // namespace portrait::engine

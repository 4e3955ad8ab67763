// tests/unit/test_run_comparison.cpp: month over month without MPI: matching
// two runs' rows into a migration matrix with new and lost customers, value
// indexes across catalogs, the flat layout of the counts; and the report's
// pieces: escaping, histogram bars adding up to the counts, binning.
#include <gtest/gtest.h>

#include <regex>

#include "core/types.hpp"
#include "stats/run_comparison.hpp"
#include "stats/run_report.hpp"
#include "stats/svg_charts.hpp"

namespace portrait::stats {
namespace {

Table rows(const std::vector<std::pair<std::int32_t, std::int64_t>>& keys,
           const std::vector<std::int32_t>& codes) {
  Table t("customers");
  t.add("customer_id", ColumnType::Int64);
  t.add("bucket", ColumnType::Int32);
  t.add("segment", ColumnType::Int32);
  t.resize(keys.size());
  for (std::size_t i = 0; i < keys.size(); ++i) {
    t.values<std::int32_t>("bucket")[i] = keys[i].first;
    t.values<std::int64_t>("customer_id")[i] = keys[i].second;
    t.values<std::int32_t>("segment")[i] = codes[i];
  }
  return t;
}

TEST(RunComparison, MatchesCustomersIntoTheMigrationMatrix) {
  const std::int32_t none = missing<std::int32_t>();
  // Customer 5 is lost, 7 is new; 1 moves x -> y, 2 stays x, 9 goes from missing to y.
  const Table a = rows({{0, 1}, {0, 5}, {1, 2}, {1, 9}}, {0, 1, 0, none});
  const Table b = rows({{0, 1}, {0, 7}, {1, 2}, {1, 9}}, {1, 0, 0, 1});
  const std::vector<ComparedTag> tags = {categorical_tag("segment", {"x", "y"}, {"x", "y"}, true)};
  const BlockCounts c = count_blocks(a, b, tags);
  EXPECT_EQ(c.both, 3);
  EXPECT_EQ(c.added, 1);
  EXPECT_EQ(c.lost, 1);
  ASSERT_EQ(tags[0].values, (std::vector<std::string>{"x", "y", kMissingValue}));
  // Rows: value in A; columns: value in B.
  EXPECT_EQ(c.tags[0].matrix, (std::vector<std::int64_t>{1, 1, 0, 0, 0, 0, 0, 1, 0}));
  EXPECT_EQ(c.tags[0].lost_by, (std::vector<std::int64_t>{0, 1, 0}));
  EXPECT_EQ(c.tags[0].added_by, (std::vector<std::int64_t>{1, 0, 0}));
  EXPECT_EQ(c.tags[0].a, (std::vector<std::int64_t>{2, 1, 1}));
  EXPECT_EQ(c.tags[0].b, (std::vector<std::int64_t>{2, 2, 0}));

  BlockCounts back = c;
  std::vector<std::int64_t> doubled = c.flat();
  for (auto& v : doubled) v *= 2;
  back.assign_flat(doubled);
  EXPECT_EQ(back.both, 6);
  EXPECT_EQ(back.tags[0].matrix[1], 2);
  EXPECT_EQ(back.flat(), doubled);
}

TEST(RunComparison, ValuesOfTwoCatalogsAreTheUnionOfTheirLabels) {
  const ComparedTag tag = categorical_tag("level", {"low", "high"}, {"high", "mid", "low"}, false);
  EXPECT_EQ(tag.values, (std::vector<std::string>{"low", "high", "mid", kMissingValue}));
  EXPECT_EQ(tag.value_index(false, 1), 1U);
  EXPECT_EQ(tag.value_index(true, 0), 1U);  // "high" is code 0 in run B
  EXPECT_EQ(tag.value_index(true, 1), 2U);
  EXPECT_EQ(tag.value_index(true, 7), 3U);  // unknown codes count as missing
  EXPECT_EQ(tag.value_index(false, missing<std::int64_t>()), 3U);
}

TEST(RunComparison, SharesAndCsvQuoting) {
  EXPECT_DOUBLE_EQ(share_percent(1, 4), 25.0);
  EXPECT_DOUBLE_EQ(share_percent(3, 0), 0.0);
  RunComparison c;
  c.customers_a = 2;
  c.customers_b = 4;
  TagChange t;
  t.tag = categorical_tag("plan", {"a,b"}, {"a,b"}, false);
  t.counts.a = {1, 1};
  t.counts.b = {3, 1};
  c.tags.push_back(t);
  EXPECT_EQ(shares_csv(c),
            "tag,value,customers_a,customers_b,share_a,share_b,change_points\n"
            "plan,\"a,b\",1,3,50.0000,75.0000,25.0000\n"
            "plan,(missing),1,1,50.0000,25.0000,-25.0000\n");
}

TEST(SvgCharts, EscapesText) {
  EXPECT_EQ(escape_html("<a href=\"x\">&'</a>"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;");
  const std::string svg = bar_chart_svg({{"<script>", 3, "3 & more"}});
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(svg.find("3 &amp; more"), std::string::npos);
  const std::string table = heatmap_table_html({"<r>"}, {"c\""}, {5});
  EXPECT_NE(table.find("&lt;r&gt;"), std::string::npos);
  EXPECT_NE(table.find("c&quot;"), std::string::npos);
}

TEST(SvgCharts, HistogramBarsAddUpToTheCounts) {
  const std::vector<HistogramBin> bins = {{"[0, 10)", 7}, {"[10, 20)", 0}, {"[20, 30)", 120}, {"≥ 30", 3}};
  const std::string svg = histogram_svg(bins);
  const std::regex bar("<rect class=\"bar\" data-count=\"([0-9]+)\"[^>]*height=\"([0-9.]+)\"");
  std::int64_t total = 0;
  std::vector<double> heights;
  for (auto it = std::sregex_iterator(svg.begin(), svg.end(), bar); it != std::sregex_iterator(); ++it) {
    total += std::stoll((*it)[1]);
    heights.push_back(std::stod((*it)[2]));
  }
  ASSERT_EQ(heights.size(), bins.size());
  EXPECT_EQ(total, 130);
  EXPECT_EQ(heights[1], 0.0);
  EXPECT_GT(heights[2], heights[0]);  // heights follow the counts
  EXPECT_NEAR(heights[0] / heights[2], 7.0 / 120.0, 0.01);
}

TEST(ReportBinning, RoundStepsCoverEveryValue) {
  const Binning b = choose_binning(3, 97, 5000, true);
  EXPECT_EQ(b.step, 5);
  EXPECT_EQ(b.start, 0);
  EXPECT_TRUE(b.overflow);
  EXPECT_EQ(b.bin_of(3), 0U);
  EXPECT_EQ(b.bin_of(97), 19U);
  EXPECT_EQ(b.bin_of(5000), b.bins);
  EXPECT_EQ(b.labels(true).size(), b.bins + 1);
  EXPECT_EQ(b.labels(true).back(), "≥ 100");
  // A constant tag gets one bin; small integer ranges count each value.
  const Binning constant = choose_binning(4, 4, 4, true);
  EXPECT_EQ(constant.bins, 1U);
  EXPECT_FALSE(constant.overflow);
  EXPECT_EQ(choose_binning(0, 6, 6, true).labels(true).front(), "0");
  const Binning shares = choose_binning(0, 1, 1, false);
  EXPECT_DOUBLE_EQ(shares.step, 0.05);
  EXPECT_EQ(shares.bin_of(1.0), shares.bins - 1);
}

}  // namespace
}  // namespace portrait::stats

// tests/unit/test_catalog.cpp: compiling catalog YAML: hierarchy, lifecycle,
// fact specs, rule types, dependency order, merge policies, and every error
// with its exact file:line:column and hint.
#include <gtest/gtest.h>

#include <boost/archive/text_iarchive.hpp>
#include <boost/archive/text_oarchive.hpp>
#include <sstream>

#include "catalog/catalog.hpp"
#include "catalog/expr_eval.hpp"
#include "catalog/input_schema.hpp"
#include "core/error.hpp"

namespace portrait::catalog {
namespace {

// A catalog with one category and subcategory holding `tags` (indented by 10).
std::string with_tags(const std::string& tags, const std::string& tail = "") {
  return "catalog: t\n"                       // line 1
         "categories:\n"                      // 2
         "  - id: value\n"                    // 3
         "    name: {zh: 价值, en: Value}\n"  // 4
         "    subcategories:\n"               // 5
         "      - id: spend\n"                // 6
         "        tags:\n"                    // 7
         + tags + tail;                       // from line 8
}

Catalog compile(const std::string& text) { return compile_catalog(text, "t.yaml", input_schema()); }

Error error_of(const std::string& text) {
  try {
    compile(text);
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "no error for:\n" << text;
  return Error("none");
}

const std::string kArpu =
    "          - id: arpu\n            fact: {channel: billing, agg: avg, of: amount}\n";

TEST(Catalog, HierarchyNamesAndLifecycle) {
  const Catalog c = compile(with_tags(kArpu + "          - id: rich\n"
                                              "            name: {zh: 高价值, en: Rich}\n"
                                              "            state: draft\n"
                                              "            rule: {expr: \"arpu > 10000\"}\n"
                                              "          - id: old\n"
                                              "            state: offline\n"
                                              "            rule: {expr: \"arpu * 2\"}\n"));
  ASSERT_EQ(c.categories.size(), 1u);
  EXPECT_EQ(c.categories[0].name.zh, "价值");
  EXPECT_EQ(c.categories[0].subcategories[0].tags, (std::vector<std::string>{"arpu", "rich", "old"}));
  const Tag* rich = c.find("rich");
  ASSERT_NE(rich, nullptr);
  EXPECT_EQ(rich->name.zh, "高价值");
  EXPECT_EQ(rich->name.en, "Rich");
  EXPECT_EQ(rich->state, TagState::Draft);
  EXPECT_EQ(rich->type, ValueType::Bool);
  EXPECT_EQ(rich->category, "value");
  EXPECT_EQ(rich->subcategory, "spend");
  EXPECT_EQ(rich->depends_on, (std::vector<std::string>{"arpu"}));
  EXPECT_EQ(rich->location.to_string(), "t.yaml:10:17");
  EXPECT_EQ(c.find("old")->state, TagState::Offline);
  // Offline tags are compiled (checked) but not computed.
  EXPECT_EQ(c.evaluation, (std::vector<std::size_t>{0, 1}));
  EXPECT_EQ(c.fact_count(), 1u);
  EXPECT_EQ(c.rule_count(), 2u);
}

TEST(Catalog, FactSpecsAndTypes) {
  const Catalog c = compile(with_tags(
      "          - id: n\n"
      "            fact: {channel: usage, agg: count, where: \"hour(ts) < 6\", window: {last_days: 30}}\n"
      "          - id: total\n"
      "            fact: {channel: billing, agg: sum, of: amount, window: {last_months: 3}}\n"
      "          - id: store\n"
      "            fact: {channel: usage, agg: most_frequent, of: cell_id, lookup: {table: cells, value: "
      "store_id}}\n"
      "          - id: lat\n"
      "            fact: {channel: usage, agg: last, of: cell_id, lookup: {table: cells, value: lat}}\n"
      "          - id: video\n"
      "            fact: {channel: web, agg: share, of: domain_id, lookup: {table: domains, value: "
      "category1},"
      " when: \"domains.category1 == 3\", window: {days_before_end: [0, 7]}}\n"));
  const Tag& n = *c.find("n");
  EXPECT_EQ(n.kind, TagKind::Fact);
  EXPECT_EQ(n.type, ValueType::Int);
  EXPECT_EQ(n.fact.agg, FactAgg::Count);
  EXPECT_EQ(n.fact.window.kind, Window::Kind::LastDays);
  EXPECT_EQ(n.fact.window.n, 30);
  EXPECT_EQ(n.fact.time_column, "ts");
  ASSERT_TRUE(n.fact.where.has_value());
  EXPECT_EQ(n.fact.where->inputs, (std::vector<std::string>{"ts"}));
  EXPECT_EQ(c.find("total")->type, ValueType::Int);
  EXPECT_EQ(c.find("total")->fact.time_kind, TimeKind::YearMonth);
  EXPECT_EQ(c.find("store")->fact.lookup->value, "store_id");
  EXPECT_EQ(c.find("lat")->type, ValueType::Float);
  const Tag& video = *c.find("video");
  EXPECT_EQ(video.type, ValueType::Float);
  EXPECT_EQ(video.fact.when->inputs, (std::vector<std::string>{"domains.category1"}));
  EXPECT_EQ(video.fact.window.kind, Window::Kind::DaysBeforeEnd);
  EXPECT_EQ(video.fact.window.m, 7);
}

TEST(Catalog, CategoricalRulesAndDependencyOrder) {
  const Catalog c = compile(
      with_tags(kArpu + "          - id: top\n"
                        "            rule: {expr: \"level == \\\"high\\\" and region == 3\"}\n"
                        "          - id: level\n"
                        "            rule:\n"
                        "              values:\n"
                        "                - {value: high, name: {zh: 高, en: High}, when: \"arpu >= 100\"}\n"
                        "                - {value: low}\n"));
  const Tag& level = *c.find("level");
  EXPECT_EQ(level.type, ValueType::Category);
  EXPECT_EQ(level.labels, (std::vector<std::string>{"high", "low"}));
  EXPECT_EQ(level.rule.values[0].name.en, "High");
  EXPECT_TRUE(level.rule.values[0].when.has_value());
  EXPECT_FALSE(level.rule.values[1].when.has_value());
  // `top` is declared first but reads `level`: level is evaluated first.
  EXPECT_EQ(c.evaluation, (std::vector<std::size_t>{0, 2, 1}));
  EXPECT_EQ(c.find("top")->rule.expr->inputs, (std::vector<std::string>{"level", "customers.region"}));
}

TEST(Catalog, CycleIsReportedWithItsPathAndPlace) {
  const Error e =
      error_of(with_tags("          - id: a\n"
                         "            rule: {expr: \"b + 1\"}\n"
                         "          - id: b\n"
                         "            rule: {expr: \"1 + a\"}\n"));
  EXPECT_EQ(e.problem(), "dependency cycle: a -> b -> a\n    1 + a\n        ^");
  EXPECT_EQ(e.where(), "t.yaml:11:31");
  const Error self = error_of(with_tags("          - id: a\n            rule: {expr: \"a + 1\"}\n"));
  EXPECT_EQ(self.where(), "t.yaml:9:27");
  EXPECT_NE(self.problem().find("dependency cycle: a -> a"), std::string::npos);
}

TEST(Catalog, ExpressionErrorsAreLocatedInTheFile) {
  Error e = error_of(with_tags(kArpu + "          - id: r\n            rule: {expr: \"arpu_avg > 1\"}\n"));
  EXPECT_EQ(e.where(), "t.yaml:11:27");
  EXPECT_EQ(e.problem(), "unknown name 'arpu_avg'\n    arpu_avg > 1\n    ^^^^^^^^");
  EXPECT_EQ(e.hint(), "did you mean 'arpu'?");
  // Plain (unquoted) scalar.
  e = error_of(with_tags(kArpu + "          - id: r\n            rule: {expr: arpu + regoin}\n"));
  EXPECT_EQ(e.where(), "t.yaml:11:33");
  EXPECT_EQ(e.hint(), "did you mean 'region'?");
  // Block scalar: the line and column inside the block.
  e = error_of(with_tags(kArpu + "          - id: r\n            rule:\n              expr: |\n"
                                 "                arpu > 1 and\n                  star_levl > 2\n"));
  EXPECT_EQ(e.where(), "t.yaml:14:19");
  EXPECT_EQ(e.hint(), "did you mean 'star_level'?");
  // Escapes inside quotes: the column counts source bytes.
  e =
      error_of(with_tags(
          kArpu + "          - id: l\n            rule:\n              values:\n"
                  "                - {value: x, when: \"arpu > 1\"}\n"
                  "          - id: r\n            rule: {expr: \"l == \\\"x\\\" and l == \\\"y\\\"\"}\n"));
  EXPECT_EQ(e.where(), "t.yaml:15:47");
  EXPECT_EQ(e.problem().substr(0, 25), "'y' is not a value of 'l'");
  e = error_of(
      with_tags(kArpu + "          - id: r\n            rule: {expr: 'arpu > 1 and ''x'' == arpu'}\n"));
  EXPECT_EQ(e.where(), "t.yaml:11:40");
  // A type error in a fact's where.
  e = error_of(
      with_tags("          - id: n\n            fact: {channel: usage, agg: count, where: \"kind + 1\"}\n"));
  EXPECT_EQ(e.where(), "t.yaml:9:56");
  EXPECT_EQ(e.problem(), "expected a bool expression, got int\n    kind + 1\n    ^^^^^^^^");
  // Names of another channel are not visible in a where.
  e = error_of(with_tags(
      "          - id: n\n            fact: {channel: web, agg: count, where: \"duration_s > 0\"}\n"));
  EXPECT_EQ(e.problem().substr(0, 25), "unknown name 'duration_s'");
}

TEST(Catalog, FactErrorsNameThePlaceAndAFix) {
  Error e = error_of(with_tags("          - id: n\n            fact: {channel: usgae, agg: count}\n"));
  EXPECT_EQ(e.where(), "t.yaml:9:29");
  EXPECT_EQ(e.problem(), "unknown channel 'usgae'\n    fact: {channel: usgae, agg: count}");
  EXPECT_EQ(e.hint(), "did you mean 'usage'?");
  e = error_of(with_tags("          - id: n\n            fact: {channel: usage, agg: cont}\n"));
  EXPECT_EQ(e.where(), "t.yaml:9:41");
  EXPECT_EQ(e.hint(), "did you mean 'count'?");
  e = error_of(with_tags("          - id: n\n            fact: {channel: usage, agg: sum, of: byts}\n"));
  EXPECT_EQ(e.problem().substr(0, 37), "channel 'usage' has no column 'byts'\n");
  EXPECT_EQ(e.hint(), "did you mean 'bytes'?");
  e = error_of(with_tags("          - id: n\n            fact: {channel: usage, agg: sum, of: peer}\n"));
  EXPECT_EQ(e.problem().substr(0, 44), "sum of 'peer', a hash column, has no meaning");
  e = error_of(with_tags("          - id: n\n            fact: {channel: usage, agg: share}\n"));
  EXPECT_EQ(e.problem().substr(0, 62), "share needs 'when': the condition of the records it counts\n   ");
  e = error_of(with_tags("          - id: n\n            fact: {channel: customers, agg: count}\n"));
  EXPECT_EQ(e.hint(), "use a rule over customers.<column>");
  e =
      error_of(with_tags("          - id: n\n            fact: {channel: usage, agg: last, of: ts, lookup: "
                         "{table: cells, value: store}}\n"));
  EXPECT_EQ(e.problem().substr(0, 40), "'cells' is looked up by 'cell_id', not '");
  e = error_of(
      with_tags("          - id: n\n            fact: {channel: usage, agg: count, whre: \"kind == 0\"}\n"));
  EXPECT_EQ(e.where(), "t.yaml:9:48");
  EXPECT_EQ(e.hint(), "did you mean 'where'?");
}

TEST(Catalog, BadWindows) {
  const auto window = [](const std::string& w, const std::string& channel = "usage") {
    return error_of(with_tags("          - id: n\n            fact: {channel: " + channel +
                              ", agg: count, window: " + w + "}\n"));
  };
  Error e = window("{last_days: 0}");
  EXPECT_EQ(e.problem().substr(0, 52), "bad window: last_days must be between 1 and 3660, go");
  EXPECT_EQ(e.where(), "t.yaml:9:68");
  e = window("{days_before_end: [90, 30]}");
  EXPECT_EQ(e.problem().substr(0, 45), "bad window: days_before_end [90, 30] is empty");
  EXPECT_EQ(e.hint(), "N is the nearer bound and must be less than M, e.g. [30, 90]");
  e = window("{days_before_end: [30]}");
  EXPECT_EQ(e.problem().substr(0, 40), "bad window: days_before_end takes [N, M]");
  e = window("{last_weeks: 2}");
  EXPECT_EQ(e.problem().substr(0, 24), "unknown key 'last_weeks'");
  EXPECT_EQ(e.hint(), "known keys: last_days, last_months, days_before_end");
  e = window("yesterday");
  EXPECT_EQ(e.problem().substr(0, 27), "bad window 'yesterday'\n    ");
  e = window("{last_days: 7}", "billing");
  EXPECT_EQ(e.problem().substr(0, 51), "bad window: 'billing' has one record per month\n    ");
  e = window("{last_months: x}");
  EXPECT_EQ(e.problem().substr(0, 47), "bad window: last_months must be a whole number\n");
}

TEST(Catalog, TagErrors) {
  Error e = error_of(with_tags(kArpu + kArpu));
  EXPECT_EQ(e.where(), "t.yaml:10:17");
  EXPECT_EQ(e.hint(), "the first is at t.yaml:8:17");
  e = error_of(with_tags("          - id: region\n            rule: {expr: \"1\"}\n"));
  EXPECT_EQ(e.problem().substr(0, 46), "tag 'region' has the name of a customer attrib");
  e = error_of(with_tags("          - id: Bad-Name\n            rule: {expr: \"1\"}\n"));
  EXPECT_EQ(e.problem().substr(0, 39), "tag id 'Bad-Name' is not a valid name\n ");
  e = error_of(with_tags("          - id: a\n            state: live\n            rule: {expr: \"1\"}\n"));
  EXPECT_EQ(e.where(), "t.yaml:9:20");
  EXPECT_EQ(e.hint(), "a tag is draft, online or offline");
  e = error_of(with_tags("          - id: between\n            rule: {expr: \"1\"}\n"));
  EXPECT_EQ(e.problem().substr(0, e.problem().find('\n')),
            "tag id 'between' is a reserved name of expressions");
  e = error_of(with_tags("          - id: period_end\n            rule: {expr: \"1\"}\n"));
  EXPECT_EQ(e.problem().substr(0, e.problem().find('\n')),
            "tag id 'period_end' is a reserved name of expressions");
  for (const char* key : {"bucket", "person_id"}) {
    e = error_of(with_tags("          - id: " + std::string(key) + "\n            rule: {expr: \"1\"}\n"));
    EXPECT_EQ(e.problem().substr(0, e.problem().find('\n')),
              "tag id '" + std::string(key) + "' is a key column of the tag table");
  }
  e = error_of(with_tags("          - id: a\n"));
  EXPECT_EQ(e.problem().substr(0, 35), "tag 'a' has neither 'fact' nor 'rul");
  e =
      error_of(with_tags(
          kArpu + "          - id: old\n            state: offline\n            rule: {expr: \"arpu\"}\n"
                  "          - id: r\n            rule: {expr: \"old + 1\"}\n"));
  EXPECT_EQ(e.where(), "t.yaml:14:27");
  EXPECT_EQ(e.problem().substr(0, 34), "'old' is offline and not computed\n");
  e = error_of(with_tags(kArpu +
                         "          - id: l\n            rule:\n              values:\n"
                         "                - {value: x}\n                - {value: y, when: \"arpu > 1\"}\n"));
  EXPECT_EQ(e.problem().substr(0, 51), "only the last value may omit 'when' (it is the defa");
  EXPECT_EQ(e.where(), "t.yaml:13:19");
  e = error_of(with_tags(kArpu + "          - id: l\n            rule:\n              values:\n"
                                 "                - {value: x, when: \"arpu\"}\n"));
  EXPECT_EQ(e.problem().substr(0, 37), "expected a bool expression, got float");
}

TEST(Catalog, StatisticsAreChecked) {
  const std::string tags =
      kArpu +
      "          - id: level\n            rule:\n              values:\n"
      "                - {value: high, when: \"arpu >= 100\"}\n                - {value: low}\n";
  const Catalog c = compile(with_tags(tags,
                                      "statistics:\n"
                                      "  - id: by_level\n"
                                      "    group_by: [level, customers.region]\n"
                                      "    measures:\n"
                                      "      - {id: n, kind: count}\n"
                                      "      - {id: arpu_p90, kind: p90, of: arpu}\n"
                                      "      - {id: churn, kind: share, when: \"status == 1\"}\n"));
  ASSERT_EQ(c.statistics.size(), 1u);
  EXPECT_EQ(c.statistics[0].group_by, (std::vector<std::string>{"level", "customers.region"}));
  EXPECT_EQ(c.statistics[0].measures[1].kind, MeasureKind::P90);
  EXPECT_EQ(c.statistics[0].measures[2].when->inputs, (std::vector<std::string>{"customers.status"}));
  Error e = error_of(with_tags(tags, "statistics:\n  - id: s\n    group_by: [levl]\n    measures: []\n"));
  EXPECT_EQ(e.where(), "t.yaml:17:16");
  EXPECT_EQ(e.hint(), "did you mean 'level'?");
  e = error_of(with_tags(tags, "statistics:\n  - id: s\n    group_by: arpu\n    measures: []\n"));
  EXPECT_EQ(e.problem().substr(0, 36), "cannot group by 'arpu', a float\n    ");
  e = error_of(with_tags(tags,
                         "statistics:\n  - id: s\n    group_by: level\n    measures:\n"
                         "      - {id: m, kind: median, of: level}\n"));
  EXPECT_EQ(e.problem().substr(0, 43), "median needs a number; 'level' is category\n");
  e = error_of(with_tags(tags,
                         "statistics:\n  - id: s\n    group_by: level\n    measures:\n"
                         "      - {id: m, kind: mean, of: arpu}\n"));
  EXPECT_EQ(e.where(), "t.yaml:19:23");
}

TEST(Catalog, YamlSyntaxErrorsHaveTheirPlace) {
  Error e = error_of("catalog: x\ncategories:\n  - id: a\n   bad: [1, 2\n");
  EXPECT_EQ(e.problem().substr(0, 18), "YAML syntax error:");
  EXPECT_EQ(e.where().substr(0, 7), "t.yaml:");
  e = error_of("- just\n- a list\n");
  EXPECT_EQ(e.where(), "t.yaml:1:1");
  e = error_of("catalog: x\ncategories: []\nextra: 1\n");
  EXPECT_EQ(e.where(), "t.yaml:3:1");
  EXPECT_EQ(e.problem(), "unknown key 'extra'\n    extra: 1");
}

TEST(Catalog, WindowRanges) {
  // Period March 2024 (UTC).
  const std::int64_t start = days_from_civil(2024, 3, 1) * 86400, end = days_from_civil(2024, 4, 1) * 86400;
  Window w;
  EXPECT_EQ(window_range(w, start, end).start, start);
  w.kind = Window::Kind::LastDays;
  w.n = 7;
  EXPECT_EQ(window_range(w, start, end).start, end - 7 * 86400);
  w.kind = Window::Kind::LastMonths;
  w.n = 3;
  EXPECT_EQ(window_range(w, start, end).start, days_from_civil(2024, 1, 1) * 86400);
  w.n = 4;
  EXPECT_EQ(window_range(w, start, end).start, days_from_civil(2023, 12, 1) * 86400);
  EXPECT_EQ(window_range(w, start, end).end, end);
  w.kind = Window::Kind::DaysBeforeEnd;
  w.n = 30;
  w.m = 90;
  EXPECT_EQ(window_range(w, start, end).start, end - 90 * 86400);
  EXPECT_EQ(window_range(w, start, end).end, end - 30 * 86400);
}

TEST(Catalog, SourceSerialisesAndCompilesTheSameOnEveryRank) {
  const CatalogSource source{"t.yaml", with_tags(kArpu)};
  std::stringstream buffer;
  {
    boost::archive::text_oarchive out(buffer);
    out << source;
  }
  CatalogSource received;
  boost::archive::text_iarchive in(buffer);
  in >> received;
  EXPECT_EQ(received.file, source.file);
  EXPECT_EQ(received.text, source.text);
  EXPECT_EQ(compile_catalog(received, input_schema()).find("arpu")->type, ValueType::Float);
}

}  // namespace
}  // namespace portrait::catalog

namespace portrait::catalog {
namespace {

const std::string kModels =
    "models:\n"
    "  - id: churn\n"
    "    kind: logistic\n"
    "    category: value\n"
    "    subcategory: spend\n"
    "    label: \"customers.status == 1\"\n"
    "    features: [arpu, customers.star_level]\n"
    "  - id: rfm\n"
    "    kind: rfm\n"
    "    category: value\n"
    "    subcategory: spend\n"
    "    recency: arpu\n"
    "    frequency: arpu\n"
    "    monetary: arpu\n";

TEST(CatalogModels, OutputsJoinTheHierarchyAndRulesReadingThemRunAfterModels) {
  const std::string rules =
      "          - id: double_arpu\n            rule: {expr: \"arpu * 2\"}\n"
      "          - id: keep\n            rule: {expr: \"churn_level == \\\"high\\\" and rfm == "
      "\\\"high\\\"\"}\n"
      "          - id: keep_and_rich\n            rule: {expr: \"keep and double_arpu > 100\"}\n";
  const Catalog c = compile(with_tags(kArpu + rules, kModels));
  ASSERT_EQ(c.models.size(), 2u);
  EXPECT_EQ(c.models[0].features, (std::vector<std::string>{"arpu", "customers.star_level"}));
  const Tag* score = c.find("churn");
  ASSERT_NE(score, nullptr);
  EXPECT_EQ(score->kind, TagKind::Model);
  EXPECT_EQ(score->type, ValueType::Float);
  EXPECT_EQ(c.find("churn_level")->labels, (std::vector<std::string>{"low", "medium", "high"}));
  EXPECT_EQ(c.find("rfm_recency")->type, ValueType::Int);
  const auto& listed = c.categories[0].subcategories[0].tags;
  EXPECT_NE(std::find(listed.begin(), listed.end(), "rfm_monetary"), listed.end());
  std::vector<std::string> before, after;
  for (auto i : c.evaluation) before.push_back(c.tags[i].id);
  for (auto i : c.after_models) after.push_back(c.tags[i].id);
  EXPECT_EQ(before, (std::vector<std::string>{"arpu", "double_arpu"}));
  EXPECT_EQ(after, (std::vector<std::string>{"keep", "keep_and_rich"}));
}

TEST(CatalogModels, AModelCannotReadModelOutputs) {
  const std::string rules =
      "          - id: keep\n            rule: {expr: \"churn_level == \\\"high\\\"\"}\n";
  std::string models = kModels;
  models.replace(models.find("features: [arpu,"), 16, "features: [keep,");
  const Error e = error_of(with_tags(kArpu + rules, models));
  EXPECT_NE(e.problem().find("feature 'keep' is computed from model outputs"), std::string::npos) << e.what();
  EXPECT_EQ(e.where().substr(0, 7), "t.yaml:");
  const Error k =
      error_of(with_tags(kArpu, "models:\n  - {id: m, kind: tree, category: value, subcategory: spend}\n"));
  EXPECT_NE(k.problem().find("unknown model kind 'tree'"), std::string::npos) << k.what();
  const Error s =
      error_of(with_tags(kArpu, "models:\n  - {id: m, kind: rfm, category: value, subcategory: none}\n"));
  EXPECT_NE(s.problem().find("no subcategory 'none' in category 'value'"), std::string::npos) << s.what();
}

// A bool tag `tier` (line 10) whose `merge:` value starts at line 12, column 20.
std::string with_merge(const std::string& merge) {
  return with_tags(kArpu +
                   "          - id: tier\n"
                   "            rule: {expr: \"arpu > 5000\"}\n"
                   "            merge: " +
                   merge + "\n");
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

const std::string kPropensities =
    "models:\n"
    "  - id: trees\n"
    "    kind: gbdt\n"
    "    category: value\n"
    "    subcategory: spend\n"
    "    label: \"customers.status == 1\"\n"
    "    features: [arpu, customers.star_level]\n"
    "    categorical: [customers.star_level]\n"
    "    validation_percent: 10\n"
    "    trees: 40\n"
    "    max_leaves: 8\n"
    "    subsample: 0.5\n"
    "    early_stopping_rounds: 5\n"
    "  - id: best\n"
    "    kind: champion\n"
    "    category: value\n"
    "    subcategory: spend\n"
    "    label: \"customers.status == 1\"\n"
    "    features: [arpu]\n"
    "    validation_percent: 20\n"
    "    select_by: lift_5\n"
    "    candidates:\n"
    "      - {id: plain, kind: logistic, c: 0.5}\n"
    "      - {id: deep, kind: gbdt, max_depth: 8, learning_rate: 0.05}\n"
    "  - id: leader\n"
    "    kind: pagerank\n"
    "    category: value\n"
    "    subcategory: spend\n"
    "    contacts: {channel: usage, where: \"kind != 2\"}\n"
    "    leader_percent: 5\n";

TEST(CatalogModels, TreesChampionsAndPageRankReadTheirSettings) {
  const Catalog c = compile(with_tags(kArpu, kPropensities));
  ASSERT_EQ(c.models.size(), 3u);
  const ModelSpec& trees = c.models[0];
  EXPECT_EQ(trees.kind, ModelKind::Gbdt);
  EXPECT_EQ(trees.categorical, (std::vector<std::uint8_t>{0, 1}));
  EXPECT_EQ(trees.gbdt.trees, 40);
  EXPECT_EQ(trees.gbdt.max_leaves, 8);
  EXPECT_EQ(trees.gbdt.max_depth, 6);
  EXPECT_EQ(trees.gbdt.subsample, 0.5);
  EXPECT_EQ(trees.gbdt.early_stopping_rounds, 5);
  EXPECT_EQ(trees.validation_percent, 10);
  EXPECT_EQ(c.find("trees_level")->labels, (std::vector<std::string>{"low", "medium", "high"}));
  const ModelSpec& best = c.models[1];
  EXPECT_EQ(best.select_by, ModelMetric::LiftTop5);
  ASSERT_EQ(best.candidates.size(), 2u);
  EXPECT_EQ(best.candidates[0].name, "plain");
  EXPECT_EQ(best.candidates[0].kind, ModelKind::Logistic);
  EXPECT_EQ(best.candidates[0].c, 0.5);
  EXPECT_EQ(best.candidates[1].kind, ModelKind::Gbdt);
  EXPECT_EQ(best.candidates[1].gbdt.max_depth, 8);
  EXPECT_EQ(best.candidates[1].gbdt.learning_rate, 0.05);
  EXPECT_EQ(c.find("best")->type, ValueType::Float);
  const ModelSpec& leader = c.models[2];
  EXPECT_EQ(leader.contact_channel, "usage");
  EXPECT_EQ(leader.contact_time, "ts");
  EXPECT_EQ(leader.peer, "peer");
  EXPECT_TRUE(leader.contact_where.has_value());
  EXPECT_EQ(leader.leader_percent, 5.0);
  EXPECT_EQ(c.find("leader")->type, ValueType::Float);
  EXPECT_EQ(c.find("leader_leader")->type, ValueType::Bool);
}

TEST(CatalogModels, TreesChampionsAndPageRankErrorsSayWhatToDo) {
  auto problem_of = [](const std::string& from, const std::string& to) {
    std::string models = kPropensities;
    const auto at = models.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    models.replace(at, from.size(), to);
    return error_of(with_tags(kArpu, models));
  };
  Error e = problem_of("trees: 40", "trees: 0");
  EXPECT_EQ(first_line(e.problem()), "trees must be between 1 and 100000");
  e = problem_of("    validation_percent: 10\n", "");
  EXPECT_EQ(first_line(e.problem()), "early stopping needs validation customers");
  EXPECT_EQ(e.hint(), "set validation_percent above 0");
  e = problem_of("subsample: 0.5", "subsample: 0");
  EXPECT_EQ(first_line(e.problem()), "subsample must be above 0 and at most 1");
  e = problem_of("    trees: 40\n", "    trees: 40\n    c: 1\n");
  EXPECT_EQ(first_line(e.problem()), "unknown key 'c'");
  e = problem_of("      - {id: deep, kind: gbdt, max_depth: 8, learning_rate: 0.05}\n", "");
  EXPECT_EQ(first_line(e.problem()), "a champion needs two or more candidates");
  e = problem_of("    validation_percent: 20\n", "");
  EXPECT_EQ(first_line(e.problem()), "a champion is chosen on validation customers");
  e = problem_of("{id: deep, kind: gbdt,", "{id: deep, kind: rfm,");
  EXPECT_EQ(first_line(e.problem()), "a candidate is logistic or gbdt, not rfm");
  e = problem_of("{id: deep, kind: gbdt,", "{id: plain, kind: gbdt,");
  EXPECT_EQ(first_line(e.problem()), "a second candidate 'plain'");
  e = problem_of("select_by: lift_5", "select_by: lift_50");
  EXPECT_NE(e.problem().find("lift_50"), std::string::npos) << e.what();
  e = problem_of("    features: [arpu]\n",
                 "    features: [arpu, customers.star_level]\n    categorical: [customers.star_level]\n");
  EXPECT_EQ(first_line(e.problem()),
            "a logistic candidate reads numbers; feature 'customers.star_level' is categorical");
  e = problem_of("contacts: {channel: usage,", "contacts: {channel: billing,");
  EXPECT_EQ(first_line(e.problem()), "contacts come from a channel of timed records; 'billing' is none");
  e = problem_of("leader_percent: 5", "leader_percent: 0");
  EXPECT_EQ(first_line(e.problem()), "leader_percent must be above 0 and at most 100");
}

TEST(CatalogMerges, ChannelPriorityListsChannelsMostTrustedFirst) {
  const Catalog c = compile(
      with_tags(kArpu + "          - id: tier\n"
                        "            rule: {expr: \"arpu > 5000\"}\n"
                        "            merge: {policy: channel_priority, channels: [billing, usage, web]}\n"
                        "          - id: twice\n"
                        "            rule: {expr: \"arpu * 2\"}\n"
                        "            merge: {policy: channel_priority, channels: [web, service]}\n"
                        "          - id: total\n"
                        "            rule: {expr: \"arpu + 1\"}\n"
                        "            merge: sum\n"
                        "          - id: recent\n"
                        "            rule: {expr: \"arpu - 1\"}\n"
                        "            merge: {policy: latest, by: arpu}\n"));
  const Tag& tier = *c.find("tier");
  EXPECT_EQ(tier.merge, MergePolicy::ChannelPriority);
  EXPECT_EQ(tier.merge_channels, (std::vector<std::string>{"billing", "usage", "web"}));
  EXPECT_EQ(tier.merge_by, "");
  EXPECT_EQ(merge_description(tier), "channel_priority(billing,usage,web)");
  EXPECT_EQ(merge_description(*c.find("twice")), "channel_priority(web,service)");
  EXPECT_EQ(merge_description(*c.find("total")), "sum");
  EXPECT_EQ(merge_description(*c.find("recent")), "latest by arpu");
  EXPECT_TRUE(c.find("total")->merge_channels.empty());
  // One count per channel named by any policy, in order of first mention:
  // every record of the period (no where, the default window).
  std::vector<std::string> counted;
  for (const auto& f : c.merge_record_counts) {
    counted.push_back(f.channel);
    EXPECT_EQ(f.agg, FactAgg::Count);
    EXPECT_EQ(f.window.kind, Window::Kind::Period);
    EXPECT_FALSE(f.where.has_value());
    EXPECT_TRUE(f.of.empty());
  }
  EXPECT_EQ(counted, (std::vector<std::string>{"billing", "usage", "web", "service"}));
  EXPECT_EQ(c.merge_record_counts[0].time_column, "month");
  EXPECT_EQ(c.merge_record_counts[0].time_kind, TimeKind::YearMonth);
  EXPECT_EQ(c.merge_record_counts[1].time_column, "ts");
  EXPECT_EQ(c.merge_record_counts[1].time_kind, TimeKind::UnixSeconds);
  // No channel_priority policy: nothing to count.
  EXPECT_TRUE(compile(with_merge("any")).merge_record_counts.empty());
}

TEST(CatalogMerges, ChannelPriorityErrorsNameThePlaceAndAFix) {
  const std::string channels = "channels: billing, usage, web, service, marketing, identity";
  Error e = error_of(with_merge("{policy: channel_priority, channels: [billing, usgae]}"));
  EXPECT_EQ(first_line(e.problem()), "unknown channel 'usgae'");
  EXPECT_EQ(e.where(), "t.yaml:12:67");
  EXPECT_EQ(e.hint(), "did you mean 'usage'?");
  e = error_of(with_merge("{policy: channel_priority, channels: []}"));
  EXPECT_EQ(first_line(e.problem()), "'channels' lists no channel");
  EXPECT_EQ(e.where(), "t.yaml:12:57");
  EXPECT_EQ(e.hint(), channels);
  e = error_of(with_merge("{policy: channel_priority, channels: [billing, usage, billing]}"));
  EXPECT_EQ(first_line(e.problem()), "channel 'billing' is listed twice");
  EXPECT_EQ(e.where(), "t.yaml:12:74");
  EXPECT_EQ(e.hint(), "the first is at t.yaml:12:58");
  e = error_of(with_merge("{policy: channel_priority, channels: [usage, customers]}"));
  EXPECT_EQ(first_line(e.problem()),
            "'customers' has one row per customer: it ranks no member above another");
  EXPECT_EQ(e.where(), "t.yaml:12:65");
  EXPECT_EQ(e.hint(), "list channels with records: " + channels.substr(10));
  e = error_of(with_merge("channel_priority"));
  EXPECT_EQ(
      first_line(e.problem()),
      "merge 'channel_priority' needs 'channels': the channels that rank the members, most trusted first");
  EXPECT_EQ(e.where(), "t.yaml:12:20");
  EXPECT_EQ(e.hint(), "e.g. merge: {policy: channel_priority, channels: [billing, usage, web]}");
  e = error_of(with_merge("{policy: channel_priority, channels: billing}"));
  EXPECT_EQ(first_line(e.problem()), "'channels' must be a list (items starting with '- ')");
  e = error_of(with_merge("{policy: channel_priority, channels: [[billing]]}"));
  EXPECT_EQ(first_line(e.problem()), "a channel is a name");
  EXPECT_EQ(e.where(), "t.yaml:12:58");
  // `channels` belongs to channel_priority, `by` to latest.
  e = error_of(with_merge("{policy: latest, by: arpu, channels: [billing]}"));
  EXPECT_EQ(first_line(e.problem()), "only merge 'channel_priority' takes 'channels'");
  EXPECT_EQ(e.where(), "t.yaml:12:57");
  e = error_of(with_merge("{policy: channel_priority, channels: [billing], by: arpu}"));
  EXPECT_EQ(first_line(e.problem()), "only merge 'latest' takes 'by'");
  EXPECT_EQ(e.where(), "t.yaml:12:72");
  EXPECT_EQ(e.hint(), "channel_priority ranks the members by 'channels'");
  e = error_of(with_merge("{policy: channel_priority, channel: [billing]}"));
  EXPECT_EQ(e.where(), "t.yaml:12:47");
  EXPECT_EQ(e.hint(), "did you mean 'channels'?");
  e = error_of(with_merge("{policy: channel_priorty, channels: [billing]}"));
  EXPECT_EQ(first_line(e.problem()), "unknown merge policy 'channel_priorty'");
  EXPECT_EQ(e.hint(), "did you mean 'channel_priority'?");
}

}  // namespace
}  // namespace portrait::catalog

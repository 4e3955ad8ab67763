// src/catalog/catalog.hpp: the compiled tag catalog: hierarchy (category ->
// subcategory -> tag -> values), fact and rule tags with typed, compiled
// expressions, the evaluation order, and statistics specifications.
//
// Ranks receive the catalog as its source text (CatalogSource, Boost-
// serialisable) and compile it themselves: compilation is deterministic, so
// every rank holds the same Catalog without serialising compiled code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "catalog/catalog_schema.hpp"
#include "catalog/expr_program.hpp"
#include "catalog/linking_spec.hpp"

namespace portrait::catalog {

struct DisplayName {
  std::string zh;
  std::string en;
};

struct SourceLocation {
  std::string file;
  int line = 0;  // 1-based
  int column = 0;
  std::string to_string() const;
};

enum class TagState : std::uint8_t { Draft, Online, Offline };  // offline tags are not computed
enum class TagKind : std::uint8_t { Fact, Rule, Model };
enum class FactAgg : std::uint8_t {
  Count,
  Sum,
  Avg,
  Min,
  Max,
  CountDistinct,
  MostFrequent,
  First,
  Last,
  Share
};

// The names catalogs use for these enums; "" for a value without one. Readers
// parse and list names through the same functions (core/enum_names.hpp).
std::string_view to_string(TagState state);
std::string_view to_string(FactAgg agg);

// Which of a channel's records a fact looks at, relative to the period.
struct Window {
  enum class Kind : std::uint8_t { Period, LastDays, LastMonths, DaysBeforeEnd } kind = Kind::Period;
  int n = 0;  // LastDays / LastMonths: N; DaysBeforeEnd: nearer bound N
  int m = 0;  // DaysBeforeEnd: farther bound M (N < M)
};

// [start, end) in Unix seconds of a window for the period [period_start,
// period_end). Months are calendar months (UTC), counted back from the
// period's month: last 1 month is the period's month.
struct TimeRange {
  std::int64_t start = 0;
  std::int64_t end = 0;
};
TimeRange window_range(const Window& window, std::int64_t period_start, std::int64_t period_end);

// Aggregating a looked-up value instead of the channel column itself, e.g.
// usage.cell_id -> cells.store_id.
struct ReferenceLookup {
  std::string table;  // cells
  std::string value;  // store_id
  ColumnType value_type = ColumnType::Int32;
};

struct FactSpec {
  std::string channel;
  FactAgg agg = FactAgg::Count;
  std::string of;  // the channel column aggregated (empty for count/share)
  ColumnType of_type = ColumnType::Int64;
  std::optional<ReferenceLookup> lookup;
  std::optional<CompiledExpr> where;  // over the channel's columns
  std::optional<CompiledExpr> when;   // share: the records counted in the numerator
  Window window;
  std::string time_column;
  TimeKind time_kind = TimeKind::None;
};

struct TagValue {
  std::string label;
  DisplayName name;
  std::optional<CompiledExpr> when;  // absent: the default, always last
};

struct RuleSpec {
  std::optional<CompiledExpr> expr;  // an expression rule, or
  std::vector<TagValue> values;      // a categorical rule: the first value whose `when` holds
};

// How a tag's values of one person's customers (numbers, accounts) make the
// person's value in the merged profile. None: not in the merged profile.
enum class MergePolicy : std::uint8_t {
  None,
  Sum,
  Min,
  Max,
  Any,
  All,
  MostFrequent,
  Latest,
  ChannelPriority
};
std::string_view to_string(MergePolicy policy);

struct Tag {
  std::string id;
  DisplayName name;
  TagState state = TagState::Online;
  std::string category;     // first-level category id
  std::string subcategory;  // second-level category id
  TagKind kind = TagKind::Rule;
  ValueType type = ValueType::Int;
  std::vector<std::string> labels;  // Category tags
  FactSpec fact;
  RuleSpec rule;
  std::vector<std::string> depends_on;  // tags this rule reads
  std::size_t model = 0;                // TagKind::Model: index into Catalog::models
  MergePolicy merge = MergePolicy::None;
  std::string merge_by;  // Latest: the member with the greatest value of this tag wins
  // ChannelPriority: channels, most trusted first; a member ranks by the first
  // of them in which it has records in the period.
  std::vector<std::string> merge_channels;
  SourceLocation location;
};

// A tag's merge policy as a run records it: "sum", "latest by last_activity",
// "channel_priority(billing,usage,web)".
std::string merge_description(const Tag& tag);

struct Subcategory {
  std::string id;
  DisplayName name;
  std::vector<std::string> tags;
};

struct Category {
  std::string id;
  DisplayName name;
  std::vector<Subcategory> subcategories;
};

enum class MeasureKind : std::uint8_t { Count, Sum, Avg, Share, Median, P90, Distinct };
std::string_view to_string(MeasureKind kind);

struct Measure {
  std::string id;
  DisplayName name;
  MeasureKind kind = MeasureKind::Count;
  std::string of;  // a tag or customers.<column>; empty for count and share
  ValueType of_type = ValueType::Int;
  std::optional<CompiledExpr> when;  // share: the condition
};

struct StatisticSpec {
  std::string id;
  bool persons = false;  // level: person: over merged profiles, reading merged tags only
  DisplayName name;
  std::vector<std::string> group_by;  // tags or customers.<column> (bool, int or category)
  std::vector<Measure> measures;
  SourceLocation location;
};

// A model of the `models` section: trained and applied by the run after the
// facts and rules it reads; its outputs are tags of the hierarchy (in the
// subcategory it names) that rules (evaluated after the models) and
// statistics may use.
//   logistic, gbdt, champion:
//             <id> (float propensity score), <id>_level (low/medium/high)
//   kmeans:   <id> (category: the cluster, named by `clusters`)
//   rfm:      <id>_recency, <id>_frequency, <id>_monetary (int scores 1-5),
//             <id> (category low/medium/high value level)
//   pagerank: <id> (float: PageRank of the contact graph x customers, so 1
//             is the average), <id>_leader (bool: in the top leader_percent)
// A champion lists candidates (logistic, gbdt with their settings), trains
// them all on the same customers and takes the best on the validation
// customers by `select_by`.
enum class ModelKind : std::uint8_t { Logistic, KMeans, Rfm, Gbdt, Champion, PageRank };
std::string_view to_string(ModelKind kind);

// What chooses a champion among candidates, on the validation customers.
enum class ModelMetric : std::uint8_t { Auc, LogLoss, Precision, Recall, LiftTop1, LiftTop5, LiftTop10 };
std::string_view to_string(ModelMetric metric);

// Gradient-boosted trees (models/gbdt.hpp has their meaning).
struct GbdtSettings {
  std::int64_t trees = 100;
  std::int64_t max_depth = 6;
  std::int64_t max_leaves = 0;
  double learning_rate = 0.1;
  double min_child_weight = 1.0;
  double lambda = 1.0;
  double gamma = 0.0;
  double subsample = 1.0;
  double colsample = 1.0;
  std::int64_t max_bins = 255;
  std::int64_t early_stopping_rounds = 0;
  std::int64_t seed = 2026;
};

// One candidate of a champion: a propensity kind and its settings.
struct ModelCandidate {
  std::string name;
  ModelKind kind = ModelKind::Logistic;  // Logistic or Gbdt
  double c = 1.0;
  GbdtSettings gbdt;
  SourceLocation location;
};

struct ModelSpec {
  std::string id;
  DisplayName name;
  ModelKind kind = ModelKind::Logistic;
  std::vector<std::string> features;      // logistic, gbdt, champion, kmeans: tags or customers.<column>
  std::vector<std::uint8_t> categorical;  // per feature: 1 for a category tag (gbdt only)
  // propensities: 1 positive, 0 negative, missing = not labelled (not trained on).
  std::optional<CompiledExpr> label;
  double c = 1.0;  // logistic: inverse L2 strength (as scikit-learn's C)
  std::int64_t holdout_percent = 20;
  std::int64_t validation_percent = 0;  // gbdt early stopping, champion choice
  double threshold = 0.5;               // propensities: for precision and recall
  double level_high = 0.5;              // propensities: score bands of <id>_level
  double level_medium = 0.2;
  std::string model_file;  // logistic, gbdt, champion: score with this saved model instead of training
  GbdtSettings gbdt;
  std::vector<ModelCandidate> candidates;  // champion
  ModelMetric select_by = ModelMetric::Auc;
  std::int64_t k = 5;                        // kmeans
  std::int64_t seed = 2026;                  // kmeans: k-means++ seeding
  std::vector<std::string> clusters;         // kmeans: names of clusters 0..k-1 (largest first)
  std::string recency, frequency, monetary;  // rfm: int tags or customers.<column>
  // pagerank: the records of `contact_channel` in the period whose `peer`
  // column (uint64) holds the keyed hash of the other party's number, those
  // `contact_where` keeps; a number is a customer's when the identity
  // channel's phone records give it to exactly one customer.
  std::string contact_channel = "usage";
  std::string contact_time;  // the channel's time column (Unix seconds)
  std::string peer = "peer";
  std::optional<CompiledExpr> contact_where;
  double damping = 0.85;
  double tolerance = 1e-10;
  double leader_percent = 1.0;
  SourceLocation location;
};

struct Catalog {
  std::string name;
  std::string file;
  std::int64_t utc_offset_seconds = 0;
  std::vector<Category> categories;
  std::vector<Tag> tags;                // in declaration order
  std::vector<std::size_t> evaluation;  // indices of computed tags: facts, then rules in dependency order
  std::vector<StatisticSpec> statistics;
  std::vector<ModelSpec> models;          // run after `evaluation`, in this order
  std::vector<std::size_t> after_models;  // rules that read model outputs, in dependency order
  // What ranks members for channel_priority merges: a count of the records in
  // the period of each channel those policies name (in order of first
  // mention). Not tags: a run computes them beside the tags, for the merge.
  std::vector<FactSpec> merge_record_counts;
  // Probabilistic identity linking (the `linking` section), when present.
  std::optional<LinkingSpec> linking;

  const Tag* find(std::string_view id) const;
  std::size_t fact_count() const;
  std::size_t rule_count() const;
};

// Compiles catalog YAML against a schema. Throws portrait::Error with
// file:line:column, the offending text and a hint.
Catalog compile_catalog(std::string_view yaml_text, const std::string& file, const CatalogSchema& schema);
Catalog load_catalog(const std::string& path, const CatalogSchema& schema);

// What is broadcast to ranks: the file name (for messages) and its text.
struct CatalogSource {
  std::string file;
  std::string text;
  template <class Archive>
  void serialize(Archive& archive, unsigned /*version*/) {
    archive& file;
    archive& text;
  }
};
CatalogSource read_catalog_source(const std::string& path);
inline Catalog compile_catalog(const CatalogSource& source, const CatalogSchema& schema) {
  return compile_catalog(source.text, source.file, schema);
}

}  // namespace portrait::catalog

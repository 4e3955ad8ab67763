// src/catalog/catalog_reader.cpp: compiles catalog YAML: reads the hierarchy
// and every tag, resolves rule dependencies (topological order, cycles
// reported with their path), type-checks every expression against the
// schema and the tags, and checks statistics specifications.
#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "catalog/catalog.hpp"
#include "catalog/expr_compiler.hpp"
#include "catalog/expr_parser.hpp"
#include "catalog/yaml_source.hpp"
#include "core/error.hpp"
#include "core/spelling.hpp"

namespace portrait::catalog {
namespace {

constexpr int kMaxWindowDays = 3660;
constexpr int kMaxWindowMonths = 120;

bool valid_id(const std::string& s) {
  if (s.empty() || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_')) return false;
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'; });
}

std::string join(const std::vector<std::string>& names) {
  std::string all;
  for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
  return all;
}

ValueType value_type_of(ColumnType t) { return t == ColumnType::Float64 ? ValueType::Float : ValueType::Int; }

// Every Name node of an expression, in source order.
void collect_names(const Node& n, std::vector<const Node*>& out) {
  if (n.kind == NodeKind::Name) out.push_back(&n);
  for (const auto& c : n.children) collect_names(c, out);
}

class CatalogReader {
 public:
  CatalogReader(std::string_view text, const std::string& file, const CatalogSchema& schema)
      : src_(text, file), schema_(schema), customers_(schema.channel("customers")) {
    if (customers_ == nullptr) throw Error("the schema has no 'customers' channel", file);
  }

  Catalog run() {
    const YAML::Node& root = src_.root();
    src_.check_keys(root, {"catalog", "utc_offset_hours", "categories", "models", "statistics"});
    cat_.name = src_.text(root, "catalog");
    cat_.file = src_.file();
    if (root["utc_offset_hours"]) {
      const std::int64_t hours = src_.integer(root["utc_offset_hours"], "utc_offset_hours");
      if (hours < -14 || hours > 14)
        src_.fail(root["utc_offset_hours"], "utc_offset_hours must be between -14 and 14");
      cat_.utc_offset_seconds = hours * 3600;
    }
    if (!root["categories"])
      src_.fail(root, "missing 'categories'", "add 'categories:' with the tag hierarchy");
    src_.require_sequence(root["categories"], "'categories'");
    for (const auto& c : root["categories"]) read_category(c);
    // Model outputs are named and typed by each model's header, so rules may
    // read them; such rules run after the models.
    if (root["models"]) {
      src_.require_sequence(root["models"], "'models'");
      for (const auto& m : root["models"]) read_model_header(m);
    }
    resolve_rules();
    for (std::size_t i = 0; i < cat_.tags.size(); ++i) {
      if (cat_.tags[i].kind == TagKind::Fact && cat_.tags[i].state != TagState::Offline)
        cat_.evaluation.push_back(i);
    }
    std::set<std::string> after_models;
    for (std::size_t i : rule_order_) {
      const Tag& tag = cat_.tags[i];
      bool reads_models = false;
      for (const auto& d : tag.depends_on) {
        const Tag* dep = cat_.find(d);
        reads_models = reads_models || dep->kind == TagKind::Model || after_models.count(d) > 0;
      }
      if (reads_models) after_models.insert(tag.id);
      if (tag.state == TagState::Offline) continue;
      (reads_models ? cat_.after_models : cat_.evaluation).push_back(i);
    }
    if (root["models"]) {
      std::size_t k = 0;
      for (const auto& m : root["models"]) read_model_body(m, cat_.models[k++], after_models);
    }
    read_merges();
    if (root["statistics"]) {
      src_.require_sequence(root["statistics"], "'statistics'");
      for (const auto& s : root["statistics"]) read_statistic(s);
    }
    return std::move(cat_);
  }

 private:
  std::string read_id(const YAML::Node& parent, const std::string& what) {
    const YAML::Node node = src_.scalar_node(parent, "id");
    const std::string id = node.Scalar();
    if (!valid_id(id)) {
      src_.fail(node, what + " id '" + id + "' is not a valid name",
                "use lower-case letters, digits and '_', starting with a letter");
    }
    return id;
  }

  DisplayName read_name(const YAML::Node& parent) {
    DisplayName name;
    const YAML::Node node = parent["name"];
    if (!node) return name;
    if (node.IsScalar()) {
      name.zh = name.en = node.Scalar();
      return name;
    }
    src_.require_map(node, "'name'");
    src_.check_keys(node, {"zh", "en"});
    name.zh = src_.optional_text(node, "zh").value_or("");
    name.en = src_.optional_text(node, "en").value_or("");
    return name;
  }

  void read_category(const YAML::Node& node) {
    src_.require_map(node, "a category");
    src_.check_keys(node, {"id", "name", "description", "subcategories"});
    Category category;
    category.id = read_id(node, "category");
    category.name = read_name(node);
    const YAML::Node subs = node["subcategories"];
    if (!subs) src_.fail(node, "category '" + category.id + "' has no 'subcategories'");
    src_.require_sequence(subs, "'subcategories'");
    for (const auto& s : subs) {
      src_.require_map(s, "a subcategory");
      src_.check_keys(s, {"id", "name", "description", "tags"});
      Subcategory sub;
      sub.id = read_id(s, "subcategory");
      sub.name = read_name(s);
      if (!s["tags"]) src_.fail(s, "subcategory '" + sub.id + "' has no 'tags'");
      src_.require_sequence(s["tags"], "'tags'");
      for (const auto& t : s["tags"]) sub.tags.push_back(read_tag(t, category.id, sub.id));
      category.subcategories.push_back(std::move(sub));
    }
    cat_.categories.push_back(std::move(category));
  }

  std::string read_tag(const YAML::Node& node, const std::string& category, const std::string& subcategory) {
    src_.require_map(node, "a tag");
    src_.check_keys(node, {"id", "name", "description", "state", "fact", "rule", "merge"});
    Tag tag;
    tag.id = read_id(node, "tag");
    tag.location = src_.location(node["id"]);
    for (const char* keyword :
         {"and", "or", "not", "in", "between", "true", "false", "period_start", "period_end"}) {
      if (tag.id == keyword)
        src_.fail(node["id"], "tag id '" + tag.id + "' is a reserved name of expressions");
    }
    if (const Tag* other = cat_.find(tag.id)) {
      src_.fail(node["id"], "tag '" + tag.id + "' is defined twice",
                "the first is at " + other->location.to_string());
    }
    if (customers_->find(tag.id) != nullptr) {
      src_.fail(node["id"], "tag '" + tag.id + "' has the name of a customer attribute",
                "rename the tag; customers." + tag.id + " is already a name");
    }
    tag.name = read_name(node);
    tag.category = category;
    tag.subcategory = subcategory;
    if (const auto state = src_.optional_text(node, "state")) {
      if (*state == "draft") {
        tag.state = TagState::Draft;
      } else if (*state == "online") {
        tag.state = TagState::Online;
      } else if (*state == "offline") {
        tag.state = TagState::Offline;
      } else {
        src_.fail(node["state"], "unknown state '" + *state + "'", "a tag is draft, online or offline");
      }
    }
    if (node["fact"] && node["rule"])
      src_.fail(node["rule"], "tag '" + tag.id + "' has both 'fact' and 'rule'");
    if (node["fact"]) {
      tag.kind = TagKind::Fact;
      read_fact(node["fact"], tag);
    } else if (node["rule"]) {
      tag.kind = TagKind::Rule;
      read_rule(node["rule"], tag);
    } else {
      src_.fail(
          node, "tag '" + tag.id + "' has neither 'fact' nor 'rule'",
          "a fact aggregates a channel (fact: {channel, agg, ...}); a rule is an expression (rule: {expr})");
    }
    if (node["merge"]) pending_merges_.emplace_back(cat_.tags.size(), node["merge"]);
    cat_.tags.push_back(std::move(tag));
    return cat_.tags.back().id;
  }

  // ---- merged profiles ----------------------------------------------------

  // merge: sum | min | max | any | all | most_frequent | {policy: latest, by: <tag>}
  //        | {policy: channel_priority, channels: [<channel>, ...]}
  // Checked once every tag's type is known.
  void read_merges() {
    const std::vector<std::string> policies{"sum", "min",           "max",    "any",
                                            "all", "most_frequent", "latest", "channel_priority"};
    for (const auto& [index, node] : pending_merges_) {
      Tag& tag = cat_.tags[index];
      if (node.IsMap()) {
        src_.check_keys(node, {"policy", "by", "channels"});
      } else if (!node.IsScalar()) {
        src_.fail(node,
                  "'merge' is a policy, {policy: latest, by: <tag>} or "
                  "{policy: channel_priority, channels: [<channel>, ...]}");
      }
      // Initialised once: assigning to a YAML::Node writes into the node it refers to.
      const YAML::Node policy_node = node.IsMap() ? src_.scalar_node(node, "policy") : node;
      const auto it = std::find(policies.begin(), policies.end(), policy_node.Scalar());
      if (it == policies.end()) {
        src_.fail(policy_node, "unknown merge policy '" + policy_node.Scalar() + "'",
                  name_hint(policy_node.Scalar(), policies, "policies: " + join(policies)));
      }
      tag.merge = static_cast<MergePolicy>(it - policies.begin() + 1);
      const bool number = tag.type == ValueType::Int || tag.type == ValueType::Float;
      if ((tag.merge == MergePolicy::Sum || tag.merge == MergePolicy::Min || tag.merge == MergePolicy::Max) &&
          !number) {
        src_.fail(policy_node,
                  "merge '" + policy_node.Scalar() + "' needs a number; '" + tag.id + "' is " +
                      std::string(to_string(tag.type)),
                  "use most_frequent or latest");
      }
      if ((tag.merge == MergePolicy::Any || tag.merge == MergePolicy::All) && tag.type != ValueType::Bool) {
        src_.fail(policy_node, "merge '" + policy_node.Scalar() + "' needs a bool; '" + tag.id + "' is " +
                                   std::string(to_string(tag.type)));
      }
      if (tag.merge == MergePolicy::MostFrequent && tag.type == ValueType::Float) {
        src_.fail(policy_node, "most_frequent needs whole values; '" + tag.id + "' is a float",
                  "use min, max, sum or latest");
      }
      if (tag.merge == MergePolicy::Latest) {
        if (!node.IsMap() || !node["by"]) {
          src_.fail(node, "merge 'latest' needs 'by': the tag that orders the members in time",
                    "e.g. merge: {policy: latest, by: last_activity}");
        }
        const YAML::Node by = node["by"];
        const Tag* order = cat_.find(by.Scalar());
        if (order == nullptr || !(order->type == ValueType::Int || order->type == ValueType::Float)) {
          src_.fail(by, "'by' must name a number tag, not '" + by.Scalar() + "'",
                    "e.g. a last-activity time");
        }
        tag.merge_by = order->id;
      } else if (node.IsMap() && node["by"]) {
        src_.fail(node["by"], "only merge 'latest' takes 'by'",
                  tag.merge == MergePolicy::ChannelPriority
                      ? "channel_priority ranks the members by 'channels'"
                      : "");
      }
      if (tag.merge == MergePolicy::ChannelPriority) {
        read_merge_channels(node, tag);
      } else if (node.IsMap() && node["channels"]) {
        src_.fail(node["channels"], "only merge 'channel_priority' takes 'channels'");
      }
      if (tag.state == TagState::Offline)
        src_.fail(policy_node, "tag '" + tag.id + "' is offline and not computed");
    }
  }

  // channels: [billing, usage, web]: the channels with records that rank a
  // person's members, most trusted first. Each channel named by any policy
  // gets one record count over the period in Catalog::merge_record_counts.
  void read_merge_channels(const YAML::Node& node, Tag& tag) {
    std::vector<std::string> names;  // for hints
    for (const auto& c : schema_.channels) {
      if (&c != customers_) names.push_back(c.channel);
    }
    if (!node.IsMap() || !node["channels"]) {
      src_.fail(node,
                "merge 'channel_priority' needs 'channels': the channels that rank the members, most "
                "trusted first",
                "e.g. merge: {policy: channel_priority, channels: [billing, usage, web]}");
    }
    const YAML::Node list = node["channels"];
    src_.require_sequence(list, "'channels'");
    if (list.size() == 0) src_.fail(list, "'channels' lists no channel", "channels: " + join(names));
    std::vector<YAML::Node> listed;
    for (const auto& item : list) {
      if (!item.IsScalar()) src_.fail(item, "a channel is a name", "channels: " + join(names));
      const std::string channel = item.Scalar();
      const ChannelColumns* columns = schema_.channel(channel);
      if (columns == customers_) {
        src_.fail(item, "'customers' has one row per customer: it ranks no member above another",
                  "list channels with records: " + join(names));
      }
      if (columns == nullptr) {
        src_.fail(item, "unknown channel '" + channel + "'",
                  name_hint(channel, names, "channels: " + join(names)));
      }
      for (const auto& first : listed) {
        if (first.Scalar() == channel) {
          src_.fail(item, "channel '" + channel + "' is listed twice",
                    "the first is at " + src_.location(first).to_string());
        }
      }
      listed.push_back(item);
      tag.merge_channels.push_back(channel);
      auto& counts = cat_.merge_record_counts;
      if (std::none_of(counts.begin(), counts.end(),
                       [&](const FactSpec& f) { return f.channel == channel; })) {
        FactSpec count;  // agg count, window the period: every record of the month
        count.channel = channel;
        count.time_column = columns->time_column;
        count.time_kind = columns->time_kind;
        counts.push_back(std::move(count));
      }
    }
  }

  // ---- facts --------------------------------------------------------------

  void read_fact(const YAML::Node& node, Tag& tag) {
    src_.require_map(node, "'fact'");
    src_.check_keys(node, {"channel", "agg", "of", "lookup", "where", "when", "window"});
    FactSpec& f = tag.fact;
    const YAML::Node channel_node = src_.scalar_node(node, "channel");
    f.channel = channel_node.Scalar();
    const ChannelColumns* channel = schema_.channel(f.channel);
    if (channel == nullptr || channel == customers_) {
      std::vector<std::string> names;
      for (const auto& c : schema_.channels) {
        if (&c != customers_) names.push_back(c.channel);
      }
      src_.fail(channel_node,
                channel == customers_ ? "facts aggregate records; 'customers' has one row per customer"
                                      : "unknown channel '" + f.channel + "'",
                channel == customers_ ? "use a rule over customers.<column>"
                                      : name_hint(f.channel, names, "channels: " + join(names)));
    }
    f.time_column = channel->time_column;
    f.time_kind = channel->time_kind;

    const YAML::Node agg_node = src_.scalar_node(node, "agg");
    const std::string agg = agg_node.Scalar();
    std::vector<std::string> agg_names;
    for (int a = 0; a <= static_cast<int>(FactAgg::Share); ++a) {
      agg_names.emplace_back(to_string(static_cast<FactAgg>(a)));
    }
    const auto it = std::find(agg_names.begin(), agg_names.end(), agg);
    if (it == agg_names.end()) {
      src_.fail(agg_node, "unknown aggregation '" + agg + "'",
                name_hint(agg, agg_names, "aggregations: " + join(agg_names)));
    }
    f.agg = static_cast<FactAgg>(it - agg_names.begin());
    // count and share aggregate no column; they take `of` only to look a value up for where/when.
    const bool needs_of = f.agg != FactAgg::Count && f.agg != FactAgg::Share;
    const bool takes_of = needs_of || node["lookup"];

    NameScope scope;
    for (const auto& c : channel->columns) scope.add({c.name, value_type_of(c.type), {}});
    if (node["of"] && !takes_of) {
      src_.fail(node["of"], std::string(to_string(f.agg)) + " takes no 'of'",
                "count and share use 'of' only with a 'lookup' whose value 'where' or 'when' test");
    }
    if (takes_of) {
      const YAML::Node of_node = src_.scalar_node(node, "of");
      f.of = of_node.Scalar();
      const SchemaColumn* column = channel->find(f.of);
      if (column == nullptr) fail_column(of_node, f.of, *channel);
      f.of_type = column->type;
      if (node["lookup"]) read_lookup(node["lookup"], of_node, f, scope);
      const ColumnType t = f.lookup ? f.lookup->value_type : f.of_type;
      const bool summable =
          f.agg == FactAgg::Sum || f.agg == FactAgg::Avg || f.agg == FactAgg::Min || f.agg == FactAgg::Max;
      if (summable && t == ColumnType::UInt64) {
        src_.fail(of_node,
                  std::string(to_string(f.agg)) + " of '" + f.of + "', a hash column, has no meaning",
                  "hashes support count_distinct, most_frequent, first and last");
      }
      if ((f.agg == FactAgg::CountDistinct || f.agg == FactAgg::MostFrequent) && t == ColumnType::Float64) {
        src_.fail(of_node,
                  std::string(to_string(f.agg)) + " needs a whole-number column; '" + f.of + "' is float64");
      }
    }
    CompileOptions where_options;
    where_options.utc_offset_seconds = cat_.utc_offset_seconds;
    where_options.expected = ValueType::Bool;
    if (node["where"]) f.where = compile(src_.scalar_node(node, "where"), scope, where_options);
    if (f.agg == FactAgg::Share) {
      if (!node["when"]) src_.fail(node, "share needs 'when': the condition of the records it counts");
      f.when = compile(src_.scalar_node(node, "when"), scope, where_options);
    } else if (node["when"]) {
      src_.fail(node["when"], "only share takes 'when'", "filter the records with 'where'");
    }
    if (node["window"]) f.window = read_window(node["window"], *channel);
    tag.type = fact_type(f);
  }

  static ValueType fact_type(const FactSpec& f) {
    const ColumnType t = f.lookup ? f.lookup->value_type : f.of_type;
    switch (f.agg) {
      case FactAgg::Count:
      case FactAgg::CountDistinct:
      case FactAgg::MostFrequent:
        return ValueType::Int;
      case FactAgg::Avg:
      case FactAgg::Share:
        return ValueType::Float;
      default:
        return value_type_of(t);
    }
  }

  [[noreturn]] void fail_column(const YAML::Node& node, const std::string& name,
                                const ChannelColumns& channel) {
    std::vector<std::string> names;
    for (const auto& c : channel.columns) names.push_back(c.name);
    src_.fail(node, "channel '" + channel.channel + "' has no column '" + name + "'",
              name_hint(name, names, "columns: " + join(names)));
  }

  void read_lookup(const YAML::Node& node, const YAML::Node& of_node, FactSpec& f, NameScope& scope) {
    src_.require_map(node, "'lookup'");
    src_.check_keys(node, {"table", "value"});
    const YAML::Node table_node = src_.scalar_node(node, "table");
    const ReferenceColumns* ref = schema_.reference(table_node.Scalar());
    if (ref == nullptr) {
      std::vector<std::string> names;
      for (const auto& r : schema_.references) names.push_back(r.table);
      src_.fail(table_node, "unknown reference table '" + table_node.Scalar() + "'",
                name_hint(table_node.Scalar(), names, "reference tables: " + join(names)));
    }
    if (ref->key != f.of) {
      src_.fail(of_node, "'" + ref->table + "' is looked up by '" + ref->key + "', not '" + f.of + "'",
                "set 'of: " + ref->key + "'");
    }
    const YAML::Node value_node = src_.scalar_node(node, "value");
    const SchemaColumn* value = ref->find(value_node.Scalar());
    if (value == nullptr || value->name == ref->key) {
      std::vector<std::string> names;
      for (const auto& c : ref->columns) {
        if (c.name != ref->key) names.push_back(c.name);
      }
      src_.fail(value_node, "reference table '" + ref->table + "' has no value '" + value_node.Scalar() + "'",
                name_hint(value_node.Scalar(), names, "values: " + join(names)));
    }
    f.lookup = ReferenceLookup{ref->table, value->name, value->type};
    // The looked-up value can also be filtered on, as <table>.<value>.
    scope.add({ref->table + "." + value->name, value_type_of(value->type), {}});
  }

  Window read_window(const YAML::Node& node, const ChannelColumns& channel) {
    Window w;
    const std::string usage =
        "a window is 'period', {last_days: N}, {last_months: N} or {days_before_end: [N, M]} with N < M";
    if (node.IsScalar()) {
      if (node.Scalar() != "period") src_.fail(node, "bad window '" + node.Scalar() + "'", usage);
      return w;
    }
    if (!node.IsMap() || node.size() != 1) src_.fail(node, "bad window", usage);
    src_.check_keys(node, {"last_days", "last_months", "days_before_end"});
    const std::string key = node.begin()->first.Scalar();
    const YAML::Node value = node.begin()->second;
    if (key == "last_months") {
      w.kind = Window::Kind::LastMonths;
      w.n = static_cast<int>(bounded(value, "last_months", 1, kMaxWindowMonths));
      return w;
    }
    if (channel.time_kind == TimeKind::YearMonth) {
      src_.fail(node, "bad window: '" + channel.channel + "' has one record per month",
                "use 'period' or {last_months: N}");
    }
    if (key == "last_days") {
      w.kind = Window::Kind::LastDays;
      w.n = static_cast<int>(bounded(value, "last_days", 1, kMaxWindowDays));
      return w;
    }
    w.kind = Window::Kind::DaysBeforeEnd;
    if (!value.IsSequence() || value.size() != 2) {
      src_.fail(value, "bad window: days_before_end takes [N, M]", "e.g. {days_before_end: [30, 90]}");
    }
    w.n = static_cast<int>(bounded(value[0], "days_before_end N", 0, kMaxWindowDays));
    w.m = static_cast<int>(bounded(value[1], "days_before_end M", 1, kMaxWindowDays));
    if (w.n >= w.m) {
      src_.fail(
          value,
          "bad window: days_before_end [" + std::to_string(w.n) + ", " + std::to_string(w.m) + "] is empty",
          "N is the nearer bound and must be less than M, e.g. [30, 90]");
    }
    return w;
  }

  std::int64_t bounded(const YAML::Node& node, const std::string& what, std::int64_t low, std::int64_t high) {
    const std::int64_t v = src_.integer(node, "bad window: " + what);
    if (v < low || v > high) {
      src_.fail(node, "bad window: " + what + " must be between " + std::to_string(low) + " and " +
                          std::to_string(high) + ", got " + std::to_string(v));
    }
    return v;
  }

  CompiledExpr compile(const YAML::Node& scalar, const NameScope& scope, const CompileOptions& options) {
    // Every expression may read the computed month's bounds.
    CompileOptions with_period = options;
    with_period.constants = {{"period_start", schema_.period_start}, {"period_end", schema_.period_end}};
    try {
      return compile_expression(scalar.Scalar(), scope, with_period);
    } catch (const ExprError& e) {
      src_.fail_in(scalar, e);
    }
  }

  // ---- rules --------------------------------------------------------------

  struct PendingRule {
    YAML::Node expr;                // a scalar, or null (not IsScalar) for a values list
    std::vector<YAML::Node> whens;  // per value; null for the default
    std::vector<std::pair<std::size_t, const YAML::Node*>> uses;  // (tag index, expression) per dependency
  };

  void read_rule(const YAML::Node& node, Tag& tag) {
    src_.require_map(node, "'rule'");
    src_.check_keys(node, {"expr", "values"});
    PendingRule pending;
    if (node["expr"] && node["values"]) src_.fail(node["values"], "a rule has 'expr' or 'values', not both");
    if (node["expr"]) {
      pending.expr = src_.scalar_node(node, "expr");
    } else if (node["values"]) {
      const YAML::Node values = node["values"];
      src_.require_sequence(values, "'values'");
      if (values.size() == 0) src_.fail(values, "a categorical rule needs at least one value");
      for (std::size_t k = 0; k < values.size(); ++k) {
        const YAML::Node v = values[k];
        src_.require_map(v, "a value");
        src_.check_keys(v, {"value", "name", "when"});
        TagValue tv;
        const YAML::Node label = src_.scalar_node(v, "value");
        tv.label = label.Scalar();
        if (std::find(tag.labels.begin(), tag.labels.end(), tv.label) != tag.labels.end()) {
          src_.fail(label, "value '" + tv.label + "' is listed twice in tag '" + tag.id + "'");
        }
        tv.name = read_name(v);
        if (!v["when"] && k + 1 != values.size()) {
          src_.fail(v, "only the last value may omit 'when' (it is the default)",
                    "add 'when: <condition>' or move this value to the end");
        }
        pending.whens.push_back(v["when"] ? src_.scalar_node(v, "when") : YAML::Node());
        tag.labels.push_back(tv.label);
        tag.rule.values.push_back(std::move(tv));
      }
      tag.type = ValueType::Category;
    } else {
      src_.fail(node, "a rule needs 'expr' or 'values'", "e.g. rule: {expr: \"arpu >= 10000\"}");
    }
    pending_[cat_.tags.size()] = std::move(pending);
  }

  const NameScope& rule_scope() const { return rule_scope_; }

  void resolve_rules() {
    for (const auto& c : customers_->columns) {
      rule_scope_.add({"customers." + c.name, value_type_of(c.type), {}});
      rule_scope_.add_alias(c.name, "customers." + c.name);
    }
    for (const auto& t : cat_.tags) {
      if (t.kind == TagKind::Fact) rule_scope_.add({t.id, t.type, {}});
    }
    // Last month's tags. A category keeps this catalog's labels when it has
    // a category tag of that id (the run maps the codes by label), so that
    // `prev.segment != segment` compares like with like.
    for (const auto& p : schema_.previous) {
      std::vector<std::string> labels = p.labels;
      for (const auto& t : cat_.tags) {
        if (t.id == p.name && p.type == ValueType::Category && t.type == ValueType::Category)
          labels = t.labels;
      }
      rule_scope_.add({std::string(kPreviousPrefix) + p.name, p.type, std::move(labels)});
    }
    // Dependencies: the tag names each rule's expressions mention.
    std::map<std::size_t, std::vector<std::size_t>> deps;
    for (auto& [index, pending] : pending_) {
      std::vector<const YAML::Node*> exprs;
      if (pending.expr.IsScalar()) exprs.push_back(&pending.expr);
      for (const auto& w : pending.whens) {
        if (w.IsScalar()) exprs.push_back(&w);
      }
      for (const YAML::Node* e : exprs) {
        Node tree;
        try {
          tree = parse_expression(e->Scalar());
        } catch (const ExprError& err) {
          src_.fail_in(*e, err);
        }
        std::vector<const Node*> names;
        collect_names(tree, names);
        for (const Node* n : names) {
          for (std::size_t j = 0; j < cat_.tags.size(); ++j) {
            if (cat_.tags[j].id != n->text) continue;
            Tag& tag = cat_.tags[index];
            if (cat_.tags[j].state == TagState::Offline && tag.state != TagState::Offline) {
              src_.fail_in(*e, ExprError{"'" + n->text + "' is offline and not computed", n->begin, n->end,
                                         "set its state to draft or online, or stop using it"});
            }
            if (std::find(tag.depends_on.begin(), tag.depends_on.end(), n->text) == tag.depends_on.end()) {
              tag.depends_on.push_back(n->text);
              if (cat_.tags[j].kind == TagKind::Rule) {
                deps[index].push_back(j);
                pending.uses.emplace_back(j, e);
              }
            }
          }
        }
      }
    }
    // Depth-first in declaration order: the order is the same on every rank.
    std::vector<int> mark(cat_.tags.size(), 0);  // 0 new, 1 on the path, 2 done
    std::vector<std::size_t> path;
    std::function<void(std::size_t)> visit = [&](std::size_t i) {
      mark[i] = 1;
      path.push_back(i);
      for (std::size_t j : deps[i]) {
        if (mark[j] == 1) report_cycle(path, j);
        if (mark[j] == 0) visit(j);
      }
      path.pop_back();
      mark[i] = 2;
      rule_order_.push_back(i);
    };
    for (const auto& entry : pending_) {
      if (mark[entry.first] == 0) visit(entry.first);
    }
    for (std::size_t i : rule_order_) compile_rule(i);
  }

  [[noreturn]] void report_cycle(const std::vector<std::size_t>& path, std::size_t back_to) {
    const auto from = std::find(path.begin(), path.end(), back_to);
    std::string cycle;
    for (auto it = from; it != path.end(); ++it) cycle += cat_.tags[*it].id + " -> ";
    cycle += cat_.tags[back_to].id;
    // Point at where the last tag of the path uses the first.
    const PendingRule& last = pending_.at(path.back());
    for (const auto& [j, expr] : last.uses) {
      if (j != back_to) continue;
      const std::string& text = expr->Scalar();
      const std::size_t at = find_name(text, cat_.tags[back_to].id);
      src_.fail_in(*expr, ExprError{"dependency cycle: " + cycle, static_cast<std::uint32_t>(at),
                                    static_cast<std::uint32_t>(at + cat_.tags[back_to].id.size()),
                                    "a rule cannot depend on itself through other rules; break the cycle"});
    }
    throw Error("dependency cycle: " + cycle, cat_.tags[back_to].location.to_string());
  }

  // Offset of the name `id` as a whole word in `text`.
  static std::size_t find_name(const std::string& text, const std::string& id) {
    const auto word = [](char c) {
      return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
             c == '.';
    };
    for (std::size_t at = text.find(id); at != std::string::npos; at = text.find(id, at + 1)) {
      const bool starts = at == 0 || !word(text[at - 1]);
      const bool ends = at + id.size() >= text.size() || !word(text[at + id.size()]);
      if (starts && ends) return at;
    }
    return 0;
  }

  void compile_rule(std::size_t index) {
    Tag& tag = cat_.tags[index];
    const PendingRule& pending = pending_.at(index);
    CompileOptions options;
    options.utc_offset_seconds = cat_.utc_offset_seconds;
    if (pending.expr.IsScalar()) {
      tag.rule.expr = compile(pending.expr, rule_scope_, options);
      tag.type = tag.rule.expr->type;
      tag.labels = tag.rule.expr->labels;
    } else {
      options.expected = ValueType::Bool;
      for (std::size_t k = 0; k < pending.whens.size(); ++k) {
        if (pending.whens[k].IsScalar())
          tag.rule.values[k].when = compile(pending.whens[k], rule_scope_, options);
      }
    }
    rule_scope_.add({tag.id, tag.type, tag.labels});
  }

  // ---- statistics ---------------------------------------------------------

  void read_statistic(const YAML::Node& node) {
    src_.require_map(node, "a statistic");
    src_.check_keys(node, {"id", "name", "description", "level", "group_by", "measures"});
    StatisticSpec s;
    s.id = read_id(node, "statistic");
    s.location = src_.location(node["id"]);
    s.name = read_name(node);
    if (!node["group_by"]) src_.fail(node, "statistic '" + s.id + "' has no 'group_by'");
    const YAML::Node group_by = node["group_by"];
    const auto add_group = [&](const YAML::Node& g) {
      const NameInfo* info = resolve(g, "group by");
      if (info->type == ValueType::Float) {
        src_.fail(g, "cannot group by '" + g.Scalar() + "', a float",
                  "group by a categorical rule (rule: {values: ...}) that bands it");
      }
      s.group_by.push_back(info->name);
    };
    if (group_by.IsScalar()) {
      add_group(group_by);
    } else {
      src_.require_sequence(group_by, "'group_by'");
      for (const auto& g : group_by) add_group(g);
    }
    if (!node["measures"]) src_.fail(node, "statistic '" + s.id + "' has no 'measures'");
    src_.require_sequence(node["measures"], "'measures'");
    for (const auto& m : node["measures"]) s.measures.push_back(read_measure(m));
    if (auto level = node["level"]) {
      if (level.Scalar() != "person" && level.Scalar() != "customer") {
        src_.fail(level, "unknown level '" + level.Scalar() + "'",
                  "a statistic is over customers or persons");
      }
      s.persons = level.Scalar() == "person";
    }
    if (s.persons) {
      // Over merged profiles: every name must be a merged tag.
      std::vector<std::string> names = s.group_by;
      for (const auto& m : s.measures) {
        if (!m.of.empty()) names.push_back(m.of);
        if (m.when) names.insert(names.end(), m.when->inputs.begin(), m.when->inputs.end());
      }
      for (const auto& name : names) {
        const Tag* tag = cat_.find(name);
        if (tag == nullptr || tag->merge == MergePolicy::None) {
          src_.fail(node["level"],
                    "person-level statistic '" + s.id + "' reads '" + name + "', which is not merged",
                    "give '" + name + "' a merge policy (merge: ...), or make the statistic customer-level");
        }
      }
    }
    cat_.statistics.push_back(std::move(s));
  }

  // ---- models -------------------------------------------------------------

  double real(const YAML::Node& node, const std::string& what) {
    try {
      return node.as<double>();
    } catch (const YAML::Exception&) {
      src_.fail(node, what + " must be a number");
    }
  }

  // A feature or RFM input: a numeric tag or customer column.
  std::string numeric_input(const YAML::Node& node, const std::string& what) {
    const NameInfo* info = resolve(node, what);
    if (info->type == ValueType::Category) {
      src_.fail(node, what + " '" + node.Scalar() + "' is categorical",
                "use a number, or a bool rule per category");
    }
    return info->name;
  }

  void add_model_tag(const ModelSpec& m, const std::string& id, ValueType type,
                     std::vector<std::string> labels, Subcategory& sub, const YAML::Node& at) {
    if (cat_.find(id) != nullptr || customers_->find(id) != nullptr) {
      src_.fail(at, "model output '" + id + "' has the name of another tag or customer attribute",
                "rename the model");
    }
    Tag tag;
    tag.id = id;
    tag.name = m.name;
    tag.kind = TagKind::Model;
    tag.type = type;
    tag.labels = std::move(labels);
    tag.model = cat_.models.size();
    tag.location = m.location;
    tag.category = sub_category_of(sub);
    tag.subcategory = sub.id;
    sub.tags.push_back(id);
    rule_scope_.add({id, type, tag.labels});
    cat_.tags.push_back(std::move(tag));
  }

  std::string sub_category_of(const Subcategory& sub) const {
    for (const auto& c : cat_.categories) {
      for (const auto& s : c.subcategories) {
        if (&s == &sub) return c.id;
      }
    }
    return {};
  }

  void read_model_header(const YAML::Node& node) {
    src_.require_map(node, "a model");
    src_.check_keys(node, {"id", "name", "kind", "category", "subcategory", "features", "label", "c",
                           "holdout_percent", "threshold", "levels", "model_file", "k", "seed", "clusters",
                           "recency", "frequency", "monetary"});
    ModelSpec m;
    m.id = read_id(node, "model");
    m.location = src_.location(node["id"]);
    m.name = read_name(node);
    const YAML::Node kind_node = src_.scalar_node(node, "kind");
    const std::vector<std::string> kinds{"logistic", "kmeans", "rfm"};
    const auto kind = std::find(kinds.begin(), kinds.end(), kind_node.Scalar());
    if (kind == kinds.end()) {
      src_.fail(kind_node, "unknown model kind '" + kind_node.Scalar() + "'",
                name_hint(kind_node.Scalar(), kinds, "kinds: logistic, kmeans, rfm"));
    }
    m.kind = static_cast<ModelKind>(kind - kinds.begin());

    // Where its tags sit in the hierarchy.
    const YAML::Node category_node = src_.scalar_node(node, "category");
    const YAML::Node subcategory_node = src_.scalar_node(node, "subcategory");
    Subcategory* sub = nullptr;
    for (auto& c : cat_.categories) {
      if (c.id != category_node.Scalar()) continue;
      for (auto& s : c.subcategories) {
        if (s.id == subcategory_node.Scalar()) sub = &s;
      }
    }
    if (sub == nullptr) {
      src_.fail(
          subcategory_node,
          "no subcategory '" + subcategory_node.Scalar() + "' in category '" + category_node.Scalar() + "'",
          "a model's tags join an existing subcategory of the hierarchy");
    }

    if (m.kind == ModelKind::KMeans) {
      if (auto k = node["k"]) m.k = src_.integer(k, "k");
      if (m.k < 2 || m.k > 100) src_.fail(node["k"], "k must be between 2 and 100");
      if (auto clusters = node["clusters"]) {
        src_.require_sequence(clusters, "'clusters'");
        for (const auto& c : clusters) m.clusters.push_back(c.Scalar());
        if (static_cast<std::int64_t>(m.clusters.size()) != m.k) {
          src_.fail(clusters, "'clusters' names " + std::to_string(m.clusters.size()) + " clusters, k is " +
                                  std::to_string(m.k));
        }
      } else {
        for (std::int64_t c = 0; c < m.k; ++c) m.clusters.push_back("cluster_" + std::to_string(c));
      }
    }

    const YAML::Node at = node["id"];
    switch (m.kind) {
      case ModelKind::Logistic:
        add_model_tag(m, m.id, ValueType::Float, {}, *sub, at);
        add_model_tag(m, m.id + "_level", ValueType::Category, {"low", "medium", "high"}, *sub, at);
        break;
      case ModelKind::KMeans:
        add_model_tag(m, m.id, ValueType::Category, m.clusters, *sub, at);
        break;
      case ModelKind::Rfm:
        for (const char* part : {"_recency", "_frequency", "_monetary"}) {
          add_model_tag(m, m.id + part, ValueType::Int, {}, *sub, at);
        }
        add_model_tag(m, m.id, ValueType::Category, {"low", "medium", "high"}, *sub, at);
        break;
    }
    cat_.models.push_back(std::move(m));
  }

  // A model's inputs: tags and customer columns computed before the models.
  std::string model_input(const YAML::Node& node, const std::string& what,
                          const std::set<std::string>& after_models) {
    const std::string name = numeric_input(node, what);
    const Tag* tag = cat_.find(name);
    if (tag != nullptr && (tag->kind == TagKind::Model || after_models.count(name) > 0)) {
      src_.fail(node, what + " '" + name + "' is computed from model outputs",
                "a model reads facts, rules and customer attributes only; models run before the rules that "
                "read them");
    }
    return name;
  }

  void read_model_body(const YAML::Node& node, ModelSpec& m, const std::set<std::string>& after_models) {
    if (m.kind == ModelKind::Rfm) {
      m.recency = model_input(src_.scalar_node(node, "recency"), "recency", after_models);
      m.frequency = model_input(src_.scalar_node(node, "frequency"), "frequency", after_models);
      m.monetary = model_input(src_.scalar_node(node, "monetary"), "monetary", after_models);
    } else {
      if (!node["features"]) src_.fail(node, "model '" + m.id + "' has no 'features'");
      src_.require_sequence(node["features"], "'features'");
      for (const auto& f : node["features"]) m.features.push_back(model_input(f, "feature", after_models));
      if (m.features.empty()) src_.fail(node["features"], "a model needs at least one feature");
    }
    if (m.kind == ModelKind::Logistic) {
      if (auto file = node["model_file"]) {
        m.model_file = file.Scalar();
      } else {
        CompileOptions options;
        options.utc_offset_seconds = cat_.utc_offset_seconds;
        options.expected = ValueType::Bool;
        m.label = compile(src_.scalar_node(node, "label"), rule_scope_, options);
        for (const auto& input : m.label->inputs) {
          const Tag* tag = cat_.find(input);
          if (tag != nullptr && (tag->kind == TagKind::Model || after_models.count(input) > 0)) {
            src_.fail(node["label"], "the label reads '" + input + "', computed from model outputs",
                      "a label reads facts, rules and customer attributes only");
          }
        }
      }
      if (auto c = node["c"]) m.c = real(c, "c");
      if (m.c <= 0) src_.fail(node["c"], "c must be above 0");
      if (auto h = node["holdout_percent"]) m.holdout_percent = src_.integer(h, "holdout_percent");
      if (m.holdout_percent < 0 || m.holdout_percent > 90) {
        src_.fail(node["holdout_percent"], "holdout_percent must be between 0 and 90");
      }
      if (auto t = node["threshold"]) m.threshold = real(t, "threshold");
      if (auto levels = node["levels"]) {
        src_.require_map(levels, "'levels'");
        src_.check_keys(levels, {"high", "medium"});
        if (levels["high"]) m.level_high = real(levels["high"], "levels: high");
        if (levels["medium"]) m.level_medium = real(levels["medium"], "levels: medium");
        if (!(m.level_medium <= m.level_high)) src_.fail(levels, "levels: medium must not be above high");
      }
    }
    if (m.kind == ModelKind::KMeans) {
      if (auto seed = node["seed"]) m.seed = src_.integer(seed, "seed");
    }
  }

  const NameInfo* resolve(const YAML::Node& node, const std::string& what) {
    if (!node.IsScalar()) src_.fail(node, what + " takes a tag or customers.<column>");
    const std::string name = node.Scalar();
    const NameInfo* info = rule_scope_.find(name);
    if (info == nullptr) {
      src_.fail(node, "unknown name '" + name + "' in " + what,
                name_hint(name, rule_scope_.spellings(), "use a tag or customers.<column>"));
    }
    if (const Tag* t = cat_.find(info->name); t != nullptr && t->state == TagState::Offline) {
      src_.fail(node, "'" + name + "' is offline and not computed", "set its state to draft or online");
    }
    return info;
  }

  Measure read_measure(const YAML::Node& node) {
    src_.require_map(node, "a measure");
    src_.check_keys(node, {"id", "name", "kind", "of", "when"});
    Measure m;
    m.id = read_id(node, "measure");
    m.name = read_name(node);
    const YAML::Node kind_node = src_.scalar_node(node, "kind");
    std::vector<std::string> kinds;
    for (int k = 0; k <= static_cast<int>(MeasureKind::Distinct); ++k) {
      kinds.emplace_back(to_string(static_cast<MeasureKind>(k)));
    }
    const auto it = std::find(kinds.begin(), kinds.end(), kind_node.Scalar());
    if (it == kinds.end()) {
      src_.fail(kind_node, "unknown measure '" + kind_node.Scalar() + "'",
                name_hint(kind_node.Scalar(), kinds, "measures: " + join(kinds)));
    }
    m.kind = static_cast<MeasureKind>(it - kinds.begin());
    const bool needs_of = m.kind != MeasureKind::Count && m.kind != MeasureKind::Share;
    if (needs_of) {
      const YAML::Node of = src_.scalar_node(node, "of");
      const NameInfo* info = resolve(of, std::string(to_string(m.kind)));
      const bool numeric = info->type == ValueType::Int || info->type == ValueType::Float;
      if (m.kind != MeasureKind::Distinct && !numeric) {
        src_.fail(of, std::string(to_string(m.kind)) + " needs a number; '" + of.Scalar() + "' is " +
                          std::string(to_string(info->type)));
      }
      m.of = info->name;
      m.of_type = info->type;
    } else if (node["of"]) {
      src_.fail(node["of"], std::string(to_string(m.kind)) + " takes no 'of'");
    }
    if (m.kind == MeasureKind::Share) {
      if (!node["when"]) src_.fail(node, "share needs 'when': the condition whose share is measured");
      CompileOptions options;
      options.utc_offset_seconds = cat_.utc_offset_seconds;
      options.expected = ValueType::Bool;
      m.when = compile(src_.scalar_node(node, "when"), rule_scope_, options);
    } else if (node["when"]) {
      src_.fail(node["when"], "only share takes 'when'");
    }
    return m;
  }

  YamlSource src_;
  const CatalogSchema& schema_;
  const ChannelColumns* customers_;
  Catalog cat_;
  std::map<std::size_t, PendingRule> pending_;
  std::vector<std::size_t> rule_order_;
  std::vector<std::pair<std::size_t, YAML::Node>> pending_merges_;
  NameScope rule_scope_;
};

}  // namespace

Catalog compile_catalog(std::string_view yaml_text, const std::string& file, const CatalogSchema& schema) {
  try {
    return CatalogReader(yaml_text, file, schema).run();
  } catch (const YAML::Exception& e) {
    // Malformed structure that the reader did not anticipate still names its place.
    throw Error("YAML error: " + e.msg,
                file + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1));
  }
}

}  // namespace portrait::catalog

// src/catalog/fact_reader.cpp: a tag's `fact:`: the channel it aggregates,
// the aggregation and its column (or a value looked up through a reference
// table), the `where` / `when` filters over the channel's columns, and the
// time window relative to the period.
#include "catalog/catalog_reading.hpp"

namespace portrait::catalog {
namespace {

constexpr int kMaxWindowDays = 3660;
constexpr int kMaxWindowMonths = 120;

ValueType fact_type(const FactSpec& f) {
  const ColumnType t = f.lookup ? f.lookup->value_type : f.of_type;
  switch (f.agg) {
    case FactAgg::Count:
    case FactAgg::CountDistinct:
    case FactAgg::MostFrequent:
      return ValueType::Int;
    case FactAgg::Avg:
    case FactAgg::Share:
      return ValueType::Float;
    case FactAgg::Sum:
    case FactAgg::Min:
    case FactAgg::Max:
    case FactAgg::First:
    case FactAgg::Last:
      return value_type_of(t);
  }
  return value_type_of(t);
}

std::vector<std::string> record_channel_names(const CatalogReading& r) {
  std::vector<std::string> names;
  for (const auto& c : r.schema.channels) {
    if (&c != r.customers) names.push_back(c.channel);
  }
  return names;
}

[[noreturn]] void fail_column(const CatalogReading& r, const YAML::Node& node, const std::string& name,
                              const ChannelColumns& channel) {
  std::vector<std::string> names;
  for (const auto& c : channel.columns) names.push_back(c.name);
  r.src.fail(node, "channel '" + channel.channel + "' has no column '" + name + "'",
             name_hint(name, names, "columns: " + CatalogReading::join(names)));
}

void read_lookup(const CatalogReading& r, const YAML::Node& node, const YAML::Node& of_node, FactSpec& f,
                 NameScope& scope) {
  const YamlSource& src = r.src;
  src.require_map(node, "'lookup'");
  src.check_keys(node, {"table", "value"});
  const YAML::Node table_node = src.scalar_node(node, "table");
  const ReferenceColumns* ref = r.schema.reference(table_node.Scalar());
  if (ref == nullptr) {
    std::vector<std::string> names;
    for (const auto& t : r.schema.references) names.push_back(t.table);
    src.fail(table_node, "unknown reference table '" + table_node.Scalar() + "'",
             name_hint(table_node.Scalar(), names, "reference tables: " + CatalogReading::join(names)));
  }
  if (ref->key != f.of) {
    src.fail(of_node, "'" + ref->table + "' is looked up by '" + ref->key + "', not '" + f.of + "'",
             "set 'of: " + ref->key + "'");
  }
  const YAML::Node value_node = src.scalar_node(node, "value");
  const SchemaColumn* value = ref->find(value_node.Scalar());
  if (value == nullptr || value->name == ref->key) {
    std::vector<std::string> names;
    for (const auto& c : ref->columns) {
      if (c.name != ref->key) names.push_back(c.name);
    }
    src.fail(value_node, "reference table '" + ref->table + "' has no value '" + value_node.Scalar() + "'",
             name_hint(value_node.Scalar(), names, "values: " + CatalogReading::join(names)));
  }
  f.lookup = ReferenceLookup{ref->table, value->name, value->type};
  // The looked-up value can also be filtered on, as <table>.<value>.
  scope.add({ref->table + "." + value->name, value_type_of(value->type), {}});
}

std::int64_t bounded(const YamlSource& src, const YAML::Node& node, const std::string& what, std::int64_t low,
                     std::int64_t high) {
  const std::int64_t v = src.integer(node, "bad window: " + what);
  if (v < low || v > high) {
    src.fail(node, "bad window: " + what + " must be between " + std::to_string(low) + " and " +
                       std::to_string(high) + ", got " + std::to_string(v));
  }
  return v;
}

Window read_window(const YamlSource& src, const YAML::Node& node, const ChannelColumns& channel) {
  Window w;
  const std::string usage =
      "a window is 'period', {last_days: N}, {last_months: N} or {days_before_end: [N, M]} with N < M";
  if (node.IsScalar()) {
    if (node.Scalar() != "period") src.fail(node, "bad window '" + node.Scalar() + "'", usage);
    return w;
  }
  if (!node.IsMap() || node.size() != 1) src.fail(node, "bad window", usage);
  src.check_keys(node, {"last_days", "last_months", "days_before_end"});
  const std::string key = node.begin()->first.Scalar();
  const YAML::Node value = node.begin()->second;
  if (key == "last_months") {
    w.kind = Window::Kind::LastMonths;
    w.n = static_cast<int>(bounded(src, value, "last_months", 1, kMaxWindowMonths));
    return w;
  }
  if (channel.time_kind == TimeKind::YearMonth) {
    src.fail(node, "bad window: '" + channel.channel + "' has one record per month",
             "use 'period' or {last_months: N}");
  }
  if (key == "last_days") {
    w.kind = Window::Kind::LastDays;
    w.n = static_cast<int>(bounded(src, value, "last_days", 1, kMaxWindowDays));
    return w;
  }
  w.kind = Window::Kind::DaysBeforeEnd;
  if (!value.IsSequence() || value.size() != 2) {
    src.fail(value, "bad window: days_before_end takes [N, M]", "e.g. {days_before_end: [30, 90]}");
  }
  w.n = static_cast<int>(bounded(src, value[0], "days_before_end N", 0, kMaxWindowDays));
  w.m = static_cast<int>(bounded(src, value[1], "days_before_end M", 1, kMaxWindowDays));
  if (w.n >= w.m) {
    src.fail(
        value,
        "bad window: days_before_end [" + std::to_string(w.n) + ", " + std::to_string(w.m) + "] is empty",
        "N is the nearer bound and must be less than M, e.g. [30, 90]");
  }
  return w;
}

}  // namespace

void read_fact(CatalogReading& r, const YAML::Node& node, Tag& tag) {
  const YamlSource& src = r.src;
  src.require_map(node, "'fact'");
  src.check_keys(node, {"channel", "agg", "of", "lookup", "where", "when", "window"});
  FactSpec& f = tag.fact;
  const YAML::Node channel_node = src.scalar_node(node, "channel");
  f.channel = channel_node.Scalar();
  const ChannelColumns* channel = r.schema.channel(f.channel);
  if (channel == nullptr || channel == r.customers) {
    const auto names = record_channel_names(r);
    src.fail(channel_node,
             channel == r.customers ? "facts aggregate records; 'customers' has one row per customer"
                                    : "unknown channel '" + f.channel + "'",
             channel == r.customers
                 ? "use a rule over customers.<column>"
                 : name_hint(f.channel, names, "channels: " + CatalogReading::join(names)));
  }
  f.time_column = channel->time_column;
  f.time_kind = channel->time_kind;
  f.agg = r.read_enum<FactAgg>(src.scalar_node(node, "agg"), "aggregation");
  // count and share aggregate no column; they take `of` only to look a value up for where/when.
  const bool needs_of = f.agg != FactAgg::Count && f.agg != FactAgg::Share;
  const bool takes_of = needs_of || node["lookup"];

  NameScope scope;
  for (const auto& c : channel->columns) scope.add({c.name, value_type_of(c.type), {}});
  if (node["of"] && !takes_of) {
    src.fail(node["of"], std::string(to_string(f.agg)) + " takes no 'of'",
             "count and share use 'of' only with a 'lookup' whose value 'where' or 'when' test");
  }
  if (takes_of) {
    const YAML::Node of_node = src.scalar_node(node, "of");
    f.of = of_node.Scalar();
    const SchemaColumn* column = channel->find(f.of);
    if (column == nullptr) fail_column(r, of_node, f.of, *channel);
    f.of_type = column->type;
    if (node["lookup"]) read_lookup(r, node["lookup"], of_node, f, scope);
    const ColumnType t = f.lookup ? f.lookup->value_type : f.of_type;
    const bool summable =
        f.agg == FactAgg::Sum || f.agg == FactAgg::Avg || f.agg == FactAgg::Min || f.agg == FactAgg::Max;
    if (summable && t == ColumnType::UInt64) {
      src.fail(of_node, std::string(to_string(f.agg)) + " of '" + f.of + "', a hash column, has no meaning",
               "hashes support count_distinct, most_frequent, first and last");
    }
    if ((f.agg == FactAgg::CountDistinct || f.agg == FactAgg::MostFrequent) && t == ColumnType::Float64) {
      src.fail(of_node,
               std::string(to_string(f.agg)) + " needs a whole-number column; '" + f.of + "' is float64");
    }
  }
  CompileOptions where_options;
  where_options.utc_offset_seconds = r.cat.utc_offset_seconds;
  where_options.expected = ValueType::Bool;
  if (node["where"]) f.where = r.compile(src.scalar_node(node, "where"), scope, where_options);
  if (f.agg == FactAgg::Share) {
    if (!node["when"]) src.fail(node, "share needs 'when': the condition of the records it counts");
    f.when = r.compile(src.scalar_node(node, "when"), scope, where_options);
  } else if (node["when"]) {
    src.fail(node["when"], "only share takes 'when'", "filter the records with 'where'");
  }
  if (node["window"]) f.window = read_window(src, node["window"], *channel);
  tag.type = fact_type(f);
}

}  // namespace portrait::catalog

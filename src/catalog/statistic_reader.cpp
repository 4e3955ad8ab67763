// src/catalog/statistic_reader.cpp: the `statistics:` section: group tags
// over customers or persons, each grouped by bool, int or category tags (or
// customer columns) with its measures (count, sum, avg, share, median, p90,
// distinct). A person-level statistic reads merged tags only.
#include "catalog/catalog_reading.hpp"

namespace portrait::catalog {
namespace {

Measure read_measure(const CatalogReading& r, const YAML::Node& node) {
  const YamlSource& src = r.src;
  src.require_map(node, "a measure");
  src.check_keys(node, {"id", "name", "kind", "of", "when"});
  Measure m;
  m.id = r.read_id(node, "measure");
  m.name = r.read_name(node);
  m.kind = r.read_enum<MeasureKind>(src.scalar_node(node, "kind"), "measure");
  const bool needs_of = m.kind != MeasureKind::Count && m.kind != MeasureKind::Share;
  if (needs_of) {
    const YAML::Node of = src.scalar_node(node, "of");
    const NameInfo* info = r.resolve(of, std::string(to_string(m.kind)));
    const bool numeric = info->type == ValueType::Int || info->type == ValueType::Float;
    if (m.kind != MeasureKind::Distinct && !numeric) {
      src.fail(of, std::string(to_string(m.kind)) + " needs a number; '" + of.Scalar() + "' is " +
                       std::string(to_string(info->type)));
    }
    m.of = info->name;
    m.of_type = info->type;
  } else if (node["of"]) {
    src.fail(node["of"], std::string(to_string(m.kind)) + " takes no 'of'");
  }
  if (m.kind == MeasureKind::Share) {
    if (!node["when"]) src.fail(node, "share needs 'when': the condition whose share is measured");
    m.when = r.compile_condition(src.scalar_node(node, "when"));
  } else if (node["when"]) {
    src.fail(node["when"], "only share takes 'when'");
  }
  return m;
}

// Over merged profiles: every name a person-level statistic reads must be a merged tag.
void check_person_level(const CatalogReading& r, const YAML::Node& node, const StatisticSpec& s) {
  std::vector<std::string> names = s.group_by;
  for (const auto& m : s.measures) {
    if (!m.of.empty()) names.push_back(m.of);
    if (m.when) names.insert(names.end(), m.when->inputs.begin(), m.when->inputs.end());
  }
  for (const auto& name : names) {
    const Tag* tag = r.cat.find(name);
    if (tag == nullptr || tag->merge == MergePolicy::None) {
      r.src.fail(node["level"],
                 "person-level statistic '" + s.id + "' reads '" + name + "', which is not merged",
                 "give '" + name + "' a merge policy (merge: ...), or make the statistic customer-level");
    }
  }
}

void read_statistic(CatalogReading& r, const YAML::Node& node) {
  const YamlSource& src = r.src;
  src.require_map(node, "a statistic");
  src.check_keys(node, {"id", "name", "description", "level", "group_by", "measures"});
  StatisticSpec s;
  s.id = r.read_id(node, "statistic");
  s.location = src.location(node["id"]);
  s.name = r.read_name(node);
  if (!node["group_by"]) src.fail(node, "statistic '" + s.id + "' has no 'group_by'");
  const YAML::Node group_by = node["group_by"];
  const auto add_group = [&](const YAML::Node& g) {
    const NameInfo* info = r.resolve(g, "group by");
    if (info->type == ValueType::Float) {
      src.fail(g, "cannot group by '" + g.Scalar() + "', a float",
               "group by a categorical rule (rule: {values: ...}) that bands it");
    }
    s.group_by.push_back(info->name);
  };
  if (group_by.IsScalar()) {
    add_group(group_by);
  } else {
    src.require_sequence(group_by, "'group_by'");
    for (const auto& g : group_by) add_group(g);
  }
  if (!node["measures"]) src.fail(node, "statistic '" + s.id + "' has no 'measures'");
  src.require_sequence(node["measures"], "'measures'");
  for (const auto& m : node["measures"]) s.measures.push_back(read_measure(r, m));
  if (auto level = node["level"]) {
    if (level.Scalar() != "person" && level.Scalar() != "customer") {
      src.fail(level, "unknown level '" + level.Scalar() + "'", "a statistic is over customers or persons");
    }
    s.persons = level.Scalar() == "person";
  }
  if (s.persons) check_person_level(r, node, s);
  r.cat.statistics.push_back(std::move(s));
}

}  // namespace

void read_statistics(CatalogReading& r, const YAML::Node& statistics) {
  r.src.require_sequence(statistics, "'statistics'");
  for (const auto& s : statistics) read_statistic(r, s);
}

}  // namespace portrait::catalog

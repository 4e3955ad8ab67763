// src/catalog/catalog_reading.hpp: what the section readers share while one
// catalog compiles: the YAML source (every error names file:line:column), the
// schema, the catalog built so far, and the names rules, models and
// statistics may read. Each section of a catalog has its own reader file
// (see the entry points at the end); catalog_reader.cpp runs them in order.
#pragma once

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "catalog/catalog.hpp"
#include "catalog/expr_compiler.hpp"
#include "catalog/yaml_source.hpp"
#include "core/enum_names.hpp"
#include "core/spelling.hpp"

namespace portrait::catalog {

// A rule read but not yet compiled: rules are compiled in dependency order,
// once every tag's name and type is known.
struct PendingRule {
  YAML::Node expr;                // a scalar, or null (not IsScalar) for a values list
  std::vector<YAML::Node> whens;  // per value; null for the default
  std::vector<std::pair<std::size_t, const YAML::Node*>> uses;  // (tag index, expression) per dependency
};

class CatalogReading {
 public:
  CatalogReading(std::string_view text, const std::string& file, const CatalogSchema& catalog_schema);

  YamlSource src;
  const CatalogSchema& schema;
  const ChannelColumns* customers;  // the schema's customers channel
  Catalog cat;
  // Names rules, model features, labels and statistics read: customer
  // columns, facts, last month's tags, then rules and model outputs as they
  // are compiled.
  NameScope rule_scope;
  std::map<std::size_t, PendingRule> pending_rules;                // by tag index
  std::vector<std::size_t> rule_order;                             // dependency order
  std::vector<std::pair<std::size_t, YAML::Node>> pending_merges;  // (tag index, merge node)

  // A valid id under `parent` (lower-case letters, digits, '_').
  std::string read_id(const YAML::Node& parent, const std::string& what) const;
  // `name:` as a string or {zh, en}.
  DisplayName read_name(const YAML::Node& parent) const;
  // An expression, with the period's bounds as constants; errors point into it.
  CompiledExpr compile(const YAML::Node& scalar, const NameScope& scope, CompileOptions options) const;
  // A boolean expression over rule_scope (labels, conditions).
  CompiledExpr compile_condition(const YAML::Node& scalar) const;
  // A name of rule_scope that is computed (not offline).
  const NameInfo* resolve(const YAML::Node& node, const std::string& what) const;
  // A numeric name of rule_scope (a model feature, an RFM input).
  std::string numeric_input(const YAML::Node& node, const std::string& what) const;
  double real(const YAML::Node& node, const std::string& what) const;
  // The scalar as a value of E, by to_string(E). An unknown name fails with
  // the closest name or, without one, `otherwise` (default: the names).
  template <class E>
  E read_enum(const YAML::Node& scalar, const std::string& what, std::string otherwise = {}) const {
    if (const auto value = from_name<E>(scalar.Scalar())) return *value;
    const auto names = value_names<E>();
    if (otherwise.empty()) otherwise = what + "s: " + join(names);
    src.fail(scalar, "unknown " + what + " '" + scalar.Scalar() + "'",
             name_hint(scalar.Scalar(), names, otherwise));
  }

  static std::string join(const std::vector<std::string>& names);
};

ValueType value_type_of(ColumnType t);

// ---- the section readers, one file each -------------------------------------

// hierarchy_reader.cpp: `categories:` -> subcategories -> tags (each tag's
// fact or rule goes to its reader).
void read_hierarchy(CatalogReading& r, const YAML::Node& categories);
// fact_reader.cpp: a tag's `fact:` (channel, aggregation, column, lookup,
// filters, window); sets the tag's type.
void read_fact(CatalogReading& r, const YAML::Node& node, Tag& tag);
// rule_reader.cpp: a tag's `rule:` (expression or categorical values), kept
// pending; resolve_rules orders every rule by its dependencies (cycles are
// errors naming their path), compiles them and fills rule_scope.
void read_rule(CatalogReading& r, const YAML::Node& node, Tag& tag);
void resolve_rules(CatalogReading& r);
// model_reader.cpp: `models:`. Headers first (kind and output tags, so rules
// may read model outputs), bodies once the rules are ordered (`after_models`:
// rules that read model outputs, which no model may read).
void read_model_headers(CatalogReading& r, const YAML::Node& models);
void read_model_bodies(CatalogReading& r, const YAML::Node& models,
                       const std::set<std::string>& after_models);
// merge_reader.cpp: each tag's `merge:` policy, once every tag's type is known.
void read_merges(CatalogReading& r);
// statistic_reader.cpp: `statistics:` (group_by and measures).
void read_statistics(CatalogReading& r, const YAML::Node& statistics);

}  // namespace portrait::catalog

// src/catalog/catalog_reading.cpp: the helpers every section reader shares
// (ids, display names, expressions, names of the rule scope).
#include "catalog/catalog_reading.hpp"

#include <algorithm>

#include "core/error.hpp"

namespace portrait::catalog {

CatalogReading::CatalogReading(std::string_view text, const std::string& file,
                               const CatalogSchema& catalog_schema)
    : src(text, file), schema(catalog_schema), customers(catalog_schema.channel("customers")) {
  if (customers == nullptr) throw Error("the schema has no 'customers' channel", file);
}

std::string CatalogReading::join(const std::vector<std::string>& names) {
  std::string all;
  for (const auto& n : names) all += (all.empty() ? "" : ", ") + n;
  return all;
}

ValueType value_type_of(ColumnType t) { return t == ColumnType::Float64 ? ValueType::Float : ValueType::Int; }

std::string CatalogReading::read_id(const YAML::Node& parent, const std::string& what) const {
  const YAML::Node node = src.scalar_node(parent, "id");
  const std::string id = node.Scalar();
  const bool valid = !id.empty() && ((id[0] >= 'a' && id[0] <= 'z') || id[0] == '_') &&
                     std::all_of(id.begin(), id.end(), [](char c) {
                       return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
                     });
  if (!valid) {
    src.fail(node, what + " id '" + id + "' is not a valid name",
             "use lower-case letters, digits and '_', starting with a letter");
  }
  return id;
}

DisplayName CatalogReading::read_name(const YAML::Node& parent) const {
  DisplayName name;
  const YAML::Node node = parent["name"];
  if (!node) return name;
  if (node.IsScalar()) {
    name.zh = name.en = node.Scalar();
    return name;
  }
  src.require_map(node, "'name'");
  src.check_keys(node, {"zh", "en"});
  name.zh = src.optional_text(node, "zh").value_or("");
  name.en = src.optional_text(node, "en").value_or("");
  return name;
}

CompiledExpr CatalogReading::compile(const YAML::Node& scalar, const NameScope& scope,
                                     CompileOptions options) const {
  // Every expression may read the computed month's bounds.
  options.constants = {{"period_start", schema.period_start}, {"period_end", schema.period_end}};
  try {
    return compile_expression(scalar.Scalar(), scope, options);
  } catch (const ExprError& e) {
    src.fail_in(scalar, e);
  }
}

CompiledExpr CatalogReading::compile_condition(const YAML::Node& scalar) const {
  CompileOptions options;
  options.utc_offset_seconds = cat.utc_offset_seconds;
  options.expected = ValueType::Bool;
  return compile(scalar, rule_scope, options);
}

const NameInfo* CatalogReading::resolve(const YAML::Node& node, const std::string& what) const {
  if (!node.IsScalar()) src.fail(node, what + " takes a tag or customers.<column>");
  const std::string name = node.Scalar();
  const NameInfo* info = rule_scope.find(name);
  if (info == nullptr) {
    src.fail(node, "unknown name '" + name + "' in " + what,
             name_hint(name, rule_scope.spellings(), "use a tag or customers.<column>"));
  }
  if (const Tag* t = cat.find(info->name); t != nullptr && t->state == TagState::Offline) {
    src.fail(node, "'" + name + "' is offline and not computed", "set its state to draft or online");
  }
  return info;
}

std::string CatalogReading::numeric_input(const YAML::Node& node, const std::string& what) const {
  const NameInfo* info = resolve(node, what);
  if (info->type == ValueType::Category) {
    src.fail(node, what + " '" + node.Scalar() + "' is categorical",
             "use a number, or a bool rule per category");
  }
  return info->name;
}

double CatalogReading::real(const YAML::Node& node, const std::string& what) const {
  try {
    return node.as<double>();
  } catch (const YAML::Exception&) {
    src.fail(node, what + " must be a number");
  }
}

}  // namespace portrait::catalog

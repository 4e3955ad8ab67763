// src/catalog/catalog_reader.cpp: compiles catalog YAML by running the
// section readers in order: the hierarchy and its tags, model headers (so
// rules may read model outputs), rules in dependency order, model bodies,
// merge policies, statistics. Every error names file:line:column.
#include <set>

#include "catalog/catalog_reading.hpp"
#include "core/error.hpp"

namespace portrait::catalog {
namespace {

Catalog read_catalog(CatalogReading& r) {
  const YAML::Node& root = r.src.root();
  r.src.check_keys(root, {"catalog", "utc_offset_hours", "categories", "models", "statistics"});
  r.cat.name = r.src.text(root, "catalog");
  r.cat.file = r.src.file();
  if (root["utc_offset_hours"]) {
    const std::int64_t hours = r.src.integer(root["utc_offset_hours"], "utc_offset_hours");
    if (hours < -14 || hours > 14)
      r.src.fail(root["utc_offset_hours"], "utc_offset_hours must be between -14 and 14");
    r.cat.utc_offset_seconds = hours * 3600;
  }
  if (!root["categories"])
    r.src.fail(root, "missing 'categories'", "add 'categories:' with the tag hierarchy");
  read_hierarchy(r, root["categories"]);
  // Model outputs are named and typed by each model's header, so rules may
  // read them; such rules run after the models.
  if (root["models"]) read_model_headers(r, root["models"]);
  resolve_rules(r);
  for (std::size_t i = 0; i < r.cat.tags.size(); ++i) {
    if (r.cat.tags[i].kind == TagKind::Fact && r.cat.tags[i].state != TagState::Offline)
      r.cat.evaluation.push_back(i);
  }
  std::set<std::string> after_models;
  for (std::size_t i : r.rule_order) {
    const Tag& tag = r.cat.tags[i];
    bool reads_models = false;
    for (const auto& d : tag.depends_on) {
      const Tag* dep = r.cat.find(d);
      reads_models = reads_models || dep->kind == TagKind::Model || after_models.count(d) > 0;
    }
    if (reads_models) after_models.insert(tag.id);
    if (tag.state == TagState::Offline) continue;
    (reads_models ? r.cat.after_models : r.cat.evaluation).push_back(i);
  }
  if (root["models"]) read_model_bodies(r, root["models"], after_models);
  read_merges(r);
  if (root["statistics"]) read_statistics(r, root["statistics"]);
  return std::move(r.cat);
}

}  // namespace

Catalog compile_catalog(std::string_view yaml_text, const std::string& file, const CatalogSchema& schema) {
  try {
    CatalogReading reading(yaml_text, file, schema);
    return read_catalog(reading);
  } catch (const YAML::Exception& e) {
    // Malformed structure that the reader did not anticipate still names its place.
    throw Error("YAML error: " + e.msg,
                file + ":" + std::to_string(e.mark.line + 1) + ":" + std::to_string(e.mark.column + 1));
  }
}

}  // namespace portrait::catalog

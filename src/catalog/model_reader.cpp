// src/catalog/model_reader.cpp: the `models:` section. A model's header
// (id, kind, where its output tags sit in the hierarchy) is read before the
// rules, so rules may read model outputs; its body (features, label and
// settings of its kind) after the rules are ordered, since a model reads
// facts, rules and customer attributes but nothing computed from models.
#include "catalog/catalog_reading.hpp"

namespace portrait::catalog {
namespace {

std::string category_of(const Catalog& cat, const Subcategory& sub) {
  for (const auto& c : cat.categories) {
    for (const auto& s : c.subcategories) {
      if (&s == &sub) return c.id;
    }
  }
  return {};
}

void add_model_tag(CatalogReading& r, const ModelSpec& m, const std::string& id, ValueType type,
                   std::vector<std::string> labels, Subcategory& sub, const YAML::Node& at) {
  if (r.cat.find(id) != nullptr || r.customers->find(id) != nullptr) {
    r.src.fail(at, "model output '" + id + "' has the name of another tag or customer attribute",
               "rename the model");
  }
  Tag tag;
  tag.id = id;
  tag.name = m.name;
  tag.kind = TagKind::Model;
  tag.type = type;
  tag.labels = std::move(labels);
  tag.model = r.cat.models.size();
  tag.location = m.location;
  tag.category = category_of(r.cat, sub);
  tag.subcategory = sub.id;
  sub.tags.push_back(id);
  r.rule_scope.add({id, type, tag.labels});
  r.cat.tags.push_back(std::move(tag));
}

Subcategory& model_subcategory(CatalogReading& r, const YAML::Node& node) {
  const YAML::Node category_node = r.src.scalar_node(node, "category");
  const YAML::Node subcategory_node = r.src.scalar_node(node, "subcategory");
  for (auto& c : r.cat.categories) {
    if (c.id != category_node.Scalar()) continue;
    for (auto& s : c.subcategories) {
      if (s.id == subcategory_node.Scalar()) return s;
    }
  }
  r.src.fail(
      subcategory_node,
      "no subcategory '" + subcategory_node.Scalar() + "' in category '" + category_node.Scalar() + "'",
      "a model's tags join an existing subcategory of the hierarchy");
}

void read_clusters(CatalogReading& r, const YAML::Node& node, ModelSpec& m) {
  if (auto k = node["k"]) m.k = r.src.integer(k, "k");
  if (m.k < 2 || m.k > 100) r.src.fail(node["k"], "k must be between 2 and 100");
  if (auto clusters = node["clusters"]) {
    r.src.require_sequence(clusters, "'clusters'");
    for (const auto& c : clusters) m.clusters.push_back(c.Scalar());
    if (static_cast<std::int64_t>(m.clusters.size()) != m.k) {
      r.src.fail(clusters, "'clusters' names " + std::to_string(m.clusters.size()) + " clusters, k is " +
                               std::to_string(m.k));
    }
  } else {
    for (std::int64_t c = 0; c < m.k; ++c) m.clusters.push_back("cluster_" + std::to_string(c));
  }
}

void read_model_header(CatalogReading& r, const YAML::Node& node) {
  const YamlSource& src = r.src;
  src.require_map(node, "a model");
  src.check_keys(node, {"id", "name", "kind", "category", "subcategory", "features", "label", "c",
                        "holdout_percent", "threshold", "levels", "model_file", "k", "seed", "clusters",
                        "recency", "frequency", "monetary"});
  ModelSpec m;
  m.id = r.read_id(node, "model");
  m.location = src.location(node["id"]);
  m.name = r.read_name(node);
  m.kind = r.read_enum<ModelKind>(src.scalar_node(node, "kind"), "model kind");
  Subcategory& sub = model_subcategory(r, node);
  const YAML::Node at = node["id"];
  switch (m.kind) {
    case ModelKind::Logistic:
      add_model_tag(r, m, m.id, ValueType::Float, {}, sub, at);
      add_model_tag(r, m, m.id + "_level", ValueType::Category, {"low", "medium", "high"}, sub, at);
      break;
    case ModelKind::KMeans:
      read_clusters(r, node, m);
      add_model_tag(r, m, m.id, ValueType::Category, m.clusters, sub, at);
      break;
    case ModelKind::Rfm:
      for (const char* part : {"_recency", "_frequency", "_monetary"}) {
        add_model_tag(r, m, m.id + part, ValueType::Int, {}, sub, at);
      }
      add_model_tag(r, m, m.id, ValueType::Category, {"low", "medium", "high"}, sub, at);
      break;
  }
  r.cat.models.push_back(std::move(m));
}

bool computed_from_models(const CatalogReading& r, const std::string& name,
                          const std::set<std::string>& after_models) {
  const Tag* tag = r.cat.find(name);
  return tag != nullptr && (tag->kind == TagKind::Model || after_models.count(name) > 0);
}

// A model's input: a numeric tag or customer column computed before the models.
std::string model_input(CatalogReading& r, const YAML::Node& node, const std::string& what,
                        const std::set<std::string>& after_models) {
  const std::string name = r.numeric_input(node, what);
  if (computed_from_models(r, name, after_models)) {
    r.src.fail(node, what + " '" + name + "' is computed from model outputs",
               "a model reads facts, rules and customer attributes only; models run before the rules that "
               "read them");
  }
  return name;
}

void read_features(CatalogReading& r, const YAML::Node& node, ModelSpec& m,
                   const std::set<std::string>& after_models) {
  if (!node["features"]) r.src.fail(node, "model '" + m.id + "' has no 'features'");
  r.src.require_sequence(node["features"], "'features'");
  for (const auto& f : node["features"]) m.features.push_back(model_input(r, f, "feature", after_models));
  if (m.features.empty()) r.src.fail(node["features"], "a model needs at least one feature");
}

void read_logistic(CatalogReading& r, const YAML::Node& node, ModelSpec& m,
                   const std::set<std::string>& after_models) {
  const YamlSource& src = r.src;
  if (auto file = node["model_file"]) {
    m.model_file = file.Scalar();
  } else {
    m.label = r.compile_condition(src.scalar_node(node, "label"));
    for (const auto& input : m.label->inputs) {
      if (computed_from_models(r, input, after_models)) {
        src.fail(node["label"], "the label reads '" + input + "', computed from model outputs",
                 "a label reads facts, rules and customer attributes only");
      }
    }
  }
  if (auto c = node["c"]) m.c = r.real(c, "c");
  if (m.c <= 0) src.fail(node["c"], "c must be above 0");
  if (auto h = node["holdout_percent"]) m.holdout_percent = src.integer(h, "holdout_percent");
  if (m.holdout_percent < 0 || m.holdout_percent > 90) {
    src.fail(node["holdout_percent"], "holdout_percent must be between 0 and 90");
  }
  if (auto t = node["threshold"]) m.threshold = r.real(t, "threshold");
  if (auto levels = node["levels"]) {
    src.require_map(levels, "'levels'");
    src.check_keys(levels, {"high", "medium"});
    if (levels["high"]) m.level_high = r.real(levels["high"], "levels: high");
    if (levels["medium"]) m.level_medium = r.real(levels["medium"], "levels: medium");
    if (!(m.level_medium <= m.level_high)) src.fail(levels, "levels: medium must not be above high");
  }
}

void read_model_body(CatalogReading& r, const YAML::Node& node, ModelSpec& m,
                     const std::set<std::string>& after_models) {
  switch (m.kind) {
    case ModelKind::Rfm:
      m.recency = model_input(r, r.src.scalar_node(node, "recency"), "recency", after_models);
      m.frequency = model_input(r, r.src.scalar_node(node, "frequency"), "frequency", after_models);
      m.monetary = model_input(r, r.src.scalar_node(node, "monetary"), "monetary", after_models);
      break;
    case ModelKind::Logistic:
      read_features(r, node, m, after_models);
      read_logistic(r, node, m, after_models);
      break;
    case ModelKind::KMeans:
      read_features(r, node, m, after_models);
      if (auto seed = node["seed"]) m.seed = r.src.integer(seed, "seed");
      break;
  }
}

}  // namespace

void read_model_headers(CatalogReading& r, const YAML::Node& models) {
  r.src.require_sequence(models, "'models'");
  for (const auto& m : models) read_model_header(r, m);
}

void read_model_bodies(CatalogReading& r, const YAML::Node& models,
                       const std::set<std::string>& after_models) {
  std::size_t k = 0;
  for (const auto& m : models) read_model_body(r, m, r.cat.models[k++], after_models);
}

}  // namespace portrait::catalog

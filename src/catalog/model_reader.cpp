// src/catalog/model_reader.cpp: the `models:` section. A model's header
// (id, kind, where its output tags sit in the hierarchy) is read before the
// rules, so rules may read model outputs; its body (features, label and
// settings of its kind) after the rules are ordered, since a model reads
// facts, rules and customer attributes but nothing computed from models.
#include <algorithm>

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

// ---- gradient-boosted trees, candidates, PageRank --------------------------

std::vector<std::string> gbdt_keys() {
  return {"trees", "max_depth", "max_leaves", "learning_rate", "min_child_weight",      "lambda",
          "gamma", "subsample", "colsample",  "max_bins",      "early_stopping_rounds", "seed"};
}

GbdtSettings read_gbdt_settings(const CatalogReading& r, const YAML::Node& node) {
  const YamlSource& src = r.src;
  GbdtSettings g;
  auto integer = [&](const char* key, std::int64_t& value, std::int64_t low, std::int64_t high,
                     const char* range) {
    if (auto n = node[key]) value = src.integer(n, key);
    if (value < low || value > high) src.fail(node[key], std::string(key) + " must be " + range);
  };
  auto real = [&](const char* key, double& value, bool open_zero, const char* range) {
    if (auto n = node[key]) value = r.real(n, key);
    const bool ok = open_zero ? value > 0 && value <= 1 : value >= 0;
    if (!ok) src.fail(node[key], std::string(key) + " must be " + range);
  };
  integer("trees", g.trees, 1, 100000, "between 1 and 100000");
  integer("max_depth", g.max_depth, 1, 16, "between 1 and 16");
  integer("max_leaves", g.max_leaves, 0, 65536, "0 (grow level by level) or between 2 and 65536");
  if (g.max_leaves == 1) src.fail(node["max_leaves"], "max_leaves must be 0 or between 2 and 65536");
  real("learning_rate", g.learning_rate, true, "above 0 and at most 1");
  real("min_child_weight", g.min_child_weight, false, "0 or more");
  real("lambda", g.lambda, false, "0 or more");
  real("gamma", g.gamma, false, "0 or more");
  real("subsample", g.subsample, true, "above 0 and at most 1");
  real("colsample", g.colsample, true, "above 0 and at most 1");
  integer("max_bins", g.max_bins, 2, 255, "between 2 and 255");
  integer("early_stopping_rounds", g.early_stopping_rounds, 0, 100000, "0 (off) or more");
  if (auto n = node["seed"]) g.seed = src.integer(n, "seed");
  return g;
}

void read_candidates(CatalogReading& r, const YAML::Node& node, ModelSpec& m) {
  const YamlSource& src = r.src;
  const YAML::Node list = node["candidates"];
  if (!list)
    src.fail(node, "champion '" + m.id + "' has no 'candidates'", "list two or more models to compare");
  src.require_sequence(list, "'candidates'");
  if (list.size() < 2) src.fail(list, "a champion needs two or more candidates");
  for (const auto& c : list) {
    src.require_map(c, "a candidate");
    ModelCandidate candidate;
    candidate.kind = r.read_enum<ModelKind>(src.scalar_node(c, "kind"), "candidate kind");
    std::vector<std::string> keys{"id", "kind"};
    if (candidate.kind == ModelKind::Logistic) {
      keys.push_back("c");
    } else if (candidate.kind == ModelKind::Gbdt) {
      for (auto& key : gbdt_keys()) keys.push_back(std::move(key));
    } else {
      src.fail(c["kind"], "a candidate is logistic or gbdt, not " + c["kind"].Scalar());
    }
    src.check_keys(c, keys);
    candidate.name = r.read_id(c, "candidate");
    candidate.location = src.location(c["id"]);
    for (const auto& other : m.candidates) {
      if (other.name == candidate.name) src.fail(c["id"], "a second candidate '" + candidate.name + "'");
    }
    if (candidate.kind == ModelKind::Logistic) {
      if (auto value = c["c"]) candidate.c = r.real(value, "c");
      if (candidate.c <= 0) src.fail(c["c"], "c must be above 0");
      for (std::size_t k = 0; k < m.features.size(); ++k) {
        if (m.categorical[k]) {
          src.fail(c["kind"],
                   "a logistic candidate reads numbers; feature '" + m.features[k] + "' is categorical",
                   "give the logistic model a bool rule per category, or compare trees only");
        }
      }
    } else {
      candidate.gbdt = read_gbdt_settings(r, c);
    }
    m.candidates.push_back(std::move(candidate));
  }
  if (auto metric = node["select_by"]) m.select_by = r.read_enum<ModelMetric>(metric, "metric");
  if (m.validation_percent == 0) {
    src.fail(node, "a champion is chosen on validation customers",
             "set validation_percent above 0 (e.g. 20)");
  }
}

void read_pagerank(CatalogReading& r, const YAML::Node& node, ModelSpec& m) {
  const YamlSource& src = r.src;
  if (auto contacts = node["contacts"]) {
    src.require_map(contacts, "'contacts'");
    src.check_keys(contacts, {"channel", "peer", "where"});
    if (contacts["channel"]) m.contact_channel = src.scalar_node(contacts, "channel").Scalar();
    if (contacts["peer"]) m.peer = src.scalar_node(contacts, "peer").Scalar();
  }
  const YAML::Node at = node["contacts"] ? node["contacts"] : node;
  const ChannelColumns* channel = r.schema.channel(m.contact_channel);
  if (channel == nullptr || channel == r.customers || channel->time_kind != TimeKind::UnixSeconds) {
    src.fail(at, "contacts come from a channel of timed records; '" + m.contact_channel + "' is none",
             "e.g. channel: usage");
  }
  m.contact_time = channel->time_column;
  const SchemaColumn* peer = channel->find(m.peer);
  if (peer == nullptr || peer->type != ColumnType::UInt64) {
    src.fail(at, "channel '" + m.contact_channel + "' has no uint64 column '" + m.peer + "'",
             "the peer column holds the keyed hash of the other party's number");
  }
  if (node["contacts"] && node["contacts"]["where"]) {
    NameScope scope;
    for (const auto& c : channel->columns) scope.add({c.name, value_type_of(c.type), {}});
    CompileOptions options;
    options.utc_offset_seconds = r.cat.utc_offset_seconds;
    options.expected = ValueType::Bool;
    m.contact_where = r.compile(src.scalar_node(node["contacts"], "where"), scope, options);
  }
  const ChannelColumns* identity = r.schema.channel("identity");
  if (identity == nullptr) {
    src.fail(node["id"],
             "pagerank finds the customer behind a number in the identity channel, and the inputs have none",
             "read the identity shards in the job's inputs");
  }
  if (auto d = node["damping"]) m.damping = r.real(d, "damping");
  if (!(m.damping > 0 && m.damping < 1)) src.fail(node["damping"], "damping must be between 0 and 1");
  if (auto t = node["tolerance"]) m.tolerance = r.real(t, "tolerance");
  if (!(m.tolerance > 0)) src.fail(node["tolerance"], "tolerance must be above 0");
  if (auto l = node["leader_percent"]) m.leader_percent = r.real(l, "leader_percent");
  if (!(m.leader_percent > 0 && m.leader_percent <= 100)) {
    src.fail(node["leader_percent"], "leader_percent must be above 0 and at most 100");
  }
}

// The keys a model of each kind takes, besides id, name, kind, category and subcategory.
std::vector<std::string> model_keys(ModelKind kind) {
  const std::vector<std::string> propensity{
      "features", "label", "model_file", "holdout_percent", "validation_percent", "threshold", "levels"};
  auto with = [](std::vector<std::string> keys, const std::vector<std::string>& more) {
    keys.insert(keys.end(), more.begin(), more.end());
    return keys;
  };
  switch (kind) {
    case ModelKind::Logistic:
      return with(propensity, {"c"});
    case ModelKind::Gbdt:
      return with(with(propensity, gbdt_keys()), {"categorical"});
    case ModelKind::Champion:
      return with(propensity, {"candidates", "select_by", "categorical"});
    case ModelKind::KMeans:
      return {"features", "k", "seed", "clusters"};
    case ModelKind::Rfm:
      return {"recency", "frequency", "monetary"};
    case ModelKind::PageRank:
      return {"contacts", "damping", "tolerance", "leader_percent"};
  }
  return {};
}

void read_model_header(CatalogReading& r, const YAML::Node& node) {
  const YamlSource& src = r.src;
  src.require_map(node, "a model");
  ModelSpec m;
  m.kind = r.read_enum<ModelKind>(src.scalar_node(node, "kind"), "model kind");
  std::vector<std::string> keys{"id", "name", "kind", "category", "subcategory"};
  for (auto& key : model_keys(m.kind)) keys.push_back(std::move(key));
  src.check_keys(node, keys);
  m.id = r.read_id(node, "model");
  m.location = src.location(node["id"]);
  m.name = r.read_name(node);
  Subcategory& sub = model_subcategory(r, node);
  const YAML::Node at = node["id"];
  switch (m.kind) {
    case ModelKind::Logistic:
    case ModelKind::Gbdt:
    case ModelKind::Champion:
      add_model_tag(r, m, m.id, ValueType::Float, {}, sub, at);
      add_model_tag(r, m, m.id + "_level", ValueType::Category, {"low", "medium", "high"}, sub, at);
      break;
    case ModelKind::PageRank:
      add_model_tag(r, m, m.id, ValueType::Float, {}, sub, at);
      add_model_tag(r, m, m.id + "_leader", ValueType::Bool, {}, sub, at);
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

// Trees read categories as they are: a category tag, or an integer listed
// under `categorical`. Other kinds read numbers only.
void read_features(CatalogReading& r, const YAML::Node& node, ModelSpec& m,
                   const std::set<std::string>& after_models) {
  if (!node["features"]) r.src.fail(node, "model '" + m.id + "' has no 'features'");
  r.src.require_sequence(node["features"], "'features'");
  const bool trees = m.kind == ModelKind::Gbdt || m.kind == ModelKind::Champion;
  for (const auto& f : node["features"]) {
    if (!trees) {
      m.features.push_back(model_input(r, f, "feature", after_models));
      m.categorical.push_back(0);
      continue;
    }
    const NameInfo* info = r.resolve(f, "feature");
    if (computed_from_models(r, info->name, after_models)) model_input(r, f, "feature", after_models);
    if (info->type == ValueType::Category && info->labels.size() >= 255) {
      r.src.fail(f, "feature '" + f.Scalar() + "' has " + std::to_string(info->labels.size()) + " categories",
                 "trees take categories of at most 254 values");
    }
    m.features.push_back(info->name);
    m.categorical.push_back(info->type == ValueType::Category ? 1 : 0);
  }
  if (m.features.empty()) r.src.fail(node["features"], "a model needs at least one feature");
  if (auto listed = node["categorical"]) {
    r.src.require_sequence(listed, "'categorical'");
    for (const auto& c : listed) {
      const auto at = std::find(m.features.begin(), m.features.end(), r.resolve(c, "categorical")->name);
      if (at == m.features.end()) r.src.fail(c, "'" + c.Scalar() + "' is not one of the model's features");
      m.categorical[static_cast<std::size_t>(at - m.features.begin())] = 1;
    }
  }
}

// What every propensity model (logistic, gbdt, champion) reads: its label
// or saved model, the customers it holds out and validates on, the
// threshold and the level bands.
void read_propensity(CatalogReading& r, const YAML::Node& node, ModelSpec& m,
                     const std::set<std::string>& after_models) {
  const YamlSource& src = r.src;
  if (auto file = node["model_file"]) {
    if (m.kind == ModelKind::Champion) {
      src.fail(
          file, "a champion trains its candidates",
          "to score with a champion's saved model, give it as model_file of its kind (logistic or gbdt)");
    }
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
  if (auto h = node["holdout_percent"]) m.holdout_percent = src.integer(h, "holdout_percent");
  if (m.holdout_percent < 0 || m.holdout_percent > 90) {
    src.fail(node["holdout_percent"], "holdout_percent must be between 0 and 90");
  }
  if (auto v = node["validation_percent"]) m.validation_percent = src.integer(v, "validation_percent");
  if (m.validation_percent < 0 || m.holdout_percent + m.validation_percent > 90) {
    src.fail(node["validation_percent"] ? node["validation_percent"] : node,
             "validation_percent must be 0 or more, and at most 90 with holdout_percent");
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
      read_propensity(r, node, m, after_models);
      if (auto c = node["c"]) m.c = r.real(c, "c");
      if (m.c <= 0) r.src.fail(node["c"], "c must be above 0");
      break;
    case ModelKind::Gbdt:
      read_features(r, node, m, after_models);
      read_propensity(r, node, m, after_models);
      m.gbdt = read_gbdt_settings(r, node);
      if (m.gbdt.early_stopping_rounds > 0 && m.validation_percent == 0) {
        r.src.fail(node["early_stopping_rounds"], "early stopping needs validation customers",
                   "set validation_percent above 0");
      }
      break;
    case ModelKind::Champion:
      read_features(r, node, m, after_models);
      read_propensity(r, node, m, after_models);
      read_candidates(r, node, m);
      break;
    case ModelKind::PageRank:
      read_pagerank(r, node, m);
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

// src/models/model_json.cpp: JSON forms of LogisticModel
// ("portrait-logistic-1") and GbdtModel ("portrait-gbdt-1"), documented in
// docs/models.md.
#include "models/model_json.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/error.hpp"

namespace portrait::models {

namespace {

using nlohmann::json;
constexpr const char* kFormat = "portrait-logistic-1";
constexpr const char* kGbdtFormat = "portrait-gbdt-1";

json number(double value) { return std::isnan(value) ? json(nullptr) : json(value); }

double number_of(const json& value) {
  return value.is_null() ? std::numeric_limits<double>::quiet_NaN() : value.get<double>();
}

// Thresholds may be infinite (a feature's lowest cut); JSON has no infinity.
json real(double value) {
  if (std::isfinite(value)) return value;
  return std::isnan(value) ? json(nullptr) : json(value > 0 ? "inf" : "-inf");
}

double real_of(const json& value) {
  if (value.is_string()) {
    const auto text = value.get<std::string>();
    if (text == "inf" || text == "-inf") {
      return text == "inf" ? std::numeric_limits<double>::infinity()
                           : -std::numeric_limits<double>::infinity();
    }
    throw Error(fmt::format("{} is not a number", value.dump()));
  }
  return number_of(value);
}

void check_format(const json& j, const char* format, const std::string& source) {
  if (j.at("format") != format) {
    throw Error(fmt::format("unknown model format {}", j.at("format").dump()), source,
                fmt::format("expected \"{}\"", format));
  }
}

}  // namespace

json metrics_to_json(const BinaryMetrics& m) {
  json calibration = json::array();
  for (const CalibrationBin& bin : m.calibration) {
    calibration.push_back(
        {{"count", bin.count}, {"positives", bin.positives}, {"mean_score", number(bin.mean_score)}});
  }
  return json{{"count", m.count},
              {"positives", m.positives},
              {"threshold", number(m.threshold)},
              {"auc", number(m.auc)},
              {"log_loss", number(m.log_loss)},
              {"precision", number(m.precision)},
              {"recall", number(m.recall)},
              {"lift_top_percent", number(m.lift_top_percent)},
              {"lift_top_5_percent", number(m.lift_top_5_percent)},
              {"lift_top_decile", number(m.lift_top_decile)},
              {"calibration", calibration}};
}

BinaryMetrics metrics_from_json(const json& j) {
  BinaryMetrics m{j.at("count").get<std::int64_t>(),  j.at("positives").get<std::int64_t>(),
                  number_of(j.at("threshold")),       number_of(j.at("auc")),
                  number_of(j.at("precision")),       number_of(j.at("recall")),
                  number_of(j.at("lift_top_decile")), number_of(j.at("lift_top_percent"))};
  // Model files saved before the comparison table lack these.
  m.lift_top_5_percent = number_of(j.value("lift_top_5_percent", json(nullptr)));
  m.log_loss = number_of(j.value("log_loss", json(nullptr)));
  for (const json& bin : j.value("calibration", json::array())) {
    m.calibration.push_back(CalibrationBin{bin.at("count").get<std::int64_t>(),
                                           bin.at("positives").get<std::int64_t>(),
                                           number_of(bin.at("mean_score"))});
  }
  return m;
}

std::string logistic_to_json(const LogisticModel& model) {
  const LogisticOptions& o = model.options;
  json j{{"format", kFormat},
         {"catalog_hash", model.catalog_hash},
         {"features", model.features},
         {"scaling", {{"mean", model.scaling.mean}, {"scale", model.scaling.scale}}},
         {"intercept", model.intercept},
         {"weights", model.weights},
         {"threshold", o.threshold},
         {"levels", {{"high", o.level_high}, {"medium", o.level_medium}}},
         {"training",
          {{"c", o.c},
           {"max_iterations", o.max_iterations},
           {"tolerance", o.tolerance},
           {"holdout_percent", o.holdout_percent},
           {"validation_percent", o.validation_percent},
           {"holdout_salt", o.holdout_salt},
           {"iterations", model.iterations},
           {"converged", model.converged},
           {"objective", number(model.objective)},
           {"rows", model.training_rows}}},
         {"metrics", {{"holdout", metrics_to_json(model.holdout)}}}};
  return j.dump(2) + "\n";
}

LogisticModel logistic_from_json(std::string_view text, const std::string& source) {
  try {
    const json j = json::parse(text);
    check_format(j, kFormat, source);
    LogisticModel model;
    model.catalog_hash = j.at("catalog_hash").get<std::string>();
    model.features = j.at("features").get<std::vector<std::string>>();
    model.scaling.mean = j.at("scaling").at("mean").get<std::vector<double>>();
    model.scaling.scale = j.at("scaling").at("scale").get<std::vector<double>>();
    model.intercept = j.at("intercept").get<double>();
    model.weights = j.at("weights").get<std::vector<double>>();
    const std::size_t d = model.features.size();
    if (model.scaling.mean.size() != d || model.scaling.scale.size() != d || model.weights.size() != d) {
      throw Error(fmt::format("{} features but {} means, {} scales and {} weights", d,
                              model.scaling.mean.size(), model.scaling.scale.size(), model.weights.size()),
                  source, "the model file is damaged; train again");
    }
    LogisticOptions& o = model.options;
    o.threshold = j.at("threshold").get<double>();
    o.level_high = j.at("levels").at("high").get<double>();
    o.level_medium = j.at("levels").at("medium").get<double>();
    const json& t = j.at("training");
    o.c = t.at("c").get<double>();
    o.max_iterations = t.at("max_iterations").get<int>();
    o.tolerance = t.at("tolerance").get<double>();
    o.holdout_percent = t.at("holdout_percent").get<int>();
    o.validation_percent = t.value("validation_percent", 0);  // files saved before validation existed
    o.holdout_salt = t.at("holdout_salt").get<std::uint64_t>();
    model.iterations = t.at("iterations").get<int>();
    model.converged = t.at("converged").get<bool>();
    model.objective = number_of(t.at("objective"));
    model.training_rows = t.at("rows").get<std::int64_t>();
    model.holdout = metrics_from_json(j.at("metrics").at("holdout"));
    return model;
  } catch (const json::exception& e) {
    throw Error(fmt::format("malformed model JSON: {}", e.what()), source,
                "the model file is damaged; train again");
  }
}

std::string gbdt_to_json(const GbdtModel& model) {
  const GbdtOptions& o = model.options;
  json trees = json::array();
  for (const GbdtTree& tree : model.trees) {
    json feature = json::array(), threshold = json::array(), default_left = json::array(),
         left = json::array(), right = json::array(), value = json::array(), gain = json::array(),
         cover = json::array(), categories = json::object();
    for (std::size_t k = 0; k < tree.nodes.size(); ++k) {
      const GbdtNode& node = tree.nodes[k];
      feature.push_back(node.feature);
      threshold.push_back(real(node.threshold));
      default_left.push_back(node.default_left);
      left.push_back(node.left);
      right.push_back(node.right);
      value.push_back(node.value);
      gain.push_back(node.gain);
      cover.push_back(node.cover);
      if (!node.categories.empty()) categories[std::to_string(k)] = node.categories;
    }
    trees.push_back({{"feature", feature},
                     {"threshold", threshold},
                     {"default_left", default_left},
                     {"left", left},
                     {"right", right},
                     {"value", value},
                     {"gain", gain},
                     {"cover", cover},
                     {"categories", categories}});
  }
  double total_gain = 0.0;
  for (double g : model.gain_importance) total_gain += g;
  json importance = json::array();
  for (std::size_t j = 0; j < model.features.size(); ++j) {
    importance.push_back({{"feature", model.features[j]},
                          {"gain", model.gain_importance[j]},
                          {"share", total_gain > 0 ? model.gain_importance[j] / total_gain : 0.0},
                          {"splits", model.split_count[j]}});
  }
  std::vector<bool> categorical(model.categorical.begin(), model.categorical.end());
  json j{{"format", kGbdtFormat},
         {"catalog_hash", model.catalog_hash},
         {"features", model.features},
         {"categorical", categorical},
         {"loss", "logistic"},
         {"base_margin", model.base_margin},
         {"trees", trees},
         {"importance", importance},
         {"threshold", o.threshold},
         {"levels", {{"high", o.level_high}, {"medium", o.level_medium}}},
         {"training",
          {{"trees", o.trees},
           {"max_depth", o.max_depth},
           {"max_leaves", o.max_leaves},
           {"learning_rate", o.learning_rate},
           {"min_child_weight", o.min_child_weight},
           {"lambda", o.lambda},
           {"gamma", o.gamma},
           {"subsample", o.subsample},
           {"colsample", o.colsample},
           {"max_bins", o.max_bins},
           {"early_stopping_rounds", o.early_stopping_rounds},
           {"seed", o.seed},
           {"holdout_percent", o.subsets.holdout_percent},
           {"validation_percent", o.subsets.validation_percent},
           {"holdout_salt", o.subsets.salt},
           {"gradient_bits", model.gradient_bits},
           {"trees_trained", model.trees_trained},
           {"rows", model.training_rows},
           {"validation_rows", model.validation_rows},
           {"validation_loss", model.validation_loss}}},
         {"metrics",
          {{"validation", metrics_to_json(model.validation)}, {"holdout", metrics_to_json(model.holdout)}}}};
  return j.dump(2) + "\n";
}

GbdtModel gbdt_from_json(std::string_view text, const std::string& source) {
  try {
    const json j = json::parse(text);
    check_format(j, kGbdtFormat, source);
    GbdtModel model;
    model.catalog_hash = j.at("catalog_hash").get<std::string>();
    model.features = j.at("features").get<std::vector<std::string>>();
    for (const bool c : j.at("categorical").get<std::vector<bool>>()) model.categorical.push_back(c ? 1 : 0);
    model.base_margin = j.at("base_margin").get<double>();
    const std::size_t d = model.features.size();
    std::string damage;
    if (model.categorical.size() != d)
      damage = fmt::format("{} categorical flags for {} features", model.categorical.size(), d);
    for (const json& t : j.at("trees")) {
      GbdtTree tree;
      const std::size_t nodes = t.at("feature").size();
      tree.nodes.resize(nodes);
      for (const char* key : {"threshold", "default_left", "left", "right", "value", "gain", "cover"}) {
        if (t.at(key).size() != nodes && damage.empty())
          damage = fmt::format("a tree has {} nodes but {} {}", nodes, t.at(key).size(), key);
      }
      if (!damage.empty()) break;
      for (std::size_t k = 0; k < nodes; ++k) {
        GbdtNode& node = tree.nodes[k];
        node.feature = t["feature"][k].get<std::int32_t>();
        node.threshold = real_of(t["threshold"][k]);
        node.default_left = t["default_left"][k].get<bool>();
        node.left = t["left"][k].get<std::int32_t>();
        node.right = t["right"][k].get<std::int32_t>();
        node.value = t["value"][k].get<double>();
        node.gain = t["gain"][k].get<double>();
        node.cover = t["cover"][k].get<double>();
        const bool split = node.feature >= 0;
        // Children come after their parent, so every walk ends at a leaf.
        if (split &&
            (static_cast<std::size_t>(node.feature) >= d || node.left <= static_cast<std::int32_t>(k) ||
             node.right <= static_cast<std::int32_t>(k) || static_cast<std::size_t>(node.left) >= nodes ||
             static_cast<std::size_t>(node.right) >= nodes)) {
          damage = fmt::format("node {} of a tree points outside the tree or its features", k);
        }
      }
      for (const auto& [key, codes] : t.at("categories").items()) {
        const std::size_t k = std::stoul(key);
        if (k >= nodes) damage = fmt::format("categories of node {}, past the tree's {} nodes", k, nodes);
        if (!damage.empty()) break;
        tree.nodes[k].categories = codes.get<std::vector<std::int32_t>>();
        std::sort(tree.nodes[k].categories.begin(), tree.nodes[k].categories.end());
      }
      model.trees.push_back(std::move(tree));
    }
    if (!damage.empty()) throw Error(damage, source, "the model file is damaged; train again");
    model.gain_importance.assign(d, 0.0);
    model.split_count.assign(d, 0);
    for (const json& entry : j.at("importance")) {
      const auto it =
          std::find(model.features.begin(), model.features.end(), entry.at("feature").get<std::string>());
      if (it == model.features.end()) continue;
      const auto f = static_cast<std::size_t>(it - model.features.begin());
      model.gain_importance[f] = entry.at("gain").get<double>();
      model.split_count[f] = entry.at("splits").get<std::int64_t>();
    }
    GbdtOptions& o = model.options;
    o.threshold = j.at("threshold").get<double>();
    o.level_high = j.at("levels").at("high").get<double>();
    o.level_medium = j.at("levels").at("medium").get<double>();
    const json& t = j.at("training");
    o.trees = t.at("trees").get<int>();
    o.max_depth = t.at("max_depth").get<int>();
    o.max_leaves = t.at("max_leaves").get<int>();
    o.learning_rate = t.at("learning_rate").get<double>();
    o.min_child_weight = t.at("min_child_weight").get<double>();
    o.lambda = t.at("lambda").get<double>();
    o.gamma = t.at("gamma").get<double>();
    o.subsample = t.at("subsample").get<double>();
    o.colsample = t.at("colsample").get<double>();
    o.max_bins = t.at("max_bins").get<int>();
    o.early_stopping_rounds = t.at("early_stopping_rounds").get<int>();
    o.seed = t.at("seed").get<std::uint64_t>();
    o.subsets.holdout_percent = t.at("holdout_percent").get<int>();
    o.subsets.validation_percent = t.at("validation_percent").get<int>();
    o.subsets.salt = t.at("holdout_salt").get<std::uint64_t>();
    model.gradient_bits = t.at("gradient_bits").get<int>();
    model.trees_trained = t.at("trees_trained").get<int>();
    model.training_rows = t.at("rows").get<std::int64_t>();
    model.validation_rows = t.at("validation_rows").get<std::int64_t>();
    model.validation_loss = t.at("validation_loss").get<std::vector<double>>();
    model.validation = metrics_from_json(j.at("metrics").at("validation"));
    model.holdout = metrics_from_json(j.at("metrics").at("holdout"));
    return model;
  } catch (const json::exception& e) {
    throw Error(fmt::format("malformed model JSON: {}", e.what()), source,
                "the model file is damaged; train again");
  }
}

std::string read_model_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read the model", path, "check the path; train the model first");
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void save_logistic(const LogisticModel& model, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << logistic_to_json(model);
  out.close();
  if (!out) throw Error("cannot write the model", path, "check that the folder exists and is writable");
}

LogisticModel load_logistic(const std::string& path) {
  return logistic_from_json(read_model_file(path), path);
}

}  // namespace portrait::models

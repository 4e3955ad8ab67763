// src/models/model_json.cpp: JSON form of LogisticModel (format
// "portrait-logistic-1", documented in docs/models.md).
#include "models/model_json.hpp"

#include <fmt/format.h>

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

json number(double value) { return std::isnan(value) ? json(nullptr) : json(value); }

double number_of(const json& value) {
  return value.is_null() ? std::numeric_limits<double>::quiet_NaN() : value.get<double>();
}

json metrics_json(const BinaryMetrics& m) {
  return json{{"count", m.count},
              {"positives", m.positives},
              {"threshold", number(m.threshold)},
              {"auc", number(m.auc)},
              {"precision", number(m.precision)},
              {"recall", number(m.recall)},
              {"lift_top_decile", number(m.lift_top_decile)},
              {"lift_top_percent", number(m.lift_top_percent)}};
}

BinaryMetrics metrics_of(const json& j) {
  return BinaryMetrics{j.at("count").get<std::int64_t>(),  j.at("positives").get<std::int64_t>(),
                       number_of(j.at("threshold")),       number_of(j.at("auc")),
                       number_of(j.at("precision")),       number_of(j.at("recall")),
                       number_of(j.at("lift_top_decile")), number_of(j.at("lift_top_percent"))};
}

}  // namespace

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
           {"holdout_salt", o.holdout_salt},
           {"iterations", model.iterations},
           {"converged", model.converged},
           {"objective", number(model.objective)},
           {"rows", model.training_rows}}},
         {"metrics", {{"holdout", metrics_json(model.holdout)}}}};
  return j.dump(2) + "\n";
}

LogisticModel logistic_from_json(std::string_view text, const std::string& source) {
  try {
    const json j = json::parse(text);
    if (j.at("format") != kFormat) {
      throw Error(fmt::format("unknown model format {}", j.at("format").dump()), source,
                  fmt::format("expected \"{}\"", kFormat));
    }
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
    o.holdout_salt = t.at("holdout_salt").get<std::uint64_t>();
    model.iterations = t.at("iterations").get<int>();
    model.converged = t.at("converged").get<bool>();
    model.objective = number_of(t.at("objective"));
    model.training_rows = t.at("rows").get<std::int64_t>();
    model.holdout = metrics_of(j.at("metrics").at("holdout"));
    return model;
  } catch (const json::exception& e) {
    throw Error(fmt::format("malformed model JSON: {}", e.what()), source,
                "the model file is damaged; train again");
  }
}

void save_logistic(const LogisticModel& model, const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << logistic_to_json(model);
  out.close();
  if (!out) throw Error("cannot write the model", path, "check that the folder exists and is writable");
}

LogisticModel load_logistic(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read the model", path, "check the path; train the model first");
  std::ostringstream text;
  text << in.rdbuf();
  return logistic_from_json(text.str(), path);
}

}  // namespace portrait::models

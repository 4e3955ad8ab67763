// src/models/model_json.hpp: the saved forms of trained propensity models, so
// a later run can score without training. JSON; every double round-trips to
// the same bits (shortest exact decimal), NaN is written as null.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "models/gbdt.hpp"
#include "models/logistic.hpp"

namespace portrait::models {

// Metrics as the model files, the manifest and the comparison tables write them.
nlohmann::json metrics_to_json(const BinaryMetrics& metrics);
BinaryMetrics metrics_from_json(const nlohmann::json& j);

std::string logistic_to_json(const LogisticModel& model);
// Throws portrait::Error naming `source` (a file name) for malformed input.
LogisticModel logistic_from_json(std::string_view text, const std::string& source);

// File forms: save writes the JSON text (call on one rank); load reads it.
void save_logistic(const LogisticModel& model, const std::string& path);
LogisticModel load_logistic(const std::string& path);

// The text of a saved model file; portrait::Error when it cannot be read.
std::string read_model_file(const std::string& path);

std::string gbdt_to_json(const GbdtModel& model);
GbdtModel gbdt_from_json(std::string_view text, const std::string& source);

}  // namespace portrait::models

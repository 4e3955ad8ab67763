// src/models/model_json.hpp: the saved form of a trained propensity model, so
// a later run can score without training. JSON; every double round-trips to
// the same bits (shortest exact decimal), NaN is written as null.
#pragma once

#include <string>
#include <string_view>

#include "models/logistic.hpp"

namespace portrait::models {

std::string logistic_to_json(const LogisticModel& model);
// Throws portrait::Error naming `source` (a file name) for malformed input.
LogisticModel logistic_from_json(std::string_view text, const std::string& source);

// File forms: save writes the JSON text (call on one rank); load reads it.
void save_logistic(const LogisticModel& model, const std::string& path);
LogisticModel load_logistic(const std::string& path);

}  // namespace portrait::models

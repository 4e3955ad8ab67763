// tests/unit/test_models_json.cpp: a saved propensity model loads back to the
// same bits, and damaged files are reported.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "models/model_json.hpp"

namespace portrait::models {
namespace {

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

LogisticModel awkward_model() {
  LogisticModel model;
  model.features = {"total_day_minutes", "number_customer_service_calls", "intl \"plan\""};
  KeyedRandom random(42, 1);
  for (std::size_t j = 0; j < 3; ++j) {
    // Values whose shortest decimal needs all 17 digits, tiny and huge ones.
    model.scaling.mean.push_back((random.uniform() - 0.5) * 1e6);
    model.scaling.scale.push_back(random.uniform() * 1e-300 + 5e-324);
    model.weights.push_back(std::nextafter(0.1 * static_cast<double>(j + 1), 1.0));
  }
  model.intercept = -1.0 / 3.0;
  model.options.c = 0.7;
  model.options.holdout_salt = 0xfedcba9876543210ULL;
  model.iterations = 7;
  model.converged = true;
  model.objective = 1234.5678901234567;
  model.training_rows = 4000;
  model.holdout = BinaryMetrics{1000, 140, 0.5, 0.9123456789, 0.7114, 0.6244, 4.5, 7.0};
  model.holdout.auc = std::numeric_limits<double>::quiet_NaN();
  model.catalog_hash = "sha256:abc";
  return model;
}

TEST(ModelJson, RoundTripsEveryBit) {
  const LogisticModel model = awkward_model();
  const LogisticModel back = logistic_from_json(logistic_to_json(model), "memory");
  EXPECT_EQ(back.features, model.features);
  EXPECT_EQ(back.catalog_hash, model.catalog_hash);
  for (std::size_t j = 0; j < 3; ++j) {
    EXPECT_TRUE(same_bits(back.scaling.mean[j], model.scaling.mean[j]));
    EXPECT_TRUE(same_bits(back.scaling.scale[j], model.scaling.scale[j]));
    EXPECT_TRUE(same_bits(back.weights[j], model.weights[j]));
  }
  EXPECT_TRUE(same_bits(back.intercept, model.intercept));
  EXPECT_TRUE(same_bits(back.objective, model.objective));
  EXPECT_EQ(back.options.holdout_salt, model.options.holdout_salt);
  EXPECT_EQ(back.options.c, model.options.c);
  EXPECT_EQ(back.iterations, 7);
  EXPECT_TRUE(back.converged);
  EXPECT_EQ(back.holdout.positives, 140);
  EXPECT_TRUE(std::isnan(back.holdout.auc));
  EXPECT_EQ(back.holdout.recall, 0.6244);
  EXPECT_EQ(logistic_to_json(back), logistic_to_json(model));
}

TEST(ModelJson, SavesAndLoadsAFile) {
  const std::string path =
      (std::filesystem::temp_directory_path() / "portrait_model_json_test.json").string();
  save_logistic(awkward_model(), path);
  EXPECT_EQ(logistic_to_json(load_logistic(path)), logistic_to_json(awkward_model()));
  std::remove(path.c_str());
  EXPECT_THROW(load_logistic(path), Error);
}

TEST(ModelJson, DamagedTextIsAnError) {
  EXPECT_THROW(logistic_from_json("{\"format\": \"portrait-logistic-1\"}", "m.json"), Error);
  EXPECT_THROW(logistic_from_json("not json", "m.json"), Error);
  std::string other = logistic_to_json(awkward_model());
  other.replace(other.find("portrait-logistic-1"), 19, "portrait-logistic-9");
  EXPECT_THROW(logistic_from_json(other, "m.json"), Error);
}

}  // namespace
}  // namespace portrait::models

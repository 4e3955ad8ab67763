// src/models/log_loss.hpp: the logistic link and the binary log loss on the
// margin (log-odds), without overflow, shared by the propensity models.
#pragma once

#include <cmath>

namespace portrait::models {

inline double sigmoid(double z) {
  if (z >= 0) return 1.0 / (1.0 + std::exp(-z));
  const double e = std::exp(z);
  return e / (1.0 + e);
}

// log(1 + exp(z)) - y z: the log loss of label y at margin z.
inline double log_loss(double z, double y) {
  const double softplus = z > 0 ? z + std::log1p(std::exp(-z)) : std::log1p(std::exp(z));
  return softplus - y * z;
}

}  // namespace portrait::models

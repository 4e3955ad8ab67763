// src/models/standardize.hpp: global mean and standard deviation of each
// feature (bucket-ordered sums, so the same bits for any rank count) and the
// standardized design matrix models train on.
//
// Missing values (NaN) are left out of the mean and variance and are imputed
// with the mean, i.e. standardized to 0. The deviation is the population one
// (divide by n, as scikit-learn's StandardScaler); a feature with zero
// deviation (or no values) gets scale 1 so it standardizes to 0, not NaN.
#pragma once

#include <vector>

#include "models/customer_rows.hpp"

namespace portrait::models {

struct Scaling {
  std::vector<double> mean;
  std::vector<double> scale;
};

// Collective: two passes, the mean first, then squared deviations from it.
Scaling fit_scaling(const parallel::Comm& comm, const CustomerRows& rows);

// Local: rows x dimension, row-major, (x - mean) / scale, missing -> 0.
std::vector<double> standardize(const CustomerRows& rows, const Scaling& scaling);

}  // namespace portrait::models

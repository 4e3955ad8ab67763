// src/models/cholesky.cpp: Cholesky factorisation a = l l^T and two
// triangular solves.
#include "models/cholesky.hpp"

#include <fmt/format.h>

#include <cmath>

#include "core/error.hpp"

namespace portrait::models {

std::vector<double> cholesky_solve(std::vector<double> a, std::vector<double> b, std::size_t n) {
  for (std::size_t j = 0; j < n; ++j) {
    double pivot = a[j * n + j];
    for (std::size_t k = 0; k < j; ++k) pivot -= a[j * n + k] * a[j * n + k];
    if (!(pivot > 0.0)) {
      throw Error(
          fmt::format("the {}x{} Newton system is not positive definite (pivot {} at {})", n, n, pivot, j),
          "models/cholesky", "check for constant or duplicated features, or lower C");
    }
    const double diagonal = std::sqrt(pivot);
    a[j * n + j] = diagonal;
    for (std::size_t i = j + 1; i < n; ++i) {
      double value = a[i * n + j];
      for (std::size_t k = 0; k < j; ++k) value -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = value / diagonal;
    }
  }
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t k = 0; k < i; ++k) b[i] -= a[i * n + k] * b[k];
    b[i] /= a[i * n + i];
  }
  for (std::size_t i = n; i-- > 0;) {
    for (std::size_t k = i + 1; k < n; ++k) b[i] -= a[k * n + i] * b[k];
    b[i] /= a[i * n + i];
  }
  return b;
}

}  // namespace portrait::models

// src/models/cholesky.hpp: the small dense symmetric positive definite solve
// of a Newton step. Plain loops in a fixed order: every rank that solves the
// same system gets the same bits.
#pragma once

#include <cstddef>
#include <vector>

namespace portrait::models {

// Solves a x = b for symmetric positive definite a (n x n, row-major; only
// the lower triangle is read). Throws portrait::Error when a is not positive
// definite (a pivot <= 0).
std::vector<double> cholesky_solve(std::vector<double> a, std::vector<double> b, std::size_t n);

}  // namespace portrait::models

// src/models/gbdt_bins.hpp: the features of the gradient-boosted trees as
// small integers. Each numeric feature is cut once, before the first tree,
// at exact quantiles of the training customers' values over all ranks (or at
// every distinct value when there are few); each categorical feature's bins
// are its category codes. Missing values get a bin of their own, so the
// trees learn where to send them.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "models/customer_rows.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::models {

struct FeatureBins {
  bool categorical = false;
  // Numeric: value bin b holds cuts[b - 1] < x <= cuts[b] (bin 0 everything
  // up to cuts[0]); values above the last cut fall in the last bin.
  std::vector<double> cuts;
  std::uint32_t categories = 0;  // categorical: codes 0 .. categories - 1

  std::uint32_t value_bins() const {
    return categorical ? categories : static_cast<std::uint32_t>(cuts.size());
  }
  // The bin code of missing values: one past the value bins.
  std::uint8_t missing_bin() const { return static_cast<std::uint8_t>(value_bins()); }
  std::uint8_t bin_of(double x) const;
};

// The largest max_bins: value bins and the missing bin fit one byte.
inline constexpr int kMaxBins = 255;

// Collective. Bins of every feature from the rows with fit[i] != 0:
// numeric cuts at the values of 0-based ranks ceil(j n / max_bins) - 1,
// j = 1..max_bins, among the n non-missing values (kth_smallest: exact, the
// same for any rank count), duplicates removed; when the distinct values of
// all ranks number max_bins or fewer, every distinct value is a cut.
// Categorical features (categorical[j] != 0) hold non-negative integer
// codes below max_bins on every row (checked on all rows: portrait::Error on
// every rank otherwise); their bins are 0 .. the largest code.
std::vector<FeatureBins> fit_bins(const parallel::Comm& comm, const CustomerRows& rows,
                                  std::span<const std::uint8_t> categorical, std::span<const char> fit,
                                  int max_bins);

// Every row's bin code of every feature, row-major, and where each
// feature's bins sit in a node's histogram.
struct BinnedRows {
  std::size_t rows = 0;
  std::size_t features = 0;
  std::vector<std::uint8_t> code;     // rows x features
  std::vector<std::uint32_t> offset;  // per feature: its first histogram slot; features + 1 entries
  std::uint32_t slots() const { return offset.back(); }
  const std::uint8_t* row(std::size_t i) const { return code.data() + i * features; }
};

// Local (OpenMP over rows).
BinnedRows bin_rows(const CustomerRows& rows, const std::vector<FeatureBins>& bins);

}  // namespace portrait::models

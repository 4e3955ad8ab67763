// src/identity/pair_comparison.hpp: how alike two customers are, as one
// comparison pattern: each comparison's level (or missing), encoded as one
// number so that pairs are counted per pattern exactly and the model reads
// the counts, not the pairs.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "identity/linking_settings.hpp"

namespace portrait::identity {

// Mixed-radix code of a comparison vector: comparison c is digit c with
// radix levels(c) + 1; digit 0 is missing, digit l + 1 is level l.
class PatternSpace {
 public:
  static constexpr std::size_t kMaxPatterns = 1 << 16;

  // Throws portrait::Error when there are more than kMaxPatterns patterns.
  explicit PatternSpace(const std::vector<Comparison>& comparisons);

  std::size_t size() const { return size_; }
  std::size_t comparisons() const { return levels_.size(); }
  int levels(std::size_t c) const { return levels_[c]; }
  // Level of comparison c in `pattern`; -1 when missing.
  int level(std::uint32_t pattern, std::size_t c) const {
    return static_cast<int>(pattern / stride_[c] % static_cast<std::uint32_t>(levels_[c] + 1)) - 1;
  }
  // What level `level` (-1: missing) of comparison c adds to a pattern.
  std::uint32_t digit(std::size_t c, int level) const {
    return static_cast<std::uint32_t>(level + 1) * stride_[c];
  }
  std::uint32_t encode(std::span<const int> levels) const;

 private:
  std::vector<int> levels_;
  std::vector<std::uint32_t> stride_;
  std::size_t size_ = 1;
};

// One side of a pair as compared: attribute values (missing INT64_MIN),
// contact circle sorted by value, presence hashes sorted (the bottom
// `presence_limit` of the customer's; `presence_full` when that many were kept,
// so larger sets may have been cut).
struct PairSide {
  std::span<const std::int64_t> attributes;
  std::span<const std::uint64_t> contacts;
  std::span<const std::uint64_t> presence;
  bool presence_full = false;
};

// The level of `value` given ascending band bounds: how many bounds are <= value.
int band_level(double value, std::span<const double> bands);
// Level of one comparison; -1 when a side has nothing to compare (a missing
// value, or fewer contacts or presences than the comparison's at_least).
int compare(const Comparison& comparison, const PairSide& a, const PairSide& b);
// The pattern of a pair.
std::uint32_t compare_pair(const PatternSpace& space, const std::vector<Comparison>& comparisons,
                           const PairSide& a, const PairSide& b);

// A level's label for reports: "different"/"equal", "<0.1", "0.1-0.25", ">=0.5".
std::string level_label(const Comparison& comparison, int level);

}  // namespace portrait::identity

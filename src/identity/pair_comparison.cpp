// src/identity/pair_comparison.cpp: comparison levels and pattern codes.
#include "identity/pair_comparison.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "core/types.hpp"

namespace portrait::identity {
namespace {

// Calls on_common(v) for each value v <= limit in both of two ascending
// sequences of distinct values.
template <class OnCommon>
void for_common(std::span<const std::uint64_t> a, std::span<const std::uint64_t> b, std::uint64_t limit,
                OnCommon on_common) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size() && a[i] <= limit && b[j] <= limit) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      on_common(a[i]);
      ++i;
      ++j;
    }
  }
}

// |a ∩ b|, counting only values <= limit.
std::size_t common(std::span<const std::uint64_t> a, std::span<const std::uint64_t> b, std::uint64_t limit) {
  std::size_t n = 0;
  for_common(a, b, limit, [&](std::uint64_t) { ++n; });
  return n;
}

// The inverse of mix64, each step undone in reverse order: a presence hash
// back to its key.
constexpr std::uint64_t unmix64(std::uint64_t x) {
  // Inverses of the odd multipliers modulo 2^64 (Newton's iteration).
  constexpr auto inverse = [](std::uint64_t a) {
    std::uint64_t y = a;
    for (int k = 0; k < 6; ++k) y *= 2 - a * y;
    return y;
  };
  x ^= (x >> 31) ^ (x >> 62);
  x *= inverse(0x94d049bb133111ebULL);
  x ^= (x >> 27) ^ (x >> 54);
  x *= inverse(0xbf58476d1ce4e5b9ULL);
  x ^= (x >> 30) ^ (x >> 60);
  return x;
}
static_assert(unmix64(mix64(0x0123456789abcdefULL)) == 0x0123456789abcdefULL);

// The distinct places of the presences two samples share (values <= limit):
// a presence hash is mix64 of (hour << 32 | place), inverted here. Called
// for every compared pair: the places go to a buffer each thread reuses.
std::size_t common_places(std::span<const std::uint64_t> a, std::span<const std::uint64_t> b,
                          std::uint64_t limit) {
  thread_local std::vector<std::uint32_t> places;
  places.clear();
  for_common(a, b, limit, [&](std::uint64_t presence) {
    const auto place = static_cast<std::uint32_t>(unmix64(presence));
    if (std::find(places.begin(), places.end(), place) == places.end()) places.push_back(place);
  });
  return places.size();
}

std::size_t at_most(std::span<const std::uint64_t> values, std::uint64_t limit) {
  return static_cast<std::size_t>(std::upper_bound(values.begin(), values.end(), limit) - values.begin());
}

}  // namespace

PatternSpace::PatternSpace(const std::vector<Comparison>& comparisons) {
  for (const Comparison& c : comparisons) {
    levels_.push_back(c.levels());
    stride_.push_back(static_cast<std::uint32_t>(size_));
    size_ *= static_cast<std::size_t>(c.levels() + 1);
    if (size_ > kMaxPatterns) {
      throw Error(fmt::format("the comparisons make more than {} patterns", kMaxPatterns),
                  "linking comparisons", "use fewer comparisons or fewer bands");
    }
  }
}

std::uint32_t PatternSpace::encode(std::span<const int> levels) const {
  std::uint32_t pattern = 0;
  for (std::size_t c = 0; c < levels.size(); ++c) pattern += digit(c, levels[c]);
  return pattern;
}

int band_level(double value, std::span<const double> bands) {
  int level = 0;
  for (const double bound : bands) level += value >= bound ? 1 : 0;
  return level;
}

int compare(const Comparison& c, const PairSide& a, const PairSide& b) {
  switch (c.kind) {
    case Comparison::Kind::Equal: {
      int level = 1;
      for (const std::size_t k : c.attributes) {
        const std::int64_t x = a.attributes[k], y = b.attributes[k];
        if (is_missing(x) || is_missing(y)) return -1;
        if (x != y) level = 0;
      }
      return level;
    }
    case Comparison::Kind::ContactJaccard: {
      if (std::min(a.contacts.size(), b.contacts.size()) < std::max<std::size_t>(c.at_least, 1)) return -1;
      const std::size_t both = common(a.contacts, b.contacts, UINT64_MAX);
      const std::size_t either = a.contacts.size() + b.contacts.size() - both;
      return band_level(static_cast<double>(both) / static_cast<double>(either), c.bands);
    }
    case Comparison::Kind::SharedHours:
    case Comparison::Kind::SharedPlaces: {
      if (std::min(a.presence.size(), b.presence.size()) < std::max<std::size_t>(c.at_least, 1)) return -1;
      // Where a side's sample may have been cut, both are compared below the
      // smaller cut: the same random share of both sets.
      std::uint64_t limit = UINT64_MAX;
      if (a.presence_full && !a.presence.empty()) limit = std::min(limit, a.presence.back());
      if (b.presence_full && !b.presence.empty()) limit = std::min(limit, b.presence.back());
      if (c.kind == Comparison::Kind::SharedPlaces) {
        return band_level(static_cast<double>(common_places(a.presence, b.presence, limit)), c.bands);
      }
      const std::size_t na = at_most(a.presence, limit), nb = at_most(b.presence, limit);
      const std::size_t both = common(a.presence, b.presence, limit);
      return band_level(static_cast<double>(both) / static_cast<double>(std::min(na, nb)), c.bands);
    }
  }
  return -1;
}

std::uint32_t compare_pair(const PatternSpace& space, const std::vector<Comparison>& comparisons,
                           const PairSide& a, const PairSide& b) {
  std::uint32_t pattern = 0;
  for (std::size_t c = 0; c < comparisons.size(); ++c)
    pattern += space.digit(c, compare(comparisons[c], a, b));
  return pattern;
}

std::string level_label(const Comparison& c, int level) {
  if (c.kind == Comparison::Kind::Equal) return level == 1 ? "equal" : "different";
  if (c.kind == Comparison::Kind::SharedPlaces) {
    const std::size_t l = static_cast<std::size_t>(level);
    if (l == c.bands.size()) return fmt::format(">={:g} places", c.bands.back());
    const double upper = c.bands[l] - 1;
    return l == 0 ? fmt::format("<{:g} places", c.bands[0])
                  : fmt::format("{:g}-{:g} places", c.bands[l - 1], upper);
  }
  const std::size_t top = c.bands.size();
  const auto l = static_cast<std::size_t>(level);
  if (l == 0) return fmt::format("<{:g}", c.bands[0]);
  if (l == top) return fmt::format(">={:g}", c.bands[top - 1]);
  return fmt::format("{:g}-{:g}", c.bands[l - 1], c.bands[l]);
}

}  // namespace portrait::identity

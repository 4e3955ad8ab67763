// src/core/hash.hpp: the fixed 64-bit mix that assigns customers to virtual
// buckets, and the counter-based random numbers derived from it.
//
// mix64 is the SplitMix64 finaliser (Stafford's variant 13): a bijection on
// 64-bit integers with full avalanche, so consecutive customer ids spread
// evenly over buckets. It is part of the data contract: changing it changes
// every output's order.
#pragma once

#include <cstdint>

#include "core/types.hpp"

namespace portrait {

constexpr std::uint64_t mix64(std::uint64_t x) {
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  x ^= x >> 31;
  return x;
}

// Bucket of a customer for `buckets` virtual buckets (a power of two).
constexpr Bucket bucket_of(CustomerId id, std::uint32_t buckets) {
  return static_cast<Bucket>(mix64(static_cast<std::uint64_t>(id)) & (buckets - 1));
}

constexpr bool is_power_of_two(std::uint64_t x) { return x != 0 && (x & (x - 1)) == 0; }

// Counter-based random stream: the n-th number of stream (seed, key) does not
// depend on how many numbers other keys drew, so generated data is the same
// for any split of keys over ranks and threads.
class KeyedRandom {
 public:
  constexpr KeyedRandom(std::uint64_t seed, std::uint64_t key, std::uint64_t stream = 0)
      : state_(mix64(seed ^ mix64(key + 0x9e3779b97f4a7c15ULL * (stream + 1)))) {}

  constexpr std::uint64_t next() {
    state_ += 0x9e3779b97f4a7c15ULL;
    return mix64(state_);
  }
  // Uniform in [0, 1) with 53 random bits.
  constexpr double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  // Uniform integer in [0, n), n > 0 (Lemire's multiply-shift; bias < 2^-64 * n).
  constexpr std::uint64_t below(std::uint64_t n) {
    return static_cast<std::uint64_t>((static_cast<UInt128>(next()) * n) >> 64);
  }

 private:
  std::uint64_t state_;
};

}  // namespace portrait

// src/identity/radix_sort.hpp: stable LSD radix sort of plain structs by a
// 64-bit key, reusing a scratch buffer. Digits on which every key agrees are
// skipped, so dense customer ids (a few significant bytes) cost few passes.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "core/types.hpp"

namespace portrait::identity {

// Order-preserving map of a signed id onto an unsigned radix key.
constexpr std::uint64_t radix_key(std::int64_t id) { return static_cast<std::uint64_t>(id) ^ (1ULL << 63); }

// Sorts `items` stably by the low `key_bits` bits of key(item) (a
// std::uint64_t; higher bits are ignored); `scratch` is resized.
template <class T, class KeyFn>
void radix_sort(std::vector<T>& items, std::vector<T>& scratch, KeyFn key, int key_bits = 64) {
  constexpr int kBits = 11;
  constexpr std::size_t kDigits = std::size_t{1} << kBits;
  const std::size_t n = items.size();
  if (n < 2) return;
  scratch.resize(n);
  std::array<std::size_t, kDigits> counts{};
  for (int shift = 0; shift < key_bits; shift += kBits) {
    counts.fill(0);
    for (const T& item : items) ++counts[(key(item) >> shift) & (kDigits - 1)];
    if (counts[(key(items.front()) >> shift) & (kDigits - 1)] == n)
      continue;  // one digit value: nothing to do
    std::size_t sum = 0;
    for (std::size_t& c : counts) {
      const std::size_t here = c;
      c = sum;
      sum += here;
    }
    for (const T& item : items) scratch[counts[(key(item) >> shift) & (kDigits - 1)]++] = item;
    items.swap(scratch);
  }
}

}  // namespace portrait::identity

// src/identity/linking_signatures.hpp: what one customer's records say about
// the person carrying the number, for probabilistic linking: the contact
// circle (the most frequent contacts) and the presence set (the hours and
// places the number was seen at), bounded in size, and the customer's
// blocking keys. Computed per customer on the rank that owns it (OpenMP).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "core/types.hpp"
#include "identity/linking_settings.hpp"

namespace portrait::identity {

// A rank's customers and the records linking compares them by (in the
// engine's layout: customer i's records are rows [offsets[i], offsets[i+1])).
struct LinkingInputs {
  std::span<const CustomerId> customers;  // the rank's list, as for CustomerVertices
  std::span<const CustomerId> persons;    // person id of strong linking, same order
  // Attribute values per customer (tags such as the home cell), missing as
  // INT64_MIN; indexed by BlockingKey::attributes and Comparison::attribute.
  std::vector<std::span<const std::int64_t>> attributes;
  std::span<const std::uint64_t> offsets;  // customers + 1
  std::span<const std::int64_t> time;      // Unix seconds
  std::span<const std::int32_t> place;     // a cell; missing: not a presence
  std::span<const std::uint64_t> contact;  // hash of the other party; 0: not a contact
  // Only records with time in [from, to) count (the period, not the
  // history months kept for lookbacks).
  std::int64_t from = INT64_MIN;
  std::int64_t to = INT64_MAX;
};

// The presence of a record: its Unix hour and place, one 64-bit value.
constexpr std::uint64_t presence_key(std::int64_t time, std::int32_t place) {
  const auto hour = static_cast<std::uint64_t>(time / 3600);
  return (hour << 32) | static_cast<std::uint32_t>(place);
}

// Compared as sorted sets: contacts by value, presence by mix64 of the key
// (the k smallest hashes, a consistent sample of large sets).
struct Signatures {
  std::vector<std::uint32_t> contact_offsets;  // customers + 1
  std::vector<std::uint64_t> contacts;
  std::vector<std::uint32_t> presence_offsets;  // customers + 1
  std::vector<std::uint64_t> presence;
  std::vector<std::uint32_t> key_offsets;  // customers + 1
  std::vector<std::uint64_t> keys;         // each customer's blocking keys, sorted, distinct

  std::span<const std::uint64_t> contacts_of(std::size_t i) const {
    return {contacts.data() + contact_offsets[i], contacts.data() + contact_offsets[i + 1]};
  }
  std::span<const std::uint64_t> presence_of(std::size_t i) const {
    return {presence.data() + presence_offsets[i], presence.data() + presence_offsets[i + 1]};
  }
  std::span<const std::uint64_t> keys_of(std::size_t i) const {
    return {keys.data() + key_offsets[i], keys.data() + key_offsets[i + 1]};
  }
};

// The blocking key of one family's value: the family (its index in
// LinkingSettings::blocks) in the top bits, so a key tells its family, and a
// hash of the value salted by the family below.
inline constexpr int kFamilyShift = 58;
inline constexpr std::size_t kMaxKeyFamilies = std::size_t{1} << (64 - kFamilyShift);
std::uint64_t blocking_key(std::size_t family, std::uint64_t value);
constexpr std::size_t family_of_key(std::uint64_t key) {
  return static_cast<std::size_t>(key >> kFamilyShift);
}

// Local.

Signatures compute_signatures(const LinkingInputs& inputs, const LinkingSettings& settings);

}  // namespace portrait::identity

// src/identity/identity_guards.hpp: which identifiers may link customers.
// Filled from the job file (per id_type) and reported in the manifest; the
// graph builder applies them before any edge exists.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "core/types.hpp"

namespace portrait::identity {

// id_type values of the identity channel.
enum class IdType : std::int8_t { Phone = 0, IdCard = 1, Device = 2, Email = 3, Account = 4 };
inline constexpr int kIdTypeCount = 5;
std::string_view to_string(IdType type);

struct IdTypeGuard {
  // Priority between id types, kept deliberately simple: a type either links
  // customers (strong evidence, e.g. id_card) or it does not (its records are
  // counted and ignored, e.g. a marketing email judged too weak). Among
  // linking types there is no ranking: components are the union of all
  // linking evidence, so an order between types would change nothing.
  bool links = true;
  // An identifier seen with more distinct customers than this is not
  // evidence that they are one person (a switchboard number, a shop's
  // device); it is dropped from linking and counted.
  std::int64_t max_customers = 20;
  // Hashes never used for linking (test numbers, known placeholders). The
  // missing hash 0 is always blocked.
  std::vector<std::uint64_t> blocked_hashes;
};

struct IdentityGuards {
  std::array<IdTypeGuard, kIdTypeCount> by_type{};
  // A component with more customers than this is not merged: each member
  // stays its own person and the component is reported.
  std::int64_t max_component_size = 1000;

  // Throws portrait::Error naming the setting when a value is unusable.
  void validate() const;
  static bool known_type(std::int8_t id_type) { return id_type >= 0 && id_type < kIdTypeCount; }
  const IdTypeGuard& of(std::int8_t id_type) const { return by_type[static_cast<std::size_t>(id_type)]; }
};

}  // namespace portrait::identity

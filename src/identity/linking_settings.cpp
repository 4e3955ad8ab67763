// src/identity/linking_settings.cpp: checks of the linking settings.
#include "identity/linking_settings.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "core/error.hpp"
#include "identity/linking_signatures.hpp"
#include "identity/pair_comparison.hpp"

namespace portrait::identity {
namespace {

[[noreturn]] void fail(const std::string& problem, const std::string& hint = {}) {
  throw Error(problem, "linking settings", hint);
}

}  // namespace

void LinkingSettings::validate(std::size_t attribute_count) const {
  if (blocks.empty()) fail("no blocking keys", "list at least one family of keys under 'blocks'");
  if (blocks.size() > kMaxKeyFamilies)
    fail(fmt::format("more than {} blocking key families", kMaxKeyFamilies));
  for (const BlockingKey& key : blocks) {
    if (key.kind == BlockingKey::Kind::Attributes) {
      if (key.attributes.empty()) fail(fmt::format("blocking key '{}' names no attribute", key.name));
      for (const std::size_t a : key.attributes) {
        if (a >= attribute_count)
          fail(fmt::format("blocking key '{}' reads attribute {} of {}", key.name, a, attribute_count));
      }
    } else if (key.count < 1 || key.count > 16) {
      fail(fmt::format("blocking key '{}' takes {} keys per customer, not 1..16", key.name, key.count));
    }
  }
  if (max_block_customers < 2) {
    fail(fmt::format("max_block_customers is {}, below 2", max_block_customers),
         "a block of fewer than two customers makes no pair");
  }
  if (comparisons.empty()) fail("no comparisons", "list at least one under 'compare'");
  std::set<std::string> names;
  for (const Comparison& c : comparisons) {
    if (!names.insert(c.name).second) fail(fmt::format("comparison '{}' is listed twice", c.name));
    if (c.kind == Comparison::Kind::Equal) {
      if (c.attributes.empty()) fail(fmt::format("comparison '{}' compares no attribute", c.name));
      for (const std::size_t a : c.attributes) {
        if (a >= attribute_count)
          fail(fmt::format("comparison '{}' reads attribute {} of {}", c.name, a, attribute_count));
      }
      continue;
    }
    if (c.bands.empty())
      fail(fmt::format("comparison '{}' has no bands", c.name), "give ascending bounds such as [0.1, 0.3]");
    const double top = c.kind == Comparison::Kind::SharedPlaces ? 4096 : 1;
    for (std::size_t k = 0; k < c.bands.size(); ++k) {
      if (!(c.bands[k] > 0 && c.bands[k] <= top) || (k > 0 && !(c.bands[k] > c.bands[k - 1]))) {
        fail(fmt::format("the bands of comparison '{}' must ascend within (0, {}]", c.name, top));
      }
    }
  }
  const PatternSpace space(comparisons);  // throws when too many patterns
  if (contact_circle < 1 || contact_circle > 256)
    fail(fmt::format("contact_circle is {}, not 1..256", contact_circle));
  if (presence_limit < 1 || presence_limit > 4096)
    fail(fmt::format("presence_limit is {}, not 1..4096", presence_limit));
  if (em.max_iterations < 1) fail("the EM needs at least one iteration (max_iterations)");
  if (!(em.tolerance > 0)) fail("the EM tolerance must be above 0");
  if (!(em.initial_match_share > 0 && em.initial_match_share < 1))
    fail("initial_match_share must lie in (0, 1)");
  std::set<std::string> profile_names;
  for (const LinkingProfile& p : profiles) {
    if (!profile_names.insert(p.name).second)
      fail(fmt::format("linking profile '{}' is named twice", p.name));
    if (!(p.min_probability > 0 && p.min_probability <= 1)) {
      fail(
          fmt::format("linking profile '{}' links at p >= {}, not within (0, 1]", p.name, p.min_probability));
    }
  }
  if (!(write_pairs_above >= 0 && write_pairs_above <= 1)) fail("write_pairs_above must lie in [0, 1]");
}

}  // namespace portrait::identity

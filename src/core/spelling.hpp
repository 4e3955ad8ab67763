// src/core/spelling.hpp: "did you mean" suggestions for misspelt names
// (channels, columns, tags) in user-facing errors.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace portrait {

// Edit distance (insert, delete, substitute, swap of neighbours; each costs 1).
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name` if it is close enough to be a plausible
// typo (distance at most a third of the longer name, at least 1); else "".
std::string closest_name(std::string_view name, const std::vector<std::string>& candidates);

// "did you mean 'x'?" when a close name exists, else "expected one of: a, b, c".
std::string name_hint(std::string_view name, const std::vector<std::string>& candidates);
// "did you mean 'x'?" or, without a close name, `otherwise`.
std::string name_hint(std::string_view name, const std::vector<std::string>& candidates,
                      const std::string& otherwise);

}  // namespace portrait

// src/core/spelling.hpp: "did you mean ...?" hints for misspelt names in job
// files, catalogs and command lines.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace portrait {

// Levenshtein distance (insert, delete, substitute), byte-wise.
std::size_t edit_distance(std::string_view a, std::string_view b);

// The candidate closest to `name` when it is close enough to be a plausible
// typo (distance <= max(1, size/3)), else empty. Ties go to the earlier one.
std::string closest_name(std::string_view name, const std::vector<std::string>& candidates);

// "did you mean 'x'?" or, without a close name, "expected one of: a, b, c".
std::string name_hint(std::string_view name, const std::vector<std::string>& candidates);

}  // namespace portrait

// src/core/spelling.cpp: edit distance and close-name hints.
#include "core/spelling.hpp"

#include <algorithm>

namespace portrait {

std::size_t edit_distance(std::string_view a, std::string_view b) {
  // Optimal string alignment: a swap of neighbours ("form" for "from") is one edit.
  const std::size_t w = b.size() + 1;
  std::vector<std::size_t> d((a.size() + 1) * w);
  for (std::size_t i = 0; i <= a.size(); ++i) d[i * w] = i;
  for (std::size_t j = 0; j <= b.size(); ++j) d[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      std::size_t best =
          std::min({d[(i - 1) * w + j] + 1, d[i * w + j - 1] + 1, d[(i - 1) * w + j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        best = std::min(best, d[(i - 2) * w + j - 2] + 1);
      }
      d[i * w + j] = best;
    }
  }
  return d[a.size() * w + b.size()];
}

std::string closest_name(std::string_view name, const std::vector<std::string>& candidates) {
  std::string best;
  std::size_t best_distance = std::max<std::size_t>(2, name.size() / 3) + 1;
  for (const auto& candidate : candidates) {
    const std::size_t d = edit_distance(name, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  if (!best.empty()) return best;
  // No near spelling: a name that starts the other (arpu_avg -> arpu), the longest.
  for (const auto& c : candidates) {
    const bool prefix = c.size() >= 3 && name.size() >= 3 &&
                        (name.substr(0, c.size()) == c || std::string_view(c).substr(0, name.size()) == name);
    if (prefix && c.size() > best.size()) best = c;
  }
  return best;
}

std::string name_hint(std::string_view name, const std::vector<std::string>& candidates,
                      const std::string& otherwise) {
  const std::string close = closest_name(name, candidates);
  return close.empty() ? otherwise : "did you mean '" + close + "'?";
}

std::string name_hint(std::string_view name, const std::vector<std::string>& candidates) {
  const std::string close = closest_name(name, candidates);
  if (!close.empty()) return "did you mean '" + close + "'?";
  std::string text = "expected one of:";
  for (std::size_t i = 0; i < candidates.size(); ++i) text += (i == 0 ? " " : ", ") + candidates[i];
  return text;
}

}  // namespace portrait

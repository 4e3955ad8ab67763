// src/core/sizes.cpp: sizes in messages.
#include "core/sizes.hpp"

#include <fmt/format.h>

namespace portrait {

std::string human_bytes(std::uint64_t bytes) {
  const std::string plain = std::to_string(bytes);
  std::string digits;
  for (std::size_t i = 0; i < plain.size(); ++i) {
    if (i > 0 && (plain.size() - i) % 3 == 0) digits += ',';
    digits += plain[i];
  }
  const double b = static_cast<double>(bytes);
  if (bytes >= (std::uint64_t{1} << 30)) return fmt::format("{} bytes ({:.1f} GiB)", digits, b / (1 << 30));
  if (bytes >= (std::uint64_t{1} << 20)) return fmt::format("{} bytes ({:.1f} MiB)", digits, b / (1 << 20));
  if (bytes >= 1024) return fmt::format("{} bytes ({:.1f} KiB)", digits, b / 1024);
  return fmt::format("{} bytes", digits);
}

}  // namespace portrait

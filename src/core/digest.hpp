// src/core/digest.hpp: content digests for the run manifest (catalog text,
// input files), so a run records exactly what it computed from.
#pragma once

#include <string>
#include <string_view>

namespace portrait {

// SHA-256 of `bytes` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

}  // namespace portrait

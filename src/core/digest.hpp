// src/core/digest.hpp: content digests. SHA-256 for the run manifest's
// catalog text; XXH3 for input files (fast enough to checksum every shard of
// a monthly run) and for checkpoint columns.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace portrait {

// SHA-256 of `bytes` as 64 lower-case hex digits.
std::string sha256_hex(std::string_view bytes);

// XXH3 (64-bit) of `bytes`.
std::uint64_t checksum64(std::span<const std::byte> bytes);

// XXH3 (128-bit) of a whole file as "xxh3-128:" and 32 lower-case hex
// digits. Throws portrait::Error naming the file when it cannot be read.
std::string file_checksum(const std::string& path);

}  // namespace portrait

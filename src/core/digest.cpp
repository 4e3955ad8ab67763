// src/core/digest.cpp: SHA-256 through OpenSSL's EVP interface; XXH3 from
// libxxhash, inlined (header only, no library to link).
#include "core/digest.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "core/error.hpp"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace portrait {

std::string sha256_hex(std::string_view bytes) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

std::uint64_t checksum64(std::span<const std::byte> bytes) { return XXH3_64bits(bytes.data(), bytes.size()); }

std::string file_checksum(const std::string& path) {
  const std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) {
    throw Error(fmt::format("cannot read the file: {}", std::strerror(errno)), path,
                "check that it exists and is readable");
  }
  const std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> state(XXH3_createState(),
                                                                              &XXH3_freeState);
  if (!state || XXH3_128bits_reset(state.get()) != XXH_OK) throw std::bad_alloc();
  // One block of 4 MiB, reused: large enough to read at disk speed.
  std::vector<char> block(std::size_t{4} << 20);
  for (;;) {
    const std::size_t n = std::fread(block.data(), 1, block.size(), file.get());
    if (n > 0) XXH3_128bits_update(state.get(), block.data(), n);
    if (n < block.size()) break;
  }
  if (std::ferror(file.get())) {
    throw Error("read error while checksumming the file", path, "check the file system and rerun");
  }
  const XXH128_hash_t h = XXH3_128bits_digest(state.get());
  return fmt::format("xxh3-128:{:016x}{:016x}", h.high64, h.low64);
}

}  // namespace portrait

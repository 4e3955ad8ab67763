// src/io/identifier_hash.hpp: personal identifiers (phone, id card, e-mail,
// device, account) are normalised and replaced by a keyed hash at import;
// raw values are never stored. The hash is HMAC-SHA256 with a secret key,
// first 8 bytes big-endian; 0 (the missing value) becomes 1.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace portrait::io {

enum class IdentifierKind : std::int8_t {
  Phone,
  IdCard,
  Device,
  Email,
  Account
};  // = identity id_type codes

// Parses "phone", "id_card", "device", "email", "account".
std::optional<IdentifierKind> identifier_kind(std::string_view name);

// Canonical form, or "" when nothing usable is left:
//   phone: digits only, a leading 86 / 0086 country code dropped from
//          13- / 15-digit numbers; id_card: no spaces, upper case (the
//          check letter X); email: trimmed, lower case; device, account: trimmed.
std::string normalise_identifier(IdentifierKind kind, std::string_view raw);

// HMAC-SHA256(key, kind code byte + normalised value), first 8 bytes.
std::uint64_t keyed_identifier_hash(std::string_view key, IdentifierKind kind, std::string_view normalised);

}  // namespace portrait::io

// src/io/identifier_hash.cpp: normalisation and HMAC of identifiers.
#include "io/identifier_hash.hpp"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <vector>

#include "core/error.hpp"

namespace portrait::io {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())) != 0) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())) != 0) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<IdentifierKind> identifier_kind(std::string_view name) {
  if (name == "phone") return IdentifierKind::Phone;
  if (name == "id_card") return IdentifierKind::IdCard;
  if (name == "device") return IdentifierKind::Device;
  if (name == "email") return IdentifierKind::Email;
  if (name == "account") return IdentifierKind::Account;
  return std::nullopt;
}

std::string normalise_identifier(IdentifierKind kind, std::string_view raw) {
  const std::string_view text = trim(raw);
  std::string out;
  switch (kind) {
    case IdentifierKind::Phone:
      for (char c : text) {
        if (c >= '0' && c <= '9') out += c;
      }
      if (out.size() == 15 && out.starts_with("0086")) out.erase(0, 4);
      if (out.size() == 13 && out.starts_with("86")) out.erase(0, 2);
      return out;
    case IdentifierKind::IdCard:
      for (char c : text) {
        if (std::isspace(static_cast<unsigned char>(c)) == 0)
          out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      }
      return out;
    case IdentifierKind::Email:
      for (char c : text) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return out;
    case IdentifierKind::Device:
    case IdentifierKind::Account:
      return std::string(text);
  }
  return out;
}

std::uint64_t keyed_identifier_hash(std::string_view key, IdentifierKind kind, std::string_view normalised) {
  std::vector<unsigned char> message;
  message.reserve(normalised.size() + 1);
  message.push_back(static_cast<unsigned char>(kind));
  message.insert(message.end(), normalised.begin(), normalised.end());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), message.data(), message.size(), digest,
           &length) == nullptr ||
      length < 8) {
    throw Error("HMAC-SHA256 failed", "identifier hashing", "check the OpenSSL installation");
  }
  std::uint64_t h = 0;
  for (int i = 0; i < 8; ++i) h = (h << 8) | digest[i];
  return h == 0 ? 1 : h;
}

}  // namespace portrait::io

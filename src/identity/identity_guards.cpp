// src/identity/identity_guards.cpp: names and validation of the identity guards.
#include "identity/identity_guards.hpp"

#include <string>

#include "core/error.hpp"

namespace portrait::identity {

std::string_view to_string(IdType type) {
  switch (type) {
    case IdType::Phone:
      return "phone";
    case IdType::IdCard:
      return "id_card";
    case IdType::Device:
      return "device";
    case IdType::Email:
      return "email";
    case IdType::Account:
      return "account";
  }
  return "";
}

void IdentityGuards::validate() const {
  for (int t = 0; t < kIdTypeCount; ++t) {
    const IdTypeGuard& guard = by_type[static_cast<std::size_t>(t)];
    if (guard.max_customers < 2) {
      throw Error("max_customers is " + std::to_string(guard.max_customers) + ", below 2",
                  "identity guards, id_type " + std::string(to_string(static_cast<IdType>(t))),
                  "set at least 2, or set links: false to stop this id_type from linking");
    }
  }
  if (max_component_size < 2) {
    throw Error("max_component_size is " + std::to_string(max_component_size) + ", below 2",
                "identity guards", "set at least 2");
  }
}

}  // namespace portrait::identity

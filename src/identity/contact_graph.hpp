// src/identity/contact_graph.hpp: who calls whom among the customers. A
// contact record names the other party by the keyed hash of their number;
// the identity records give each customer's phone numbers, so a number that
// exactly one customer holds resolves to that customer. Numbers of other
// operators' subscribers (no customer) and numbers several customers give
// (company switchboards) resolve to no one.
#pragma once

#include <cstdint>
#include <vector>

#include "core/types.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::identity {

// This rank's calls: caller (one of its customers), the peer's number hash
// and how many records.
struct ContactCalls {
  std::vector<CustomerId> caller;
  std::vector<std::uint64_t> peer;
  std::vector<std::int64_t> records;
};

// This rank's phone-number records of the identity channel.
struct PhoneNumbers {
  std::vector<CustomerId> customer;
  std::vector<std::uint64_t> number;
};

struct ContactGraph {
  // Edges caller -> customer, one per call of ContactCalls that resolved.
  std::vector<CustomerId> source;
  std::vector<CustomerId> target;
  std::vector<std::int64_t> records;
  // Over all ranks: contact records resolved to a customer, to no customer,
  // to a number several customers give; and how many such shared numbers.
  std::int64_t resolved_records = 0;
  std::int64_t outside_records = 0;
  std::int64_t shared_records = 0;
  std::int64_t shared_numbers = 0;
};

// Collective: each number's records travel to the rank its hash picks,
// which answers every rank's questions about it.
ContactGraph resolve_contacts(const parallel::Comm& comm, const ContactCalls& calls,
                              const PhoneNumbers& phones);

}  // namespace portrait::identity

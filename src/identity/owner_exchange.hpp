// src/identity/owner_exchange.hpp: fixed-size messages to the ranks that own
// their targets, and one answer per message back to its sender. Messages are
// placed by a counting pass over their destination ranks (no sort), and the
// answers are matched to their messages by replaying that placement, so
// nothing is kept per message but the message itself. Buffers are reused
// between calls: touching fresh pages costs more than the passes over warm
// ones.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "parallel/alltoallv.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::identity {

// A question or an update about `target`: a vertex, a customer id, or an
// identifier's key.
struct OwnerMessage {
  std::uint64_t target;
  std::uint64_t value;
};

class OwnerExchange {
 public:
  explicit OwnerExchange(const parallel::Comm& comm) : comm_(comm) {}

  // Collective: sends message_of(k), for k < n, to rank route(message). The
  // received messages come in blocks by source rank (received_counts()).
  template <class MessageOf, class Route>
  std::span<const OwnerMessage> send(std::size_t n, MessageOf message_of, Route route) {
    counts_.assign(static_cast<std::size_t>(comm_.size()), 0);
    for (std::size_t k = 0; k < n; ++k) ++counts_[static_cast<std::size_t>(route(message_of(k)))];
    restart_placement();
    sent_.resize(n);
    for (std::size_t k = 0; k < n; ++k) {
      const OwnerMessage m = message_of(k);
      sent_[static_cast<std::size_t>(next_[static_cast<std::size_t>(route(m))]++)] = m;
    }
    parallel::alltoallv<OwnerMessage>(comm_, sent_, counts_, received_, received_counts_);
    ++exchanges_;
    return received_;
  }

  std::span<const std::int64_t> received_counts() const { return received_counts_; }

  // One slot per received message, for the owner's answers before reply().
  std::vector<std::uint64_t>& answers() {
    answers_.resize(received_.size());
    return answers_;
  }

  // Collective: returns answers() to the senders and calls take(k, answer)
  // for each message k of the last send(), in order of k. message_of and
  // route must still describe message k when it is taken (take may change
  // what described the messages already taken).
  template <class MessageOf, class Route, class Take>
  void reply(std::size_t n, MessageOf message_of, Route route, Take take) {
    returned_.resize(n);
    parallel::alltoallv_raw(comm_, answers_.data(), sizeof(std::uint64_t), received_counts_, returned_.data(),
                            counts_);
    ++exchanges_;
    restart_placement();
    for (std::size_t k = 0; k < n; ++k) {
      take(k, returned_[static_cast<std::size_t>(next_[static_cast<std::size_t>(route(message_of(k)))]++)]);
    }
  }

  // The buffers send() places messages in and receives them in. The identity
  // graph's shuffle places and receives its observations in them too, so
  // their pages are warm when the components exchange messages.
  std::vector<OwnerMessage>& outbox() { return sent_; }
  std::vector<OwnerMessage>& inbox() { return received_; }

  // MPI all-to-all-v calls so far.
  int exchanges() const { return exchanges_; }

 private:
  void restart_placement() {
    next_.resize(counts_.size());
    std::int64_t at = 0;
    for (std::size_t r = 0; r < counts_.size(); ++r) {
      next_[r] = at;
      at += counts_[r];
    }
  }

  const parallel::Comm& comm_;
  std::vector<std::int64_t> counts_, next_, received_counts_;
  std::vector<OwnerMessage> sent_, received_;
  std::vector<std::uint64_t> answers_, returned_;
  int exchanges_ = 0;
};

}  // namespace portrait::identity

// src/identity/candidate_pairs.hpp: the candidate pairs of probabilistic
// linking, by blocking, across ranks. Each blocking key belongs to the rank
// chosen by its hash. First every key learns its block's size (how many
// customers share it); a block above the cap makes no pairs and is counted.
// Then each customer's record (vertex, ids, attributes, live keys, contact
// circle, presence) goes once to every rank owning one of its live keys,
// and that rank makes the pairs of its blocks and compares them. A pair
// sharing several blocks is compared only in the first (the smallest key
// both hold), and pairs of one strong person are not compared at all.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "identity/customer_vertices.hpp"
#include "identity/linking_signatures.hpp"
#include "identity/pair_comparison.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::identity {

// Blocking and pair counts of one key family (global sums, identical on
// every rank and for every rank count).
struct BlockCounts {
  std::int64_t keys = 0;                          // (customer, key) instances
  std::int64_t blocks = 0;                        // keys shared by 2..cap customers
  std::int64_t blocks_over_cap = 0;               // shared by more than the cap
  std::int64_t customers_in_blocks_over_cap = 0;  // summed over those blocks
  std::int64_t pairs_over_cap = 0;                // pairs they would have made: s (s - 1) / 2 each
  std::int64_t pairs_in_blocks = 0;               // pairs of the blocks within the cap
  std::int64_t pairs_compared = 0;                // compared in a block of this family
  std::int64_t largest_block = 0;                 // customers of the largest block within the cap
  std::int64_t largest_block_over_cap = 0;
};

struct BlockingCounts {
  std::vector<BlockCounts> families;   // as LinkingSettings::blocks
  std::int64_t pairs_in_blocks = 0;    // over all families, a pair once per block it is in
  std::int64_t pairs_repeated = 0;     // of those, compared in another block both share
  std::int64_t pairs_same_person = 0;  // already one person by strong linking: not compared
  std::int64_t pairs_compared = 0;     // distinct candidate pairs compared
  std::int64_t pairs_over_cap = 0;
  std::int64_t records_sent = 0;  // customer records sent to block owners
  std::int64_t words_sent = 0;    // their size in 8-byte words
};

// A block owner's copy of one customer: its header and where its parts lie
// in CandidatePairs::words.
struct MemberRecord {
  Vertex vertex;
  CustomerId customer;
  CustomerId person;
  std::uint64_t attributes;  // offset of the attribute values, then keys, contacts, presence
  std::uint16_t keys, contacts, presence;
  bool presence_full;
};

// Two members of the owner's records, `first` the smaller customer id.
struct CandidatePair {
  std::uint32_t first;
  std::uint32_t second;
  std::uint32_t pattern;
};

struct CandidatePairs {
  std::vector<std::uint64_t> words;   // the received records
  std::vector<MemberRecord> members;  // one per received record
  std::vector<CandidatePair> pairs;   // compared on this rank
  BlockingCounts counts;

  PairSide side(std::size_t member, std::size_t attributes) const;
};

// The rank owning a blocking key.
int owner_of_key(std::uint64_t key, int ranks);

// Collective. `inputs`, `signatures`: this rank's customers (the list
// `vertices` names); returns this rank's share of the pairs.
CandidatePairs make_candidate_pairs(const parallel::Comm& comm, const LinkingInputs& inputs,
                                    const Signatures& signatures, const LinkingSettings& settings,
                                    const PatternSpace& space, const CustomerVertices& vertices);

}  // namespace portrait::identity

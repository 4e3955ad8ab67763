// src/identity/candidate_pairs.cpp: block sizes, the records' exchange to
// block owners, and the pairs of each block.
//
// A record is a run of 8-byte words: vertex, customer id, person id, the
// counts (keys | contacts << 16 | presence << 32 | presence_full << 48),
// the attribute values, then the live keys, the contact circle and the
// presence hashes. A customer's record goes to each rank that owns one of
// its live keys, once, however many keys that rank owns; the rank finds
// its keys in the record.
#include "identity/candidate_pairs.hpp"

#include <algorithm>
#include <numeric>

#include "core/error.hpp"
#include "identity/owner_exchange.hpp"
#include "identity/radix_sort.hpp"
#include "parallel/alltoallv.hpp"
#include "parallel/collectives.hpp"

namespace portrait::identity {
namespace {

constexpr std::size_t kHeaderWords = 4;
constexpr std::size_t kPartMax = 0xffff;  // keys, contacts and presence of a record: 16-bit counts

struct KeySlot {
  std::uint64_t key;
  std::uint64_t slot;
};

std::int64_t pairs_of(std::int64_t customers) { return customers * (customers - 1) / 2; }

// The first value both ascending sequences hold (they share at least one).
std::uint64_t first_common(std::span<const std::uint64_t> a, std::span<const std::uint64_t> b) {
  std::size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (a[i] < b[j]) {
      ++i;
    } else if (b[j] < a[i]) {
      ++j;
    } else {
      return a[i];
    }
  }
  return UINT64_MAX;
}

// Step 1: every key's block size, from the key's owner. Returns, for each
// of this rank's (customer, key) instances in Signatures order, whether its
// block makes pairs, and counts the blocks this rank owns into `counts`.
std::vector<std::uint8_t> live_keys(const parallel::Comm& comm, const Signatures& signatures,
                                    std::int64_t cap, BlockingCounts& counts) {
  OwnerExchange exchange(comm);
  const auto& keys = signatures.keys;
  const auto message_of = [&](std::size_t k) { return OwnerMessage{keys[k], 0}; };
  const auto route = [&](const OwnerMessage& m) { return owner_of_key(m.target, comm.size()); };
  const std::span<const OwnerMessage> received = exchange.send(keys.size(), message_of, route);
  std::vector<KeySlot> sorted(received.size()), scratch;
  for (std::size_t j = 0; j < received.size(); ++j) sorted[j] = {received[j].target, j};
  radix_sort(sorted, scratch, [](const KeySlot& k) { return k.key; });
  std::vector<std::uint64_t>& answers = exchange.answers();
  for (std::size_t begin = 0; begin < sorted.size();) {
    std::size_t end = begin + 1;
    while (end < sorted.size() && sorted[end].key == sorted[begin].key) ++end;
    const auto size = static_cast<std::int64_t>(end - begin);
    BlockCounts& family = counts.families[family_of_key(sorted[begin].key)];
    family.keys += size;
    if (size > cap) {
      ++family.blocks_over_cap;
      family.customers_in_blocks_over_cap += size;
      family.pairs_over_cap += pairs_of(size);
      family.largest_block_over_cap = std::max(family.largest_block_over_cap, size);
    } else if (size >= 2) {
      ++family.blocks;
      family.pairs_in_blocks += pairs_of(size);
      family.largest_block = std::max(family.largest_block, size);
    }
    for (std::size_t k = begin; k < end; ++k) answers[sorted[k].slot] = static_cast<std::uint64_t>(size);
    begin = end;
  }
  std::vector<std::uint8_t> live(keys.size(), 0);
  exchange.reply(keys.size(), message_of, route, [&](std::size_t k, std::uint64_t size) {
    live[k] = size >= 2 && static_cast<std::int64_t>(size) <= cap ? 1 : 0;
  });
  return live;
}

// Step 2: the records, each to the distinct owners of its live keys.
class RecordPacker {
 public:
  RecordPacker(const parallel::Comm& comm, const LinkingInputs& inputs, const Signatures& signatures,
               const std::vector<std::uint8_t>& live, const CustomerVertices& vertices,
               std::size_t presence_limit)
      : comm_(comm),
        in_(inputs),
        sig_(signatures),
        live_(live),
        vertices_(vertices),
        presence_limit_(presence_limit) {}

  // Fills `words` (blocks by destination rank) and `counts` (words per rank).
  void pack(std::vector<std::uint64_t>& words, std::vector<std::int64_t>& counts, std::int64_t& records) {
    counts.assign(static_cast<std::size_t>(comm_.size()), 0);
    records = 0;
    for_each_record([&](std::size_t, int rank, std::size_t size) {
      counts[static_cast<std::size_t>(rank)] += static_cast<std::int64_t>(size);
      ++records;
    });
    std::vector<std::int64_t> next(counts.size(), 0);
    std::exclusive_scan(counts.begin(), counts.end(), next.begin(), std::int64_t{0});
    words.resize(static_cast<std::size_t>(std::accumulate(counts.begin(), counts.end(), std::int64_t{0})));
    for_each_record([&](std::size_t i, int rank, std::size_t size) {
      std::uint64_t* out = words.data() + next[static_cast<std::size_t>(rank)];
      next[static_cast<std::size_t>(rank)] += static_cast<std::int64_t>(size);
      write(i, out);
    });
  }

 private:
  // Calls visit(customer, rank, words) for each record to send, in customer
  // order and, per customer, ascending rank.
  template <class Visit>
  void for_each_record(Visit visit) {
    std::vector<int> ranks;
    for (std::size_t i = 0; i < in_.customers.size(); ++i) {
      ranks.clear();
      std::size_t keys = 0;
      for (std::size_t k = sig_.key_offsets[i]; k < sig_.key_offsets[i + 1]; ++k) {
        if (live_[k] == 0) continue;
        ++keys;
        ranks.push_back(owner_of_key(sig_.keys[k], comm_.size()));
      }
      if (keys == 0) continue;
      std::sort(ranks.begin(), ranks.end());
      ranks.erase(std::unique(ranks.begin(), ranks.end()), ranks.end());
      const std::size_t size = kHeaderWords + in_.attributes.size() + keys + sig_.contacts_of(i).size() +
                               sig_.presence_of(i).size();
      for (const int rank : ranks) visit(i, rank, size);
    }
  }

  void write(std::size_t i, std::uint64_t* out) const {
    const auto contacts = sig_.contacts_of(i);
    const auto presence = sig_.presence_of(i);
    std::uint64_t keys = 0;
    for (std::size_t k = sig_.key_offsets[i]; k < sig_.key_offsets[i + 1]; ++k) keys += live_[k];
    out[0] = vertices_.vertex(i);
    out[1] = static_cast<std::uint64_t>(in_.customers[i]);
    out[2] = static_cast<std::uint64_t>(in_.persons[i]);
    out[3] = keys | (contacts.size() << 16) | (presence.size() << 32) |
             (static_cast<std::uint64_t>(presence.size() >= presence_limit_) << 48);
    std::uint64_t* at = out + kHeaderWords;
    for (const auto& attribute : in_.attributes) *at++ = static_cast<std::uint64_t>(attribute[i]);
    for (std::size_t k = sig_.key_offsets[i]; k < sig_.key_offsets[i + 1]; ++k) {
      if (live_[k] != 0) *at++ = sig_.keys[k];
    }
    at = std::copy(contacts.begin(), contacts.end(), at);
    std::copy(presence.begin(), presence.end(), at);
  }

  const parallel::Comm& comm_;
  const LinkingInputs& in_;
  const Signatures& sig_;
  const std::vector<std::uint8_t>& live_;
  const CustomerVertices& vertices_;
  const std::size_t presence_limit_;
};

// The members of the received records, and this rank's (key, member) pairs
// sorted by key: its blocks.
std::vector<KeySlot> read_records(const parallel::Comm& comm, std::size_t attributes, CandidatePairs& out) {
  std::vector<KeySlot> members;
  const auto& w = out.words;
  for (std::size_t at = 0; at < w.size();) {
    MemberRecord r{};
    r.vertex = w[at];
    r.customer = static_cast<CustomerId>(w[at + 1]);
    r.person = static_cast<CustomerId>(w[at + 2]);
    r.keys = static_cast<std::uint16_t>(w[at + 3] & 0xffff);
    r.contacts = static_cast<std::uint16_t>((w[at + 3] >> 16) & 0xffff);
    r.presence = static_cast<std::uint16_t>((w[at + 3] >> 32) & 0xffff);
    r.presence_full = ((w[at + 3] >> 48) & 1) != 0;
    r.attributes = at + kHeaderWords;
    const std::size_t keys = r.attributes + attributes;
    for (std::size_t k = keys; k < keys + r.keys; ++k) {
      if (owner_of_key(w[k], comm.size()) == comm.rank()) members.push_back({w[k], out.members.size()});
    }
    out.members.push_back(r);
    at = keys + r.keys + r.contacts + r.presence;
  }
  std::vector<KeySlot> scratch;
  radix_sort(members, scratch, [](const KeySlot& k) { return k.key; });
  return members;
}

struct ChunkOutput {
  std::vector<CandidatePair> pairs;
  std::vector<std::int64_t> compared;  // per family
  std::int64_t repeated = 0, same_person = 0;
};

// Step 3: the pairs of every block, chunks of blocks of about equal pair
// counts in parallel, joined in block order.
void pair_blocks(const std::vector<KeySlot>& members, const LinkingSettings& settings,
                 const PatternSpace& space, std::size_t attributes, CandidatePairs& out) {
  std::vector<std::size_t> block_start;
  std::vector<std::int64_t> cumulative{0};
  for (std::size_t begin = 0; begin < members.size();) {
    std::size_t end = begin + 1;
    while (end < members.size() && members[end].key == members[begin].key) ++end;
    block_start.push_back(begin);
    cumulative.push_back(cumulative.back() + pairs_of(static_cast<std::int64_t>(end - begin)));
    begin = end;
  }
  block_start.push_back(members.size());
  const std::size_t blocks = block_start.size() - 1;
  const std::int64_t total = cumulative.back();
  const std::size_t chunks = std::min<std::size_t>(256, static_cast<std::size_t>(total / 4096) + 1);
  // Chunk c takes the blocks whose pairs start in [c, c + 1) * total / chunks.
  std::vector<std::size_t> chunk_block(chunks + 1, blocks);
  for (std::size_t c = 0; c < chunks; ++c) {
    const std::int64_t from = total * static_cast<std::int64_t>(c) / static_cast<std::int64_t>(chunks);
    chunk_block[c] = static_cast<std::size_t>(
        std::lower_bound(cumulative.begin(), cumulative.end() - 1, from) - cumulative.begin());
  }
  std::vector<ChunkOutput> outputs(chunks);
  const std::size_t families = settings.blocks.size();
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t c = 0; c < chunks; ++c) {
    ChunkOutput& mine = outputs[c];
    mine.compared.assign(families, 0);
    for (std::size_t b = chunk_block[c]; b < chunk_block[c + 1]; ++b) {
      const std::uint64_t key = members[block_start[b]].key;
      for (std::size_t x = block_start[b]; x < block_start[b + 1]; ++x) {
        const MemberRecord& rx = out.members[members[x].slot];
        const std::span<const std::uint64_t> kx(out.words.data() + rx.attributes + attributes, rx.keys);
        const PairSide sx = out.side(members[x].slot, attributes);
        for (std::size_t y = x + 1; y < block_start[b + 1]; ++y) {
          const MemberRecord& ry = out.members[members[y].slot];
          if (rx.person == ry.person) {
            ++mine.same_person;
            continue;
          }
          const std::span<const std::uint64_t> ky(out.words.data() + ry.attributes + attributes, ry.keys);
          if (first_common(kx, ky) != key) {
            ++mine.repeated;
            continue;
          }
          ++mine.compared[family_of_key(key)];
          const std::uint32_t pattern =
              compare_pair(space, settings.comparisons, sx, out.side(members[y].slot, attributes));
          const auto a = static_cast<std::uint32_t>(members[x].slot);
          const auto bb = static_cast<std::uint32_t>(members[y].slot);
          mine.pairs.push_back(rx.customer < ry.customer ? CandidatePair{a, bb, pattern}
                                                         : CandidatePair{bb, a, pattern});
        }
      }
    }
  }
  std::size_t pairs = 0;
  for (const ChunkOutput& o : outputs) pairs += o.pairs.size();
  out.pairs.reserve(pairs);
  for (const ChunkOutput& o : outputs) {
    out.pairs.insert(out.pairs.end(), o.pairs.begin(), o.pairs.end());
    out.counts.pairs_repeated += o.repeated;
    out.counts.pairs_same_person += o.same_person;
    for (std::size_t f = 0; f < families; ++f) out.counts.families[f].pairs_compared += o.compared[f];
  }
}

// Global sums (and maxima) of every count.
void reduce_counts(const parallel::Comm& comm, BlockingCounts& counts) {
  std::vector<std::int64_t> sums, maxima;
  for (const BlockCounts& f : counts.families) {
    sums.insert(sums.end(), {f.keys, f.blocks, f.blocks_over_cap, f.customers_in_blocks_over_cap,
                             f.pairs_over_cap, f.pairs_in_blocks, f.pairs_compared});
    maxima.insert(maxima.end(), {f.largest_block, f.largest_block_over_cap});
  }
  sums.insert(sums.end(),
              {counts.pairs_repeated, counts.pairs_same_person, counts.records_sent, counts.words_sent});
  sums = parallel::sum(comm, sums);
  maxima = parallel::maximum(comm, std::span<const std::int64_t>(maxima));
  counts.pairs_in_blocks = counts.pairs_over_cap = counts.pairs_compared = 0;
  for (std::size_t k = 0; k < counts.families.size(); ++k) {
    BlockCounts& f = counts.families[k];
    const std::int64_t* s = sums.data() + 7 * k;
    f = {s[0], s[1], s[2], s[3], s[4], s[5], s[6], maxima[2 * k], maxima[2 * k + 1]};
    counts.pairs_in_blocks += f.pairs_in_blocks;
    counts.pairs_over_cap += f.pairs_over_cap;
    counts.pairs_compared += f.pairs_compared;
  }
  const std::int64_t* rest = sums.data() + 7 * counts.families.size();
  counts.pairs_repeated = rest[0];
  counts.pairs_same_person = rest[1];
  counts.records_sent = rest[2];
  counts.words_sent = rest[3];
}

}  // namespace

int owner_of_key(std::uint64_t key, int ranks) {
  return static_cast<int>(((key & 0xffffffffULL) * static_cast<std::uint64_t>(ranks)) >> 32);
}

PairSide CandidatePairs::side(std::size_t member, std::size_t attributes) const {
  const MemberRecord& r = members[member];
  const std::uint64_t* a = words.data() + r.attributes;
  const std::uint64_t* contacts = a + attributes + r.keys;
  return {{reinterpret_cast<const std::int64_t*>(a), attributes},
          {contacts, r.contacts},
          {contacts + r.contacts, r.presence},
          r.presence_full};
}

CandidatePairs make_candidate_pairs(const parallel::Comm& comm, const LinkingInputs& inputs,
                                    const Signatures& signatures, const LinkingSettings& settings,
                                    const PatternSpace& space, const CustomerVertices& vertices) {
  CandidatePairs out;
  out.counts.families.resize(settings.blocks.size());
  const std::vector<std::uint8_t> live =
      live_keys(comm, signatures, settings.max_block_customers, out.counts);

  std::vector<std::uint64_t> send;
  std::vector<std::int64_t> send_counts, recv_counts;
  RecordPacker packer(comm, inputs, signatures, live, vertices,
                      static_cast<std::size_t>(settings.presence_limit));
  packer.pack(send, send_counts, out.counts.records_sent);
  out.counts.words_sent = static_cast<std::int64_t>(send.size());
  parallel::alltoallv<std::uint64_t>(comm, send, send_counts, out.words, recv_counts);
  std::vector<std::uint64_t>().swap(send);

  const std::size_t attributes = inputs.attributes.size();
  const std::vector<KeySlot> members = read_records(comm, attributes, out);
  pair_blocks(members, settings, space, attributes, out);
  reduce_counts(comm, out.counts);
  return out;
}

}  // namespace portrait::identity

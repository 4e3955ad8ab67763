// src/identity/linking_signatures.cpp: contact circles, presence sets and
// blocking keys per customer.
#include "identity/linking_signatures.hpp"

#include <algorithm>

#include "core/hash.hpp"

namespace portrait::identity {
namespace {

// The salt of a presence min-hash, one per hash function.
constexpr std::uint64_t minhash_salt(int function) {
  return mix64(0x70726573656e6365ULL + static_cast<std::uint64_t>(function));
}

struct ThreadOutput {
  Signatures part;  // offsets relative to the part
  // Scratch, reused from customer to customer.
  std::vector<std::uint64_t> peers, hashes, keys;
  std::vector<std::pair<std::uint32_t, std::uint64_t>> counted;  // (count, peer)
};

void start(Signatures& s) {
  s.contact_offsets.assign(1, 0);
  s.presence_offsets.assign(1, 0);
  s.key_offsets.assign(1, 0);
}

void close_customer(Signatures& s) {
  s.contact_offsets.push_back(static_cast<std::uint32_t>(s.contacts.size()));
  s.presence_offsets.push_back(static_cast<std::uint32_t>(s.presence.size()));
  s.key_offsets.push_back(static_cast<std::uint32_t>(s.keys.size()));
}

void sign_customer(const LinkingInputs& in, const LinkingSettings& settings, std::size_t i, ThreadOutput& t) {
  const std::size_t begin = in.offsets[i], end = in.offsets[i + 1];
  const auto counts = [&](std::size_t r) {
    return !is_missing(in.time[r]) && in.time[r] >= in.from && in.time[r] < in.to;
  };
  Signatures& out = t.part;

  // Contacts by how often they are called or texted; ties by value.
  t.peers.clear();
  for (std::size_t r = begin; r < end; ++r) {
    if (in.contact[r] != 0 && counts(r)) t.peers.push_back(in.contact[r]);
  }
  std::sort(t.peers.begin(), t.peers.end());
  t.counted.clear();
  for (std::size_t k = 0; k < t.peers.size();) {
    std::size_t e = k + 1;
    while (e < t.peers.size() && t.peers[e] == t.peers[k]) ++e;
    t.counted.emplace_back(static_cast<std::uint32_t>(e - k), t.peers[k]);
    k = e;
  }
  const auto by_frequency = [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  };
  const std::size_t circle = std::min(t.counted.size(), static_cast<std::size_t>(settings.contact_circle));
  std::partial_sort(t.counted.begin(), t.counted.begin() + static_cast<std::ptrdiff_t>(circle),
                    t.counted.end(), by_frequency);

  // Presence: distinct (hour, place), by hash.
  t.hashes.clear();
  for (std::size_t r = begin; r < end; ++r) {
    if (!counts(r) || is_missing(in.place[r])) continue;
    t.hashes.push_back(mix64(presence_key(in.time[r], in.place[r])));
  }
  std::sort(t.hashes.begin(), t.hashes.end());
  t.hashes.erase(std::unique(t.hashes.begin(), t.hashes.end()), t.hashes.end());

  // Blocking keys.
  t.keys.clear();
  for (std::size_t f = 0; f < settings.blocks.size(); ++f) {
    const BlockingKey& family = settings.blocks[f];
    switch (family.kind) {
      case BlockingKey::Kind::Attributes: {
        std::uint64_t value = 0x6174747269627574ULL;
        bool known = true;
        for (const std::size_t a : family.attributes) {
          const std::int64_t v = in.attributes[a][i];
          known = known && !is_missing(v);
          value = mix64(value ^ static_cast<std::uint64_t>(v));
        }
        if (known) t.keys.push_back(blocking_key(f, value));
        break;
      }
      case BlockingKey::Kind::TopContacts:
        for (std::size_t k = 0; k < std::min(circle, static_cast<std::size_t>(family.count)); ++k)
          t.keys.push_back(blocking_key(f, t.counted[k].second));
        break;
      case BlockingKey::Kind::PresenceHash:
        if (t.hashes.empty()) break;
        for (int h = 0; h < family.count; ++h) {
          std::uint64_t smallest = UINT64_MAX;
          for (const std::uint64_t p : t.hashes) smallest = std::min(smallest, mix64(p ^ minhash_salt(h)));
          t.keys.push_back(blocking_key(f, smallest ^ minhash_salt(h)));
        }
        break;
    }
  }
  std::sort(t.keys.begin(), t.keys.end());
  t.keys.erase(std::unique(t.keys.begin(), t.keys.end()), t.keys.end());

  const std::size_t first_contact = out.contacts.size();
  for (std::size_t k = 0; k < circle; ++k) out.contacts.push_back(t.counted[k].second);
  std::sort(out.contacts.begin() + static_cast<std::ptrdiff_t>(first_contact), out.contacts.end());
  const std::size_t kept = std::min(t.hashes.size(), static_cast<std::size_t>(settings.presence_limit));
  out.presence.insert(out.presence.end(), t.hashes.begin(),
                      t.hashes.begin() + static_cast<std::ptrdiff_t>(kept));
  out.keys.insert(out.keys.end(), t.keys.begin(), t.keys.end());
  close_customer(out);
}

// Appends `part` to `all`, shifting its offsets.
void append(Signatures& all, const Signatures& part) {
  const auto shift = [](std::vector<std::uint32_t>& to, const std::vector<std::uint32_t>& from) {
    const std::uint32_t base = to.back();
    for (std::size_t k = 1; k < from.size(); ++k) to.push_back(base + from[k]);
  };
  shift(all.contact_offsets, part.contact_offsets);
  shift(all.presence_offsets, part.presence_offsets);
  shift(all.key_offsets, part.key_offsets);
  all.contacts.insert(all.contacts.end(), part.contacts.begin(), part.contacts.end());
  all.presence.insert(all.presence.end(), part.presence.begin(), part.presence.end());
  all.keys.insert(all.keys.end(), part.keys.begin(), part.keys.end());
}

}  // namespace

std::uint64_t blocking_key(std::size_t family, std::uint64_t value) {
  return (static_cast<std::uint64_t>(family) << kFamilyShift) |
         (mix64(value ^ mix64(0x626c6f636b6b6579ULL + family)) >> (64 - kFamilyShift));
}

Signatures compute_signatures(const LinkingInputs& in, const LinkingSettings& settings) {
  const std::size_t n = in.customers.size();
  // Chunks of customers by count alone, joined in order: the same result for
  // any thread count.
  const std::size_t chunks = std::min<std::size_t>(256, n / 2048 + 1);
  std::vector<ThreadOutput> outputs(chunks);
#pragma omp parallel for schedule(dynamic, 1)
  for (std::size_t c = 0; c < chunks; ++c) {
    ThreadOutput& mine = outputs[c];
    start(mine.part);
    for (std::size_t i = n * c / chunks; i < n * (c + 1) / chunks; ++i) sign_customer(in, settings, i, mine);
  }
  if (chunks == 1) return std::move(outputs[0].part);
  Signatures all;
  start(all);
  for (const ThreadOutput& t : outputs) append(all, t.part);
  return all;
}

}  // namespace portrait::identity

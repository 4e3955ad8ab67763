// src/identity/probabilistic_linking.cpp: signatures, candidate pairs, the
// model from exact pattern counts, and the components of every profile.
#include "identity/probabilistic_linking.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "identity/components.hpp"
#include "identity/customer_vertices.hpp"
#include "parallel/alltoallv.hpp"
#include "parallel/collectives.hpp"

namespace portrait::identity {
namespace {

constexpr std::array<double, 9> kProbabilityBounds = {0, 0.1, 0.5, 0.8, 0.9, 0.95, 0.99, 0.999, 1};

// A written pair on its way to the rank listing its smaller customer.
struct PairRow {
  Vertex first;
  CustomerId other;
  std::uint64_t pattern;
};

std::vector<std::int64_t> pattern_counts(const parallel::Comm& comm, const PatternSpace& space,
                                         const std::vector<CandidatePair>& pairs) {
  std::vector<std::int64_t> counts(space.size(), 0);
  for (const CandidatePair& p : pairs) ++counts[p.pattern];
  return parallel::sum(comm, counts);
}

std::vector<ProbabilityBin> probability_bins(const std::vector<std::int64_t>& counts,
                                             const std::vector<double>& probability) {
  std::vector<ProbabilityBin> bins;
  for (std::size_t b = 0; b + 1 < kProbabilityBounds.size(); ++b)
    bins.push_back({kProbabilityBounds[b], kProbabilityBounds[b + 1], 0});
  for (std::size_t g = 0; g < counts.size(); ++g) {
    if (counts[g] == 0) continue;
    std::size_t b = 0;
    while (b + 1 < bins.size() && probability[g] >= bins[b].to) ++b;
    bins[b].pairs += counts[g];
  }
  return bins;
}

// The pairs to write, sent to the ranks listing their smaller customers and
// sorted there by (list position, other customer).
Table written_pairs(const parallel::Comm& comm, const LinkingInputs& inputs, const LinkingSettings& settings,
                    const PatternSpace& space, const FellegiSunterModel& model,
                    const std::vector<double>& probability, const CandidatePairs& candidates) {
  std::vector<std::int64_t> counts(static_cast<std::size_t>(comm.size()), 0);
  const auto kept = [&](const CandidatePair& p) {
    return probability[p.pattern] >= settings.write_pairs_above;
  };
  for (const CandidatePair& p : candidates.pairs) {
    if (kept(p)) ++counts[static_cast<std::size_t>(rank_of_vertex(candidates.members[p.first].vertex))];
  }
  std::vector<std::int64_t> next(counts.size(), 0);
  for (std::size_t r = 1; r < counts.size(); ++r) next[r] = next[r - 1] + counts[r - 1];
  std::vector<PairRow> send(static_cast<std::size_t>(next.back() + counts.back()));
  for (const CandidatePair& p : candidates.pairs) {
    if (!kept(p)) continue;
    const MemberRecord& first = candidates.members[p.first];
    send[static_cast<std::size_t>(next[static_cast<std::size_t>(rank_of_vertex(first.vertex))]++)] = {
        first.vertex, candidates.members[p.second].customer, p.pattern};
  }
  std::vector<PairRow> rows;
  std::vector<std::int64_t> received;
  parallel::alltoallv<PairRow>(comm, send, counts, rows, received);
  std::sort(rows.begin(), rows.end(), [](const PairRow& a, const PairRow& b) {
    return a.first != b.first ? a.first < b.first : a.other < b.other;
  });

  Table table("linking_pairs");
  auto& customer = table.add("customer_id", ColumnType::Int64).values<std::int64_t>();
  auto& other = table.add("other_id", ColumnType::Int64).values<std::int64_t>();
  auto& p = table.add("probability", ColumnType::Float64).values<double>();
  auto& weight = table.add("match_weight", ColumnType::Float64).values<double>();
  std::vector<std::vector<std::int8_t>*> levels;
  for (const Comparison& c : settings.comparisons)
    levels.push_back(&table.add("level." + c.name, ColumnType::Int8).values<std::int8_t>());
  table.reserve(rows.size());
  for (const PairRow& row : rows) {
    customer.push_back(inputs.customers[position_of_vertex(row.first)]);
    other.push_back(row.other);
    const auto pattern = static_cast<std::uint32_t>(row.pattern);
    p.push_back(probability[pattern]);
    weight.push_back(model.match_weight(space, pattern));
    for (std::size_t c = 0; c < levels.size(); ++c) {
      const int l = space.level(pattern, c);
      levels[c]->push_back(l < 0 ? missing<std::int8_t>() : static_cast<std::int8_t>(l));
    }
  }
  return table;
}

nlohmann::json family_json(const BlockingKey& key, const BlockCounts& f) {
  return {{"name", key.name},
          {"keys", f.keys},
          {"blocks", f.blocks},
          {"largest_block", f.largest_block},
          {"pairs_in_blocks", f.pairs_in_blocks},
          {"pairs_compared", f.pairs_compared},
          {"blocks_over_cap", f.blocks_over_cap},
          {"customers_in_blocks_over_cap", f.customers_in_blocks_over_cap},
          {"largest_block_over_cap", f.largest_block_over_cap},
          {"pairs_over_cap", f.pairs_over_cap}};
}

}  // namespace

LinkingResult link_probabilistically(const parallel::Comm& comm, const LinkingInputs& inputs,
                                     const LinkingSettings& settings, const CustomerOwners& owners,
                                     std::span<const VertexLink> strong_links,
                                     std::int64_t max_component_size) {
  CustomerVertices vertices(comm, inputs.customers, owners);
  const PatternSpace space(settings.comparisons);
  CandidatePairs candidates = [&] {
    const Signatures signatures = compute_signatures(inputs, settings);
    return make_candidate_pairs(comm, inputs, signatures, settings, space, vertices);
  }();

  LinkingResult result;
  LinkingReport& report = result.report;
  report.blocking = candidates.counts;
  const std::vector<std::int64_t> counts = pattern_counts(comm, space, candidates.pairs);
  report.model = train_fellegi_sunter(space, counts, settings.em);
  std::vector<double> probability(space.size());
  for (std::uint32_t g = 0; g < space.size(); ++g) probability[g] = report.model.probability(space, g);
  report.probabilities = probability_bins(counts, probability);
  for (std::size_t g = 0; g < counts.size(); ++g)
    report.expected_matches += static_cast<double>(counts[g]) * probability[g];

  for (const LinkingProfile& profile : settings.profiles) {
    std::vector<VertexLink> links(strong_links.begin(), strong_links.end());
    std::int64_t fuzzy = 0;
    for (const CandidatePair& p : candidates.pairs) {
      if (probability[p.pattern] < profile.min_probability) continue;
      links.push_back({candidates.members[p.first].vertex, candidates.members[p.second].vertex});
      ++fuzzy;
    }
    Components components = connected_components(comm, std::move(links), vertices, max_component_size);
    report.profiles.push_back(
        {profile, parallel::sum(comm, fuzzy),
         summarize_components(comm, components, static_cast<std::int64_t>(inputs.customers.size()),
                              max_component_size)});
    result.persons.push_back(std::move(components.persons));
  }
  result.pairs = written_pairs(comm, inputs, settings, space, report.model, probability, candidates);
  report.pairs_written = parallel::sum(comm, static_cast<std::int64_t>(result.pairs.rows()));
  return result;
}

nlohmann::json to_json(const LinkingReport& report, const LinkingSettings& settings) {
  const BlockingCounts& b = report.blocking;
  nlohmann::json families = nlohmann::json::array();
  for (std::size_t f = 0; f < b.families.size(); ++f)
    families.push_back(family_json(settings.blocks[f], b.families[f]));
  nlohmann::json bins = nlohmann::json::array();
  for (const ProbabilityBin& bin : report.probabilities)
    bins.push_back({{"from", bin.from}, {"to", bin.to}, {"pairs", bin.pairs}});
  nlohmann::json profiles = nlohmann::json::array();
  for (const ProfileReport& p : report.profiles) {
    profiles.push_back({{"name", p.profile.name},
                        {"min_probability", p.profile.min_probability},
                        {"links", p.links},
                        {"persons", p.components.persons},
                        {"components_over_cap", p.components.components_over_cap},
                        {"component_sizes", component_sizes_json(p.components)},
                        {"largest_components", largest_components_json(p.components)}});
  }
  const nlohmann::json model = to_json(report.model, settings);
  return {{"max_block_customers", settings.max_block_customers},
          {"blocks", families},
          {"pairs_in_blocks", b.pairs_in_blocks},
          {"pairs_repeated", b.pairs_repeated},
          {"pairs_same_person", b.pairs_same_person},
          {"pairs_compared", b.pairs_compared},
          {"pairs_over_cap", b.pairs_over_cap},
          {"records_sent", b.records_sent},
          {"bytes_sent", b.words_sent * 8},
          {"match_share", report.model.match_share},
          {"expected_matches", report.expected_matches},
          {"em", model.at("training")},
          {"comparisons", model.at("comparisons")},
          {"pair_probabilities", bins},
          {"profiles", profiles},
          {"pairs_written", report.pairs_written}};
}

}  // namespace portrait::identity

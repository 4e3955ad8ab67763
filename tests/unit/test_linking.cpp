// tests/unit/test_linking.cpp: the local pieces of probabilistic linking:
// pattern codes, comparison levels, signatures and blocking keys, the
// Fellegi-Sunter EM (it must find the parameters that made the counts), and
// the settings' checks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "identity/fellegi_sunter.hpp"
#include "identity/linking_signatures.hpp"
#include "identity/pair_comparison.hpp"

namespace portrait::identity {
namespace {

Comparison equal(std::string name, std::vector<std::size_t> attributes) {
  Comparison c;
  c.kind = Comparison::Kind::Equal;
  c.name = std::move(name);
  c.attributes = std::move(attributes);
  return c;
}

Comparison banded(Comparison::Kind kind, std::string name, std::vector<double> bands) {
  Comparison c;
  c.kind = kind;
  c.name = std::move(name);
  c.bands = std::move(bands);
  return c;
}

std::vector<Comparison> four_comparisons() {
  return {equal("home", {0}), equal("work", {1}),
          banded(Comparison::Kind::ContactJaccard, "contacts", {0.1, 0.3}),
          banded(Comparison::Kind::SharedHours, "hours", {0.05, 0.2, 0.5})};
}

TEST(Linking, PatternCodesRoundTripWithMissingLevels) {
  const auto comparisons = four_comparisons();
  const PatternSpace space(comparisons);
  EXPECT_EQ(space.size(), 3u * 3u * 4u * 5u);
  std::set<std::uint32_t> seen;
  for (int a = -1; a < 2; ++a) {
    for (int b = -1; b < 2; ++b) {
      for (int c = -1; c < 3; ++c) {
        for (int d = -1; d < 4; ++d) {
          const std::vector<int> levels{a, b, c, d};
          const std::uint32_t g = space.encode(levels);
          ASSERT_LT(g, space.size());
          for (std::size_t k = 0; k < 4; ++k) EXPECT_EQ(space.level(g, k), levels[k]);
          seen.insert(g);
        }
      }
    }
  }
  EXPECT_EQ(seen.size(), space.size());
  std::vector<Comparison> many(17, banded(Comparison::Kind::SharedHours, "x", {0.5}));
  EXPECT_THROW(PatternSpace{many}, Error);
}

TEST(Linking, ComparisonLevels) {
  const auto comparisons = four_comparisons();
  const std::vector<std::int64_t> attributes_a{7, 9}, attributes_b{7, missing<std::int64_t>()};
  const std::vector<std::uint64_t> contacts_a{1, 2, 3, 4}, contacts_b{3, 4, 5};
  const std::vector<std::uint64_t> presence_a{10, 20, 30, 40}, presence_b{20, 40, 50, 60, 70, 80};
  const PairSide a{attributes_a, contacts_a, presence_a, false};
  const PairSide b{attributes_b, contacts_b, presence_b, false};
  EXPECT_EQ(compare(comparisons[0], a, b), 1);
  EXPECT_EQ(compare(comparisons[1], a, b), -1);  // missing
  EXPECT_EQ(compare(comparisons[2], a, b), 2);   // 2 of 5 = 0.4
  EXPECT_EQ(compare(comparisons[3], a, b), 3);   // 2 of min(4, 6) = 0.5
  EXPECT_EQ(band_level(0.0, comparisons[3].bands), 0);
  EXPECT_EQ(band_level(0.05, comparisons[3].bands), 1);
  EXPECT_EQ(band_level(0.199, comparisons[3].bands), 1);
  EXPECT_EQ(band_level(1.0, comparisons[3].bands), 3);
  // A side cut at its limit is compared below its last hash only: of b's
  // values <= 40 (20, 40) both are in a.
  const std::vector<std::uint64_t> cut_b{20, 40};
  const PairSide full_b{attributes_b, contacts_b, cut_b, true};
  const std::vector<std::uint64_t> long_a{10, 20, 30, 40, 50, 60};
  const PairSide long_side{attributes_a, contacts_a, long_a, false};
  EXPECT_EQ(compare(comparisons[3], long_side, full_b), 3);  // 2 of min(4, 2) = 1
  const PairSide empty{attributes_a, {}, {}, false};
  EXPECT_EQ(compare(comparisons[2], a, empty), -1);
  EXPECT_EQ(compare(comparisons[3], a, empty), -1);
  EXPECT_EQ(level_label(comparisons[0], 1), "equal");
  // Home and work together: equal only when both are, missing when either is.
  const Comparison places = equal("home+work", {0, 1});
  const std::vector<std::int64_t> same{7, 9}, other_work{7, 8};
  EXPECT_EQ(compare(places, a, PairSide{same, {}, {}, false}), 1);
  EXPECT_EQ(compare(places, a, PairSide{other_work, {}, {}, false}), 0);
  EXPECT_EQ(compare(places, a, b), -1);
  EXPECT_EQ(level_label(comparisons[3], 0), "<0.05");
  EXPECT_EQ(level_label(comparisons[3], 2), "0.2-0.5");
  EXPECT_EQ(level_label(comparisons[3], 3), ">=0.5");
}

// Pattern counts exactly as a known model expects them (N P(g)), rounded.
std::vector<std::int64_t> expected_counts(const PatternSpace& space, const FellegiSunterModel& truth,
                                          double pairs, double missing_share) {
  std::vector<std::int64_t> counts(space.size(), 0);
  for (std::uint32_t g = 0; g < space.size(); ++g) {
    double pm = truth.match_share, pu = 1 - truth.match_share;
    for (std::size_t c = 0; c < space.comparisons(); ++c) {
      const int l = space.level(g, c);
      const double keep = c == 1 ? missing_share : 0.0;  // comparison 1 is missing at random
      if (l < 0) {
        pm *= keep;
        pu *= keep;
      } else {
        pm *= (1 - keep) * truth.m[c][static_cast<std::size_t>(l)];
        pu *= (1 - keep) * truth.u[c][static_cast<std::size_t>(l)];
      }
    }
    counts[g] = std::llround(pairs * (pm + pu));
  }
  return counts;
}

TEST(Linking, ExpectationMaximisationFindsTheModelThatMadeTheCounts) {
  const auto comparisons = four_comparisons();
  const PatternSpace space(comparisons);
  FellegiSunterModel truth;
  truth.match_share = 0.03;
  truth.m = {{0.1, 0.9}, {0.2, 0.8}, {0.1, 0.3, 0.6}, {0.05, 0.1, 0.25, 0.6}};
  truth.u = {{0.7, 0.3}, {0.75, 0.25}, {0.9, 0.08, 0.02}, {0.8, 0.15, 0.04, 0.01}};
  const auto counts = expected_counts(space, truth, 1e12, 0.1);
  ExpectationMaximisation em;
  em.tolerance = 1e-12;
  em.max_iterations = 5000;
  const FellegiSunterModel model = train_fellegi_sunter(space, counts, em);
  EXPECT_TRUE(model.converged);
  EXPECT_NEAR(model.match_share, truth.match_share, 1e-6);
  for (std::size_t c = 0; c < comparisons.size(); ++c) {
    for (std::size_t l = 0; l < truth.m[c].size(); ++l) {
      EXPECT_NEAR(model.m[c][l], truth.m[c][l], 1e-5) << comparisons[c].name << " level " << l;
      EXPECT_NEAR(model.u[c][l], truth.u[c][l], 1e-5) << comparisons[c].name << " level " << l;
    }
  }
  // The probability of a pattern is Bayes' rule over the products.
  const std::vector<int> agree{1, -1, 2, 3};
  const std::uint32_t g = space.encode(agree);
  const double pm = model.match_share * model.m[0][1] * model.m[2][2] * model.m[3][3];
  const double pu = (1 - model.match_share) * model.u[0][1] * model.u[2][2] * model.u[3][3];
  EXPECT_DOUBLE_EQ(model.probability(space, g), pm / (pm + pu));
  EXPECT_NEAR(model.match_weight(space, g),
              std::log2(model.m[0][1] / model.u[0][1]) + std::log2(model.m[2][2] / model.u[2][2]) +
                  std::log2(model.m[3][3] / model.u[3][3]),
              1e-12);
  // The same counts give the same bits.
  const FellegiSunterModel again = train_fellegi_sunter(space, counts, em);
  EXPECT_EQ(again.match_share, model.match_share);
  EXPECT_EQ(again.m, model.m);
  EXPECT_EQ(again.iterations, model.iterations);
  LinkingSettings settings;
  settings.comparisons = comparisons;
  const auto json = to_json(model, settings);
  EXPECT_EQ(json.at("format"), "portrait-fellegi-sunter-1");
  EXPECT_EQ(json.at("comparisons").at(3).at("levels").at(3).at("label"), ">=0.5");
}

TEST(Linking, ExpectationMaximisationWithoutPairs) {
  const auto comparisons = four_comparisons();
  const PatternSpace space(comparisons);
  const std::vector<std::int64_t> none(space.size(), 0);
  const FellegiSunterModel model = train_fellegi_sunter(space, none, ExpectationMaximisation{});
  EXPECT_EQ(model.pairs, 0);
  EXPECT_EQ(model.iterations, 0);
  EXPECT_EQ(model.m.size(), comparisons.size());
}

TEST(Linking, SignaturesKeepTheMostFrequentContactsAndDistinctPresences) {
  // Customer 0: contacts 5 (x3), 9 (x2), 4, 6, 7 (x1); presences at two
  // hours, one repeated. Customer 1: no records.
  const std::vector<CustomerId> customers{100, 200};
  const std::vector<CustomerId> persons{100, 200};
  const std::vector<std::int64_t> home{11, missing<std::int64_t>()};
  const std::vector<std::uint64_t> offsets{0, 9, 9};
  const std::vector<std::int64_t> time{0, 10, 20, 3600, 3700, 3800, 7200, 7300, missing<std::int64_t>()};
  const std::vector<std::int32_t> place{1, 1, 1, 2, 2, 2, 3, missing<std::int32_t>(), 4};
  const std::vector<std::uint64_t> contact{5, 9, 5, 4, 5, 9, 6, 7, 0};
  LinkingInputs in{customers, persons, {home}, offsets, time, place, contact};
  LinkingSettings settings;
  settings.contact_circle = 3;
  settings.presence_limit = 2;
  BlockingKey by_home;
  by_home.name = "home";
  by_home.attributes = {0};
  BlockingKey top;
  top.kind = BlockingKey::Kind::TopContacts;
  top.name = "top";
  top.count = 2;
  BlockingKey minhash;
  minhash.kind = BlockingKey::Kind::PresenceHash;
  minhash.name = "hours";
  minhash.count = 2;
  settings.blocks = {by_home, top, minhash};
  const Signatures s = compute_signatures(in, settings);
  // Top three: 5 (3), 9 (2), then 4 (ties 4, 6, 7 by value); kept sorted.
  EXPECT_EQ(std::vector<std::uint64_t>(s.contacts_of(0).begin(), s.contacts_of(0).end()),
            (std::vector<std::uint64_t>{4, 5, 9}));
  // Distinct (hour, place): (0,1), (1,2), (2,3): the two smallest hashes.
  std::vector<std::uint64_t> all{mix64(presence_key(0, 1)), mix64(presence_key(3600, 2)),
                                 mix64(presence_key(7200, 3))};
  std::sort(all.begin(), all.end());
  EXPECT_EQ(std::vector<std::uint64_t>(s.presence_of(0).begin(), s.presence_of(0).end()),
            (std::vector<std::uint64_t>{all[0], all[1]}));
  // Keys: home, the top two contacts, two min-hashes; sorted, families in the top bits.
  const auto keys = s.keys_of(0);
  ASSERT_EQ(keys.size(), 5u);
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  std::map<std::size_t, int> per_family;
  for (const std::uint64_t k : keys) ++per_family[family_of_key(k)];
  EXPECT_EQ(per_family, (std::map<std::size_t, int>{{0, 1}, {1, 2}, {2, 2}}));
  EXPECT_TRUE(std::find(keys.begin(), keys.end(), blocking_key(1, 5)) != keys.end());
  EXPECT_TRUE(std::find(keys.begin(), keys.end(), blocking_key(1, 9)) != keys.end());
  // Customer 1: nothing (its home is missing, it has no records).
  EXPECT_TRUE(s.contacts_of(1).empty());
  EXPECT_TRUE(s.presence_of(1).empty());
  EXPECT_TRUE(s.keys_of(1).empty());
}

TEST(Linking, SettingsAreChecked) {
  LinkingSettings s;
  BlockingKey key;
  key.name = "home";
  key.attributes = {0};
  s.blocks = {key};
  s.comparisons = {equal("home", {0})};
  s.profiles = {{"loose", 0.8}, {"strict", 0.99}};
  EXPECT_NO_THROW(s.validate(1));
  const auto fails = [](LinkingSettings bad, const std::string& text) {
    try {
      bad.validate(1);
      ADD_FAILURE() << "accepted: " << text;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(text), std::string::npos) << e.what();
    }
  };
  LinkingSettings bad = s;
  bad.max_block_customers = 1;
  fails(bad, "max_block_customers is 1, below 2");
  bad = s;
  bad.comparisons.push_back(banded(Comparison::Kind::SharedHours, "hours", {0.3, 0.2}));
  fails(bad, "must ascend");
  bad = s;
  bad.profiles.push_back({"strict", 0.5});
  fails(bad, "'strict' is named twice");
  bad = s;
  bad.profiles[0].min_probability = 1.5;
  fails(bad, "not within (0, 1]");
  bad = s;
  bad.blocks[0].attributes = {3};
  fails(bad, "reads attribute 3 of 1");
}

}  // namespace
}  // namespace portrait::identity

// tests/unit/test_synthetic_linking.cpp: what the generator plants for
// probabilistic linking: second numbers at the asked share of persons that
// share no identifier with the first number but its cells, contacts and
// hours; family members and colleagues at the same home or work cell; and
// every other customer's records exactly as without the planting.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <tuple>

#include "io/synthetic_channels.hpp"
#include "io/synthetic_linking.hpp"
#include "io/synthetic_model.hpp"

namespace portrait::io::synthetic {
namespace {

Options small(std::int64_t customers) {
  Options o;
  o.customers = customers;
  o.period = {2026, 10};
  o.seed = 17;
  return o;
}

std::map<std::int64_t, std::size_t> slot_of(const Population& p) {
  std::map<std::int64_t, std::size_t> slots;
  for (std::size_t i = 0; i < p.id.size(); ++i) slots[p.id[i]] = i;
  return slots;
}

TEST(SyntheticLinking, SharesAndPlaces) {
  const Options o = small(30000);
  Population p;
  build_population(o, p);
  std::size_t persons = 0;
  std::array<std::size_t, 4> roles{};
  for (std::size_t i = 0; i < p.id.size(); ++i) {
    persons += p.person[i] == p.id[i] ? 1 : 0;
    if (p.follows[i] >= 0) ++roles[static_cast<std::size_t>(p.link_role[i])];
  }
  EXPECT_NEAR(static_cast<double>(roles[1]) / static_cast<double>(persons), 0.05, 0.006) << "share";
  EXPECT_NEAR(static_cast<double>(roles[2]) / 30000.0, 0.05, 0.006) << "share";
  EXPECT_NEAR(static_cast<double>(roles[3]) / 30000.0, 0.05, 0.006) << "share";
  for (std::size_t i = 0; i < p.id.size(); ++i) {
    if (p.follows[i] < 0) continue;
    const auto a = static_cast<std::size_t>(p.follows[i]);
    EXPECT_EQ(p.link_role[a], 0) << "an anchor follows nobody";
    EXPECT_GT(p.join_date[i], p.join_date[a] - 1) << "an anchor joined first";
    EXPECT_GE(std::max(i, a) - std::min(i, a), 12u);
    EXPECT_EQ(p.region[i], p.region[a]);
    switch (static_cast<LinkRole>(p.link_role[i])) {
      case LinkRole::SecondNumber:
        EXPECT_EQ(p.home_cell[i], p.home_cell[a]);
        EXPECT_EQ(p.work_cell[i], p.work_cell[a]);
        EXPECT_EQ(p.shared_person[i], 0) << "a second number is registered on its own";
        EXPECT_NE(p.person[i], p.person[a]);
        break;
      case LinkRole::Family:
        EXPECT_EQ(p.home_cell[i], p.home_cell[a]);
        EXPECT_NE(p.work_cell[i], p.work_cell[a]);
        break;
      case LinkRole::Colleague:
        EXPECT_EQ(p.work_cell[i], p.work_cell[a]);
        EXPECT_NE(p.home_cell[i], p.home_cell[a]);
        break;
      case LinkRole::None:
        ADD_FAILURE() << "a follower without a role";
    }
  }
  const Table truth = planted_links_table(p);
  EXPECT_EQ(truth.rows(), roles[1] + roles[2] + roles[3]);
}

TEST(SyntheticLinking, SecondNumbersShareNoIdentifierButTheirHoursAndContacts) {
  const Options o = small(6000);
  Population p;
  build_population(o, p);
  const auto slots = slot_of(p);
  Scratch scratch;
  Table t;
  std::map<std::int64_t, std::set<std::pair<int, std::uint64_t>>> identifiers;
  for (int w = 0; w < weeks_in(o.period); ++w) {
    identity_records(o, p, w, scratch, t);
    const auto& id = t.values<std::int64_t>("customer_id");
    const auto& type = t.values<std::int8_t>("id_type");
    const auto& hash = t.values<std::uint64_t>("id_hash");
    for (std::size_t r = 0; r < t.rows(); ++r) identifiers[id[r]].insert({type[r], hash[r]});
  }
  std::map<std::int64_t, std::set<std::pair<std::int64_t, std::int32_t>>> hours;
  std::map<std::int64_t, std::set<std::uint64_t>> contacts;
  for (int d = 0; d < o.period.days(); ++d) {
    usage_records(o, p, d, 0, scratch, t);
    const auto& id = t.values<std::int64_t>("customer_id");
    const auto& ts = t.values<std::int64_t>("ts");
    const auto& cell = t.values<std::int32_t>("cell_id");
    const auto& peer = t.values<std::uint64_t>("peer");
    for (std::size_t r = 0; r < t.rows(); ++r) {
      hours[id[r]].insert({ts[r] / 3600, cell[r]});
      if (peer[r] != 0) contacts[id[r]].insert(peer[r]);
    }
  }
  const auto shared = [](const auto& a, const auto& b) {
    std::size_t n = 0;
    for (const auto& x : a) n += b.count(x);
    return n;
  };
  double second_hours = 0, second_contacts = 0, other_hours = 0;
  std::size_t seconds = 0, others = 0;
  for (std::size_t i = 0; i < p.id.size(); ++i) {
    if (p.follows[i] < 0) continue;
    const std::int64_t a = p.id[static_cast<std::size_t>(p.follows[i])];
    const std::int64_t f = p.id[i];
    const double share =
        static_cast<double>(shared(hours[f], hours[a])) /
        static_cast<double>(std::max<std::size_t>(1, std::min(hours[f].size(), hours[a].size())));
    if (p.link_role[i] == static_cast<std::int8_t>(LinkRole::SecondNumber)) {
      EXPECT_EQ(shared(identifiers[f], identifiers[a]), 0u) << f << " and " << a;
      ++seconds;
      second_hours += share;
      second_contacts += static_cast<double>(shared(contacts[f], contacts[a])) /
                         static_cast<double>(std::max<std::size_t>(1, contacts[f].size()));
    } else {
      ++others;
      other_hours += share;
    }
  }
  ASSERT_GT(seconds, 100u);
  EXPECT_GT(second_hours / static_cast<double>(seconds), 0.4);
  EXPECT_GT(second_contacts / static_cast<double>(seconds), 0.3);
  EXPECT_LT(other_hours / static_cast<double>(others), second_hours / static_cast<double>(seconds) / 2);
  EXPECT_EQ(slots.size(), p.id.size());
}

TEST(SyntheticLinking, RelationsAndPlacesStayMonthOverMonth) {
  Options october = small(20000);
  Options november = october;
  november.period = {2026, 11};
  Population a, b;
  build_population(october, a);
  build_population(november, b);
  const auto in_november = slot_of(b);
  std::size_t kept = 0, ended = 0;
  for (std::size_t i = 0; i < a.id.size(); ++i) {
    const auto found = in_november.find(a.id[i]);
    if (found == in_november.end()) continue;
    const std::size_t j = found->second;
    EXPECT_EQ(a.link_role[i], b.link_role[j]);
    EXPECT_EQ(std::tie(a.region[i], a.home_cell[i], a.work_cell[i]),
              std::tie(b.region[j], b.home_cell[j], b.work_cell[j]));
    if (a.follows[i] < 0) continue;
    // The same anchor while it keeps its number.
    const std::int64_t anchor = a.id[static_cast<std::size_t>(a.follows[i])];
    if (in_november.count(anchor) == 0) {
      EXPECT_LT(b.follows[j], 0);
      ++ended;
    } else {
      ASSERT_GE(b.follows[j], 0);
      EXPECT_EQ(b.id[static_cast<std::size_t>(b.follows[j])], anchor);
      ++kept;
    }
  }
  EXPECT_GT(kept, 1000u);
  EXPECT_GT(ended, 0u);
}

TEST(SyntheticLinking, OtherCustomersKeepTheirRecords) {
  Options planted = small(4000);
  Options none = planted;
  none.second_number_share = 0;
  none.decoy_share = 0;
  Population p, q;
  build_population(planted, p);
  build_population(none, q);
  ASSERT_EQ(p.id, q.id);
  for (std::size_t i = 0; i < q.follows.size(); ++i) ASSERT_TRUE(q.follows[i] < 0 && q.link_role[i] == 0);
  Scratch scratch;
  Table a, b;
  for (int day : {0, 13}) {
    usage_records(planted, p, day, 0, scratch, a);
    usage_records(none, q, day, 0, scratch, b);
    // Every row of a customer who follows nobody is the same.
    std::map<std::int64_t, std::vector<std::size_t>> rows_a, rows_b;
    for (std::size_t r = 0; r < a.rows(); ++r) rows_a[a.values<std::int64_t>("customer_id")[r]].push_back(r);
    for (std::size_t r = 0; r < b.rows(); ++r) rows_b[b.values<std::int64_t>("customer_id")[r]].push_back(r);
    std::size_t compared = 0;
    for (std::size_t i = 0; i < p.id.size(); ++i) {
      if (p.link_role[i] != 0) continue;
      const auto& ra = rows_a[p.id[i]];
      const auto& rb = rows_b[p.id[i]];
      ASSERT_EQ(ra.size(), rb.size());
      for (std::size_t k = 0; k < ra.size(); ++k) {
        for (std::size_t c = 0; c < a.column_count(); ++c) {
          a.column(c).visit([&](const auto& values) {
            using T = typename std::decay_t<decltype(values)>::value_type;
            ASSERT_EQ(values[ra[k]], b.column(c).template values<T>()[rb[k]]) << a.column_name(c);
          });
        }
        ++compared;
      }
    }
    EXPECT_GT(compared, 2000u);  // most customers make records on both days
  }
}

}  // namespace
}  // namespace portrait::io::synthetic

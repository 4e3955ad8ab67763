// src/io/synthetic_model.cpp: segment table, plan ladder and the population.
#include "io/synthetic_model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "io/synthetic_linking.hpp"

namespace portrait::io::synthetic {

const std::array<SegmentProfile, kSegments>& segment_profiles() {
  // Statistics from the segment table of seeds/DIGEST.md; population shares
  // are ours (the source gives none): the value segments are the smaller ones.
  static const std::array<SegmentProfile, kSegments> profiles = {{
      {"gold", 0.10, 193.7, 0.011, 0.520, 0.340, 0.115, 0.779, 38.3, 0.1015, 0.004, 0.391, 0.074, 2.178, 5},
      {"potential", 0.20, 93.9, 0.013, 0.477, 0.175, 0.080, 0.614, 30.0, 0.3140, 0.001, 0.286, 0.014, 1.989,
       3},
      {"low-end volatile", 0.25, 50.3, 0.029, 0.367, 0.137, 0.060, 0.474, 16.3, 0.1865, 0.249, 0.176, 0.004,
       1.506, 2},
      {"tidal", 0.20, 17.8, 0.057, 0.157, 0.014, 0.024, 0.248, 12.0, 0.1570, 0.433, 0.064, 0.004, 0.818, 1},
      {"high-risk retention", 0.10, 116.1, 0.055, 0.456, 0.290, 0.066, 0.575, 24.5, 0.0766, 0.665, 0.210,
       0.020, 1.479, 4},
      {"high-end volatile", 0.15, 122.9, 0.022, 0.293, 0.176, 0.091, 0.894, 29.6, 0.0639, 0.070, 0.298, 0.024,
       2.154, 4},
  }};
  return profiles;
}

const std::vector<Plan>& plan_ladder() {
  static const std::vector<Plan> plans = {
      {800, 50, 100},       {1800, 100, 500},      {3800, 200, 2048},    {5800, 300, 5120},
      {8800, 500, 10240},   {12800, 800, 20480},   {15800, 1000, 30720}, {19900, 1500, 40960},
      {29900, 2000, 61440}, {39900, 3000, 102400},
  };
  return plans;
}

double normal(KeyedRandom& random) {
  // Box-Muller; 1 - u keeps the logarithm finite.
  const double u = 1.0 - random.uniform();
  const double v = random.uniform();
  return std::sqrt(-2.0 * std::log(u)) * std::cos(2.0 * std::numbers::pi * v);
}

double lognormal(KeyedRandom& random, double median, double sigma) {
  return median * std::exp(sigma * normal(random));
}

std::uint32_t poisson(KeyedRandom& random, double mean) {
  if (mean <= 0) return 0;
  if (mean > 40)
    return static_cast<std::uint32_t>(std::max(0.0, std::round(mean + std::sqrt(mean) * normal(random))));
  const double limit = std::exp(-mean);
  double product = random.uniform();
  std::uint32_t k = 0;
  while (product > limit) {
    product *= random.uniform();
    ++k;
  }
  return k;
}

std::uint64_t identifier_hash(std::uint64_t seed, int id_type, std::uint64_t value) {
  const std::uint64_t h =
      mix64(mix64(seed ^ 0x5bd1e995ULL) ^ mix64(value + (static_cast<std::uint64_t>(id_type) << 56)));
  return h == 0 ? 1 : h;
}

namespace {

Period period_of_index(int index) { return Period{index / 12, index % 12 + 1}; }

// Persons: slots are taken in blocks of three; a share of blocks is one
// person holding two or three numbers, so about 15% of persons hold several.
// The draw is the block's while its first slot keeps its customer; a number
// that churns is replaced by the person's new number.
constexpr double kMergedBlockShare = 0.367;

int pick_segment(double u) {
  const auto& profiles = segment_profiles();
  for (int s = 0; s < kSegments - 1; ++s) {
    u -= profiles[static_cast<std::size_t>(s)].population_share;
    if (u < 0) return s;
  }
  return kSegments - 1;
}

// Monthly flows between segments as shares of all customers: F[s][t] =
// x[s] x[t] w[s][t] with w symmetric, so F is symmetric and the moves keep
// every segment's share. x is scaled so each segment's outflow is near its
// stability's move rate.
struct MoveTable {
  std::array<double, kSegments> rate{};
  std::array<std::array<double, kSegments>, kSegments> share{};
};

const MoveTable& move_table() {
  static const MoveTable table = [] {
    // Wanted monthly move rates: gold and potential are the stable value
    // segments; the volatile and high-risk ones move most.
    constexpr std::array<double, kSegments> wanted = {0.02, 0.025, 0.05, 0.04, 0.06, 0.05};
    // How plausible a move between two segments is (order: gold, potential,
    // low-end volatile, tidal, high-risk retention, high-end volatile): value
    // customers move among the value segments, low-value ones among theirs.
    constexpr double w[kSegments][kSegments] = {
        {0, 1.0, 0.2, 0.1, 1.0, 2.0}, {1.0, 0, 2.0, 0.5, 0.5, 1.0}, {0.2, 2.0, 0, 2.0, 0.5, 0.5},
        {0.1, 0.5, 2.0, 0, 0.2, 0.2}, {1.0, 0.5, 0.5, 0.2, 0, 1.0}, {2.0, 1.0, 0.5, 0.2, 1.0, 0},
    };
    const auto& profiles = segment_profiles();
    std::array<double, kSegments> x{};
    x.fill(0.1);
    for (int round = 0; round < 200; ++round) {
      for (std::size_t s = 0; s < kSegments; ++s) {
        double sum = 0;
        for (std::size_t t = 0; t < kSegments; ++t) sum += x[t] * w[s][t];
        x[s] = std::sqrt(x[s] * profiles[s].population_share * wanted[s] / sum);
      }
    }
    MoveTable moves;
    for (std::size_t s = 0; s < kSegments; ++s) {
      double out = 0;
      for (std::size_t t = 0; t < kSegments; ++t) out += x[s] * x[t] * w[s][t];
      moves.rate[s] = out / profiles[s].population_share;
      for (std::size_t t = 0; t < kSegments; ++t) moves.share[s][t] = x[s] * x[t] * w[s][t] / out;
    }
    return moves;
  }();
  return table;
}

// Months until an event of monthly probability q (0 = this month).
int months_until(double u, double q) {
  if (q <= 0) return 1 << 20;
  return static_cast<int>(std::min(std::floor(std::log1p(-u) / std::log1p(-q)), double{1 << 20}));
}

// The contract of a segment stay and the monthly churn probability it gives,
// from the first draws of the stay's attribute stream (after the segment draw).
struct StayTerms {
  bool company_payer = false;
  bool contract = false;
  bool handset = false;
  bool expiring = false;
  double churn_p = 0;
};

StayTerms stay_terms(KeyedRandom& r, const SegmentProfile& profile) {
  StayTerms terms;
  terms.company_payer = r.uniform() < profile.company_payer_share;
  terms.contract = r.uniform() < profile.contract_share;
  terms.handset = terms.contract && r.uniform() < profile.handset_contract_share / profile.contract_share;
  // The source's expiring share is among contract holders (it exceeds the
  // contract share in some segments).
  terms.expiring = terms.contract && r.uniform() < profile.contract_expiring_share;
  // Churn: the segment's monthly rate, higher for expiring contracts and for
  // customers without a contract, lower for the others; the weights are
  // normalised so the segment's mean stays its rate.
  const double c_share = profile.contract_share;
  const double e_share = c_share * profile.contract_expiring_share;
  const double mean_weight = e_share * 2.5 + (c_share - e_share) * 0.6 + (1 - c_share) * 1.2;
  terms.churn_p = profile.churn_rate * (terms.expiring ? 2.5 : (terms.contract ? 0.6 : 1.2)) / mean_weight;
  return terms;
}

}  // namespace

Occupant occupant_of(const Options& o, std::int64_t slot, int month) {
  const int anchor = month_index(kMovesAnchor);
  month = std::max(month, anchor);
  Occupant c;
  std::int64_t generation = 0;
  c.id = slot + 1;
  c.joined = anchor - 1;
  int stay = 0;
  int start = anchor;
  KeyedRandom first(o.seed, static_cast<std::uint64_t>(c.id), kAttributes);
  c.segment = pick_segment(first.uniform());
  c.first_segment = c.segment;
  for (;;) {
    c.stay_key = stay == 0 ? static_cast<std::uint64_t>(c.id) : slice_key(c.id, stay);
    KeyedRandom r(o.seed, c.stay_key, kAttributes);
    r.uniform();  // the segment draw of the anchor month's customers
    const StayTerms terms = stay_terms(r, segment_profiles()[static_cast<std::size_t>(c.segment)]);
    KeyedRandom events(o.seed, c.stay_key, kMoves);
    const int churn_month = start + months_until(events.uniform(), terms.churn_p);
    const int move_month = start + 1 + months_until(events.uniform(), segment_move_rate(c.segment));
    if (churn_month < move_month) {
      if (month <= churn_month) {
        c.churns = month == churn_month;
        return c;
      }
      // A new customer takes the slot the month after, in the same segment.
      ++generation;
      c.id = generation * o.customers + slot + 1;
      c.joined = churn_month + 1;
      c.first_segment = c.segment;
      stay = 0;
      start = churn_month + 1;
    } else {
      if (month < move_month) return c;
      double u = events.uniform();
      int to = 0;
      for (; to < kSegments - 1; ++to) {
        u -= segment_move_share(c.segment, to);
        if (u < 0) break;
      }
      c.segment = to;
      ++stay;
      start = move_month;
    }
  }
}

Residence residence_of(const Options& o, const Occupant& c) {
  Residence home;
  KeyedRandom r(o.seed, static_cast<std::uint64_t>(c.id), kResidence);
  if (c.joined < month_index(kMovesAnchor)) {
    // Tenure at the anchor month: exponential around the segment's mean.
    const double tenure_days = -std::log(1.0 - r.uniform()) *
                               segment_profiles()[static_cast<std::size_t>(c.first_segment)].tenure_months *
                               30.44;
    home.join_date = kMovesAnchor.start() - static_cast<std::int64_t>(tenure_days * kSecondsPerDay) + 3600;
  } else {
    const Period joined = period_of_index(c.joined);
    home.join_date =
        joined.start() +
        static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(joined.days()) * kSecondsPerDay));
  }
  const auto region = static_cast<std::int32_t>(r.below(kRegions));
  home.region = region + 1;
  const std::int32_t base = region * kCellsPerRegion + 1;
  home.home_cell = base + static_cast<std::int32_t>(r.below(kCellsPerRegion));
  home.work_cell = base + static_cast<std::int32_t>(r.below(kCellsPerRegion));
  home.circle = static_cast<std::uint8_t>(std::clamp(lognormal(r, 14, 0.6), 3.0, 120.0));
  home.roam = static_cast<std::uint8_t>(std::clamp(lognormal(r, 6, 0.5), 2.0, 30.0));
  for (auto& interest : home.interests) interest = static_cast<std::uint8_t>(r.below(kContentCategories));
  return home;
}

double segment_move_rate(int segment) { return move_table().rate[static_cast<std::size_t>(segment)]; }

double segment_move_share(int from, int to) {
  return move_table().share[static_cast<std::size_t>(from)][static_cast<std::size_t>(to)];
}

void build_population(const Options& options, Population& p) {
  const auto n = static_cast<std::size_t>(options.customers);
  p.customers = options.customers;
  p.id.resize(n);
  p.stay_key.resize(n);
  p.segment.resize(n);
  p.churn.resize(n);
  p.complaint_prone.resize(n);
  p.person.resize(n);
  p.shared_person.resize(n);
  p.activity.resize(n);
  p.region.resize(n);
  p.home_cell.resize(n);
  p.work_cell.resize(n);
  p.circle.resize(n);
  p.roam.resize(n);
  p.interests.resize(n);
  p.plan_fee.resize(n);
  p.plan.resize(n);
  p.contract_end.resize(n);
  p.contract_type.resize(n);
  p.payer.resize(n);
  p.join_date.resize(n);
  p.arpu.resize(n);
  const auto& plans = plan_ladder();
  const UnixSeconds period_end = options.period.end();
  const int month = month_index(options.period);
  p.follows.assign(n, -1);
  p.link_role.assign(n, 0);

#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i) {
    const Occupant c = occupant_of(options, static_cast<std::int64_t>(i), month);
    const SegmentProfile& profile = segment_profiles()[static_cast<std::size_t>(c.segment)];
    p.id[i] = c.id;
    p.stay_key[i] = c.stay_key;
    p.segment[i] = static_cast<std::int8_t>(c.segment);
    p.churn[i] = static_cast<std::int8_t>(c.churns ? 1 : 0);

    // What depends on the segment comes from the stay's stream.
    KeyedRandom r(options.seed, c.stay_key, kAttributes);
    r.uniform();  // the segment draw
    const StayTerms terms = stay_terms(r, profile);
    p.payer[i] = static_cast<std::int8_t>(terms.company_payer ? 1 : 0);
    p.contract_type[i] = static_cast<std::int8_t>(terms.contract ? (terms.handset ? 2 : 1) : 0);
    // Expiring contracts end within two months after the period.
    if (!terms.contract) {
      p.contract_end[i] = missing<std::int64_t>();
    } else if (terms.expiring) {
      p.contract_end[i] =
          period_end - kSecondsPerDay * 20 + static_cast<std::int64_t>(r.below(60 * kSecondsPerDay));
    } else {
      p.contract_end[i] = period_end + static_cast<std::int64_t>(90 + r.below(630)) * kSecondsPerDay;
    }
    p.complaint_prone[i] =
        static_cast<std::int8_t>(r.uniform() < (c.churns ? 0.35 : (c.segment == 4 ? 0.15 : 0.07)) ? 1 : 0);

    // Spend: log-normal around the segment's ARPU (heavy right tail), on the
    // plan of the ladder closest to about 90% of it.
    // exp(sigma^2 / 2) = 1.133 for sigma 0.5: the median that gives the segment's mean.
    const double arpu_fen = lognormal(r, profile.arpu_yuan * 100.0 / 1.133, 0.5);
    p.arpu[i] = static_cast<float>(arpu_fen);
    std::size_t plan = 0;
    while (plan + 1 < plans.size() && static_cast<double>(plans[plan + 1].fee_fen) <= arpu_fen * 0.9) ++plan;
    p.plan[i] = static_cast<std::int32_t>(plan);
    p.plan_fee[i] = plans[plan].fee_fen;
    p.activity[i] = static_cast<float>(lognormal(r, 0.8, 0.65) * (0.6 + 0.8 * profile.voice_saturation));

    // What stays with the customer: join date, region, cells, circle,
    // interests; a planted follower takes some of its anchor's.
    const Residence home = residence_of(options, c);
    p.join_date[i] = home.join_date;
    p.region[i] = home.region;
    p.home_cell[i] = home.home_cell;
    p.work_cell[i] = home.work_cell;
    p.circle[i] = home.circle;
    p.roam[i] = home.roam;
    p.interests[i] = home.interests;
    plant_link(options, static_cast<std::int64_t>(i), c, p);
  }

  // Persons, once every slot's customer is known: the person id is the
  // smallest customer id among the person's numbers.
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t first = i / 3 * 3;
    const auto block = static_cast<std::uint64_t>(i / 3);
    const std::int64_t generation = (p.id[first] - 1 - static_cast<std::int64_t>(first)) / options.customers;
    KeyedRandom random(options.seed,
                       generation == 0 ? block : slice_key(static_cast<std::int64_t>(block), generation),
                       kPerson);
    std::size_t members = 1;
    if (random.uniform() < kMergedBlockShare) members = random.uniform() < 0.5 ? 2 : 3;
    if (i >= first + members || first + members > n) members = 1;
    p.person[i] = p.id[i];
    p.shared_person[i] = static_cast<std::int8_t>(members > 1 ? 1 : 0);
    if (members == 1) continue;
    for (std::size_t k = first; k < first + members; ++k) p.person[i] = std::min(p.person[i], p.id[k]);
  }
  separate_second_numbers(p);
}

}  // namespace portrait::io::synthetic

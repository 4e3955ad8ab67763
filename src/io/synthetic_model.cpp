// src/io/synthetic_model.cpp: segment table, plan ladder and the population.
#include "io/synthetic_model.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>

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

// Persons: ids are taken in blocks of three; a share of blocks is one person
// holding two or three numbers, so about 15% of persons hold several.
constexpr double kMergedBlockShare = 0.367;

std::int64_t person_of(std::uint64_t seed, std::int64_t customer, std::int64_t customers) {
  const std::int64_t block = (customer - 1) / 3;
  const std::int64_t first = block * 3 + 1;
  KeyedRandom random(seed, static_cast<std::uint64_t>(block), kPerson);
  if (random.uniform() >= kMergedBlockShare) return customer;
  const std::int64_t members = random.uniform() < 0.5 ? 2 : 3;
  return customer < first + members && first + members - 1 <= customers ? first : customer;
}

int pick_segment(double u) {
  const auto& profiles = segment_profiles();
  for (int s = 0; s < kSegments - 1; ++s) {
    u -= profiles[static_cast<std::size_t>(s)].population_share;
    if (u < 0) return s;
  }
  return kSegments - 1;
}

}  // namespace

void build_population(const Options& options, Population& p) {
  const auto n = static_cast<std::size_t>(options.customers);
  p.customers = options.customers;
  p.segment.resize(n);
  p.churn.resize(n);
  p.complaint_prone.resize(n);
  p.person.resize(n);
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

#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i) {
    const auto id = static_cast<std::int64_t>(i) + 1;
    KeyedRandom r(options.seed, static_cast<std::uint64_t>(id), kAttributes);
    const int s = pick_segment(r.uniform());
    const SegmentProfile& profile = segment_profiles()[static_cast<std::size_t>(s)];
    p.segment[i] = static_cast<std::int8_t>(s);
    p.person[i] = person_of(options.seed, id, options.customers);
    p.payer[i] = static_cast<std::int8_t>(r.uniform() < profile.company_payer_share ? 1 : 0);

    // Contracts; the expiring ones end within two months after the period.
    const bool contract = r.uniform() < profile.contract_share;
    const bool handset = contract && r.uniform() < profile.handset_contract_share / profile.contract_share;
    p.contract_type[i] = static_cast<std::int8_t>(contract ? (handset ? 2 : 1) : 0);
    // The source's expiring share is among contract holders (it exceeds the
    // contract share in some segments).
    const bool expiring = contract && r.uniform() < profile.contract_expiring_share;
    if (!contract) {
      p.contract_end[i] = missing<std::int64_t>();
    } else if (expiring) {
      p.contract_end[i] =
          period_end - kSecondsPerDay * 20 + static_cast<std::int64_t>(r.below(60 * kSecondsPerDay));
    } else {
      p.contract_end[i] = period_end + static_cast<std::int64_t>(90 + r.below(630)) * kSecondsPerDay;
    }

    // Churn: the segment's monthly rate, higher for expiring contracts and for
    // customers without a contract, lower for the others; the weights are
    // normalised so the segment's mean stays its rate.
    const double c_share = profile.contract_share;
    const double e_share = c_share * profile.contract_expiring_share;
    const double mean_weight = e_share * 2.5 + (c_share - e_share) * 0.6 + (1 - c_share) * 1.2;
    const double churn_p = profile.churn_rate * (expiring ? 2.5 : (contract ? 0.6 : 1.2)) / mean_weight;
    p.churn[i] = static_cast<std::int8_t>(r.uniform() < churn_p ? 1 : 0);
    const bool churns = p.churn[i] == 1;
    p.complaint_prone[i] =
        static_cast<std::int8_t>(r.uniform() < (churns ? 0.35 : (s == 4 ? 0.15 : 0.07)) ? 1 : 0);

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

    // Tenure: exponential around the segment's mean, in days before the period.
    const double tenure_days = -std::log(1.0 - r.uniform()) * profile.tenure_months * 30.44;
    p.join_date[i] = options.period.start() - static_cast<std::int64_t>(tenure_days * kSecondsPerDay) + 3600;
    const auto region = static_cast<std::int32_t>(r.below(kRegions));
    p.region[i] = region + 1;
    const std::int32_t base = region * kCellsPerRegion + 1;
    p.home_cell[i] = base + static_cast<std::int32_t>(r.below(kCellsPerRegion));
    p.work_cell[i] = base + static_cast<std::int32_t>(r.below(kCellsPerRegion));
    p.circle[i] = static_cast<std::uint8_t>(std::clamp(lognormal(r, 14, 0.6), 3.0, 120.0));
    p.roam[i] = static_cast<std::uint8_t>(std::clamp(lognormal(r, 6, 0.5), 2.0, 30.0));
    for (auto& c : p.interests[i]) c = static_cast<std::uint8_t>(r.below(kContentCategories));
  }
}

}  // namespace portrait::io::synthetic

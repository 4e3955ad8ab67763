// src/io/synthetic_propensity.cpp: the planted handset-change, data-order and
// false-identity labels.
#include "io/synthetic_propensity.hpp"

#include <algorithm>
#include <cmath>

namespace portrait::io::synthetic {
namespace {

// Streams of their own ("prop" + label), apart from every stream of
// synthetic_model.hpp.
constexpr std::uint64_t kPropensityStream = 0x70726f70ULL << 8;

constexpr int kShopping = 1, kGames = 2, kVideo = 3;  // content categories, 0-based

bool likes(const Population& p, std::size_t i, int category) {
  const auto& interests = p.interests[i];
  return std::find(interests.begin(), interests.end(), category) != interests.end();
}

double logistic(double z) { return 1.0 / (1.0 + std::exp(-z)); }

}  // namespace

void add_propensity_labels(const Options& o, const Population& p, std::int64_t first_slot, Table& customers) {
  for (const char* column : kPlantedLabels) {
    if (!customers.has(column)) customers.add(column, ColumnType::Int8);
  }
  const auto& contract_type = customers.values<std::int8_t>("contract_type");
  const auto& contract_end = customers.values<std::int64_t>("contract_end");
  const auto& handset_brand = customers.values<std::int32_t>("handset_brand");
  const auto& birth_year = customers.values<std::int32_t>("birth_year");
  const auto& join_date = customers.values<std::int64_t>("join_date");
  const auto& payer = customers.values<std::int8_t>("payer");
  auto& handset = customers.values<std::int8_t>("handset_change");
  auto& data = customers.values<std::int8_t>("data_order");
  auto& fraud = customers.values<std::int8_t>("false_identity");
  const UnixSeconds period_end = o.period.end();
  const auto rows = static_cast<long>(customers.rows());
#pragma omp parallel for schedule(static)
  for (long r = 0; r < rows; ++r) {
    const auto k = static_cast<std::size_t>(r);
    const auto i = static_cast<std::size_t>(first_slot - 1) + k;
    const auto& profile = segment_profiles()[static_cast<std::size_t>(p.segment[i])];
    const double tenure_months = static_cast<double>(period_end - join_date[k]) / 2629800.0;
    const bool contract = contract_type[k] > 0;
    const double days_left =
        contract ? static_cast<double>(contract_end[k] - period_end) / kSecondsPerDay : 1e9;
    const double activity = std::log(std::max(0.05, static_cast<double>(p.activity[i])));

    // Handset change: a handset contract running out, a cheaper brand on a
    // good bill, an eye on shopping sites, an old handset (long tenure), heavy use.
    const double z_handset = -4.8 + 3.0 * (contract_type[k] == 2 && days_left <= 92) +
                             1.5 * (handset_brand[k] > 2 && p.arpu[i] >= 9000) +
                             1.8 * likes(p, i, kShopping) + 0.9 * (tenure_months >= 24) + 0.8 * activity;
    // Data products: video and games fans, data-hungry segments and heavy
    // users, the young; a big plan needs none, no contract shops around.
    const double need = profile.data_saturation * std::exp(activity);
    const double z_data = -5.4 + 2.2 * (likes(p, i, kVideo) || likes(p, i, kGames)) + 1.6 * (need > 1.6) +
                          1.4 * (o.period.year - birth_year[k] < 30) - 1.6 * (p.plan[i] >= 7) +
                          0.5 * !contract;
    // False identity: new accounts without a contract that call many numbers
    // and move around much; company accounts are vetted.
    const double z_fraud = -5.6 + 2.8 * (tenure_months < 4) + 1.6 * (p.circle[i] > 25) +
                           1.4 * (p.roam[i] > 9) + 0.9 * !contract - 1.5 * (payer[k] == 1);

    KeyedRandom random(o.seed, static_cast<std::uint64_t>(p.id[i]), kPropensityStream);
    handset[k] = static_cast<std::int8_t>(random.uniform() < logistic(z_handset));
    data[k] = static_cast<std::int8_t>(random.uniform() < logistic(z_data));
    fraud[k] = static_cast<std::int8_t>(random.uniform() < logistic(z_fraud));
  }
}

}  // namespace portrait::io::synthetic

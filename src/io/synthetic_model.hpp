// src/io/synthetic_model.hpp: the model behind `portrait gen`: options, the
// six telecom segments with their statistics, the month-over-month movement
// of customers (segment moves, churn, new customers) and the population of
// one month (every customer's attributes). Every value derives from
// KeyedRandom(seed, key, stream), so any rank computes the same population
// and any slice of records without knowing the others, and consecutive
// periods of one seed are consecutive months of the same customer base.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "core/period.hpp"
#include "core/types.hpp"

namespace portrait::io::synthetic {

struct Options {
  std::int64_t customers = 1000;
  Period period{2024, 3};
  int months_of_billing = 3;
  std::uint64_t seed = 1;
  double usage_per_customer = 30;     // usage records per customer per month (mean)
  double web_per_customer = 10;       // web records per customer per month (mean)
  double service_per_customer = 0.3;  // service contacts per customer per month (mean)
  double marketing_per_customer = 2;  // marketing contacts per customer per month (mean)
  double dirty_rate = 0;              // share of records made dirty, 0..0.5
  int shards_per_day = 1;             // usage and web files per day (cut by hour)
  int compression = 0;                // deflate level of the shards
  // Planted for probabilistic linking (synthetic_linking.hpp): the share of
  // persons holding a second number with no identifier in common, and the
  // share of customers made family members (same home) and colleagues
  // (same work cell) of someone, each.
  double second_number_share = 0.05;
  double decoy_share = 0.05;
};

enum class Segment : std::int8_t {
  Gold,
  Potential,
  LowEndVolatile,
  Tidal,
  HighRiskRetention,
  HighEndVolatile
};
constexpr int kSegments = 6;

// One column of the segment table in docs (seeds/DIGEST.md), shares as 0..1.
struct SegmentProfile {
  const char* name;
  double population_share;
  double arpu_yuan;
  double churn_rate;
  double contract_share;
  double handset_contract_share;
  double company_payer_share;
  double voice_saturation;
  double tenure_months;
  double converged_share;
  double contract_expiring_share;
  double apple_samsung_share;
  double premium_share;
  double data_saturation;
  int star_level;
};
const std::array<SegmentProfile, kSegments>& segment_profiles();

// Random streams: one per purpose so adding a draw to one never shifts another.
enum Stream : std::uint64_t {
  kAttributes = 1,
  kPerson,
  kUsageDay,
  kWebDay,
  kServiceWeek,
  kMarketingWeek,
  kIdentity,
  kBilling,
  kDirt,
  kCells,
  kStores,
  kPrecursors,
  kCustomerRecord,
  kResidence,  // what stays with a customer across segment moves: region, cells, tenure
  kMoves,      // month-over-month events of a segment stay: churn and move months, the new segment
};

// Month over month: customer slots 0..N-1 are followed month by month from
// kMovesAnchor (periods before it are generated as the anchor month). Each
// slot holds one customer at a time; a customer stays in a segment for a
// while, then either moves to another segment (monthly probability
// segment_move_rate, targets from segment_moves) or churns (the segment's
// monthly churn rate); a customer who churns in a month is gone the next,
// when a new customer (a new id) takes the slot, in the same segment. The
// moves keep every segment's share (the flows between two segments are equal
// both ways), so any month has the population shares of segment_profiles().
inline constexpr Period kMovesAnchor{2000, 1};
// Monthly probability that a customer of the segment moves to another one
// (from the segment's stability: stable value segments move least).
double segment_move_rate(int segment);
// Probability that a move from `from` goes to `to` (0 for to == from).
double segment_move_share(int from, int to);

// The customers of one month and their attributes; index i is slot i, held
// by customer id[i] (slot + 1 for the customers of the anchor month; a slot's
// g-th later customer has id g * N + slot + 1).
struct Population {
  std::int64_t customers = 0;
  std::vector<std::int64_t> id;
  std::vector<std::uint64_t> stay_key;  // key of the customer's current segment stay
  std::vector<std::int8_t> segment;
  std::vector<std::int8_t> churn;            // 1: churns in the period
  std::vector<std::int8_t> complaint_prone;  // contacts service often, mostly complaints
  std::vector<std::int64_t> person;          // the natural person holding the number
  std::vector<std::int8_t> shared_person;    // 1: the person holds several numbers
  std::vector<float> activity;               // heavy-tailed usage multiplier, mean about 1
  std::vector<std::int32_t> region;
  std::vector<std::int32_t> home_cell;
  std::vector<std::int32_t> work_cell;
  std::vector<std::uint8_t> circle;                    // distinct contacts
  std::vector<std::uint8_t> roam;                      // distinct other cells visited
  std::vector<std::array<std::uint8_t, 3>> interests;  // favourite content categories (0-based)
  std::vector<std::int64_t> plan_fee;                  // fen per month
  std::vector<std::int32_t> plan;                      // index into the plan ladder
  std::vector<std::int64_t> contract_end;              // missing if none
  std::vector<std::int8_t> contract_type;
  std::vector<std::int8_t> payer;
  std::vector<std::int64_t> join_date;  // Unix seconds
  std::vector<float> arpu;              // mean monthly bill, fen
  // Planted for probabilistic linking (synthetic_linking.hpp): how this
  // customer follows another (LinkRole, decided when it joined), and the
  // slot of that anchor while the anchor holds its number (-1 otherwise).
  std::vector<std::int8_t> link_role;
  std::vector<std::int32_t> follows;
};

// A month as a month index: year * 12 + month - 1.
constexpr int month_index(const Period& period) { return period.year * 12 + period.month - 1; }

// Who holds slot `slot` in month `month` (a month index), followed from the
// anchor month event by event: each segment stay draws the months of its
// churn and of its move; the earlier one happens.
struct Occupant {
  std::int64_t id = 0;
  std::uint64_t stay_key = 0;
  int segment = 0;
  int first_segment = 0;  // the segment the customer joined in
  int joined = 0;         // month index; the anchor month's customers joined before it
  bool churns = false;
};
Occupant occupant_of(const Options& options, std::int64_t slot, int month);

// What stays with a customer whatever its segment, from its kResidence stream.
struct Residence {
  UnixSeconds join_date = 0;
  std::int32_t region = 0;  // 1-based
  std::int32_t home_cell = 0;
  std::int32_t work_cell = 0;
  std::uint8_t circle = 0;
  std::uint8_t roam = 0;
  std::array<std::uint8_t, 3> interests{};
};
Residence residence_of(const Options& options, const Occupant& customer);

// The geography and content catalogue sizes (reference file).
constexpr int kRegions = 16;
constexpr int kCellsPerRegion = 64;
constexpr int kStoresPerRegion = 4;
constexpr int kContentCategories = 10;
constexpr int kDomainsPerCategory = 50;
constexpr int kCampaigns = 20;
constexpr int kSwitchboards = 3;

struct Plan {
  std::int64_t fee_fen;
  std::int32_t voice_quota_min;
  std::int32_t data_quota_mb;
};
const std::vector<Plan>& plan_ladder();

// Fills `population` for options.customers customers (OpenMP over customers).
void build_population(const Options& options, Population& population);

// Keyed hashes standing for identifiers (never 0): the phone number of a
// customer, an id card of a person, a device, ...
std::uint64_t identifier_hash(std::uint64_t seed, int id_type, std::uint64_t value);
// Key of (customer, day or week) for the per-slice random streams.
constexpr std::uint64_t slice_key(std::int64_t customer, std::int64_t slice) {
  return mix64(static_cast<std::uint64_t>(customer)) ^
         (static_cast<std::uint64_t>(slice) * 0x9e3779b97f4a7c15ULL);
}

// Standard normal and log-normal draws from a KeyedRandom.
double normal(KeyedRandom& random);
double lognormal(KeyedRandom& random, double median, double sigma);
// Poisson count with mean `mean` (inversion; means here are small).
std::uint32_t poisson(KeyedRandom& random, double mean);

}  // namespace portrait::io::synthetic

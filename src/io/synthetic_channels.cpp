// src/io/synthetic_channels.cpp: record generation per channel and slice.
// Each slice is made in two passes over customers (count, then fill at the
// prefix-sum offsets), both parallel: the content does not depend on threads.
#include "io/synthetic_channels.hpp"

#include <algorithm>
#include <array>
#include <cmath>

#include "io/schema.hpp"
#include "io/synthetic_linking.hpp"

namespace portrait::io::synthetic {
namespace {

// Relative activity per hour of day (local time = UTC here): quiet nights,
// a morning rise, lunch and evening peaks; weekends start later.
constexpr std::array<double, 24> kWeekdayHours = {0.3, 0.15, 0.1, 0.08, 0.1, 0.3, 0.9, 1.8,
                                                  2.6, 2.8,  2.7, 2.8,  3.0, 2.6, 2.5, 2.5,
                                                  2.6, 2.8,  3.1, 3.4,  3.5, 3.2, 2.2, 1.0};
constexpr std::array<double, 24> kWeekendHours = {0.6, 0.4, 0.25, 0.15, 0.1, 0.15, 0.3, 0.7,
                                                  1.3, 2.0, 2.6,  2.9,  3.0, 2.9,  2.8, 2.8,
                                                  2.9, 3.0, 3.2,  3.4,  3.5, 3.4,  2.6, 1.4};

struct HourTable {
  std::array<double, 24> cumulative{};
  explicit HourTable(const std::array<double, 24>& weights) {
    double sum = 0;
    for (double w : weights) sum += w;
    double run = 0;
    for (std::size_t h = 0; h < 24; ++h) {
      run += weights[h] / sum;
      cumulative[h] = run;
    }
  }
  int draw(double u) const {
    for (int h = 0; h < 23; ++h) {
      if (u < cumulative[static_cast<std::size_t>(h)]) return h;
    }
    return 23;
  }
};

const HourTable& hours(bool weekend) {
  static const HourTable weekday(kWeekdayHours);
  static const HourTable weekend_table(kWeekendHours);
  return weekend ? weekend_table : weekday;
}

bool is_weekend(UnixSeconds day_start) {
  const std::int64_t weekday =
      (day_start / kSecondsPerDay + 3) % 7;  // 0 = Monday (1970-01-01 was a Thursday)
  return weekday >= 5;
}

std::uint64_t record_stream(Stream stream, std::uint64_t j) {
  return (static_cast<std::uint64_t>(stream) << 32) + j + 1;
}

// Churn precursors show in the last two weeks of the period for most
// churners (and, as noise, for a few who stay).
constexpr int kPrecursorDays = 14;
bool shows_precursors(const Options& o, const Population& p, std::size_t i) {
  KeyedRandom r(o.seed, static_cast<std::uint64_t>(p.id[i]), kPrecursors);
  return r.uniform() < (p.churn[i] != 0 ? 0.75 : 0.03);
}

// Two passes over customers: count_records stores each customer's record
// count as prefix-sum offsets, the caller sizes the table, fill_records
// writes customer i's records at offsets[i]. Both parallel.
template <class Count>
std::uint64_t count_records(std::int64_t customers, Scratch& scratch, Count count) {
  const auto n = static_cast<std::size_t>(customers);
  auto& offsets = scratch.offsets;
  offsets.resize(n + 1);
  offsets[0] = 0;
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i) offsets[i + 1] = count(i);
  for (std::size_t i = 0; i < n; ++i) offsets[i + 1] += offsets[i];
  return offsets[n];
}

template <class Fill>
void fill_records(std::int64_t customers, const Scratch& scratch, Fill fill) {
  const auto n = static_cast<std::size_t>(customers);
  const auto& offsets = scratch.offsets;
#pragma omp parallel for schedule(static)
  for (std::size_t i = 0; i < n; ++i) {
    if (offsets[i + 1] > offsets[i]) fill(i, offsets[i]);
  }
}

void reset(Table& out, const char* channel) {
  if (out.name() != channel) out = make_channel_table(channel);
  out.clear();
}

// Numbers of other operators' customers, far above every customer id.
constexpr std::uint64_t kOutsideNumber = 1ULL << 52;

std::uint64_t phone_of_contact(const Options& o, const Population& p, std::size_t i, std::uint64_t slot) {
  // The k-th contact of customer i: mostly other customers, some outside numbers.
  const std::uint64_t h = mix64(o.seed ^ mix64((static_cast<std::uint64_t>(p.id[i]) << 8) + slot + 1));
  const std::uint64_t n = static_cast<std::uint64_t>(p.customers);
  if (h % 10 == 0) return identifier_hash(o.seed, 0, kOutsideNumber + (h >> 8) % (n * 4 + 1000));
  return identifier_hash(o.seed, 0, static_cast<std::uint64_t>(p.id[(h >> 8) % n]));
}

std::int32_t other_cell(const Options& o, const Population& p, std::size_t i, std::uint64_t slot) {
  const std::uint64_t h = mix64(o.seed ^ mix64((static_cast<std::uint64_t>(i) << 8) + slot + 0x1000));
  const std::int32_t base = (p.region[i] - 1) * kCellsPerRegion + 1;
  return base + static_cast<std::int32_t>(h % kCellsPerRegion);
}

}  // namespace

int weeks_in(const Period& period) { return (period.days() + 6) / 7; }

void customers_records(const Options& o, const Population& p, std::int64_t first_slot, std::int64_t end_slot,
                       Table& out) {
  reset(out, "customers");
  const auto first = static_cast<std::size_t>(first_slot - 1);
  const auto count = static_cast<std::size_t>(end_slot - first_slot);
  out.resize(count);
  auto* id = out.values<std::int64_t>("customer_id").data();
  auto* region = out.values<std::int32_t>("region").data();
  auto* gender = out.values<std::int8_t>("gender").data();
  auto* birth_year = out.values<std::int32_t>("birth_year").data();
  auto* join_date = out.values<std::int64_t>("join_date").data();
  auto* plan_id = out.values<std::int32_t>("plan_id").data();
  auto* plan_fee = out.values<std::int64_t>("plan_fee").data();
  auto* voice_quota = out.values<std::int32_t>("voice_quota_min").data();
  auto* data_quota = out.values<std::int32_t>("data_quota_mb").data();
  auto* contract_type = out.values<std::int8_t>("contract_type").data();
  auto* contract_end = out.values<std::int64_t>("contract_end").data();
  auto* payer = out.values<std::int8_t>("payer").data();
  auto* star = out.values<std::int8_t>("star_level").data();
  auto* handset = out.values<std::int32_t>("handset_brand").data();
  auto* premium = out.values<std::int8_t>("premium_number").data();
  auto* converged = out.values<std::int8_t>("converged").data();
  auto* status = out.values<std::int8_t>("status").data();
  const auto& plans = plan_ladder();
#pragma omp parallel for schedule(static)
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t i = first + k;
    const auto& profile = segment_profiles()[static_cast<std::size_t>(p.segment[i])];
    // Gender and birth year stay with the customer; star level, handset,
    // number and bundle follow the segment stay.
    KeyedRandom born(o.seed, static_cast<std::uint64_t>(p.id[i]), kCustomerRecord);
    KeyedRandom r(o.seed, p.stay_key[i], kCustomerRecord);
    const Plan& plan = plans[static_cast<std::size_t>(p.plan[i])];
    id[k] = p.id[i];
    region[k] = p.region[i];
    gender[k] = static_cast<std::int8_t>(born.uniform() < 0.52 ? 1 : 2);
    birth_year[k] = o.period.year - 18 -
                    static_cast<std::int32_t>(std::min(62.0, -std::log(1.0 - born.uniform()) * 20.0));
    join_date[k] = p.join_date[i];
    plan_id[k] = static_cast<std::int32_t>(100 + p.plan[i]);
    plan_fee[k] = p.plan_fee[i];
    voice_quota[k] = plan.voice_quota_min;
    data_quota[k] = plan.data_quota_mb;
    contract_type[k] = p.contract_type[i];
    contract_end[k] = p.contract_end[i];
    payer[k] = p.payer[i];
    const double shift = r.uniform();
    star[k] = static_cast<std::int8_t>(
        std::clamp(profile.star_level + (shift < 0.15 ? -1 : (shift > 0.9 ? 1 : 0)), 1, 5));
    // Apple 60% / Samsung 40% of the segment's Apple+Samsung share; the rest
    // spread over Huawei, Xiaomi, OPPO, vivo and other.
    const double h = r.uniform();
    handset[k] = h < profile.apple_samsung_share ? (h < profile.apple_samsung_share * 0.6 ? 1 : 2)
                                                 : 3 + static_cast<std::int32_t>(r.below(5));
    premium[k] = static_cast<std::int8_t>(r.uniform() < profile.premium_share ? 1 : 0);
    converged[k] = static_cast<std::int8_t>(r.uniform() < profile.converged_share ? 1 : 0);
    status[k] = p.churn[i];
  }
}

void billing_records(const Options& o, const Population& p, Period month, Scratch& scratch, Table& out) {
  reset(out, "billing");
  const UnixSeconds month_end = month.end();
  const int months_before_end = (o.period.year - month.year) * 12 + (o.period.month - month.month);
  out.resize(count_records(p.customers, scratch, [&](std::size_t i) -> std::uint64_t {
    return p.join_date[i] < month_end ? 1 : 0;
  }));
  auto* id = out.values<std::int64_t>("customer_id").data();
  auto* month_out = out.values<std::int32_t>("month").data();
  auto* amount = out.values<std::int64_t>("amount").data();
  auto* voice = out.values<std::int32_t>("voice_min_used").data();
  auto* data = out.values<std::int64_t>("data_mb_used").data();
  auto* balance = out.values<std::int64_t>("balance").data();
  auto* paid = out.values<std::int8_t>("paid_on_time").data();
  const auto& plans = plan_ladder();
  fill_records(p.customers, scratch, [&](std::size_t i, std::uint64_t at) {
    const auto& profile = segment_profiles()[static_cast<std::size_t>(p.segment[i])];
    KeyedRandom r(o.seed, slice_key(p.id[i], month.yyyymm()), kBilling);
    const Plan& plan = plans[static_cast<std::size_t>(p.plan[i])];
    // Churners use less and let the balance run down in their last months.
    const bool fading = p.churn[i] != 0 && months_before_end <= 1 && r.uniform() < 0.8;
    const double use = fading ? 0.6 : 1.0;
    id[at] = p.id[i];
    month_out[at] = month.yyyymm();
    // The bill varies around the customer's ARPU, never below the plan fee.
    amount[at] = std::max(p.plan_fee[i], static_cast<std::int64_t>(p.arpu[i] * lognormal(r, 1.0, 0.15)));
    voice[at] = static_cast<std::int32_t>(plan.voice_quota_min * profile.voice_saturation * use *
                                          lognormal(r, 1.0, 0.35));
    data[at] = static_cast<std::int64_t>(plan.data_quota_mb * profile.data_saturation * use *
                                         lognormal(r, 1.0, 0.45));
    const bool low = fading ? r.uniform() < 0.7 : r.uniform() < 0.08;
    balance[at] =
        low ? static_cast<std::int64_t>(r.below(1000)) : static_cast<std::int64_t>(lognormal(r, 6000, 0.9));
    paid[at] = static_cast<std::int8_t>(r.uniform() < (p.churn[i] != 0 ? 0.8 : 0.96) ? 1 : 0);
  });
}

namespace {

struct DayContext {
  UnixSeconds start;
  int period_days;
  bool weekend;
  bool late;  // within the last two weeks of the period
  int first_hour;
  int end_hour;
};

DayContext day_context(const Options& o, int day, int part) {
  const UnixSeconds start = o.period.start() + static_cast<UnixSeconds>(day) * kSecondsPerDay;
  return {start,
          o.period.days(),
          is_weekend(start),
          day >= o.period.days() - kPrecursorDays,
          24 * part / o.shards_per_day,
          24 * (part + 1) / o.shards_per_day};
}

double daily_mean(double per_month, const Population& p, std::size_t i, const DayContext& d, bool shrinking) {
  return per_month / d.period_days * p.activity[i] * (d.weekend ? 0.9 : 1.04) * (shrinking ? 0.7 : 1.0);
}

// Where and when one usage record happens: the first draws of its stream
// (the caller draws the record's other values from it next).
struct UsagePlace {
  int hour;
  std::int64_t second;  // within the hour
  double kind;          // the draw that picks the record's kind
  std::int32_t cell;
  bool roaming;
};

UsagePlace draw_place(const Options& o, const Population& p, std::size_t i, const DayContext& d,
                      const HourTable& hour_table, std::uint64_t roam, KeyedRandom& rj) {
  UsagePlace u{};
  u.hour = hour_table.draw(rj.uniform());
  u.second = static_cast<std::int64_t>(rj.below(3600));
  u.kind = rj.uniform();
  // Where: work cell in weekday office hours, home at night, else around.
  const double w = rj.uniform();
  const bool office = !d.weekend && u.hour >= 9 && u.hour < 18;
  const bool night = u.hour >= 21 || u.hour < 7;
  if (office && w < 0.7) {
    u.cell = p.work_cell[i];
  } else if ((night && w < 0.85) || (!office && !night && w < 0.45)) {
    u.cell = p.home_cell[i];
  } else {
    u.cell = other_cell(o, p, i, rj.below(roam));
  }
  u.roaming = rj.uniform() < 0.015;
  if (u.roaming) u.cell = static_cast<std::int32_t>(1 + rj.below(kRegions * kCellsPerRegion));
  return u;
}

// Customer i's usage on one day: its record count and movement range.
struct UsageDay {
  std::uint32_t records;
  std::uint64_t roam;
  bool shrinking;
};

UsageDay usage_day(const Options& o, const Population& p, std::size_t i, int day, const DayContext& d) {
  const bool shrinking = d.late && shows_precursors(o, p, i);
  KeyedRandom r(o.seed, slice_key(p.id[i], day), kUsageDay);
  // Contact circle and movement range shrink before churn.
  return {poisson(r, daily_mean(o.usage_per_customer, p, i, d, shrinking)),
          shrinking ? 1 : std::uint64_t{p.roam[i]}, shrinking};
}

// The place of customer i's record j; a planted follower's record may be
// placed with one of its anchor's records that day (synthetic_linking.hpp).
UsagePlace usage_place(const Options& o, const Population& p, std::size_t i, int day, const DayContext& d,
                       const HourTable& hour_table, std::uint32_t j, const UsageDay& own,
                       const UsageDay& anchor, KeyedRandom& rj) {
  UsagePlace u = draw_place(o, p, i, d, hour_table, own.roam, rj);
  const std::int64_t r = followed_record(o, p, i, day, j, anchor.records);
  if (r < 0) return u;
  const auto a = static_cast<std::size_t>(p.follows[i]);
  KeyedRandom ra(o.seed, slice_key(p.id[a], day), record_stream(kUsageDay, static_cast<std::uint64_t>(r)));
  const UsagePlace at = draw_place(o, p, a, d, hour_table, anchor.roam, ra);
  if (places_with(p, i, at.cell, at.roaming)) {
    u.hour = at.hour;
    u.cell = at.cell;
    u.roaming = at.roaming;
  }
  return u;
}

UsageDay anchor_day(const Options& o, const Population& p, std::size_t i, int day, const DayContext& d) {
  if (p.follows[i] < 0) return {0, 1, false};
  return usage_day(o, p, static_cast<std::size_t>(p.follows[i]), day, d);
}

}  // namespace

void usage_records(const Options& o, const Population& p, int day, int part, Scratch& scratch, Table& out) {
  reset(out, "usage");
  const DayContext d = day_context(o, day, part);
  const HourTable& hour_table = hours(d.weekend);
  auto count = [&](std::size_t i) -> std::uint64_t {
    const UsageDay own = usage_day(o, p, i, day, d);
    if (o.shards_per_day == 1) return own.records;  // the whole day is one part
    const std::uint64_t key = slice_key(p.id[i], day);
    const UsageDay anchor = anchor_day(o, p, i, day, d);
    std::uint64_t in_part = 0;
    for (std::uint32_t j = 0; j < own.records; ++j) {
      KeyedRandom rj(o.seed, key, record_stream(kUsageDay, j));
      const int h = p.follows[i] < 0 ? hour_table.draw(rj.uniform())
                                     : usage_place(o, p, i, day, d, hour_table, j, own, anchor, rj).hour;
      in_part += (h >= d.first_hour && h < d.end_hour) ? 1 : 0;
    }
    return in_part;
  };
  out.resize(count_records(p.customers, scratch, count));
  auto* id_out = out.values<std::int64_t>("customer_id").data();
  auto* ts_out = out.values<std::int64_t>("ts").data();
  auto* kind_out = out.values<std::int8_t>("kind").data();
  auto* duration_out = out.values<std::int32_t>("duration_s").data();
  auto* bytes_out = out.values<std::int64_t>("bytes").data();
  auto* cell_out = out.values<std::int32_t>("cell_id").data();
  auto* roaming_out = out.values<std::int8_t>("roaming").data();
  auto* peer_out = out.values<std::uint64_t>("peer").data();
  auto* charge_out = out.values<std::int64_t>("charge").data();
  fill_records(p.customers, scratch, [&](std::size_t i, std::uint64_t at) {
    const UsageDay own = usage_day(o, p, i, day, d);
    const UsageDay anchor = anchor_day(o, p, i, day, d);
    const std::uint64_t key = slice_key(p.id[i], day);
    const std::uint64_t circle =
        own.shrinking ? std::max<std::uint64_t>(2, p.circle[i] * 3U / 10U) : p.circle[i];
    const auto& profile = segment_profiles()[static_cast<std::size_t>(p.segment[i])];
    const std::uint64_t first = at;
    for (std::uint32_t j = 0; j < own.records; ++j) {
      KeyedRandom rj(o.seed, key, record_stream(kUsageDay, j));
      const UsagePlace place = usage_place(o, p, i, day, d, hour_table, j, own, anchor, rj);
      if (place.hour < d.first_hour || place.hour >= d.end_hour) continue;
      const std::int64_t t = d.start + place.hour * 3600 + place.second;
      const double k = place.kind;
      const std::int8_t record_kind = k < 0.45 ? 0 : (k < 0.6 ? 1 : 2);
      const std::int32_t c = place.cell;
      const bool is_roaming = place.roaming;
      ts_out[at] = t;
      kind_out[at] = record_kind;
      cell_out[at] = c;
      roaming_out[at] = static_cast<std::int8_t>(is_roaming ? 1 : 0);
      id_out[at] = p.id[i];
      if (record_kind == 2) {
        duration_out[at] = static_cast<std::int32_t>(std::clamp(lognormal(rj, 240, 1.0), 1.0, 86400.0));
        bytes_out[at] = static_cast<std::int64_t>(lognormal(rj, 2.0e6 * profile.data_saturation, 1.5));
        peer_out[at] = 0;
        charge_out[at] = is_roaming ? bytes_out[at] / 10000 : 0;
      } else {
        // Contacts: low slots are the close ones and called most often.
        const std::uint64_t slot = std::min(rj.below(circle), rj.below(circle));
        peer_out[at] = phone_of_contact(o, p, circle_of_contact(o, p, i, slot), slot);
        bytes_out[at] = 0;
        if (record_kind == 0) {
          duration_out[at] = static_cast<std::int32_t>(std::clamp(lognormal(rj, 70, 1.0), 1.0, 7200.0));
          const bool over = is_roaming || rj.uniform() < 0.05;
          charge_out[at] = over ? (duration_out[at] + 59) / 60 * (is_roaming ? 99 : 15) : 0;
        } else {
          duration_out[at] = 0;
          charge_out[at] = rj.uniform() < 0.3 ? 10 : 0;
        }
      }
      ++at;
    }
    // Time order within the customer's records of the slice.
    for (std::uint64_t a = first + 1; a < at; ++a) {
      for (std::uint64_t b = a; b > first && ts_out[b - 1] > ts_out[b]; --b) {
        std::swap(ts_out[b - 1], ts_out[b]);
        std::swap(kind_out[b - 1], kind_out[b]);
        std::swap(duration_out[b - 1], duration_out[b]);
        std::swap(bytes_out[b - 1], bytes_out[b]);
        std::swap(cell_out[b - 1], cell_out[b]);
        std::swap(roaming_out[b - 1], roaming_out[b]);
        std::swap(peer_out[b - 1], peer_out[b]);
        std::swap(charge_out[b - 1], charge_out[b]);
      }
    }
  });
}

void web_records(const Options& o, const Population& p, int day, int part, Scratch& scratch, Table& out) {
  reset(out, "web");
  const DayContext d = day_context(o, day, part);
  const HourTable& hour_table = hours(d.weekend);
  auto visits = [&](std::size_t i, KeyedRandom& r) {
    return poisson(r, daily_mean(o.web_per_customer, p, i, d, d.late && shows_precursors(o, p, i)));
  };
  out.resize(count_records(p.customers, scratch, [&](std::size_t i) -> std::uint64_t {
    const std::uint64_t key = slice_key(p.id[i], day);
    KeyedRandom r(o.seed, key, kWebDay);
    const std::uint32_t n = visits(i, r);
    if (o.shards_per_day == 1) return n;
    std::uint64_t in_part = 0;
    for (std::uint32_t j = 0; j < n; ++j) {
      KeyedRandom rj(o.seed, key, record_stream(kWebDay, j));
      const int h = hour_table.draw(rj.uniform());
      in_part += (h >= d.first_hour && h < d.end_hour) ? 1 : 0;
    }
    return in_part;
  }));
  auto* id = out.values<std::int64_t>("customer_id").data();
  auto* ts = out.values<std::int64_t>("ts").data();
  auto* domain = out.values<std::int32_t>("domain_id").data();
  auto* bytes = out.values<std::int64_t>("bytes").data();
  fill_records(p.customers, scratch, [&](std::size_t i, std::uint64_t at) {
    const std::uint64_t key = slice_key(p.id[i], day);
    KeyedRandom r(o.seed, key, kWebDay);
    const std::uint32_t n = visits(i, r);
    const std::uint64_t first = at;
    for (std::uint32_t j = 0; j < n; ++j) {
      KeyedRandom rj(o.seed, key, record_stream(kWebDay, j));
      const int h = hour_table.draw(rj.uniform());
      if (h < d.first_hour || h >= d.end_hour) continue;
      id[at] = p.id[i];
      ts[at] = d.start + h * 3600 + static_cast<std::int64_t>(rj.below(3600));
      // Mostly the customer's favourite content categories; popular domains first.
      const std::uint64_t category =
          rj.uniform() < 0.75 ? p.interests[i][rj.below(3)] : rj.below(kContentCategories);
      const std::uint64_t rank = std::min(rj.below(kDomainsPerCategory), rj.below(kDomainsPerCategory));
      domain[at] = static_cast<std::int32_t>(category * kDomainsPerCategory + rank + 1);
      bytes[at] = static_cast<std::int64_t>(lognormal(rj, 5.0e5, 1.2));
      ++at;
    }
    for (std::uint64_t a = first + 1; a < at; ++a) {
      for (std::uint64_t b = a; b > first && ts[b - 1] > ts[b]; --b) {
        std::swap(ts[b - 1], ts[b]);
        std::swap(domain[b - 1], domain[b]);
        std::swap(bytes[b - 1], bytes[b]);
      }
    }
  });
}

namespace {

struct WeekContext {
  UnixSeconds start;
  int days;
  bool late;
};

WeekContext week_context(const Options& o, int week) {
  const int first_day = week * 7;
  const int days = std::min(7, o.period.days() - first_day);
  return {o.period.start() + first_day * kSecondsPerDay, days,
          first_day + days > o.period.days() - kPrecursorDays};
}

// A daytime moment of the week (service and marketing happen in the day).
UnixSeconds daytime(KeyedRandom& r, const WeekContext& w) {
  const auto day = static_cast<std::int64_t>(r.below(static_cast<std::uint64_t>(w.days)));
  return w.start + day * kSecondsPerDay + (8 + static_cast<std::int64_t>(r.below(13))) * 3600 +
         static_cast<std::int64_t>(r.below(3600));
}

}  // namespace

void service_records(const Options& o, const Population& p, int week, Scratch& scratch, Table& out) {
  reset(out, "service");
  const WeekContext w = week_context(o, week);
  // Complaints are concentrated: complaint-prone customers contact service
  // about six times as often as others (mean over all stays near the option).
  auto contacts = [&](std::size_t i, KeyedRandom& r) {
    const double factor = (p.complaint_prone[i] != 0 ? 6.0 : 0.6) * (p.churn[i] != 0 && w.late ? 2.0 : 1.0);
    return poisson(r, o.service_per_customer * w.days / o.period.days() * factor);
  };
  out.resize(count_records(p.customers, scratch, [&](std::size_t i) -> std::uint64_t {
    KeyedRandom r(o.seed, slice_key(p.id[i], week), kServiceWeek);
    return contacts(i, r);
  }));
  auto* id = out.values<std::int64_t>("customer_id").data();
  auto* ts = out.values<std::int64_t>("ts").data();
  auto* channel = out.values<std::int8_t>("channel").data();
  auto* category = out.values<std::int8_t>("category").data();
  auto* duration = out.values<std::int32_t>("duration_s").data();
  auto* satisfaction = out.values<std::int8_t>("satisfaction").data();
  auto* resolved = out.values<std::int8_t>("resolved").data();
  fill_records(p.customers, scratch, [&](std::size_t i, std::uint64_t at) {
    KeyedRandom r(o.seed, slice_key(p.id[i], week), kServiceWeek);
    const std::uint32_t n = contacts(i, r);
    const std::uint64_t first = at;
    for (std::uint32_t j = 0; j < n; ++j, ++at) {
      id[at] = p.id[i];
      ts[at] = daytime(r, w);
      const double c = r.uniform();
      channel[at] =
          static_cast<std::int8_t>(c < 0.45 ? 0 : (c < 0.7 ? 1 : (c < 0.8 ? 2 : (c < 0.95 ? 3 : 4))));
      const bool complaint = r.uniform() < (p.complaint_prone[i] != 0 ? 0.55 : 0.1);
      const double k = r.uniform();
      category[at] = complaint ? std::int8_t{1}
                               : static_cast<std::int8_t>(k < 0.55 ? 0 : (k < 0.8 ? 2 : (k < 0.93 ? 3 : 4)));
      duration[at] =
          static_cast<std::int32_t>(std::clamp(lognormal(r, complaint ? 420 : 200, 0.8), 10.0, 7200.0));
      satisfaction[at] = r.uniform() < 0.35
                             ? missing<std::int8_t>()
                             : static_cast<std::int8_t>(complaint ? 1 + r.below(3) : 3 + r.below(3));
      resolved[at] = static_cast<std::int8_t>(r.uniform() < (complaint ? 0.6 : 0.9) ? 1 : 0);
    }
    for (std::uint64_t a = first + 1; a < at; ++a) {
      for (std::uint64_t b = a; b > first && ts[b - 1] > ts[b]; --b) {
        std::swap(ts[b - 1], ts[b]);
        std::swap(channel[b - 1], channel[b]);
        std::swap(category[b - 1], category[b]);
        std::swap(duration[b - 1], duration[b]);
        std::swap(satisfaction[b - 1], satisfaction[b]);
        std::swap(resolved[b - 1], resolved[b]);
      }
    }
  });
}

void marketing_records(const Options& o, const Population& p, int week, Scratch& scratch, Table& out) {
  reset(out, "marketing");
  const WeekContext w = week_context(o, week);
  const double mean = o.marketing_per_customer * w.days / o.period.days();
  out.resize(count_records(p.customers, scratch, [&](std::size_t i) -> std::uint64_t {
    KeyedRandom r(o.seed, slice_key(p.id[i], week), kMarketingWeek);
    return poisson(r, mean);
  }));
  auto* id = out.values<std::int64_t>("customer_id").data();
  auto* ts = out.values<std::int64_t>("ts").data();
  auto* campaign = out.values<std::int32_t>("campaign_id").data();
  auto* channel = out.values<std::int8_t>("channel").data();
  auto* outcome = out.values<std::int8_t>("outcome").data();
  fill_records(p.customers, scratch, [&](std::size_t i, std::uint64_t at) {
    KeyedRandom r(o.seed, slice_key(p.id[i], week), kMarketingWeek);
    const std::uint32_t n = poisson(r, mean);
    const std::uint64_t first = at;
    for (std::uint32_t j = 0; j < n; ++j, ++at) {
      id[at] = p.id[i];
      ts[at] = daytime(r, w);
      campaign[at] = static_cast<std::int32_t>(1 + r.below(kCampaigns));
      const double c = r.uniform();
      channel[at] = static_cast<std::int8_t>(
          c < 0.5 ? 0 : (c < 0.65 ? 1 : (c < 0.75 ? 2 : (c < 0.85 ? 3 : (c < 0.93 ? 4 : 5)))));
      const double x = r.uniform();
      outcome[at] = static_cast<std::int8_t>(x < 0.6 ? 0 : (x < 0.8 ? 1 : (x < 0.88 ? 2 : 3)));
    }
    for (std::uint64_t a = first + 1; a < at; ++a) {
      for (std::uint64_t b = a; b > first && ts[b - 1] > ts[b]; --b) {
        std::swap(ts[b - 1], ts[b]);
        std::swap(campaign[b - 1], campaign[b]);
        std::swap(channel[b - 1], channel[b]);
        std::swap(outcome[b - 1], outcome[b]);
      }
    }
  });
}

namespace {

// The identifiers each customer shows across the sources; each is observed
// once in the period at a random time, so a week's shard holds some of them.
constexpr int kIdentityRecords = 7;
constexpr std::uint64_t kPersonDevice = 1ULL << 40;
constexpr std::uint64_t kFamilyDevice = 1ULL << 41;
constexpr std::uint64_t kOwnDevice = 1ULL << 42;
constexpr std::uint64_t kSwitchboard = 1ULL << 50;

struct IdentityRecord {
  bool present;
  std::int8_t source;
  std::int8_t id_type;
  std::uint64_t value;
  UnixSeconds ts;
};

IdentityRecord identity_record(const Options& o, const Population& p, UnixSeconds period_start,
                               std::uint64_t period_seconds, std::size_t i, int j) {
  KeyedRandom r(o.seed, static_cast<std::uint64_t>(p.id[i]),
                record_stream(kIdentity, static_cast<std::uint64_t>(j)));
  const UnixSeconds ts = period_start + static_cast<std::int64_t>(r.below(period_seconds));
  const auto customer = static_cast<std::uint64_t>(p.id[i]);
  const auto person = static_cast<std::uint64_t>(p.person[i]);
  const bool several = p.shared_person[i] != 0;
  switch (j) {
    case 0:
      return {true, 0, 0, customer, ts};  // BSS: the number
    case 1:
      return {true, 0, 1, person, ts};  // BSS: the holder's id card
    case 2: {
      // Device: one handset for a person's numbers half the time; a few
      // devices shared by a family (four neighbouring numbers).
      const double u = r.uniform();
      const std::uint64_t device = several && u < 0.5 ? kPersonDevice + person
                                   : u > 0.96         ? kFamilyDevice + i / 4
                                                      : kOwnDevice + customer;
      return {true, 1, 2, device, ts};
    }
    case 3:
      return {r.uniform() < 0.6, 2, 4, customer, ts};  // app account
    case 4:
      return {r.uniform() < 0.4, 2, 3, person, ts};  // e-mail of the person
    case 5: {
      // Service contact number: company payers often leave the company
      // switchboard, shared by thousands of customers; a second number
      // leaves its own (nothing in common with the person's first).
      const bool switchboard = p.payer[i] == 1 && r.uniform() < 0.4 &&
                               p.link_role[i] != static_cast<std::int8_t>(LinkRole::SecondNumber);
      return {true, 3, 0, switchboard ? kSwitchboard + r.below(kSwitchboards) : customer, ts};
    }
    default:
      return {r.uniform() < 0.7, 4, 0, customer, ts};  // marketing: the number
  }
}

}  // namespace

void identity_records(const Options& o, const Population& p, int week, Scratch& scratch, Table& out) {
  reset(out, "identity");
  const WeekContext w = week_context(o, week);
  const UnixSeconds week_end = w.start + w.days * kSecondsPerDay;
  const UnixSeconds period_start = o.period.start();
  const auto period_seconds = static_cast<std::uint64_t>(o.period.end() - period_start);
  auto record = [&](std::size_t i, int j) {
    return identity_record(o, p, period_start, period_seconds, i, j);
  };
  auto in_week = [&](const IdentityRecord& rec) {
    return rec.present && rec.ts >= w.start && rec.ts < week_end;
  };
  out.resize(count_records(p.customers, scratch, [&](std::size_t i) -> std::uint64_t {
    std::uint64_t n = 0;
    for (int j = 0; j < kIdentityRecords; ++j) n += in_week(record(i, j)) ? 1 : 0;
    return n;
  }));
  auto* id = out.values<std::int64_t>("customer_id").data();
  auto* source = out.values<std::int8_t>("source").data();
  auto* id_type = out.values<std::int8_t>("id_type").data();
  auto* id_hash = out.values<std::uint64_t>("id_hash").data();
  auto* ts = out.values<std::int64_t>("ts").data();
  fill_records(p.customers, scratch, [&](std::size_t i, std::uint64_t at) {
    for (int j = 0; j < kIdentityRecords; ++j) {
      const IdentityRecord rec = record(i, j);
      if (!in_week(rec)) continue;
      id[at] = p.id[i];
      source[at] = rec.source;
      id_type[at] = rec.id_type;
      id_hash[at] = identifier_hash(o.seed, rec.id_type, rec.value);
      ts[at] = rec.ts;
      ++at;
    }
  });
}

}  // namespace portrait::io::synthetic

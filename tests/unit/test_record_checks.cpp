// tests/unit/test_record_checks.cpp: the checks on read: the first failing
// check gives a record its reason; history months only for channels whose
// shards hold them; codes outside their dictionaries; customer attributes
// set missing (and counted) rather than the customer quarantined.
#include <gtest/gtest.h>

#include "core/period.hpp"
#include "engine/record_checks.hpp"
#include "io/schema.hpp"

namespace portrait::engine {
namespace {

JobSpec october(int history_months) {
  JobSpec job;
  job.period = parse_period("2026-10", "t");
  job.history_months = history_months;
  return job;
}

// A channel table with `n` good rows of valid codes, customer ids 1..n.
Table records_of(const std::string& channel, std::size_t n) {
  Table t = io::make_channel_table(channel);
  t.resize(n);
  for (std::size_t i = 0; i < n; ++i)
    t.values<std::int64_t>("customer_id")[i] = static_cast<std::int64_t>(i + 1);
  if (channel == "service") t.values<std::int8_t>("satisfaction").assign(n, 3);
  if (channel == "customers") {
    t.values<std::int8_t>("gender").assign(n, 1);
    t.values<std::int8_t>("star_level").assign(n, 2);
    t.values<std::int32_t>("handset_brand").assign(n, 3);
    t.values<std::int32_t>("birth_year").assign(n, 1980);
    t.values<std::int64_t>("contract_end").assign(n, missing<std::int64_t>());
  }
  t.add("_record", ColumnType::Int64);
  t.add("_reason", ColumnType::Int8);
  return t;
}

std::vector<Reason> reasons(const Table& t) {
  std::vector<Reason> out;
  for (const auto r : t.values<std::int8_t>("_reason")) out.push_back(static_cast<Reason>(r));
  return out;
}

TEST(RecordChecks, MarksFirstFailingCheck) {
  const JobSpec job = october(1);
  const RecordChecks checks(job, {{"usage", {"2026-09", "2026-10"}}}, io::Reference::empty());
  const UnixSeconds in_period = job.period.start() + 10, too_early = job.history_start() - 1;
  Table t = records_of("usage", 8);
  const std::vector<std::array<std::int64_t, 3>> rows{
      // customer, ts, charge
      {1, in_period, 5},   {0, in_period, 5},          {2, missing<std::int64_t>(), 5},
      {3, too_early, 5},   {4, job.period.end(), 5},   {5, in_period, -1},
      {-7, too_early, -1}, {6, job.history_start(), 5}};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    t.values<std::int64_t>("customer_id")[i] = rows[i][0];
    t.values<std::int64_t>("ts")[i] = rows[i][1];
    t.values<std::int64_t>("charge")[i] = rows[i][2];
  }
  ChannelAccount account;
  checks.check("usage", t, account);
  EXPECT_EQ(reasons(t),
            (std::vector<Reason>{Reason::kNone, Reason::kInvalidCustomerId, Reason::kMissingTime,
                                 Reason::kOutsidePeriod, Reason::kOutsidePeriod, Reason::kNegativeValue,
                                 Reason::kInvalidCustomerId, Reason::kNone}));
}

// The job keeps two history months; billing's shards are of August to
// October, usage's and marketing's of October only: a usage or marketing
// record of August is a shifted record, a billing row of August history.
TEST(RecordChecks, HistoryMonthsOnlyForChannelsWhoseShardsHoldThem) {
  const JobSpec job = october(2);
  const RecordChecks checks(job,
                            {{"billing", {"2026-08", "2026-09", "2026-10"}},
                             {"usage", {"2026-10"}},
                             {"marketing", {"2026-08", "2026-10"}},
                             {"web", {"2026-07", "2026-10", "2026-11"}}},
                            io::Reference::empty());
  EXPECT_EQ(checks.months_of("billing"), (std::vector<int>{202608, 202609, 202610}));
  EXPECT_EQ(checks.months_of("usage"), (std::vector<int>{202610}));
  EXPECT_EQ(checks.months_of("marketing"), (std::vector<int>{202608, 202610}));
  EXPECT_EQ(checks.months_of("web"), (std::vector<int>{202610}));  // July and November are outside the window
  EXPECT_EQ(checks.describe_history(), "history months: billing 202608..202610, marketing 202608..202610");

  const UnixSeconds aug = parse_period("2026-08").start() + 5, sep = parse_period("2026-09").start() + 5,
                    oct = job.period.start() + 5, jul = parse_period("2026-07").start() + 5;
  ChannelAccount account;
  for (const std::string channel : {"usage", "marketing"}) {
    Table t = records_of(channel, 4);
    t.values<std::int64_t>("ts") = {aug, sep, oct, jul};
    checks.check(channel, t, account);
    const Reason august = channel == "usage" ? Reason::kOutsideChannelMonths : Reason::kNone;
    EXPECT_EQ(reasons(t), (std::vector<Reason>{august, Reason::kOutsideChannelMonths, Reason::kNone,
                                               Reason::kOutsidePeriod}))
        << channel;
  }
  Table billing = records_of("billing", 4);
  billing.values<std::int32_t>("month") = {202608, 202609, 202610, 202611};
  checks.check("billing", billing, account);
  EXPECT_EQ(reasons(billing),
            (std::vector<Reason>{Reason::kNone, Reason::kNone, Reason::kNone, Reason::kOutsidePeriod}));
  const RecordChecks no_september(job, {{"billing", {"2026-08", "2026-10"}}}, io::Reference::empty());
  Table gap = records_of("billing", 2);
  gap.values<std::int32_t>("month") = {202608, 202609};
  no_september.check("billing", gap, account);
  EXPECT_EQ(reasons(gap), (std::vector<Reason>{Reason::kNone, Reason::kOutsideChannelMonths}));
}

// A history window across the new year: billing's months 2025-11, 2025-12
// and 2026-01 are kept, YYYYMM values between them that are no month are
// not, and a usage record of December is a shifted one.
TEST(RecordChecks, HistoryWindowAcrossTheNewYear) {
  JobSpec job = october(2);
  job.period = parse_period("2026-01", "t");
  const RecordChecks checks(job, {{"billing", {"2025-11", "2025-12", "2026-01"}}, {"usage", {"2026-01"}}},
                            io::Reference::empty());
  ChannelAccount account;
  Table billing = records_of("billing", 6);
  billing.values<std::int32_t>("month") = {202511, 202512, 202601, 202513, 202510, 202602};
  checks.check("billing", billing, account);
  EXPECT_EQ(reasons(billing),
            (std::vector<Reason>{Reason::kNone, Reason::kNone, Reason::kNone, Reason::kOutsideChannelMonths,
                                 Reason::kOutsidePeriod, Reason::kOutsidePeriod}));
  Table usage = records_of("usage", 3);
  usage.values<std::int64_t>("ts") = {parse_period("2025-12").end() - 1, job.period.start(),
                                      job.period.end()};
  checks.check("usage", usage, account);
  EXPECT_EQ(reasons(usage),
            (std::vector<Reason>{Reason::kOutsideChannelMonths, Reason::kNone, Reason::kOutsidePeriod}));
}

// Every channel's time column is declared with its unit, of the unit's type.
TEST(ChannelSchema, TimeColumnsHaveTheirUnitsType) {
  for (const auto& schema : io::channel_schemas()) {
    if (schema.time_unit == io::TimeUnit::None) {
      EXPECT_TRUE(schema.time_column.empty()) << schema.name;
      continue;
    }
    const io::ColumnSpec* column = schema.find(schema.time_column);
    ASSERT_NE(column, nullptr) << schema.name;
    EXPECT_EQ(column->type,
              schema.time_unit == io::TimeUnit::YearMonth ? ColumnType::Int32 : ColumnType::Int64)
        << schema.name;
  }
  const Period december = parse_period("2026-12", "t");
  EXPECT_EQ(io::month_span(io::TimeUnit::YearMonth, december).begin, 202612);
  EXPECT_EQ(io::month_span(io::TimeUnit::YearMonth, december).end, 202613);
  EXPECT_EQ(io::month_span(io::TimeUnit::UnixSeconds, december).end, parse_period("2027-01", "t").start());
}

io::Reference small_reference() {
  io::Reference ref = io::Reference::empty();
  ref.cells.resize(3);
  ref.cells.values<std::int32_t>("cell_id") = {10, 11, 13};
  ref.domains.resize(2);
  ref.domains.values<std::int32_t>("domain_id") = {100, 2000000000};  // sparse: a sorted list
  ref.dictionaries = io::standard_dictionaries();
  ref.dictionaries.push_back({"region", {{1, "north"}, {2, "south"}}});
  return ref;
}

// A code outside its dictionary (kind 99, roaming 5, a cell or domain the
// reference file does not list) is quarantined; a missing code is not.
TEST(RecordChecks, CodesOutsideTheirDictionariesAreQuarantined) {
  const JobSpec job = october(0);
  const RecordChecks checks(job, {}, small_reference());
  const UnixSeconds t0 = job.period.start();
  ChannelAccount account;

  Table usage = records_of("usage", 6);
  usage.values<std::int64_t>("ts").assign(6, t0);
  usage.values<std::int32_t>("cell_id") = {10, 13, 12, 10, 11, missing<std::int32_t>()};
  usage.values<std::int8_t>("kind") = {0, 2, 0, 99, 1, missing<std::int8_t>()};
  usage.values<std::int8_t>("roaming") = {0, 1, 0, 0, 5, 1};
  checks.check("usage", usage, account);
  EXPECT_EQ(reasons(usage), (std::vector<Reason>{Reason::kNone, Reason::kNone, Reason::kUnknownCode,
                                                 Reason::kUnknownCode, Reason::kUnknownCode, Reason::kNone}));

  Table web = records_of("web", 3);
  web.values<std::int64_t>("ts").assign(3, t0);
  web.values<std::int32_t>("domain_id") = {100, 2000000000, 101};
  checks.check("web", web, account);
  EXPECT_EQ(reasons(web), (std::vector<Reason>{Reason::kNone, Reason::kNone, Reason::kUnknownCode}));

  Table service = records_of("service", 4);
  service.values<std::int64_t>("ts").assign(4, t0);
  service.values<std::int8_t>("channel") = {4, 5, 0, 0};
  service.values<std::int8_t>("satisfaction") = {5, 1, 0, missing<std::int8_t>()};
  checks.check("service", service, account);
  EXPECT_EQ(reasons(service),
            (std::vector<Reason>{Reason::kNone, Reason::kUnknownCode, Reason::kUnknownCode, Reason::kNone}));

  Table identity = records_of("identity", 2);
  identity.values<std::int64_t>("ts").assign(2, t0);
  identity.values<std::int8_t>("id_type") = {4, 5};
  checks.check("identity", identity, account);
  EXPECT_EQ(reasons(identity), (std::vector<Reason>{Reason::kNone, Reason::kUnknownCode}));

  // Without a reference file, cells and domains are not checked.
  const RecordChecks unchecked(job, {}, io::Reference::empty());
  Table any_cell = records_of("usage", 1);
  any_cell.values<std::int64_t>("ts").assign(1, t0);
  any_cell.values<std::int32_t>("cell_id") = {12345};
  unchecked.check("usage", any_cell, account);
  EXPECT_EQ(reasons(any_cell), std::vector<Reason>{Reason::kNone});
}

// A customer row with an implausible attribute keeps the customer: the
// attribute becomes missing and is counted by reason.
TEST(RecordChecks, ImplausibleCustomerAttributesAreSetMissing) {
  const JobSpec job = october(2);
  const RecordChecks checks(job, {}, small_reference());
  Table c = records_of("customers", 7);
  const UnixSeconds joined = parse_period("2020-05").start();
  c.values<std::int64_t>("join_date") = {joined, job.period.end(), joined, joined, joined, joined, joined};
  c.values<std::int64_t>("contract_end") = {
      missing<std::int64_t>(), joined - 1, joined - 1, joined + 1, joined, missing<std::int64_t>(),
      missing<std::int64_t>()};
  c.values<std::int32_t>("birth_year") = {1980, 1906, 1905, 2026, 2027, 1990, 1990};
  c.values<std::int32_t>("region") = {1, 2, 9999, 1, 1, missing<std::int32_t>(), 1};
  c.values<std::int8_t>("gender") = {1, 2, 7, 1, 1, 1, 1};
  c.values<std::int8_t>("status") = {0, 1, 5, 0, 0, 0, 0};
  c.values<std::int8_t>("star_level") = {1, 5, 0, 3, 3, 3, 3};
  c.values<std::int64_t>("plan_fee") = {100, 0, -5, 100, 100, 100, 100};
  c.values<std::int64_t>("customer_id")[6] = 0;  // quarantined: its attributes are not counted
  c.values<std::int8_t>("gender")[6] = 9;
  ChannelAccount account;
  checks.check("customers", c, account);
  EXPECT_EQ(reasons(c), (std::vector<Reason>{Reason::kNone, Reason::kNone, Reason::kNone, Reason::kNone,
                                             Reason::kNone, Reason::kNone, Reason::kInvalidCustomerId}));
  const auto m64 = missing<std::int64_t>();
  const auto m32 = missing<std::int32_t>();
  const auto m8 = missing<std::int8_t>();
  // Row 1 joins at the period's end: the join date goes, the contract end
  // (before that join) stays; row 2's contract ends before its join.
  EXPECT_EQ(c.values<std::int64_t>("join_date"),
            (std::vector<std::int64_t>{joined, m64, joined, joined, joined, joined, joined}));
  EXPECT_EQ(c.values<std::int64_t>("contract_end"),
            (std::vector<std::int64_t>{m64, joined - 1, m64, joined + 1, joined, m64, m64}));
  EXPECT_EQ(c.values<std::int32_t>("birth_year"),
            (std::vector<std::int32_t>{1980, 1906, m32, 2026, m32, 1990, 1990}));
  EXPECT_EQ(c.values<std::int32_t>("region"), (std::vector<std::int32_t>{1, 2, m32, 1, 1, m32, 1}));
  EXPECT_EQ(c.values<std::int8_t>("gender"), (std::vector<std::int8_t>{1, 2, m8, 1, 1, 1, 9}));
  EXPECT_EQ(c.values<std::int8_t>("status"), (std::vector<std::int8_t>{0, 1, m8, 0, 0, 0, 0}));
  EXPECT_EQ(c.values<std::int8_t>("star_level"), (std::vector<std::int8_t>{1, 5, m8, 3, 3, 3, 3}));
  EXPECT_EQ(c.values<std::int64_t>("plan_fee"), (std::vector<std::int64_t>{100, 0, m64, 100, 100, 100, 100}));
  EXPECT_EQ(account.set_missing[static_cast<std::size_t>(Reason::kImplausibleDate)], 4);
  EXPECT_EQ(account.set_missing[static_cast<std::size_t>(Reason::kUnknownCode)], 4);
  EXPECT_EQ(account.set_missing[static_cast<std::size_t>(Reason::kNegativeValue)], 1);
  EXPECT_EQ(account.quarantined_total(), 0);  // counted by the group phase, not here
}

}  // namespace
}  // namespace portrait::engine

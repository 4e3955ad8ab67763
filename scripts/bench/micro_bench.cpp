// scripts/bench/micro_bench.cpp: Google Benchmark micro-benchmarks of the
// recompute's hot kernels on generated usage records (100,000 customers x 30
// records, October 2026): the shuffle's pack / all-to-all-v / unpack
// (parallel::Shuffle at np = 1 on MPI_COMM_SELF), the group phase
// (engine::group_records), the expression evaluator (catalog::evaluate_into
// over 1M rows of a fact filter and of a rule of the telecom catalog) and the
// fact aggregators (engine::compute_fact for count, sum, most_frequent and
// count_distinct). Items/s counters are records (or rows) per second. The
// shuffle and the group phase warm up first: their first pass touches fresh pages.
// Usage: OMP_NUM_THREADS=1 portrait_micro_bench [--benchmark_* flags]
#include <benchmark/benchmark.h>
#include <mpi.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "catalog/catalog.hpp"
#include "catalog/expr_compiler.hpp"
#include "catalog/expr_eval.hpp"
#include "catalog/input_schema.hpp"
#include "core/hash.hpp"
#include "core/period.hpp"
#include "engine/facts.hpp"
#include "engine/group.hpp"
#include "io/schema.hpp"
#include "parallel/mpi_context.hpp"
#include "parallel/shuffle.hpp"

namespace portrait {
namespace {

constexpr std::int64_t kCustomers = 100'000;
constexpr std::int64_t kRecordsPerCustomer = 30;
constexpr std::uint32_t kBuckets = 4096;
constexpr std::size_t kEvalRows = 1'000'000;

const Period& period() {
  static const Period p = parse_period("2026-10");
  return p;
}

// Usage records of kCustomers customers, kRecordsPerCustomer each, in
// (customer, time) order, with `_record` and `_reason` as after the read.
// Customer ids are spread like real ones (not 1..n), peers and cells repeat.
struct UsageData {
  Table customers{"customers"};
  Table usage = io::make_channel_table("usage");
  std::vector<std::uint64_t> offsets;

  UsageData() {
    usage.add("_record", ColumnType::Int64);
    usage.add("_reason", ColumnType::Int8);
    auto& ids = customers.add("customer_id", ColumnType::Int64).values<std::int64_t>();
    auto& customer_id = usage.values<std::int64_t>("customer_id");
    auto& ts = usage.values<std::int64_t>("ts");
    auto& kind = usage.values<std::int8_t>("kind");
    auto& duration = usage.values<std::int32_t>("duration_s");
    auto& bytes = usage.values<std::int64_t>("bytes");
    auto& cell = usage.values<std::int32_t>("cell_id");
    auto& roaming = usage.values<std::int8_t>("roaming");
    auto& peer = usage.values<std::uint64_t>("peer");
    auto& charge = usage.values<std::int64_t>("charge");
    auto& record = usage.values<std::int64_t>("_record");
    auto& reason = usage.values<std::int8_t>("_reason");
    const std::int64_t start = period().start();
    const std::int64_t span = period().end() - start;
    offsets.push_back(0);
    for (std::int64_t c = 0; c < kCustomers; ++c) {
      const auto id = static_cast<std::int64_t>(mix64(static_cast<std::uint64_t>(c)) >> 20);
      ids.push_back(id);
      KeyedRandom rng(9, static_cast<std::uint64_t>(c));
      const std::int64_t home_cell = static_cast<std::int64_t>(rng.below(20'000));
      std::int64_t t = start;
      for (std::int64_t r = 0; r < kRecordsPerCustomer; ++r) {
        t += static_cast<std::int64_t>(rng.below(static_cast<std::uint64_t>(span / kRecordsPerCustomer)));
        const auto k = static_cast<std::int8_t>(rng.below(3));
        customer_id.push_back(id);
        ts.push_back(t);
        kind.push_back(k);
        duration.push_back(k == 0 ? static_cast<std::int32_t>(rng.below(600)) : 0);
        bytes.push_back(k == 2 ? static_cast<std::int64_t>(rng.below(50'000'000)) : 0);
        cell.push_back(static_cast<std::int32_t>(rng.uniform() < 0.6 ? home_cell : rng.below(20'000)));
        roaming.push_back(rng.uniform() < 0.03 ? 1 : 0);
        peer.push_back(k == 2 ? 0 : mix64(rng.below(200)) | 1);
        charge.push_back(static_cast<std::int64_t>(rng.below(500)));
        record.push_back(static_cast<std::int64_t>(customer_id.size()));
        reason.push_back(0);
      }
      offsets.push_back(customer_id.size());
    }
  }
};

const UsageData& data() {
  static const UsageData d;
  return d;
}

// The shuffle of one read round: pack the rows by destination, all-to-all-v
// (to itself at np = 1), unpack into the resident table.
void BM_ShufflePackUnpack(benchmark::State& state) {
  const Table& usage = data().usage;
  const parallel::Comm comm(MPI_COMM_SELF);
  parallel::Shuffle shuffle(comm, std::size_t{1} << 30);
  const std::vector<int> dest(usage.rows(), 0);
  Table incoming = usage.empty_like();
  for (auto _ : state) {
    incoming.clear();
    shuffle.exchange(usage, dest, incoming);
    benchmark::DoNotOptimize(incoming.rows());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(usage.rows()));
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(usage.byte_size()));
}
BENCHMARK(BM_ShufflePackUnpack)->Unit(benchmark::kMillisecond)->MinWarmUpTime(1.0)->MinTime(3.0);

// The group phase over the customers and one channel received in arbitrary
// order: sort, checks, quarantine split and the customer index.
void BM_GroupRecords(benchmark::State& state) {
  Table customers = data().customers;
  customers.add("_record", ColumnType::Int64);
  customers.add("_reason", ColumnType::Int8);
  Table shuffled = data().usage.empty_like();
  {
    // Arrival order as after the shuffle: rounds of records interleaved
    // across customers, each round's records in bucket order.
    const Table& usage = data().usage;
    std::vector<std::size_t> rows;
    for (std::int64_t r = 0; r < kRecordsPerCustomer; ++r) {
      for (std::int64_t c = 0; c < kCustomers; ++c)
        rows.push_back(static_cast<std::size_t>(c * kRecordsPerCustomer + r));
    }
    const auto& id = usage.values<std::int64_t>("customer_id");
    constexpr std::size_t kRoundRows = 100'000;
    for (std::size_t first = 0; first < rows.size(); first += kRoundRows) {
      const auto last = rows.begin() + static_cast<std::ptrdiff_t>(std::min(rows.size(), first + kRoundRows));
      std::stable_sort(rows.begin() + static_cast<std::ptrdiff_t>(first), last,
                       [&](std::size_t a, std::size_t b) {
                         return bucket_of(id[a], kBuckets) < bucket_of(id[b], kBuckets);
                       });
    }
    for (const std::size_t row : rows) shuffled.append(usage, row, row + 1);
  }
  for (auto _ : state) {
    state.PauseTiming();
    std::vector<std::pair<std::string, Table>> channels;
    channels.emplace_back("usage", shuffled);
    Table customers_copy = customers;
    engine::Accounting accounting({"customers", "usage"});
    engine::GroupedCustomers grouped;
    state.ResumeTiming();
    engine::group_records(std::move(customers_copy), std::move(channels), kBuckets, accounting, grouped);
    benchmark::DoNotOptimize(grouped.channels.front().records.rows());
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(shuffled.rows()));
}
BENCHMARK(BM_GroupRecords)->Unit(benchmark::kMillisecond)->MinWarmUpTime(1.0)->MinTime(3.0);

// evaluate_into over kEvalRows rows of `table` (one thread, one scratch).
void evaluate(benchmark::State& state, const catalog::CompiledExpr& expr, const Table& table) {
  std::vector<const Column*> slots;
  for (const auto& name : expr.inputs) slots.push_back(&table.column(name));
  Column out(catalog::storage_type(expr.type));
  out.resize(kEvalRows);
  catalog::EvalScratch scratch;
  for (auto _ : state) {
    catalog::evaluate_into(expr, slots, 0, kEvalRows, scratch, out);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(kEvalRows));
}

// The night-call filter of the telecom catalog's facts, over usage records.
void BM_EvaluateFactFilter(benchmark::State& state) {
  catalog::NameScope scope;
  scope.add({"kind", catalog::ValueType::Int, {}});
  scope.add({"ts", catalog::ValueType::Int, {}});
  catalog::CompileOptions options;
  options.utc_offset_seconds = 8 * 3600;
  const auto expr =
      catalog::compile_expression("kind == 0 and (hour(ts) >= 22 or hour(ts) < 6)", scope, options);
  evaluate(state, expr, data().usage);
}
BENCHMARK(BM_EvaluateFactFilter)->Unit(benchmark::kMillisecond);

// The voice saturation rule of the telecom catalog, over customers' tags.
void BM_EvaluateRule(benchmark::State& state) {
  Table tags("tags");
  tags.add("voice_quota_min", ColumnType::Int64);
  tags.add("voice_minutes_billed", ColumnType::Int64);
  auto& quota = tags.values<std::int64_t>("voice_quota_min");
  auto& billed = tags.values<std::int64_t>("voice_minutes_billed");
  for (std::size_t i = 0; i < kEvalRows; ++i) {
    quota.push_back(i % 7 == 0 ? 0 : static_cast<std::int64_t>(100 + i % 900));
    billed.push_back(static_cast<std::int64_t>(mix64(i) % 1500));
  }
  catalog::NameScope scope;
  scope.add({"voice_quota_min", catalog::ValueType::Int, {}});
  scope.add({"voice_minutes_billed", catalog::ValueType::Int, {}});
  const auto expr = catalog::compile_expression(
      "if(voice_quota_min > 0, voice_minutes_billed / voice_quota_min, 0.0) >= 0.6", scope);
  evaluate(state, expr, tags);
}
BENCHMARK(BM_EvaluateRule)->Unit(benchmark::kMillisecond);

// Facts as the telecom catalog writes them, over the period's records.
const catalog::Catalog& fact_catalog() {
  static const catalog::Catalog c =
      catalog::compile_catalog(R"yaml(catalog: micro_bench
categories:
  - id: c
    subcategories:
      - id: s
        tags:
          - {id: voice_calls, fact: {channel: usage, agg: count, where: "kind == 0", window: {last_months: 1}}}
          - {id: usage_charge, fact: {channel: usage, agg: sum, of: charge}}
          - {id: night_cell, fact: {channel: usage, agg: most_frequent, of: cell_id, where: "hour(ts) >= 21 or hour(ts) < 7", window: {last_months: 1}}}
          - {id: peers_15d, fact: {channel: usage, agg: count_distinct, of: peer, where: "peer != 0", window: {last_days: 15}}}
)yaml",
                               "micro_bench.yaml", catalog::input_schema(period()));
  return c;
}

void BM_ComputeFact(benchmark::State& state, const char* tag_id) {
  const catalog::Tag& tag = *fact_catalog().find(tag_id);
  engine::CustomerBlock block;
  block.customers = &data().customers;
  block.channels["usage"] = {&data().usage, data().offsets};
  block.period_start = period().start();
  block.period_end = period().end();
  Column out(catalog::storage_type(tag.type));
  for (auto _ : state) {
    engine::compute_fact(tag, block, out);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(data().usage.rows()));
}
BENCHMARK_CAPTURE(BM_ComputeFact, count, "voice_calls")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ComputeFact, sum, "usage_charge")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ComputeFact, most_frequent, "night_cell")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_ComputeFact, count_distinct, "peers_15d")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace portrait

// MPI is initialised for the shuffle (on MPI_COMM_SELF); run without mpirun.
int main(int argc, char** argv) {
  portrait::parallel::MpiEnvironment mpi(&argc, &argv);
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}

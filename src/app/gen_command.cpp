// src/app/gen_command.cpp: `portrait gen`: synthetic shards for a period.
// Every rank builds the same population and writes its share of the shards;
// rank 0 also writes reference.h5 and truth.h5. Failures are agreed on
// collectively, so an error on one rank ends every rank without a hang.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>

#include "app/cli.hpp"
#include "core/error.hpp"
#include "core/period.hpp"
#include "io/schema.hpp"
#include "io/synthetic_generator.hpp"
#include "parallel/collectives.hpp"

namespace portrait::app {
namespace {

struct GenArguments {
  std::int64_t customers = 1000;
  std::string period = "2024-03";
  int months_of_billing = 3;
  std::uint64_t seed = 1;
  std::string out;
  double usage_per_customer = 30;
  double web_per_customer = 10;
  double service_per_customer = 0.3;
  double marketing_per_customer = 2;
  double dirty_rate = 0;
  int shards_per_day = 1;
  int compression = 0;
};

io::synthetic::Options to_options(const GenArguments& a) {
  if (a.customers < 1) throw Error("--customers must be at least 1", "portrait gen");
  if (a.months_of_billing < 1 || a.months_of_billing > 36) {
    throw Error("--months-of-billing must be 1..36", "portrait gen");
  }
  if (a.shards_per_day < 1 || a.shards_per_day > 24)
    throw Error("--shards-per-day must be 1..24", "portrait gen");
  if (a.dirty_rate < 0 || a.dirty_rate > 0.5) throw Error("--dirty-rate must be 0..0.5", "portrait gen");
  for (double v :
       {a.usage_per_customer, a.web_per_customer, a.service_per_customer, a.marketing_per_customer}) {
    if (v < 0 || v > 10000) throw Error("per-customer volumes must be 0..10000", "portrait gen");
  }
  io::synthetic::Options o;
  o.customers = a.customers;
  o.period = parse_period(a.period, "portrait gen --period");
  o.months_of_billing = a.months_of_billing;
  o.seed = a.seed;
  o.usage_per_customer = a.usage_per_customer;
  o.web_per_customer = a.web_per_customer;
  o.service_per_customer = a.service_per_customer;
  o.marketing_per_customer = a.marketing_per_customer;
  o.dirty_rate = a.dirty_rate;
  o.shards_per_day = a.shards_per_day;
  o.compression = a.compression;
  return o;
}

int run_gen(const GenArguments& args, const parallel::Comm& comm) {
  const auto started = std::chrono::steady_clock::now();
  const io::synthetic::Options options = to_options(args);
  io::synthetic::WriteCounts counts;
  int failed = 0;
  try {
    io::synthetic::Population population;
    io::synthetic::build_population(options, population);
    if (comm.is_root()) {
      std::filesystem::create_directories(args.out);
      io::synthetic::write_synthetic_reference(options,
                                               (std::filesystem::path(args.out) / "reference.h5").string());
      io::synthetic::write_synthetic_truth(population,
                                           (std::filesystem::path(args.out) / "truth.h5").string());
    }
    counts = io::synthetic::write_rank_shards(options, population, args.out, comm.rank(), comm.size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "portrait gen: error on rank %d: %s\n", comm.rank(), e.what());
    failed = 1;
  }
  if (parallel::maximum(comm, failed) != 0) return 1;

  std::array<std::uint64_t, 8> totals{};
  totals[0] = counts.shards;
  for (std::size_t c = 0; c < 7; ++c) totals[c + 1] = counts.rows[c];
  const std::vector<std::uint64_t> summed = parallel::sum(comm, std::span<const std::uint64_t>(totals));
  std::copy(summed.begin(), summed.end(), totals.begin());
  if (comm.is_root()) {
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("gen: %lld customers, period %s, %llu shards on %d rank(s) in %.2f s\n",
                static_cast<long long>(options.customers), options.period.to_string().c_str(),
                static_cast<unsigned long long>(totals[0]), comm.size(), seconds);
    const auto& schemas = io::channel_schemas();
    for (std::size_t c = 0; c < 7; ++c) {
      std::printf("rows %-10s %llu\n", schemas[c].name.c_str(),
                  static_cast<unsigned long long>(totals[c + 1]));
    }
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace

void add_gen_command(CLI::App& app, const parallel::Comm& comm, int& exit_code) {
  auto args = std::make_shared<GenArguments>();
  auto* sub = app.add_subcommand("gen", "Generate a realistic synthetic data set (shards, reference, truth)");
  sub->add_option("--customers", args->customers, "Number of customers")->required();
  sub->add_option("--period", args->period, "Month of the data, YYYY-MM")->required();
  sub->add_option("--months-of-billing", args->months_of_billing, "Billing months up to the period")
      ->capture_default_str();
  sub->add_option("--seed", args->seed, "Random seed; same seed, same data")->capture_default_str();
  sub->add_option("--out", args->out, "Output directory")->required();
  sub->add_option("--usage-per-customer", args->usage_per_customer, "Usage records per customer per month")
      ->capture_default_str();
  sub->add_option("--web-per-customer", args->web_per_customer, "Web records per customer per month")
      ->capture_default_str();
  sub->add_option("--service-per-customer", args->service_per_customer,
                  "Service contacts per customer per month")
      ->capture_default_str();
  sub->add_option("--marketing-per-customer", args->marketing_per_customer,
                  "Marketing contacts per customer per month")
      ->capture_default_str();
  sub->add_option("--dirty-rate", args->dirty_rate, "Share of dirty records, 0..0.5")->capture_default_str();
  sub->add_option("--shards-per-day", args->shards_per_day, "Usage and web files per day")
      ->capture_default_str();
  sub->add_option("--compression", args->compression, "Deflate level of the shards (0 none, 1 fast)")
      ->capture_default_str();
  sub->callback([args, &comm, &exit_code] { exit_code = run_gen(*args, comm); });
}

}  // namespace portrait::app

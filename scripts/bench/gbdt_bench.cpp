// scripts/bench/gbdt_bench.cpp: training the gradient-boosted trees at
// scale. Generates a customers x features matrix in-process per rank (the
// same values at any rank count: each from KeyedRandom(seed, customer,
// feature)) with a planted non-linear churn label, and times the binning
// alone and the whole training at this rank count. With --write FILE (one
// rank) it writes the matrix for scripts/bench/gbdt_xgboost.py instead: a
// header line "rows features", then float64 features row-major, int8 labels,
// int8 training flags (1 = a training customer, as portrait splits them).
// Usage: mpirun -np N gbdt_bench [--customers N] [--features F] [--trees T]
//        [--depth D] [--write FILE]
#include <mpi.h>
#include <omp.h>

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/hash.hpp"
#include "models/gbdt.hpp"
#include "models/gbdt_bins.hpp"
#include "parallel/mpi_context.hpp"

namespace portrait::models {
namespace {

constexpr std::uint32_t kBuckets = 4096;
constexpr std::uint64_t kSeed = 0x6bd7;

struct Options {
  std::int64_t customers = 2'000'000;
  std::size_t features = 40;
  int trees = 200;
  int depth = 6;
  std::string write;
};

struct Matrix {
  std::vector<Bucket> bucket;
  std::vector<CustomerId> id;
  std::vector<std::vector<double>> columns;
  std::vector<std::int8_t> label;
};

// Feature j of a customer: a mix of scales and shapes (normal, skewed
// money-like, counts, a few with missing values); the label depends on
// eight of them with thresholds and an interaction.
Matrix generate(const Options& o, const parallel::BucketRange& range) {
  Matrix m;
  std::vector<std::pair<Bucket, CustomerId>> keys;
  for (CustomerId c = 1; c <= o.customers; ++c) {
    const Bucket b = bucket_of(c, kBuckets);
    if (range.contains(b)) keys.emplace_back(b, c);
  }
  std::sort(keys.begin(), keys.end());
  const std::size_t n = keys.size();
  m.bucket.resize(n);
  m.id.resize(n);
  m.label.resize(n);
  m.columns.assign(o.features, std::vector<double>(n));
  const auto count = static_cast<long>(n);
#pragma omp parallel for schedule(static)
  for (long r = 0; r < count; ++r) {
    const auto i = static_cast<std::size_t>(r);
    m.bucket[i] = keys[i].first;
    m.id[i] = keys[i].second;
    KeyedRandom random(kSeed, static_cast<std::uint64_t>(m.id[i]));
    for (std::size_t j = 0; j < o.features; ++j) {
      const double u = random.uniform(), v = random.uniform();
      const double normal = std::sqrt(-2.0 * std::log(1.0 - u)) * std::cos(6.283185307179586 * v);
      double x = 0;
      switch (j % 4) {
        case 0:
          x = normal;
          break;
        case 1:
          x = std::round(std::exp(4.0 + 0.8 * normal));
          break;  // money-like, heavy tail
        case 2:
          x = std::floor(u * 12.0);
          break;  // a small count
        default:
          x = random.uniform() < 0.1 ? std::nan("") : normal * 3.0 + 10.0;
          break;
      }
      m.columns[j][i] = x;
    }
    const auto& c = m.columns;
    const double z = -2.0 + 1.5 * (c[0][i] > 0.5) * (c[2][i] < 4) + 0.008 * std::min(c[1][i], 300.0) +
                     (std::isnan(c[3][i]) ? 1.0 : 0.1 * (c[3][i] - 10.0)) + 0.8 * std::sin(c[4][i]) -
                     0.3 * c[6][i] / 12.0 + 0.6 * (c[8][i] > 1.0) +
                     (o.features > 10 ? 0.5 * c[9][i] / 100.0 : 0.0);
    m.label[i] = static_cast<std::int8_t>(random.uniform() < 1.0 / (1.0 + std::exp(-z)));
  }
  return m;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

double max_over_ranks(const parallel::Comm& comm, double seconds) {
  MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, comm.raw());
  return seconds;
}

void write_matrix(const Matrix& m, const GbdtOptions& options, const std::string& path) {
  std::FILE* out = std::fopen(path.c_str(), "wb");
  if (out == nullptr) throw std::runtime_error("cannot write " + path);
  const std::size_t n = m.id.size(), d = m.columns.size();
  std::fprintf(out, "%zu %zu\n", n, d);
  std::vector<double> row(d);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < d; ++j) row[j] = m.columns[j][i];
    std::fwrite(row.data(), sizeof(double), d, out);
  }
  std::fwrite(m.label.data(), 1, n, out);
  std::vector<std::int8_t> training(n);
  for (std::size_t i = 0; i < n; ++i) training[i] = options.subsets.of(m.id[i]) == Subset::Training;
  std::fwrite(training.data(), 1, n, out);
  std::fclose(out);
}

int run(int argc, char** argv) {
  const parallel::Comm world;
  Options o;
  for (int a = 1; a + 1 < argc; a += 2) {
    const std::string flag = argv[a];
    if (flag == "--customers") o.customers = std::atoll(argv[a + 1]);
    if (flag == "--features") o.features = static_cast<std::size_t>(std::atoll(argv[a + 1]));
    if (flag == "--trees") o.trees = std::atoi(argv[a + 1]);
    if (flag == "--depth") o.depth = std::atoi(argv[a + 1]);
    if (flag == "--write") o.write = argv[a + 1];
  }
  const parallel::BucketRange range = parallel::even_bucket_range(kBuckets, world.size(), world.rank());
  auto start = std::chrono::steady_clock::now();
  const Matrix m = generate(o, range);
  const double generated = max_over_ranks(world, seconds_since(start));
  GbdtOptions options;
  options.trees = o.trees;
  options.max_depth = o.depth;
  options.learning_rate = 0.1;
  options.max_bins = 255;
  if (!o.write.empty()) {
    if (world.size() != 1) throw std::runtime_error("--write runs on one rank");
    write_matrix(m, options, o.write);
    std::printf("wrote %zu x %zu to %s\n", m.id.size(), m.columns.size(), o.write.c_str());
    return 0;
  }
  CustomerRows rows{range, m.bucket, m.id, {}, {}, {}};
  for (std::size_t j = 0; j < o.features; ++j) {
    rows.features.emplace_back(m.columns[j]);
    rows.feature_names.push_back(fmt::format("f{}", j));
  }
  std::vector<char> training(m.id.size());
  for (std::size_t i = 0; i < m.id.size(); ++i) training[i] = options.subsets.of(m.id[i]) == Subset::Training;

  MPI_Barrier(world.raw());
  start = std::chrono::steady_clock::now();
  const std::vector<FeatureBins> bins =
      fit_bins(world, rows, std::vector<std::uint8_t>(o.features, 0), training, options.max_bins);
  const double cut = max_over_ranks(world, seconds_since(start));
  start = std::chrono::steady_clock::now();
  const BinnedRows binned = bin_rows(rows, bins);
  const double coded = max_over_ranks(world, seconds_since(start));

  MPI_Barrier(world.raw());
  start = std::chrono::steady_clock::now();
  const GbdtModel model = train_gbdt(world, rows, m.label, options, "bench");
  const double trained = max_over_ranks(world, seconds_since(start));
  if (world.is_root()) {
    std::printf("gbdt: %lld customers x %zu features, %d trees of depth %d, np %d x %d threads\n",
                static_cast<long long>(o.customers), o.features, o.trees, o.depth, world.size(),
                omp_get_max_threads());
    std::printf("generate %.2f s; quantile cuts %.2f s, bin codes %.2f s (%zu slots)\n", generated, cut,
                coded, static_cast<std::size_t>(binned.slots()));
    std::printf(
        "train %.2f s (%.1f ms per tree, binning included): %lld training customers, holdout AUC %.6f\n",
        trained, 1000.0 * trained / static_cast<double>(model.trees.size()),
        static_cast<long long>(model.training_rows), model.holdout.auc);
  }
  return 0;
}

}  // namespace
}  // namespace portrait::models

int main(int argc, char** argv) {
  portrait::parallel::MpiEnvironment environment(&argc, &argv);
  try {
    return portrait::models::run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "gbdt_bench: %s\n", e.what());
    portrait::parallel::Comm().abort(1);
  }
}

// tests/e2e/models_mlc_churn_driver.cpp: test driver of models_sklearn.sh:
// reads the numeric matrix written by models_sklearn.py (a test-only format:
// "rows cols", a header line, then "id churn features..." per row), trains
// the churn model and k-means (k = 5) on it over the ranks of the job, prints
// the holdout metrics and writes model, holdout ids and k-means to JSON, and
// the gradient-boosted trees for the XGBoost cross-check (100 trees of depth
// 6, learning rate 0.1, lambda 1, min child weight 1, 255 bins).
#include <mpi.h>

#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>

#include "core/error.hpp"
#include "core/hash.hpp"
#include "models/gbdt.hpp"
#include "models/kmeans.hpp"
#include "models/logistic.hpp"
#include "models/model_json.hpp"
#include "parallel/mpi_context.hpp"

namespace {

using namespace portrait;

constexpr std::uint32_t kBuckets = 64;

struct Matrix {
  std::vector<std::string> names;
  std::vector<CustomerId> id;
  std::vector<std::int8_t> churn;
  std::vector<std::vector<double>> columns;
};

Matrix read_matrix(const std::string& path) {
  std::ifstream in(path);
  std::size_t rows = 0, cols = 0;
  if (!(in >> rows >> cols)) throw Error("cannot read the matrix header", path);
  Matrix m;
  std::string name;
  in >> name >> name;  // "id churn"
  for (std::size_t j = 0; j < cols; ++j) {
    in >> name;
    m.names.push_back(name);
  }
  m.columns.assign(cols, {});
  for (std::size_t i = 0; i < rows; ++i) {
    CustomerId id = 0;
    int churn = 0;
    in >> id >> churn;
    m.id.push_back(id);
    m.churn.push_back(static_cast<std::int8_t>(churn));
    for (std::size_t j = 0; j < cols; ++j) {
      double value = 0;
      in >> value;
      m.columns[j].push_back(value);
    }
  }
  if (!in) throw Error("the matrix ends early", path);
  return m;
}

}  // namespace

int main(int argc, char** argv) {
  parallel::MpiEnvironment environment(&argc, &argv);
  const parallel::Comm world;
  if (argc != 3) {
    if (world.is_root()) std::cerr << "usage: models_mlc_churn_driver MATRIX OUTPUT.json\n";
    return 2;
  }
  try {
    const Matrix all = read_matrix(argv[1]);
    const parallel::BucketRange range = parallel::even_bucket_range(kBuckets, world.size(), world.rank());
    // This rank's customers in (bucket, id) order, as the engine hands them over.
    std::vector<std::size_t> order;
    for (std::size_t i = 0; i < all.id.size(); ++i) {
      const Bucket b = bucket_of(all.id[i], kBuckets);
      if (b >= range.begin && b < range.end) order.push_back(i);
    }
    std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
      const Bucket ba = bucket_of(all.id[a], kBuckets), bb = bucket_of(all.id[b], kBuckets);
      return ba != bb ? ba < bb : all.id[a] < all.id[b];
    });
    std::vector<Bucket> bucket;
    std::vector<CustomerId> id;
    std::vector<std::int8_t> churn;
    std::vector<std::vector<double>> columns(all.names.size());
    for (std::size_t i : order) {
      bucket.push_back(bucket_of(all.id[i], kBuckets));
      id.push_back(all.id[i]);
      churn.push_back(all.churn[i]);
      for (std::size_t j = 0; j < columns.size(); ++j) columns[j].push_back(all.columns[j][i]);
    }
    models::CustomerRows rows{range, bucket, id, {}, all.names};
    for (const auto& column : columns) rows.features.emplace_back(column);

    const models::LogisticOptions options;
    const models::LogisticModel model = models::train_logistic(world, rows, churn, options, "mlc_churn-test");
    models::KMeansOptions kmeans_options;
    kmeans_options.tolerance = 0.0;
    kmeans_options.max_iterations = 1000;
    const models::KMeansResult kmeans = models::train_kmeans(world, rows, kmeans_options);
    models::GbdtOptions gbdt_options;
    gbdt_options.trees = 100;
    gbdt_options.max_depth = 6;
    gbdt_options.learning_rate = 0.1;
    const models::GbdtModel trees = models::train_gbdt(world, rows, churn, gbdt_options, "mlc_churn-test");

    if (world.is_root()) {
      const models::BinaryMetrics& h = model.holdout;
      std::printf("churn model: %d Newton iterations, converged %s, %lld training customers\n",
                  model.iterations, model.converged ? "yes" : "no",
                  static_cast<long long>(model.training_rows));
      std::printf(
          "holdout AUC %.6f precision %.4f recall %.4f (threshold %.2f) lift top decile %.3f top 1%% %.3f "
          "(%lld customers, %lld churned)\n",
          h.auc, h.precision, h.recall, h.threshold, h.lift_top_decile, h.lift_top_percent,
          static_cast<long long>(h.count), static_cast<long long>(h.positives));
      std::printf(
          "gradient-boosted trees: %zu trees of depth %d, holdout AUC %.6f precision %.4f recall %.4f\n",
          trees.trees.size(), gbdt_options.max_depth, trees.holdout.auc, trees.holdout.precision,
          trees.holdout.recall);
      std::printf("k-means k=%zu: inertia %.6f after %d iterations, sizes", kmeans.k, kmeans.inertia,
                  kmeans.iterations);
      for (std::int64_t size : kmeans.sizes) std::printf(" %lld", static_cast<long long>(size));
      std::printf("\n");
      nlohmann::json out;
      out["model"] = nlohmann::json::parse(models::logistic_to_json(model));
      out["gbdt"] = nlohmann::json::parse(models::gbdt_to_json(trees));
      std::vector<CustomerId> holdout;
      for (CustomerId customer : all.id) {
        if (models::in_holdout(customer, options.holdout_salt, options.holdout_percent))
          holdout.push_back(customer);
      }
      out["holdout_ids"] = holdout;
      const std::size_t d = all.names.size();
      nlohmann::json initial = nlohmann::json::array();
      for (std::size_t c = 0; c < kmeans.k; ++c) {
        initial.push_back(
            std::vector<double>(kmeans.initial_centres.begin() + static_cast<std::ptrdiff_t>(c * d),
                                kmeans.initial_centres.begin() + static_cast<std::ptrdiff_t>((c + 1) * d)));
      }
      out["kmeans"] = {{"initial_centres", initial},
                       {"inertia", kmeans.inertia},
                       {"iterations", kmeans.iterations},
                       {"sizes", kmeans.sizes},
                       {"centres", kmeans.centres}};
      std::ofstream(argv[2]) << out.dump(1) << "\n";
    }
  } catch (const Error& e) {
    std::cerr << "rank " << world.rank() << ": " << e.what() << "\n";
    world.abort(1);
  }
  return 0;
}

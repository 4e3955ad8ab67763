// src/catalog/catalog.cpp: names of catalog enums and merge policies,
// lookups in a compiled catalog, time windows, and reading a catalog file.
#include "catalog/catalog.hpp"

#include <fstream>
#include <sstream>

#include "catalog/expr_eval.hpp"
#include "core/error.hpp"

namespace portrait::catalog {

std::string_view to_string(TagState state) {
  switch (state) {
    case TagState::Draft:
      return "draft";
    case TagState::Online:
      return "online";
    case TagState::Offline:
      return "offline";
  }
  return "";
}

std::string_view to_string(FactAgg agg) {
  switch (agg) {
    case FactAgg::Count:
      return "count";
    case FactAgg::Sum:
      return "sum";
    case FactAgg::Avg:
      return "avg";
    case FactAgg::Min:
      return "min";
    case FactAgg::Max:
      return "max";
    case FactAgg::CountDistinct:
      return "count_distinct";
    case FactAgg::MostFrequent:
      return "most_frequent";
    case FactAgg::First:
      return "first";
    case FactAgg::Last:
      return "last";
    case FactAgg::Share:
      return "share";
  }
  return "";
}

std::string_view to_string(MeasureKind kind) {
  switch (kind) {
    case MeasureKind::Count:
      return "count";
    case MeasureKind::Sum:
      return "sum";
    case MeasureKind::Avg:
      return "avg";
    case MeasureKind::Share:
      return "share";
    case MeasureKind::Median:
      return "median";
    case MeasureKind::P90:
      return "p90";
    case MeasureKind::Distinct:
      return "distinct";
  }
  return "";
}

TimeRange window_range(const Window& window, std::int64_t period_start, std::int64_t period_end) {
  constexpr std::int64_t kDay = 86400;
  switch (window.kind) {
    case Window::Kind::Period:
      return {period_start, period_end};
    case Window::Kind::LastDays:
      return {period_end - window.n * kDay, period_end};
    case Window::Kind::DaysBeforeEnd:
      return {period_end - window.m * kDay, period_end - window.n * kDay};
    case Window::Kind::LastMonths: {
      std::int64_t y;
      unsigned m, d;
      civil_from_days(period_start / kDay - (period_start % kDay < 0 ? 1 : 0), y, m, d);
      const std::int64_t months = y * 12 + (m - 1) - (window.n - 1);
      const std::int64_t start_year = months >= 0 ? months / 12 : (months - 11) / 12;
      const auto start_month = static_cast<unsigned>(months - start_year * 12 + 1);
      return {days_from_civil(start_year, start_month, 1) * kDay, period_end};
    }
  }
  return {period_start, period_end};
}

const Tag* Catalog::find(std::string_view id) const {
  for (const auto& t : tags) {
    if (t.id == id) return &t;
  }
  return nullptr;
}

std::size_t Catalog::fact_count() const {
  std::size_t n = 0;
  for (const auto& t : tags) n += t.kind == TagKind::Fact;
  return n;
}

std::size_t Catalog::rule_count() const {
  std::size_t n = 0;
  for (const auto& t : tags) n += t.kind == TagKind::Rule;
  return n;
}

CatalogSource read_catalog_source(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("cannot read the catalog file", path, "check the path and its permissions");
  std::ostringstream text;
  text << in.rdbuf();
  return {path, text.str()};
}

Catalog load_catalog(const std::string& path, const CatalogSchema& schema) {
  return compile_catalog(read_catalog_source(path), schema);
}

std::string_view to_string(ModelKind kind) {
  switch (kind) {
    case ModelKind::Logistic:
      return "logistic";
    case ModelKind::KMeans:
      return "kmeans";
    case ModelKind::Rfm:
      return "rfm";
    case ModelKind::Gbdt:
      return "gbdt";
    case ModelKind::Champion:
      return "champion";
    case ModelKind::PageRank:
      return "pagerank";
  }
  return "";
}

std::string_view to_string(ModelMetric metric) {
  switch (metric) {
    case ModelMetric::Auc:
      return "auc";
    case ModelMetric::LogLoss:
      return "log_loss";
    case ModelMetric::Precision:
      return "precision";
    case ModelMetric::Recall:
      return "recall";
    case ModelMetric::LiftTop1:
      return "lift_1";
    case ModelMetric::LiftTop5:
      return "lift_5";
    case ModelMetric::LiftTop10:
      return "lift_10";
  }
  return "";
}

std::string_view to_string(MergePolicy policy) {
  switch (policy) {
    case MergePolicy::None:
      return "none";
    case MergePolicy::Sum:
      return "sum";
    case MergePolicy::Min:
      return "min";
    case MergePolicy::Max:
      return "max";
    case MergePolicy::Any:
      return "any";
    case MergePolicy::All:
      return "all";
    case MergePolicy::MostFrequent:
      return "most_frequent";
    case MergePolicy::Latest:
      return "latest";
    case MergePolicy::ChannelPriority:
      return "channel_priority";
  }
  return "";
}

std::string merge_description(const Tag& tag) {
  std::string text(to_string(tag.merge));
  if (tag.merge == MergePolicy::Latest) text += " by " + tag.merge_by;
  if (tag.merge == MergePolicy::ChannelPriority) {
    text += '(';
    for (std::size_t k = 0; k < tag.merge_channels.size(); ++k) {
      if (k > 0) text += ',';
      text += tag.merge_channels[k];
    }
    text += ')';
  }
  return text;
}

}  // namespace portrait::catalog

// src/stats/run_report.cpp: tag distributions with MPI and the HTML page.
#include "stats/run_report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>

#include "core/types.hpp"
#include "parallel/collective_error.hpp"
#include "parallel/collectives.hpp"

namespace portrait::stats {
namespace {

double nice_step(double raw) {
  if (!(raw > 0)) return 1;
  const double power = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0}) {
    if (m * power >= raw) return m * power;
  }
  return 10 * power;
}

std::string format_value(double v, bool integer) {
  if (integer) return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{:.4g}", v);
}

std::string format_count(std::int64_t n) {
  // Thousands separated by a thin space, as the statistics tables read best.
  std::string digits = std::to_string(n < 0 ? -n : n);
  std::string out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += "\u2009";
    out += digits[i];
  }
  return n < 0 ? "-" + out : out;
}

std::string format_json_value(const nlohmann::json& v) {
  if (v.is_number_integer()) return format_count(v.get<std::int64_t>());
  if (v.is_number_float()) {
    const double x = v.get<double>();
    // Large values as whole numbers, small ones with four significant digits.
    if (std::abs(x) >= 1000) return format_count(static_cast<std::int64_t>(std::llround(x)));
    return fmt::format("{:.4g}", x);
  }
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "-";
  return v.dump();
}

// A statistic's name: its English name, else the Chinese one, else its id.
std::string display_name(const nlohmann::json& statistic) {
  const auto name = statistic.value("name", nlohmann::json());
  if (name.is_string()) return name.get<std::string>();
  if (name.is_object()) {
    for (const char* language : {"en", "zh"}) {
      if (name.contains(language) && !name[language].get<std::string>().empty()) return name[language];
    }
  }
  return statistic.value("id", "");
}

const char* kStyle = R"(
body{margin:0;font-family:"DejaVu Sans",Helvetica,Arial,sans-serif;color:#1f2933;background:#f4f6f8;font-size:14px}
header{background:#1f3a5f;color:#fff;padding:22px 36px}
header h1{margin:0 0 6px;font-size:24px;font-weight:600}
header p{margin:0;color:#c9d6e6}
main{padding:8px 36px 36px}
section{background:#fff;border:1px solid #dde3ea;border-radius:6px;margin:20px 0;padding:16px 22px}
h2{font-size:18px;margin:4px 0 12px;color:#1f3a5f}
h3{font-size:14px;margin:14px 0 6px}
table{border-collapse:collapse;margin:6px 0 12px;font-size:12px}
th,td{border:1px solid #dde3ea;padding:4px 8px;text-align:right}
th{background:#eef2f6;font-weight:600}
td.text,th.text{text-align:left}
.kpis{display:flex;gap:14px;flex-wrap:wrap}
.kpi{background:#eef2f6;border-radius:6px;padding:10px 16px;min-width:130px}
.kpi b{display:block;font-size:20px;color:#1f3a5f}
.grid{display:grid;grid-template-columns:repeat(2,minmax(0,1fr));gap:12px}
.card{border:1px solid #e5e9ef;border-radius:6px;padding:8px 12px}
.card h3{margin:2px 0 2px}
.card p{margin:0 0 4px;color:#52606d;font-size:12px}
.note{color:#52606d;font-size:12px}
.heatmap td{min-width:54px}
.warn{color:#9a3412}
.scroll{overflow:auto;max-height:360px}
)";

void add_table(std::string& html, const std::vector<std::string>& header,
               const std::vector<std::vector<std::string>>& rows, std::size_t text_columns) {
  html += "<table><thead><tr>";
  for (std::size_t c = 0; c < header.size(); ++c)
    html += fmt::format("<th{}>{}</th>", c < text_columns ? " class=\"text\"" : "", escape_html(header[c]));
  html += "</tr></thead><tbody>";
  for (const auto& row : rows) {
    html += "<tr>";
    for (std::size_t c = 0; c < row.size(); ++c)
      html += fmt::format("<td{}>{}</td>", c < text_columns ? " class=\"text\"" : "", escape_html(row[c]));
    html += "</tr>";
  }
  html += "</tbody></table>";
}

void statistics_section(std::string& html, const std::string& statistics_json) {
  html += "<section><h2>Segment statistics</h2>";
  nlohmann::json stats =
      statistics_json.empty() ? nlohmann::json::array() : nlohmann::json::parse(statistics_json);
  if (stats.empty()) html += "<p class=\"note\">The run computed no statistics.</p>";
  for (const auto& s : stats) {
    const auto group_by = s.value("group_by", std::vector<std::string>{});
    const auto measures = s.value("measures", std::vector<std::string>{});
    html += fmt::format("<h3>{} <span class=\"note\">({})</span></h3>", escape_html(display_name(s)),
                        escape_html(s.value("id", "")));
    std::vector<std::string> header = group_by;
    header.emplace_back("customers");
    header.insert(header.end(), measures.begin(), measures.end());
    std::vector<std::vector<std::string>> rows;
    std::vector<Bar> bars;
    std::int64_t total = 0;
    for (const auto& g : s.value("groups", nlohmann::json::array()))
      total += g.value("customers", std::int64_t{0});
    for (const auto& g : s.value("groups", nlohmann::json::array())) {
      std::vector<std::string> row;
      std::string label;
      for (const auto& key : group_by) {
        row.push_back(g.contains(key) ? format_json_value(g[key]) : "-");
        label += (label.empty() ? "" : " / ") + row.back();
      }
      const auto customers = g.value("customers", std::int64_t{0});
      row.push_back(format_count(customers));
      for (const auto& key : measures) row.push_back(g.contains(key) ? format_json_value(g[key]) : "-");
      rows.push_back(std::move(row));
      bars.push_back({label, static_cast<double>(customers),
                      fmt::format("{} ({:.1f}%)", format_count(customers), share_percent(customers, total))});
    }
    if (group_by.size() == 1 && !bars.empty()) html += bar_chart_svg(bars);
    html += "<div class=\"scroll\">";
    add_table(html, header, rows, group_by.size());
    html += "</div>";
  }
  html += "</section>";
}

void comparison_section(std::string& html, const RunComparison& c) {
  html += fmt::format("<section><h2>Month over month: {} to {}</h2>", escape_html(c.period_a),
                      escape_html(c.period_b));
  html += "<div class=\"kpis\">";
  for (const auto& [label, value] :
       std::vector<std::pair<std::string, std::int64_t>>{{"customers in " + c.period_a, c.customers_a},
                                                         {"customers in " + c.period_b, c.customers_b},
                                                         {"in both months", c.both},
                                                         {"new customers", c.added},
                                                         {"lost customers", c.lost}}) {
    html += fmt::format("<div class=\"kpi\"><b>{}</b>{}</div>", format_count(value), escape_html(label));
  }
  html += "</div>";
  for (const auto& t : c.tags) {
    if (!t.tag.migration) continue;
    const std::size_t n = t.tag.values.size();
    std::int64_t stayed = 0, moved = 0;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) (i == j ? stayed : moved) += t.counts.matrix[i * n + j];
    }
    html += fmt::format(
        "<h3>Migration of {}</h3><p class=\"note\">Rows: value in {}; columns: value in {}; cells "
        "shaded by their share of the row. {} customers kept their value, {} moved.</p>",
        escape_html(t.tag.id), escape_html(c.period_a), escape_html(c.period_b), format_count(stayed),
        format_count(moved));
    // The matrix with the lost customers as a last column and the new ones as a last row.
    std::vector<std::string> rows = t.tag.values;
    rows.emplace_back("(new)");
    std::vector<std::string> columns = t.tag.values;
    columns.emplace_back("(lost)");
    std::vector<std::int64_t> cells;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = 0; j < n; ++j) cells.push_back(t.counts.matrix[i * n + j]);
      cells.push_back(t.counts.lost_by[i]);
    }
    for (std::size_t j = 0; j < n; ++j) cells.push_back(t.counts.added_by[j]);
    cells.push_back(0);
    html += heatmap_table_html(rows, columns, cells);
    std::vector<std::vector<std::string>> share_rows;
    for (std::size_t v = 0; v < n; ++v) {
      const double a = share_percent(t.counts.a[v], c.customers_a);
      const double b = share_percent(t.counts.b[v], c.customers_b);
      share_rows.push_back({t.tag.values[v], format_count(t.counts.a[v]), format_count(t.counts.b[v]),
                            fmt::format("{:.2f}%", a), fmt::format("{:.2f}%", b),
                            fmt::format("{:+.2f}", b - a)});
    }
    add_table(html,
              {"value", "customers " + c.period_a, "customers " + c.period_b, "share " + c.period_a,
               "share " + c.period_b, "change (points)"},
              share_rows, 1);
  }
  for (const auto& w : c.warnings) html += "<p class=\"warn\">" + escape_html(w) + "</p>";
  html += "</section>";
}

void distributions_section(std::string& html, const RunOutput& run, const std::vector<TagDistribution>& ds) {
  html +=
      "<section><h2>Tag distributions</h2><p class=\"note\">Exact counts over all customers of the run. "
      "Numeric tags: histograms up to the 99th percentile, larger values in the last bin.</p><div "
      "class=\"grid\">";
  for (const auto& d : ds) {
    const catalog::Tag* tag = run.catalog ? run.catalog->find(d.tag) : nullptr;
    const std::string name = tag ? (tag->name.en.empty() ? tag->name.zh : tag->name.en) : std::string();
    html += fmt::format("<div class=\"card\"><h3>{}</h3><p>{}", escape_html(d.tag), escape_html(name));
    if (d.shape == TagShape::Numeric) {
      const auto& s = d.summary;
      html += fmt::format("{}{} with a value, {} missing", name.empty() ? "" : " · ", format_count(s.count),
                          format_count(d.missing));
      if (s.mean) html += fmt::format("; mean {:.4g}, median {:.4g}", *s.mean, *s.median);
      html += "</p>" + histogram_svg(d.bins, 520, 170);
    } else {
      std::int64_t total = 0;
      for (const auto& b : d.bins) total += b.count;
      html += "</p>";
      std::vector<Bar> bars;
      for (const auto& b : d.bins) {
        if (b.count == 0 && b.label == kMissingValue) continue;
        bars.push_back({b.label, static_cast<double>(b.count),
                        fmt::format("{:.1f}% ({})", share_percent(b.count, total), format_count(b.count))});
      }
      html += bar_chart_svg(bars, 520);
    }
    html += "</div>";
  }
  html += "</div></section>";
}

// Probabilistic identity linking: what blocking made, the trained model's
// m/u table, the pairs by match probability and what each profile linked.
void linking_section(std::string& html, const nlohmann::json& linking) {
  html += "<section><h2>Identity linking</h2>";
  html += "<div class=\"kpis\">";
  for (const auto& [label, key] : std::vector<std::pair<std::string, std::string>>{
           {"pairs compared", "pairs_compared"},
           {"pairs in blocks", "pairs_in_blocks"},
           {"pairs not made (blocks over the cap)", "pairs_over_cap"},
           {"pairs of one person already", "pairs_same_person"}}) {
    html += fmt::format("<div class=\"kpi\"><b>{}</b>{}</div>",
                        format_json_value(linking.value(key, nlohmann::json())), escape_html(label));
  }
  html += fmt::format("<div class=\"kpi\"><b>{:.4f}</b>match share (EM, {} iterations)</div></div>",
                      linking.value("match_share", 0.0),
                      linking.contains("em") ? linking["em"].value("iterations", 0) : 0);
  std::vector<std::vector<std::string>> rows;
  for (const auto& b : linking.value("blocks", nlohmann::json::array())) {
    rows.push_back({b.value("name", ""), format_json_value(b.value("blocks", nlohmann::json())),
                    format_json_value(b.value("largest_block", nlohmann::json())),
                    format_json_value(b.value("pairs_in_blocks", nlohmann::json())),
                    format_json_value(b.value("pairs_compared", nlohmann::json())),
                    format_json_value(b.value("blocks_over_cap", nlohmann::json())),
                    format_json_value(b.value("largest_block_over_cap", nlohmann::json())),
                    format_json_value(b.value("pairs_over_cap", nlohmann::json()))});
  }
  html += fmt::format(
      "<h3>Blocking keys</h3><p class=\"note\">A block holds the customers sharing one key; a "
      "block of more than {} customers makes no pairs. A pair is compared in the first block "
      "both share.</p>",
      format_json_value(linking.value("max_block_customers", nlohmann::json())));
  add_table(html,
            {"keys", "blocks", "largest", "pairs in blocks", "pairs compared", "blocks over the cap",
             "largest over the cap", "pairs not made"},
            rows, 1);
  rows.clear();
  for (const auto& c : linking.value("comparisons", nlohmann::json::array())) {
    for (const auto& l : c.value("levels", nlohmann::json::array())) {
      rows.push_back({c.value("name", ""), l.value("label", ""), fmt::format("{:.6f}", l.value("m", 0.0)),
                      fmt::format("{:.6f}", l.value("u", 0.0)),
                      format_json_value(l.value("weight", nlohmann::json()))});
    }
  }
  html +=
      "<h3>Fellegi-Sunter model</h3><p class=\"note\">m: share of matches at the level, u: of non-matches; "
      "weight log2(m/u).</p>";
  add_table(html, {"comparison", "level", "m", "u", "weight"}, rows, 2);
  std::vector<HistogramBin> bins;
  for (const auto& b : linking.value("pair_probabilities", nlohmann::json::array())) {
    bins.push_back({fmt::format("[{:g}, {:g})", b.value("from", 0.0), b.value("to", 0.0)),
                    b.value("pairs", std::int64_t{0})});
  }
  html += "<h3>Compared pairs by match probability</h3>" + histogram_svg(bins, 560, 170);
  rows.clear();
  for (const auto& p : linking.value("profiles", nlohmann::json::array())) {
    std::string sizes;
    for (const auto& bin : p.value("component_sizes", nlohmann::json::array())) {
      if (bin.value("components", std::int64_t{0}) == 0) continue;
      sizes += fmt::format("{}{}: {}", sizes.empty() ? "" : ", ", bin.value("size", ""),
                           format_json_value(bin.value("components", nlohmann::json())));
    }
    rows.push_back({p.value("name", ""), fmt::format("p >= {:g}", p.value("min_probability", 0.0)),
                    format_json_value(p.value("links", nlohmann::json())),
                    format_json_value(p.value("persons", nlohmann::json())), sizes});
  }
  html +=
      "<h3>Profiles</h3><p class=\"note\">Each use of person ids links the pairs at or above its "
      "threshold, on top of the identifiers' links; persons are the components.</p>";
  add_table(html, {"profile", "links at", "links", "persons", "components by size"}, rows, 2);
  html += "</section>";
}

// The metrics' JSON key of a `select_by` name.
std::string metric_key(const std::string& metric) {
  if (metric == "lift_1") return "lift_top_percent";
  if (metric == "lift_5") return "lift_top_5_percent";
  if (metric == "lift_10") return "lift_top_decile";
  return metric;
}

std::string metric_text(const nlohmann::json& m, const char* key, bool percent = false) {
  if (!m.contains(key) || !m[key].is_number()) return "-";
  const double v = m[key].get<double>();
  return percent ? fmt::format("{:.2f}%", 100 * v) : fmt::format("{:.4g}", v);
}

// Propensity models: the comparison table of their candidates (the form the
// source documents report: precision, recall, lift), the champion's
// calibration by decile and its features by gain; PageRank's graph.
void models_section(std::string& html, const nlohmann::json& manifest) {
  if (!manifest.contains("models")) return;
  html += "<section><h2>Models</h2>";
  for (const auto& [id, model] : manifest["models"].items()) {
    if (model.contains("comparison")) {
      const auto& table = model["comparison"];
      const std::string metric = table.value("metric", "auc");
      html += fmt::format("<h3>{} <span class=\"note\">({}; champion {} by validation {})</span></h3>",
                          escape_html(id), escape_html(model.value("kind", "")),
                          escape_html(table.value("champion", "")), escape_html(metric));
      std::vector<std::vector<std::string>> rows;
      nlohmann::json champion;
      for (const auto& c : table["candidates"]) {
        const auto& v = c["validation"];
        const auto& h = c["holdout"];
        if (c.value("champion", false)) champion = c;
        rows.push_back(
            {c.value("name", "") + (c.value("champion", false) ? " ★" : ""), c.value("kind", ""),
             v.value("count", std::int64_t{0}) > 0 ? metric_text(v, metric_key(metric).c_str()) : "-",
             format_count(h.value("count", std::int64_t{0})),
             format_count(h.value("positives", std::int64_t{0})), metric_text(h, "auc"),
             metric_text(h, "log_loss"), metric_text(h, "precision", true), metric_text(h, "recall", true),
             metric_text(h, "lift_top_percent"), metric_text(h, "lift_top_5_percent"),
             metric_text(h, "lift_top_decile")});
      }
      add_table(html,
                {"candidate", "kind", "validation " + metric, "holdout customers", "positives", "AUC",
                 "log loss", "precision", "recall", "lift top 1%", "lift top 5%", "lift top 10%"},
                rows, 2);
      if (!champion.is_null()) {
        const auto& h = champion["holdout"];
        html += fmt::format("<p class=\"note\">Holdout customers, precision and recall at score &ge; {}.</p>",
                            metric_text(h, "threshold"));
        std::vector<std::vector<std::string>> deciles;
        int k = 0;
        for (const auto& bin : h.value("calibration", nlohmann::json::array())) {
          const auto count = bin.value("count", std::int64_t{0});
          const auto positives = bin.value("positives", std::int64_t{0});
          deciles.push_back(
              {std::to_string(++k), format_count(count), metric_text(bin, "mean_score"),
               count > 0 ? fmt::format("{:.4g}", static_cast<double>(positives) / static_cast<double>(count))
                         : "-"});
        }
        html += "<h3>Calibration of " + escape_html(champion.value("name", "")) + " by decile</h3>";
        add_table(html, {"decile (highest scores first)", "customers", "mean score", "observed rate"},
                  deciles, 1);
      }
    }
    // A gbdt's importances, or those of a champion that is one.
    nlohmann::json importance = model.value("importance", nlohmann::json::array());
    if (model.contains("champion") && model.contains("candidates")) {
      const std::string champion = model["champion"];
      if (model["candidates"].contains(champion)) {
        importance = model["candidates"][champion].value("importance", nlohmann::json::array());
      }
    }
    if (!importance.empty()) {
      std::vector<Bar> bars;
      for (const auto& f : importance) {
        bars.push_back({f.value("feature", ""), f.value("share", 0.0),
                        fmt::format("{:.1f}% of the gain, {} splits", 100 * f.value("share", 0.0),
                                    f.value("splits", std::int64_t{0}))});
      }
      html += "<h3>" + escape_html(id) + ": features by gain</h3>" + bar_chart_svg(bars);
    }
    if (model.value("kind", "") == "pagerank") {
      html += fmt::format("<h3>{} <span class=\"note\">(PageRank of the contact graph)</span></h3>",
                          escape_html(id));
      add_table(html, {"customers", "contact pairs", "iterations", "leaders", "leader score from"},
                {{format_json_value(model.value("customers", nlohmann::json())),
                  format_json_value(model.value("edges", nlohmann::json())),
                  format_json_value(model.value("iterations", nlohmann::json())),
                  format_json_value(model.value("leaders", nlohmann::json())),
                  format_json_value(model.value("leader_cut", nlohmann::json()))}},
                0);
    }
  }
  html += "</section>";
}

void run_section(std::string& html, const RunOutput& run) {
  const auto& m = run.manifest;
  html += "<section><h2>The run</h2><h3>Records by channel</h3>";
  std::vector<std::vector<std::string>> rows;
  if (m.contains("accounting")) {
    for (const auto& [channel, a] : m["accounting"].items()) {
      std::string reasons;
      // A named copy: iterating items() of value()'s temporary would dangle.
      const nlohmann::json by_reason = a.value("quarantined_by_reason", nlohmann::json::object());
      for (const auto& [reason, n] : by_reason.items())
        reasons += fmt::format("{}{}: {}", reasons.empty() ? "" : ", ", reason, format_json_value(n));
      rows.push_back({channel, format_json_value(a.value("read", nlohmann::json())),
                      format_json_value(a.value("used", nlohmann::json())),
                      format_json_value(a.value("quarantined", nlohmann::json())),
                      reasons.empty() ? "-" : reasons, a.value("balanced", false) ? "yes" : "NO"});
    }
  }
  add_table(html,
            {"channel", "read", "used", "quarantined", "quarantine reasons", "read = used + quarantined"},
            rows, 1);
  std::vector<Bar> phases;
  if (m.contains("phase_seconds")) {
    for (const auto& [phase, seconds] : m["phase_seconds"].items())
      phases.push_back({phase, seconds.get<double>(), fmt::format("{:.3f} s", seconds.get<double>())});
  }
  html += fmt::format(
      "<h3>Phase times</h3><p class=\"note\">Wall time {:.3f} s on {} rank(s) × {} thread(s).</p>",
      m.value("wall_seconds", 0.0), m.value("ranks", 0), m.value("threads_per_rank", 0));
  html += bar_chart_svg(phases);
  std::vector<Bar> memory;
  if (m.contains("peak_rss_bytes_per_rank")) {
    int rank = 0;
    for (const auto& bytes : m["peak_rss_bytes_per_rank"]) {
      const double mb = static_cast<double>(bytes.get<std::int64_t>()) / (1024.0 * 1024.0);
      memory.push_back({fmt::format("rank {}", rank++), mb, fmt::format("{:.1f} MB", mb)});
    }
  }
  html += fmt::format("<h3>Peak memory per rank</h3><p class=\"note\">Memory budget {} MB per rank.</p>",
                      m.value("memory_budget_mb", 0));
  html += bar_chart_svg(memory);
  html += "</section>";
}

}  // namespace

std::size_t Binning::bin_of(double value) const {
  const double k = std::floor((value - start) / step);
  if (k < 0) return 0;
  if (k >= static_cast<double>(bins)) return overflow ? bins : bins - 1;
  return static_cast<std::size_t>(k);
}

std::vector<std::string> Binning::labels(bool integer) const {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < bins; ++i) {
    const double low = start + step * static_cast<double>(i);
    if (integer && step == 1) {
      out.push_back(format_value(low, true));
    } else {
      out.push_back(fmt::format("[{}, {})", format_value(low, integer), format_value(low + step, integer)));
    }
  }
  if (overflow) out.push_back("≥ " + format_value(start + step * static_cast<double>(bins), integer));
  return out;
}

Binning choose_binning(double low, double high, double max, bool integer, std::size_t wanted) {
  Binning b;
  if (!(high > low)) high = max > low ? max : low;
  double step = nice_step((high - low) / static_cast<double>(wanted));
  if (integer) step = std::max(1.0, std::ceil(step));
  b.step = step;
  b.start = std::floor(low / step) * step;
  b.bins = static_cast<std::size_t>(std::max(1.0, std::floor((high - b.start) / step) + 1));
  b.overflow = max >= b.start + step * static_cast<double>(b.bins);
  return b;
}

std::vector<TagDistribution> tag_distributions(const parallel::Comm& comm, const RunOutput& run) {
  std::vector<std::string> warnings;
  std::vector<ComparedTag> tags = compared_tags(run, run, {}, warnings);
  const parallel::BucketRange range = parallel::even_bucket_range(run.buckets, comm.size(), comm.rank());
  Table rows;
  parallel::collectively(comm, [&] {
    std::vector<std::string> columns = {"customer_id", "bucket"};
    for (const auto& t : tags) columns.push_back(t.id);
    rows = read_customer_rows(run, range, columns);
  });
  const auto& bucket = rows.values<std::int32_t>("bucket");

  // Numeric tags: minimum, median, 99th percentile and maximum over all
  // ranks choose the bins; the local values are then counted into them.
  std::vector<std::size_t> numeric;
  std::vector<LocalValues> local;
  for (std::size_t t = 0; t < tags.size(); ++t) {
    if (tags[t].shape != TagShape::Numeric) continue;
    numeric.push_back(t);
    local.push_back(local_values(rows.column(tags[t].id), bucket, range));
  }
  const auto summaries = summarize_values(comm, range, local, {0.0, 0.5, 0.99, 1.0});

  std::vector<TagDistribution> out(tags.size());
  std::vector<Binning> binnings(numeric.size());
  std::vector<std::int64_t> bin_counts;
  std::vector<std::size_t> bin_offset(numeric.size() + 1, 0);
  for (std::size_t k = 0; k < numeric.size(); ++k) {
    const ValueSummary& s = summaries[k];
    TagDistribution& d = out[numeric[k]];
    d.summary.count = s.count;
    d.missing = s.missing;
    if (s.count > 0) {
      d.summary.mean = s.mean;
      d.summary.median = s.quantiles[1];
      binnings[k] = choose_binning(s.quantiles[0], s.quantiles[2], s.quantiles[3], tags[numeric[k]].integer);
    }
    bin_offset[k + 1] = bin_offset[k] + (s.count > 0 ? binnings[k].bins + (binnings[k].overflow ? 1 : 0) : 0);
  }
  bin_counts.assign(bin_offset.back(), 0);
  for (std::size_t k = 0; k < numeric.size(); ++k) {
    if (out[numeric[k]].summary.count == 0) continue;
    for (std::int64_t v : local[k].sorted)
      ++bin_counts[bin_offset[k] + binnings[k].bin_of(local[k].value(v))];
  }
  // Categorical and boolean tags: counts by value, then every count summed at once.
  std::vector<std::size_t> value_offset(tags.size() + 1, bin_counts.size());
  for (std::size_t t = 0; t < tags.size(); ++t)
    value_offset[t + 1] = value_offset[t] + (tags[t].shape == TagShape::Numeric ? 0 : tags[t].values.size());
  bin_counts.resize(value_offset.back(), 0);
  for (std::size_t t = 0; t < tags.size(); ++t) {
    if (tags[t].shape == TagShape::Numeric) continue;
    for (const auto v : value_indexes(tags[t], false, rows.column(tags[t].id)))
      ++bin_counts[value_offset[t] + v];
  }
  const auto totals = parallel::sum<std::int64_t>(comm, bin_counts);

  for (std::size_t t = 0; t < tags.size(); ++t) {
    TagDistribution& d = out[t];
    d.tag = tags[t].id;
    d.shape = tags[t].shape;
    if (d.shape != TagShape::Numeric) {
      for (std::size_t v = 0; v < tags[t].values.size(); ++v)
        d.bins.push_back({tags[t].values[v], totals[value_offset[t] + v]});
    }
  }
  for (std::size_t k = 0; k < numeric.size(); ++k) {
    TagDistribution& d = out[numeric[k]];
    if (d.summary.count == 0) continue;
    const auto labels = binnings[k].labels(tags[numeric[k]].integer);
    for (std::size_t b = 0; b < labels.size(); ++b) d.bins.push_back({labels[b], totals[bin_offset[k] + b]});
  }
  return out;
}

std::string report_html(const RunOutput& run, const std::string& statistics_json,
                        const std::vector<TagDistribution>& distributions,
                        const std::optional<RunComparison>& previous) {
  const auto& m = run.manifest;
  const std::string catalog_name = run.catalog ? run.catalog->name : std::string("(no catalog)");
  std::string html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">";
  html += fmt::format("<title>portrait report {} {}</title><style>{}</style></head><body>",
                      escape_html(catalog_name), escape_html(run.period), kStyle);
  html += fmt::format(
      "<header><h1>{} · {}</h1><p>Job {} · {} customers · {} buckets · portrait {}</p></header><main>",
      escape_html(catalog_name), escape_html(run.period), escape_html(m.value("job", "")),
      format_count(m.value("customers", std::int64_t{0})), run.buckets,
      escape_html(m.contains("versions") ? m["versions"].value("portrait", "") : ""));
  if (previous) comparison_section(html, *previous);
  statistics_section(html, statistics_json);
  models_section(html, m);
  distributions_section(html, run, distributions);
  if (m.contains("linking")) linking_section(html, m["linking"]);
  run_section(html, run);
  for (const auto& w : run.warnings) html += "<p class=\"warn\">" + escape_html(w) + "</p>";
  html += "</main></body></html>\n";
  return html;
}

}  // namespace portrait::stats

// src/stats/svg_charts.hpp: the small inline SVG and HTML pieces of the run
// report: text escaping, horizontal bar charts, histograms and a heat-map
// table. Everything is self-contained markup (no scripts, no external
// resources) with deterministic number formatting.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace portrait::stats {

// Text for HTML/SVG content and attribute values: & < > " ' escaped.
std::string escape_html(std::string_view text);

struct Bar {
  std::string label;
  double value = 0;
  std::string value_text;  // printed at the end of the bar
};
// Horizontal bars, one row each, scaled to the largest value.
std::string bar_chart_svg(const std::vector<Bar>& bars, int width = 560);

struct HistogramBin {
  std::string label;  // e.g. "[10, 20)"
  std::int64_t count = 0;
};
// Vertical bars of the bins' counts; every bar is a <rect class="bar"> with
// its exact count in data-count.
std::string histogram_svg(const std::vector<HistogramBin>& bins, int width = 560, int height = 180);

// A table of counts whose cells are shaded by their share of the row
// (rows: values in the earlier month, columns: in the later month).
std::string heatmap_table_html(const std::vector<std::string>& row_labels,
                               const std::vector<std::string>& column_labels,
                               const std::vector<std::int64_t>& counts);

}  // namespace portrait::stats

// src/stats/svg_charts.cpp: SVG bar charts, histograms and the heat-map table.
#include "stats/svg_charts.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace portrait::stats {
namespace {

constexpr const char* kBarColour = "#3b6ea5";
constexpr const char* kAxisColour = "#8a94a3";
constexpr const char* kTextColour = "#1f2933";

// Labels longer than `limit` characters (UTF-8 aware) are cut with an ellipsis.
std::string shorten(const std::string& text, std::size_t limit) {
  std::size_t chars = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (chars == limit) return text.substr(0, i) + "\u2026";
      ++chars;
    }
  }
  return text;
}

}  // namespace

std::string escape_html(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::string bar_chart_svg(const std::vector<Bar>& bars, int width) {
  constexpr int kRow = 22;
  constexpr int kLabel = 170;
  constexpr int kValue = 90;
  const int height = static_cast<int>(bars.size()) * kRow + 6;
  double largest = 0;
  for (const auto& b : bars) largest = std::max(largest, b.value);
  const int span = width - kLabel - kValue;
  std::string svg = fmt::format(
      "<svg class=\"chart\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\">",
      width, height);
  for (std::size_t i = 0; i < bars.size(); ++i) {
    const int y = static_cast<int>(i) * kRow + 3;
    const double length = largest > 0 ? bars[i].value / largest * span : 0;
    svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\" fill=\"{}\">{}</text>",
                       kLabel - 8, y + 14, kTextColour, escape_html(shorten(bars[i].label, 24)));
    svg += fmt::format(
        "<rect class=\"bar\" x=\"{}\" y=\"{}\" width=\"{:.2f}\" height=\"{}\" fill=\"{}\" rx=\"2\"/>", kLabel,
        y + 2, std::max(length, 0.0), kRow - 6, kBarColour);
    svg += fmt::format("<text x=\"{:.2f}\" y=\"{}\" font-size=\"12\" fill=\"{}\">{}</text>",
                       kLabel + length + 6, y + 14, kTextColour, escape_html(bars[i].value_text));
  }
  return svg + "</svg>";
}

std::string histogram_svg(const std::vector<HistogramBin>& bins, int width, int height) {
  constexpr int kLeft = 48;
  constexpr int kBottom = 34;
  constexpr int kTop = 8;
  std::int64_t largest = 0;
  for (const auto& b : bins) largest = std::max(largest, b.count);
  const int plot_height = height - kBottom - kTop;
  const double step =
      bins.empty() ? 0 : static_cast<double>(width - kLeft - 8) / static_cast<double>(bins.size());
  std::string svg = fmt::format(
      "<svg class=\"chart\" width=\"{0}\" height=\"{1}\" "
      "viewBox=\"0 0 {0} {1}\" role=\"img\">",
      width, height);
  const int base = kTop + plot_height;
  svg += fmt::format("<line x1=\"{0}\" y1=\"{1}\" x2=\"{2}\" y2=\"{1}\" stroke=\"{3}\"/>", kLeft, base,
                     width - 8, kAxisColour);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\" fill=\"{}\">{}</text>",
                     kLeft - 6, kTop + 10, kTextColour, largest);
  svg += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"11\" fill=\"{}\">0</text>",
                     kLeft - 6, base, kTextColour);
  // Every bin's label would crowd; the first, last and a few between are shown.
  const std::size_t label_every = std::max<std::size_t>(1, (bins.size() + 4) / 5);
  for (std::size_t i = 0; i < bins.size(); ++i) {
    const double h =
        largest > 0 ? static_cast<double>(bins[i].count) / static_cast<double>(largest) * plot_height : 0;
    const double x = kLeft + step * static_cast<double>(i);
    svg += fmt::format(
        "<rect class=\"bar\" data-count=\"{}\" x=\"{:.2f}\" y=\"{:.2f}\" width=\"{:.2f}\" height=\"{:.2f}\" "
        "fill=\"{}\"><title>{}: {}</title></rect>",
        bins[i].count, x + 1, base - h, std::max(step - 2, 1.0), h, kBarColour, escape_html(bins[i].label),
        bins[i].count);
    if (i % label_every == 0 || i + 1 == bins.size()) {
      svg += fmt::format(
          "<text x=\"{:.2f}\" y=\"{}\" text-anchor=\"middle\" font-size=\"10\" fill=\"{}\">{}</text>",
          x + step / 2, base + 14, kTextColour, escape_html(shorten(bins[i].label, 14)));
    }
  }
  return svg + "</svg>";
}

std::string heatmap_table_html(const std::vector<std::string>& row_labels,
                               const std::vector<std::string>& column_labels,
                               const std::vector<std::int64_t>& counts) {
  std::string html = "<table class=\"heatmap\"><thead><tr><th></th>";
  for (const auto& c : column_labels) html += "<th>" + escape_html(c) + "</th>";
  html += "</tr></thead><tbody>";
  const std::size_t columns = column_labels.size();
  for (std::size_t r = 0; r < row_labels.size(); ++r) {
    std::int64_t row_total = 0;
    for (std::size_t c = 0; c < columns; ++c) row_total += counts[r * columns + c];
    html += "<tr><th>" + escape_html(row_labels[r]) + "</th>";
    for (std::size_t c = 0; c < columns; ++c) {
      const std::int64_t n = counts[r * columns + c];
      const double share = row_total > 0 ? static_cast<double>(n) / static_cast<double>(row_total) : 0;
      // White to the bar colour by the share of the row; dark text on light cells.
      const int red = 255 - static_cast<int>(share * (255 - 0x3b));
      const int green = 255 - static_cast<int>(share * (255 - 0x6e));
      const int blue = 255 - static_cast<int>(share * (255 - 0xa5));
      html += fmt::format("<td style=\"background:#{:02x}{:02x}{:02x};color:{}\">{}</td>", red, green, blue,
                          share > 0.5 ? "#ffffff" : kTextColour, n);
    }
    html += "</tr>";
  }
  return html + "</tbody></table>";
}

}  // namespace portrait::stats

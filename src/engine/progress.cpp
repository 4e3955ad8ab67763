// src/engine/progress.cpp: phase and progress lines for batch logs.
#include "engine/progress.hpp"

#include <fmt/format.h>

namespace portrait::engine {

std::string human_count(double n) {
  if (n >= 1e9) return fmt::format("{:.2f} G", n / 1e9);
  if (n >= 1e6) return fmt::format("{:.2f} M", n / 1e6);
  if (n >= 1e4) return fmt::format("{:.1f} k", n / 1e3);
  return fmt::format("{:.0f}", n);
}

Progress::Progress(bool enabled, std::FILE* out)
    : enabled_(enabled), out_(out), start_(Clock::now()), phase_start_(start_), last_update_(start_) {}

double Progress::elapsed() const { return std::chrono::duration<double>(Clock::now() - start_).count(); }

void Progress::phase(const std::string& name) {
  finish();
  current_ = name;
  phase_start_ = last_update_ = Clock::now();
  if (enabled_) {
    fmt::print(out_, "[{:8.2f}s] {} ...\n", elapsed(), name);
    std::fflush(out_);
  }
}

void Progress::finish() {
  if (current_.empty()) return;
  const double s = std::chrono::duration<double>(Clock::now() - phase_start_).count();
  seconds_.emplace_back(current_, s);
  if (enabled_) {
    fmt::print(out_, "[{:8.2f}s] {} done in {:.2f} s\n", elapsed(), current_, s);
    std::fflush(out_);
  }
  current_.clear();
}

void Progress::update(std::uint64_t done, std::uint64_t total, const std::string& unit, bool force) {
  const auto now = Clock::now();
  if (!enabled_ || (!force && std::chrono::duration<double>(now - last_update_).count() < every_seconds))
    return;
  last_update_ = now;
  const double s = std::chrono::duration<double>(now - phase_start_).count();
  const double rate = s > 0 ? static_cast<double>(done) / s : 0.0;
  const double share = total > 0 ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0;
  const std::string eta =
      rate > 0 && total >= done ? fmt::format("{:.0f} s", static_cast<double>(total - done) / rate) : "?";
  fmt::print(out_, "[{:8.2f}s]   {}: {} / {} {} ({:.1f}%), {} {}/s, ETA {}\n", elapsed(), current_,
             human_count(static_cast<double>(done)), human_count(static_cast<double>(total)), unit, share,
             human_count(rate), unit, eta);
  std::fflush(out_);
}

void Progress::note(const std::string& text) {
  if (!enabled_) return;
  fmt::print(out_, "[{:8.2f}s]   {}\n", elapsed(), text);
  std::fflush(out_);
}

}  // namespace portrait::engine

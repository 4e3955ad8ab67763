// src/engine/progress.hpp: what a batch job's log shows while it runs: one
// line when a phase starts and ends, and periodic lines during long phases
// with global counts, rate and ETA. Lines, not bars: batch logs are files.
// Only rank 0 prints; the counts it prints are global (callers reduce them).
#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <string>
#include <vector>

namespace portrait::engine {

class Progress {
 public:
  // `enabled` is true on rank 0 only; `out` is where lines go.
  explicit Progress(bool enabled, std::FILE* out = stdout);

  void phase(const std::string& name);  // ends the previous phase, starts `name`
  void finish();                        // ends the current phase
  // A periodic line: at most one per `every_seconds` unless `force`.
  void update(std::uint64_t done, std::uint64_t total, const std::string& unit, bool force = false);
  void note(const std::string& text);

  // Seconds spent in each phase, in the order they ran.
  const std::vector<std::pair<std::string, double>>& phase_seconds() const { return seconds_; }
  double elapsed() const;

  double every_seconds = 5.0;

 private:
  using Clock = std::chrono::steady_clock;
  bool enabled_;
  std::FILE* out_;
  Clock::time_point start_, phase_start_, last_update_;
  std::string current_;
  std::vector<std::pair<std::string, double>> seconds_;
};

// "12.3 M" style numbers for logs.
std::string human_count(double n);

}  // namespace portrait::engine

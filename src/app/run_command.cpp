// src/app/run_command.cpp: `portrait run JOB.yaml`: the monthly recompute.
// Every rank runs it; rank 0 prints progress, the accounting and the totals,
// and the one error message if any rank fails (every rank then exits 1).
#include <fmt/format.h>

#include <cstdio>

#include "app/cli.hpp"
#include "engine/job.hpp"
#include "engine/run.hpp"
#include "parallel/collective_error.hpp"

namespace portrait::app {
namespace {

struct RunOptions {
  std::string job_file;
  std::string output;
  long long memory_budget_mb = 0;
  bool csv = false;
  bool overwrite = false;
  bool quiet = false;
  bool resume = false;
  bool no_checkpoints = false;
  std::string stop_after;
  std::string previous;
};

void print_summary(const engine::RunResult& result) {
  const nlohmann::json& manifest = result.manifest;
  fmt::print("\nrecords by channel (read = used + quarantined)\n");
  fmt::print("  {:<12} {:>14} {:>14} {:>12}  {}\n", "channel", "read", "used", "quarantined", "reasons");
  for (const auto& [channel, a] : manifest["accounting"].items()) {
    std::string reasons;
    for (const auto& [reason, n] : a["quarantined_by_reason"].items()) {
      reasons += fmt::format("{}{}={}", reasons.empty() ? "" : ", ", reason, n.get<long long>());
    }
    // Values set missing in kept records (customer attributes) follow.
    std::string set_missing;
    const nlohmann::json cleared = a.value("values_set_missing_by_reason", nlohmann::json::object());
    for (const auto& [reason, n] : cleared.items()) {
      set_missing += fmt::format("{}{}={}", set_missing.empty() ? "" : ", ", reason, n.get<long long>());
    }
    if (!set_missing.empty())
      reasons += (reasons.empty() ? "" : "; ") + std::string("values set missing: ") + set_missing;
    fmt::print("  {:<12} {:>14} {:>14} {:>12}  {}\n", channel, a["read"].get<long long>(),
               a["used"].get<long long>(), a["quarantined"].get<long long>(), reasons);
  }
  fmt::print("\ncustomers: {}   output rows: {}   wall time: {:.2f} s\n",
             manifest["customers"].get<long long>(), manifest["output_rows"].get<long long>(),
             manifest["wall_seconds"].get<double>());
  if (manifest.contains("totals")) {
    fmt::print("totals over all customers\n");
    for (const auto& [column, total] : manifest["totals"].items()) {
      fmt::print("  {:<32} {:>20}\n", column, total.get<std::string>());
    }
  }
  if (!result.model_summary.empty()) fmt::print("\nmodels\n");
  for (const auto& line : result.model_summary) fmt::print("  {}\n", line);
  for (const auto& text : result.statistics_text) fmt::print("\n{}", text);
  std::fflush(stdout);
}

int run(const RunOptions& options, const parallel::Comm& comm) {
  try {
    engine::JobSpec job;
    parallel::collectively(comm, [&] { job = engine::load_job(options.job_file); });
    if (!options.output.empty()) job.output = engine::output_directory(options.output);
    if (options.memory_budget_mb > 0)
      job.memory_budget_bytes = static_cast<std::uint64_t>(options.memory_budget_mb) << 20;
    if (options.csv) job.write_csv = true;
    if (options.overwrite) job.overwrite = true;
    if (options.resume) job.resume = true;
    if (!options.previous.empty()) job.previous = options.previous;
    if (options.no_checkpoints) job.checkpoints = false;
    if (!options.stop_after.empty())
      job.stop_after = engine::parse_checkpoint_stage(options.stop_after, "--stop-after");
    engine::Progress progress(comm.is_root() && !options.quiet);
    const auto result = engine::run_job(comm, job, progress);
    if (comm.is_root() && !result.stopped_after) print_summary(result);
    return 0;
  } catch (const Error& e) {
    // Every rank has the same error; rank 0 says it once.
    if (comm.is_root()) {
      std::fprintf(stderr, "portrait run: error: %s\n", e.what());
      std::fflush(stderr);
    }
    return 1;
  }
}

}  // namespace

void add_run_command(CLI::App& app, const parallel::Comm& comm, int& exit_code) {
  auto options = std::make_shared<RunOptions>();
  auto* sub = app.add_subcommand("run", "Run the monthly recompute of a job file (under mpirun)");
  sub->add_option("job", options->job_file, "Job file (jobs/*.yaml)")->required();
  sub->add_option("--output", options->output, "Output directory (overrides the job's 'output')");
  sub->add_option("--memory-budget-mb", options->memory_budget_mb,
                  "Memory budget per rank in MiB (overrides the job)");
  sub->add_flag("--csv", options->csv, "Also write <output>/tags.csv");
  sub->add_option("--previous", options->previous,
                  "Last month's output directory, read by rules as prev.<tag> (overrides the job)");
  sub->add_flag("--overwrite", options->overwrite, "Replace the output directory if it exists");
  sub->add_flag("--quiet", options->quiet, "No progress lines");
  sub->add_flag("--resume", options->resume,
                "Continue an interrupted run from its latest complete checkpoint (any rank count)");
  sub->add_flag("--no-checkpoints", options->no_checkpoints, "Write no checkpoints (overrides the job)");
  sub->add_option("--stop-after", options->stop_after,
                  "End the run once this checkpoint is saved: grouped or tagged (resume later)");
  sub->callback([options, &comm, &exit_code] { exit_code = run(*options, comm); });
}

}  // namespace portrait::app

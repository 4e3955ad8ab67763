// src/app/report_command.cpp: `portrait report RUN [--previous RUN_PREV]`:
// one self-contained HTML page of a run (statistics, tag distributions,
// month over month against the previous run, accounting, phase times and
// memory). Runs under mpirun; the page is the same bytes at any rank count.
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>

#include "app/cli.hpp"
#include "core/error.hpp"
#include "parallel/collective_error.hpp"
#include "stats/run_report.hpp"

namespace portrait::app {
namespace {

struct ReportArgs {
  std::string run;
  std::string previous;
  std::string out;
};

int run_report(const parallel::Comm& comm, const ReportArgs& args) {
  try {
    stats::RunOutput run;
    std::string statistics;
    parallel::collectively(comm, [&] {
      run = stats::open_run_output(args.run);
      std::ifstream in(run.dir + "/statistics.json", std::ios::binary);
      std::ostringstream text;
      text << in.rdbuf();
      statistics = text.str();
    });
    std::optional<stats::RunComparison> previous;
    if (!args.previous.empty()) previous = stats::compare_runs(comm, args.previous, args.run, {});
    const auto distributions = stats::tag_distributions(comm, run);
    const std::string out = args.out.empty() ? run.dir + "/report.html" : args.out;
    parallel::collectively(comm, [&] {
      if (!comm.is_root()) return;
      const std::string html = stats::report_html(run, statistics, distributions, previous);
      std::ofstream file(out, std::ios::binary | std::ios::trunc);
      file << html;
      file.close();
      if (!file)
        throw Error("cannot write the report", out, "check that the directory exists and is writable");
    });
    if (comm.is_root()) {
      std::printf("report: wrote %s\n", out.c_str());
      std::fflush(stdout);
    }
    return 0;
  } catch (const Error& e) {
    if (comm.is_root()) std::fprintf(stderr, "portrait report: %s\n", e.what());
    return 1;
  }
}

}  // namespace

void add_report_command(CLI::App& app, const parallel::Comm& comm, int& exit_code) {
  auto* sub = app.add_subcommand("report", "One self-contained HTML report of a run's output");
  auto args = std::make_shared<ReportArgs>();
  sub->add_option("run", args->run, "output directory of the run")->required();
  sub->add_option("--previous", args->previous,
                  "output directory of the previous month's run (month over month)");
  sub->add_option("--out", args->out, "the HTML file (default RUN/report.html)");
  sub->callback([&comm, &exit_code, args] { exit_code = run_report(comm, *args); });
}

}  // namespace portrait::app

// src/app/compare_command.cpp: `portrait compare RUN_A RUN_B`: month over
// month between two runs' outputs (RUN_A the earlier month): migration
// matrices of the segment tags, share changes of every categorical and
// boolean tag, numeric changes, new and lost customers. Prints a summary and
// writes CSV and JSON (see docs/month-over-month.md). Runs under mpirun at any
// rank count with the same bytes.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "core/error.hpp"
#include "parallel/collective_error.hpp"
#include "stats/run_comparison.hpp"

namespace portrait::app {
namespace {

struct CompareArgs {
  std::string run_a;
  std::string run_b;
  std::string out;
  std::vector<std::string> tags;
};

void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  out.close();
  if (!out) throw Error("cannot write the file", path.string(), "check that the directory is writable");
}

int run_compare(const parallel::Comm& comm, const CompareArgs& args) {
  try {
    const stats::RunComparison c = stats::compare_runs(comm, args.run_a, args.run_b, args.tags);
    const std::filesystem::path out =
        args.out.empty() ? std::filesystem::path(c.run_b) / fmt::format("compare-{}", c.period_a)
                         : std::filesystem::path(args.out);
    parallel::collectively(comm, [&] {
      if (!comm.is_root()) return;
      std::error_code ec;
      std::filesystem::create_directories(out, ec);
      if (!std::filesystem::is_directory(out))
        throw Error("cannot create the output directory", out.string(), "check the path and permissions");
      write_file(out / "migration.csv", stats::migration_csv(c));
      write_file(out / "shares.csv", stats::shares_csv(c));
      write_file(out / "numeric.csv", stats::numeric_csv(c));
      write_file(out / "new_lost.csv", stats::new_lost_csv(c));
      write_file(out / "comparison.json", stats::comparison_json(c));
    });
    if (comm.is_root()) {
      std::fputs(stats::comparison_text(c).c_str(), stdout);
      std::printf("wrote %s/{migration,shares,numeric,new_lost}.csv and comparison.json\n",
                  out.string().c_str());
      std::fflush(stdout);
    }
    return 0;
  } catch (const Error& e) {
    if (comm.is_root()) std::fprintf(stderr, "portrait compare: %s\n", e.what());
    return 1;
  }
}

}  // namespace

void add_compare_command(CLI::App& app, const parallel::Comm& comm, int& exit_code) {
  auto* sub =
      app.add_subcommand("compare", "Month over month: compare two runs' outputs (earlier month first)");
  auto args = std::make_shared<CompareArgs>();
  sub->add_option("run_a", args->run_a, "output directory of the earlier month's run")->required();
  sub->add_option("run_b", args->run_b, "output directory of the later month's run")->required();
  sub->add_option("--out", args->out,
                  "directory of the CSV and JSON files (default RUN_B/compare-<period of A>)");
  sub->add_option("--tag", args->tags,
                  "categorical tag to give a migration matrix (repeatable; default: the tags the catalog's "
                  "statistics group by)");
  sub->callback([&comm, &exit_code, args] { exit_code = run_compare(comm, *args); });
}

}  // namespace portrait::app

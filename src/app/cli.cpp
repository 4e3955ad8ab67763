// src/app/cli.cpp: builds the portrait command line and turns exceptions into
// one message on rank 0 and a non-zero exit on every rank.
#include "app/cli.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "core/error.hpp"
#include "core/version.hpp"

namespace portrait::app {

int run_cli(int argc, char** argv, const parallel::Comm& comm) {
  CLI::App app{"portrait: monthly customer tag computation on MPI clusters"};
  app.require_subcommand(1);
  app.set_version_flag("--version", [] {
    const auto v = build_versions();
    return fmt::format("portrait {} ({})", v[0].second, v[1].second);
  });
  int exit_code = 0;
  add_version_command(app, comm, exit_code);
  add_run_command(app, comm, exit_code);
  add_inspect_command(app, comm, exit_code);
  add_gen_command(app, comm, exit_code);
  add_import_command(app, comm, exit_code);
  add_check_command(app, comm, exit_code);
  add_compare_command(app, comm, exit_code);
  add_report_command(app, comm, exit_code);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // Every rank parses the same arguments, so every rank agrees on the exit.
    if (comm.is_root()) return app.exit(e);
    return e.get_exit_code();
  } catch (const Error& e) {
    std::fprintf(stderr, "portrait: error on rank %d: %s\n", comm.rank(), e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "portrait: internal error on rank %d: %s\n", comm.rank(), e.what());
    return 2;
  }
  return exit_code;
}

}  // namespace portrait::app

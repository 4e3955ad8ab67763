// src/app/cli.hpp: the portrait command line: one CLI11 app, one subcommand
// per command file in src/app.
#pragma once

#include <CLI/CLI.hpp>

#include "parallel/mpi_context.hpp"

namespace portrait::app {

// Runs the command line on every rank (MPI is already initialised) and
// returns the process exit code. Only rank 0 prints usage and errors.
int run_cli(int argc, char** argv, const parallel::Comm& comm);

// Each command adds its subcommand; its callback runs the command and stores
// the command's exit code in `exit_code`.
void add_version_command(CLI::App& app, const parallel::Comm& comm, int& exit_code);
void add_run_command(CLI::App& app, const parallel::Comm& comm, int& exit_code);
void add_inspect_command(CLI::App& app, const parallel::Comm& comm, int& exit_code);
void add_gen_command(CLI::App& app, const parallel::Comm& comm, int& exit_code);
void add_import_command(CLI::App& app, const parallel::Comm& comm, int& exit_code);
void add_check_command(CLI::App& app, const parallel::Comm& comm, int& exit_code);
void add_compare_command(CLI::App& app, const parallel::Comm& comm, int& exit_code);
void add_report_command(CLI::App& app, const parallel::Comm& comm, int& exit_code);

}  // namespace portrait::app

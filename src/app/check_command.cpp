// src/app/check_command.cpp: `portrait check CATALOG.yaml`: compiles a tag
// catalog against the channel schema without running anything, and prints a
// summary or the first error (file:line:column, offending text, hint).
#include <cstdio>
#include <string>

#include "app/cli.hpp"
#include "catalog/catalog.hpp"
#include "catalog/catalog_broadcast.hpp"
#include "catalog/input_schema.hpp"
#include "core/error.hpp"

namespace portrait::app {
namespace {

int run_check(const parallel::Comm& comm, const std::string& path) {
  // Every rank compiles the broadcast source, as a run does; they agree on the outcome.
  try {
    const auto source = catalog::broadcast_catalog_source(comm, path);
    const auto compiled = catalog::compile_catalog(source, catalog::input_schema());
    if (comm.is_root()) {
      std::printf("ok: %zu tags (%zu facts, %zu rules", compiled.tags.size(), compiled.fact_count(),
                  compiled.rule_count());
      if (!compiled.models.empty()) {
        std::printf(", %zu model outputs",
                    compiled.tags.size() - compiled.fact_count() - compiled.rule_count());
      }
      std::printf("), %zu statistics", compiled.statistics.size());
      if (!compiled.models.empty()) std::printf(", %zu models", compiled.models.size());
      std::printf("\n");
      std::fflush(stdout);
    }
    return 0;
  } catch (const Error& e) {
    if (comm.is_root()) std::fprintf(stderr, "portrait check: %s\n", e.what());
    return 1;
  }
}

}  // namespace

void add_check_command(CLI::App& app, const parallel::Comm& comm, int& exit_code) {
  auto* sub = app.add_subcommand("check", "Check a tag catalog (YAML) without running it");
  auto path = std::make_shared<std::string>();
  sub->add_option("catalog", *path, "the catalog file")->required();
  sub->callback([&comm, &exit_code, path] { exit_code = run_check(comm, *path); });
}

}  // namespace portrait::app

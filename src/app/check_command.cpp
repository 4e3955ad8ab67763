// src/app/check_command.cpp: `portrait check CATALOG.yaml`: compiles a tag
// catalog against the channel schema without running anything, and prints a
// summary or the first error (file:line:column, offending text, hint).
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/cli.hpp"
#include "catalog/catalog.hpp"
#include "catalog/catalog_broadcast.hpp"
#include "catalog/input_schema.hpp"
#include "core/enum_names.hpp"
#include "core/error.hpp"

namespace portrait::app {
namespace {

// "customers.handset_change:int8" -> the customers channel's extra column.
void add_column(std::map<std::string, std::vector<catalog::SchemaColumn>>& extra, const std::string& spec) {
  const auto dot = spec.find('.');
  const auto colon = spec.find(':');
  const auto type = colon == std::string::npos ? std::nullopt : from_name<ColumnType>(spec.substr(colon + 1));
  if (dot == std::string::npos || colon == std::string::npos || colon < dot || !type) {
    throw Error(
        "bad --column '" + spec + "'", "the command line",
        "give channel.name:type, e.g. customers.handset_change:int8 (types: int8, int32, int64, uint64, "
        "float64)");
  }
  extra[spec.substr(0, dot)].push_back({spec.substr(dot + 1, colon - dot - 1), *type});
}

int run_check(const parallel::Comm& comm, const std::string& path, const std::vector<std::string>& columns) {
  // Every rank compiles the broadcast source, as a run does; they agree on the outcome.
  try {
    std::map<std::string, std::vector<catalog::SchemaColumn>> extra;
    for (const auto& spec : columns) add_column(extra, spec);
    const auto source = catalog::broadcast_catalog_source(comm, path);
    const auto compiled = catalog::compile_catalog(source, catalog::input_schema({}, extra));
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
  auto columns = std::make_shared<std::vector<std::string>>();
  sub->add_option("catalog", *path, "the catalog file")->required();
  sub->add_option("--column", *columns,
                  "an extra input column the shards will carry, as channel.name:type (repeatable), e.g. "
                  "customers.handset_change:int8");
  sub->callback([&comm, &exit_code, path, columns] { exit_code = run_check(comm, *path, *columns); });
}

}  // namespace portrait::app

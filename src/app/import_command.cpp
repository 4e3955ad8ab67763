// src/app/import_command.cpp: `portrait import MAPPING.yaml [--input CSV]
// --out DIR`: CSV to shards by a mapping file. The import streams one file,
// so rank 0 does it; the other ranks learn the exit code.
#include <cstdio>
#include <memory>
#include <string>

#include "app/cli.hpp"
#include "core/error.hpp"
#include "io/csv_import.hpp"
#include "io/import_mapping.hpp"
#include "parallel/collectives.hpp"

namespace portrait::app {
namespace {

struct ImportArguments {
  std::string mapping;
  std::string input;
  std::string out;
};

int run_import(const ImportArguments& args, const parallel::Comm& comm) {
  int exit_code = 0;
  if (comm.is_root()) {
    try {
      const io::ImportMapping mapping = io::load_import_mapping(args.mapping);
      const std::string input = args.input.empty() ? mapping.input : args.input;
      if (input.empty())
        throw Error("no CSV input", args.mapping, "give --input CSV or 'input:' in the mapping");
      const io::ImportCounts counts = io::import_csv(mapping, input, args.out);
      std::printf("import: %s -> %s\nread %llu\nimported %llu\nrejected %llu\n", input.c_str(),
                  args.out.c_str(), static_cast<unsigned long long>(counts.read),
                  static_cast<unsigned long long>(counts.imported),
                  static_cast<unsigned long long>(counts.rejected));
      if (counts.rejected > 0)
        std::printf("rejected records and reasons: %s/rejects.csv\n", args.out.c_str());
      std::fflush(stdout);
    } catch (const Error& e) {
      std::fprintf(stderr, "portrait import: %s\n", e.what());
      exit_code = 1;
    }
  }
  parallel::broadcast(comm, exit_code);
  return exit_code;
}

}  // namespace

void add_import_command(CLI::App& app, const parallel::Comm& comm, int& exit_code) {
  auto args = std::make_shared<ImportArguments>();
  auto* sub =
      app.add_subcommand("import", "Import a CSV file into shards, driven by a mapping file (jobs/import/)");
  sub->add_option("mapping", args->mapping, "Mapping YAML")->required();
  sub->add_option("--input", args->input, "CSV file (default: the mapping's input)");
  sub->add_option("--out", args->out, "Output directory for shards and rejects.csv")->required();
  sub->callback([args, &comm, &exit_code] { exit_code = run_import(*args, comm); });
}

}  // namespace portrait::app

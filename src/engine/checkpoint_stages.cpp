// src/engine/checkpoint_stages.cpp: what each checkpoint stage holds of the
// run state, saved after its phase and restored into the state by --resume.
//   grouped: customers, each channel's good records, the quarantine
//   tagged:  customers, the tag table, the quarantine; the identity report
//            and the models' outcome in the stage's marker
// The accounting travels with every stage (checkpoint.hpp).
#include <fmt/format.h>

#include <csignal>
#include <cstdlib>

#include "core/error.hpp"
#include "engine/group.hpp"
#include "engine/run_state.hpp"

namespace portrait::engine {
namespace {

// The tables of a stage: customers, each channel's good records while they
// are held (grouped), the tag table (tagged), then each channel's quarantine.
std::vector<std::pair<std::string, const Table*>> stage_tables(const RunState& s, CheckpointStage stage) {
  std::vector<std::pair<std::string, const Table*>> tables{{"customers", &s.grouped.customers}};
  switch (stage) {
    case CheckpointStage::kGrouped:
      for (const auto& c : s.grouped.channels) tables.emplace_back(c.channel, &c.records);
      break;
    case CheckpointStage::kTagged:
      tables.emplace_back("tags", &s.tags);
      break;
  }
  for (std::size_t k = 0; k < s.channels.size(); ++k) {
    tables.emplace_back("quarantine_" + s.channels[k], &s.grouped.quarantine[k]);
  }
  return tables;
}

// What every rank shares at a stage, kept in its marker.
nlohmann::json stage_shared(const RunState& s, CheckpointStage stage) {
  switch (stage) {
    case CheckpointStage::kGrouped:
      return nlohmann::json::object();
    case CheckpointStage::kTagged:
      return {{"identity", s.identity_report},
              {"models",
               {{"manifest", s.models.manifest}, {"saved", s.models.saved}, {"summary", s.models.summary}}}};
  }
  return nlohmann::json::object();
}

// Takes the restored table named `name` out of `tables`.
Table take_table(std::vector<std::pair<std::string, Table>>& tables, const std::string& name) {
  for (auto& [n, t] : tables) {
    if (n == name) return std::move(t);
  }
  throw Error(fmt::format("the checkpoint holds no table '{}'", name), "--resume",
              "rerun without --resume to start the month over");
}

}  // namespace

void save_stage(RunState& s, CheckpointStage stage) {
  s.checkpoints->save(s.comm, stage, s.range, stage_tables(s, stage), s.accounting, stage_shared(s, stage));
  // A drill of a lost node needs the run held at a known point, whatever the
  // machine's speed: with PORTRAIT_STOP_AFTER_STAGE=<stage>, every rank stops
  // itself (SIGSTOP) once that stage is complete on every rank, and goes on
  // when it is sent SIGCONT (docs/operations.md).
  const char* stop_after = std::getenv("PORTRAIT_STOP_AFTER_STAGE");
  if (stop_after != nullptr && to_string(stage) == stop_after) std::raise(SIGSTOP);
}

void restore_stage(RunState& s) {
  const CheckpointInfo& info = *s.resumed;
  auto tables = s.checkpoints->restore(s.comm, info, s.range, s.accounting);
  GroupedCustomers& grouped = s.grouped;
  grouped.customers = take_table(tables, "customers");
  const auto& customer_id = grouped.customers.values<std::int64_t>("customer_id");
  grouped.bucket.resize(customer_id.size());
  for (std::size_t i = 0; i < customer_id.size(); ++i)
    grouped.bucket[i] = bucket_of(customer_id[i], s.job.buckets);
  grouped.quarantine.clear();
  for (const auto& channel : s.channels)
    grouped.quarantine.push_back(take_table(tables, "quarantine_" + channel));
  grouped.channels.clear();
  switch (info.stage) {
    case CheckpointStage::kGrouped:
      for (std::size_t k = 1; k < s.channels.size(); ++k) {
        Table t = take_table(tables, s.channels[k]);
        auto offsets = customer_offsets(customer_id, t.values<std::int64_t>("customer_id"));
        grouped.channels.push_back({s.channels[k], std::move(t), std::move(offsets)});
      }
      break;
    case CheckpointStage::kTagged: {
      s.tags = take_table(tables, "tags");
      s.identity_report = info.shared.at("identity");
      const auto& m = info.shared.at("models");
      s.models.manifest = m.at("manifest");
      s.models.saved = m.at("saved").get<std::vector<std::pair<std::string, std::string>>>();
      s.models.summary = m.at("summary").get<std::vector<std::string>>();
      break;
    }
  }
}

}  // namespace portrait::engine

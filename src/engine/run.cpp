// src/engine/run.cpp: the sequence of a run's phases (see run.hpp); each
// phase is its own unit over the run state (run_state.hpp).
#include "engine/run.hpp"

#include <fmt/format.h>

#include <optional>

#include "catalog/rule_eval.hpp"
#include "engine/run_state.hpp"
#include "engine/tag_phase.hpp"

namespace portrait::engine {
namespace {

// One step of the sequence: its name in the log and the manifest's phase
// times, whether it applies to this run, and the checkpoint stage saved
// after it (a resume from that stage enters the sequence after it).
struct Phase {
  const char* name;
  void (*run)(RunState&);
  bool (*applies)(const RunState&);
  std::optional<CheckpointStage> saves;
};

bool always(const RunState&) { return true; }
bool reads_previous(const RunState& s) {
  return s.previous && s.catalog && !catalog::previous_tags_read(*s.catalog).empty();
}
bool resolves_identity(const RunState& s) { return s.job.resolve_identity; }
bool has_models(const RunState& s) { return s.catalog && !s.catalog->models.empty(); }
bool merges_profiles(const RunState& s) {
  return s.job.resolve_identity && s.catalog && has_merged_profiles(*s.catalog);
}

constexpr Phase kPhases[] = {
    {"read+shuffle", read_and_shuffle, always, std::nullopt},
    {"group", group, always, CheckpointStage::kGrouped},
    {"previous", attach_previous, reads_previous, std::nullopt},
    {"identity", resolve_identities, resolves_identity, std::nullopt},
    {"compute", compute_tags, always, std::nullopt},
    {"persons", join_person_ids, resolves_identity, std::nullopt},
    {"models", train_models, has_models, std::nullopt},
    {"rules:after-models", evaluate_rules_after_models, has_models, CheckpointStage::kTagged},
    {"merge", merge, merges_profiles, std::nullopt},
    {"reduce", reduce, always, std::nullopt},
    {"write", write_outputs, always, std::nullopt},
};

// Where the sequence starts: after the phase that saves the resumed stage.
std::size_t first_phase(const RunState& s) {
  if (!s.resumed) return 0;
  for (std::size_t k = 0; k < std::size(kPhases); ++k) {
    if (kPhases[k].saves == s.resumed->stage) return k + 1;
  }
  return 0;
}

RunResult stopped_after(RunState& s, CheckpointStage stage) {
  s.progress.finish();
  s.progress.note(fmt::format("stopped after the '{}' checkpoint in {}; continue with --resume",
                              to_string(stage), s.checkpoints->dir().string()));
  RunResult result;
  result.stopped_after = stage;
  return result;
}

}  // namespace

RunResult run_job(const parallel::Comm& comm, const JobSpec& job, Progress& progress) {
  RunState s(comm, job, progress);
  progress.phase("plan");
  plan_run(s);
  if (job.stop_after && s.resumed && s.resumed->stage >= *job.stop_after)
    return stopped_after(s, *job.stop_after);
  const std::size_t first = first_phase(s);
  if (s.resumed) {
    progress.phase(fmt::format("restore:{}", to_string(s.resumed->stage)));
    restore_stage(s);
  }
  for (std::size_t k = first; k < std::size(kPhases); ++k) {
    const Phase& phase = kPhases[k];
    if (phase.applies(s)) {
      progress.phase(phase.name);
      phase.run(s);
    }
    if (phase.saves && job.checkpoints) {
      progress.phase(fmt::format("checkpoint:{}", to_string(*phase.saves)));
      save_stage(s, *phase.saves);
      if (job.stop_after == phase.saves) return stopped_after(s, *phase.saves);
    }
  }
  progress.finish();
  write_manifest(s);
  // The output is complete: the checkpoints are no longer needed.
  s.checkpoints->remove(comm);
  RunResult result{std::move(s.manifest), {}, std::move(s.models.summary), std::nullopt};
  if (s.catalog) {
    for (const auto& st : s.statistics) result.statistics_text.push_back(statistics_text(*s.catalog, st));
  }
  return result;
}

RunState::RunState(const parallel::Comm& run_comm, const JobSpec& run_job, Progress& run_progress)
    : comm(run_comm),
      job(run_job),
      progress(run_progress),
      partition(run_job.buckets, run_comm.size()),
      range(partition.range_of(run_comm.rank())) {}

std::uint64_t RunState::round_bytes() const {
  return std::max<std::uint64_t>(job.effective_round_bytes(), 1024);
}

}  // namespace portrait::engine

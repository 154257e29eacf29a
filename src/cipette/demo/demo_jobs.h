#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "cipette/core/job.h"
#include "cipette/core/run.h"
#include "cipette/core/time.h"

// The jobs of the demo's runs (docs/decisions.md, "Demo jobs"): each workflow has a fixed job
// graph (stages of jobs, matrix legs, a deploy on pushes to main), every attempt of a run has
// its own jobs, and their times fit inside the attempt's.
namespace cipette::demo {

struct JobOptions {
  std::uint64_t seed = 42;
  Timestamp end = 0;  // as DemoOptions::end: no job starts after it
  // Jobs of runs created before this get no steps (the steps are most of the rows written).
  Timestamp steps_since = 0;
};

// The self-hosted runner groups and the repositories whose build and test jobs run on them.
inline constexpr std::string_view kBuildFarm = "build-farm";
inline constexpr std::string_view kArmFarm = "arm-farm";
inline constexpr std::string_view kGitHubHosted = "GitHub Actions";

// Makes the jobs of generate_history's runs, deterministically from the seed and each run (the
// runs' own generation is not touched). For every attempt of a run (earlier_attempts, then the
// run's latest):
// - a completed attempt has the whole graph: every job succeeds in a successful attempt; in a
//   failed one (failure, timed_out) one job fails (the same job in every failed attempt of a
//   run: a flaky run's failing job succeeds when re-run) and the stages after it are skipped;
//   in a cancelled one the jobs of one stage are cancelled and later stages never start; a
//   skipped run's first stage is skipped. A run that never started (action_required,
//   startup_failure) has no jobs;
// - an attempt in progress has its first stage's jobs queued or in progress, without steps;
// - jobs are created at or after the attempt's run_started_at and completed by its updated_at
//   (the last job completes then); steps partition the job's running time in order;
// - GitHub-hosted labels (ubuntu-latest, windows-latest, macos-14) wait seconds for a runner;
//   self-hosted ones (self-hosted, linux, x64 in build-farm; arm64 in arm-farm) minutes to an
//   hour in weekday working hours (UTC 8-18), seconds otherwise; some production deploys wait
//   for an environment's approval (waited).
// Job ids are run id * 64 + (attempt - 1) * 20 + the job's place in the graph: unique.
class JobGenerator {
 public:
  explicit JobGenerator(const JobOptions& options) : options_(options) {}

  // The jobs of `runs`, each run's attempts in order. The records are reused between calls:
  // the span is valid until the next call.
  std::span<const JobRecord> jobs_of(std::span<const RunRecord> runs);

 private:
  JobOptions options_;
  std::vector<JobRecord> jobs_;  // records [0, used) hold the last call's jobs
  std::size_t used_ = 0;
};

}  // namespace cipette::demo

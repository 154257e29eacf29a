#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "cipette/collector/progress.h"
#include "cipette/core/job_store.h"
#include "cipette/core/time.h"
#include "cipette/github/client.h"

namespace cipette::collector {

// The job phase's share of the hourly budget (docs/decisions.md, "Collecting jobs: the budget
// rule"): it stops when the requests left fall to the reserve, which is kept for listing runs.
// By default the reserve is max(kMinJobsReserve, a tenth of the limit).
inline constexpr std::int64_t kMinJobsReserve = 500;
// How far back jobs are wanted by default (`--jobs-since`).
inline constexpr int kDefaultJobsDays = 30;

struct JobOptions {
  bool enabled = false;
  // Runs created before this are not fetched (`--jobs-since`; the command line's default is
  // kDefaultJobsDays before now).
  Timestamp since = 0;
  // Requests kept for listing runs (`--jobs-reserve`); nullopt: default_jobs_reserve(limit).
  std::optional<std::int64_t> reserve;
  // Runs read from the backlog at a time.
  std::size_t batch = 100;
};

std::int64_t default_jobs_reserve(std::int64_t limit);
// options.reserve, or the default for `limit`.
std::int64_t jobs_reserve(const JobOptions& options, std::int64_t limit);

// Fetches the jobs of `repository`'s runs that the store's backlog (JobBacklog) says are
// wanted, newest first: GET .../runs/{id}/jobs?filter=all&per_page=100 and its further pages,
// then commit_run_jobs for that run alone, so that a process killed at any moment loses no
// fetch and records none whose jobs are not stored. A 404 is recorded as a gap. An answer that
// is not a jobs page of that run (bad JSON, jobs of another run, a failed request) is reported
// as a warning naming the run and page, nothing is recorded for the run, and the others go on;
// the run stays in the backlog for the next sync. Stops early, with report.jobs_paused saying
// why, when the budget falls to the reserve before a run or GitHub answers with a rate limit:
// the backlog stays in the database. Fails only on a database error. Fills the job_* members
// of `report`; `show` is told the current activity and how many runs are left.
Status sync_jobs(github::Client& client, JobStore& store, const std::string& repository,
                 const JobOptions& options, ProgressSink& progress, RepositoryReport& report,
                 const std::function<void(std::string, std::optional<std::int64_t>)>& show);

}  // namespace cipette::collector

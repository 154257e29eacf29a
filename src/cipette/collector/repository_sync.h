#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "cipette/collector/job_sync.h"
#include "cipette/collector/progress.h"
#include "cipette/core/run_store.h"
#include "cipette/core/time.h"
#include "cipette/github/client.h"
#include "cipette/github/endpoints.h"

namespace cipette::collector {

// GitHub allows re-runs for 30 days after a run's first attempt, and a run lasts at most 35 days.
inline constexpr int kDefaultRescanDays = 35;
inline constexpr int kMaxRescanDays = 90;

struct SyncOptions {
  // The oldest created_at wanted. It limits the first sync of a repository; a later sync with
  // an earlier --since reads the history again from there. Empty: the whole history.
  std::optional<Timestamp> since;
  // How far before the cursor a later sync lists again: runs that appear in the listing late,
  // or are re-run soon after they completed, are picked up.
  std::chrono::seconds overlap{3600};
  // How much further back the listing window reaches to keep an unfinished run in it; older
  // unfinished runs are fetched by id instead.
  std::chrono::seconds pending_lookback{86400};
  int per_page = github::kMaxPerPage;
  // GitHub's cap on what one filtered listing returns, and the number of runs a backlog window
  // aims at (under the cap, so that an estimate a little off still fits).
  std::int64_t result_cap = 1000;
  std::int64_t window_target = 800;
  int max_head_passes = 3;
  // How many days of recent history every sync lists again, in closed `created` windows with
  // their ETags, to see runs re-run or completed since they were read (0: none; at most
  // kMaxRescanDays). The command line's default is kDefaultRescanDays.
  int rescan_days = 0;
  // How many earlier attempts of re-run runs one sync fetches at most (the rest wait for the
  // next sync).
  std::size_t max_attempt_fetches = 5000;
  // The job phase, after the runs are listed (job_sync.h); off unless enabled.
  JobOptions jobs;
  std::function<Timestamp()> now;  // default: now_utc
};

// Syncs one repository's workflow runs into `store`, incrementally, using the SyncState saved
// there (see repository_sync.cc for the algorithm). Every page read is written in one
// transaction together with the advanced state, so the process may be killed at any moment
// and a later sync ends with the same database an uninterrupted one gives. Never throws for
// expected failures: the report says what went wrong (HTTP, JSON, database, a listing that
// pages for ever, a one-second window reporting GitHub's cap of runs or more), and what was
// written before stays written. Runs of other repositories in GitHub's answers are not
// written, only counted (RepositoryReport::foreign_runs). `client` and `store` are used from
// this thread only.
RepositoryReport sync_repository(github::Client& client, RunStore& store,
                                 const std::string& repository, const SyncOptions& options,
                                 ProgressSink& progress);

}  // namespace cipette::collector

#pragma once

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/time.h"
#include "cipette/github/rate_limit.h"

namespace cipette::collector {

// What the sync of one repository did, for the progress display and the summary.
struct RepositoryReport {
  std::string repository;
  bool done = false;              // finished without error
  std::string error;              // why it failed, when it did
  std::int64_t inserted = 0;      // runs new to the database
  std::int64_t updated = 0;       // runs changed (completed, re-run...)
  std::int64_t reruns = 0;        // of those, runs written with a new attempt (re-runs)
  std::int64_t attempts = 0;      // earlier attempts of re-run runs fetched and stored
  std::int64_t runs_read = 0;     // runs received, duplicates and unchanged ones included
  std::int64_t pages = 0;         // listing pages and single runs received
  std::int64_t requests = 0;      // HTTP requests made, retries included
  std::int64_t not_modified = 0;  // of which answered 304
  std::int64_t foreign_runs = 0;  // runs of other repositories in its answers, ignored
  // The job phase (job_sync.h): requests made for jobs (included in `requests`), runs whose
  // jobs were fetched and recorded (gaps included), jobs written (new or changed), runs found
  // deleted (404: a recorded gap), runs left for a later sync because their answer was bad.
  std::int64_t job_requests = 0;
  std::int64_t job_runs = 0;
  std::int64_t jobs_stored = 0;
  std::int64_t job_gaps = 0;
  std::int64_t job_failures = 0;
  // Runs still lacking their jobs (within --jobs-since) when the sync ended; nullopt when jobs
  // are not collected or could not be counted.
  std::optional<std::int64_t> jobs_wanted;
  // Why the job phase stopped before the backlog was done ("" when it did not): the rate
  // budget's reserve, or a rate limit.
  std::string jobs_paused;
  std::vector<std::string> warnings;
  // Set when another collector on the same database synced it while this one waited for its
  // lease (see leases.h): done, with nothing read here.
  std::string synced_by;
};

// A live view of one repository's sync.
struct SyncStatus {
  std::string repository;
  std::string activity;  // "listing 2024-01-01..2024-02-01", "waiting 41s: secondary rate limit"
  std::int64_t pages = 0;
  std::int64_t runs_read = 0;
  std::optional<std::int64_t> jobs_wanted;       // runs still lacking their jobs, in the job phase
  std::optional<std::chrono::seconds> jobs_eta;  // job_backlog_eta of those
  github::RateLimit rate;
};

// Where the collector reports progress. All calls may come from several threads at once.
class ProgressSink {
 public:
  virtual ~ProgressSink() = default;
  // The repository's current activity (called often; a live display redraws, a log may skip).
  virtual void update(const SyncStatus& status) = 0;
  // Something worth a line of its own: a backlog, a wait, a retry, a warning.
  virtual void note(std::string_view repository, std::string_view message) = 0;
  // The repository's sync is waiting (rate limit, backoff) for `left` more; called about
  // once a second during a wait, for a countdown.
  virtual void waiting(std::string_view repository, std::chrono::seconds left,
                       std::string_view reason) = 0;
  // The repository is done (or failed).
  virtual void finished(const RepositoryReport& report) = 0;
};

// Discards everything (tests, and callers that only want the reports).
class SilentProgress final : public ProgressSink {
 public:
  void update(const SyncStatus&) override {}
  void note(std::string_view, std::string_view) override {}
  void waiting(std::string_view, std::chrono::seconds, std::string_view) override {}
  void finished(const RepositoryReport&) override {}
};

// Plain log lines ("cipette collect: owner/repo: MESSAGE") for a file or pipe: notes, a line
// when a repository finishes, and at most one activity line per repository every few seconds.
// Every line has `secret` (the token) replaced by "***", should it ever appear.
class LogProgress final : public ProgressSink {
 public:
  LogProgress(std::FILE* out, std::string secret) : out_(out), secret_(std::move(secret)) {}
  void update(const SyncStatus& status) override;
  void note(std::string_view repository, std::string_view message) override;
  void waiting(std::string_view repository, std::chrono::seconds left,
               std::string_view reason) override;
  void finished(const RepositoryReport& report) override;

 private:
  void line(std::string text);

  std::FILE* out_;
  std::string secret_;
  std::mutex mutex_;
  std::map<std::string, std::chrono::steady_clock::time_point> last_update_;
  // Each repository's current wait: its reason and the time left at the last call.
  std::map<std::string, std::pair<std::string, std::chrono::seconds>> waits_;
};

// A live display for a terminal: one line per repository being synced, redrawn in place
// (at most ten times a second), with notes and finished repositories scrolling above it.
class TerminalProgress final : public ProgressSink {
 public:
  TerminalProgress(std::FILE* out, std::string secret) : out_(out), secret_(std::move(secret)) {}
  ~TerminalProgress() override;
  void update(const SyncStatus& status) override;
  void note(std::string_view repository, std::string_view message) override;
  void waiting(std::string_view repository, std::chrono::seconds left,
               std::string_view reason) override;
  void finished(const RepositoryReport& report) override;

 private:
  void print_above(std::string text);  // REQUIRES: mutex_ held
  void redraw();                       // REQUIRES: mutex_ held
  void erase();                        // REQUIRES: mutex_ held

  std::FILE* out_;
  std::string secret_;
  std::mutex mutex_;
  std::map<std::string, SyncStatus> active_;
  int drawn_lines_ = 0;
  std::chrono::steady_clock::time_point last_draw_;
};

// "owner/repo: 120 new, 3 updated, 14 requests (2 answered 304), 2 runs of other repositories
// ignored" or "owner/repo: failed: WHY" (and "; 2 runs of other repositories ignored").
std::string describe_report(const RepositoryReport& report);

// "owner/repo: 3 pages, 250 runs, 4871/5000 requests left, jobs: 1,234 runs to fetch, ~2 h at
// the current rate budget: listing 2024-01-01..": a status line.
std::string describe_status(const SyncStatus& status);

// How long fetching the jobs of `runs` runs takes at `requests_per_run`, when the job phase
// spends only what is above `reserve` of each hourly budget (docs/decisions.md, "Collecting
// jobs: the budget rule") and collect runs at least once an hour: what is left above the
// reserve now, then limit - reserve after each reset. 0 when it fits in what is left now;
// nullopt when the budget is unknown or nothing is ever left above the reserve.
std::optional<std::chrono::seconds> job_backlog_eta(std::int64_t runs, double requests_per_run,
                                                    const github::RateLimit& rate,
                                                    std::int64_t reserve, Timestamp now);

// "jobs: 1,234 runs to fetch, ~2 h at the current rate budget" (or "..., within the current
// budget", or without the estimate when `eta` is nullopt); "jobs: none left to fetch" for 0.
std::string describe_job_backlog(std::int64_t runs, std::optional<std::chrono::seconds> eta);

// A countdown: "42s", "3m 05s", "1h 02m 09s".
std::string format_wait(std::chrono::seconds wait);

// `text` with every occurrence of `secret` replaced by "***" (unchanged when the secret is
// shorter than 8 characters).
std::string redact(std::string text, std::string_view secret);

}  // namespace cipette::collector

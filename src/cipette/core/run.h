#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/core/time.h"

namespace cipette {

// How a completed run's conclusion counts in the metrics (docs/metrics.md, "Terms").
enum class Outcome : std::uint8_t {
  kSuccess,  // success
  kFailed,   // failure, timed_out, startup_failure
  kNeutral,  // cancelled, skipped, neutral, action_required, stale, missing or unknown
};

// Classifies a GitHub conclusion string ("" stands for null).
Outcome classify_conclusion(std::string_view conclusion);

// "success", "failed" or "neutral".
std::string_view outcome_name(Outcome outcome);

// GitHub allows 50 attempts of a run; the store and the run table accept up to this many.
inline constexpr std::int64_t kMaxRunAttempt = 65535;

// One earlier attempt of a run: GET .../actions/runs/{id}/attempts/{attempt}, which answers
// in the run's shape with that attempt's own values (docs/metrics.md, "Re-runs and
// flakiness"). The run's own record holds its latest attempt.
struct AttemptRecord {
  std::int64_t run_id = 0;
  std::int64_t attempt = 0;  // 1-based, below the run's run_attempt
  // False when GitHub answered 404 (a deleted run, expired retention): nothing else is known,
  // the attempt is not fetched again, and it counts in no outcome.
  bool found = true;
  std::string status;      // "" when not found
  std::string conclusion;  // "" when GitHub sent null
  std::optional<Timestamp> run_started_at;
  Timestamp updated_at = 0;

  bool completed() const { return found && status == "completed"; }

  friend bool operator==(const AttemptRecord&, const AttemptRecord&) = default;
};

// How far a run, an attempt or a job has come, by its GitHub status: completed, then
// in_progress, then everything before it (queued, waiting, requested, pending, or a status
// GitHub adds later).
enum class Progress : std::uint8_t { kWaiting = 0, kInProgress = 1, kCompleted = 2 };
Progress progress_of(std::string_view status);

// The one rule for when a version of a run, of one of its attempts, or of a job may overwrite
// the stored one: it must move forward, whatever order versions arrive in. A higher attempt
// first, then further progress (completed over in_progress over queued/waiting), then a later
// time stamp. Stores keep this key in a column and compare it in SQL, so that the rule lives
// here only. Completed and waiting versions keep the values that schema 4 stored (the progress
// takes the bit that was "completed", and the bit below it).
std::int64_t forward_version(std::int64_t attempt, Progress progress, Timestamp time);

// forward_version of a run or attempt: its attempt, its status and its updated_at. An attempt
// GitHub did not find has version 0: any found version replaces it, and it never replaces one.
inline std::int64_t run_version(std::int64_t attempt, std::string_view status,
                                Timestamp updated_at) {
  return forward_version(attempt, progress_of(status), updated_at);
}

// One GitHub workflow run as stored: the fields of its latest attempt. Strings hold GitHub's
// values verbatim (they are untrusted: escape them wherever they are rendered).
struct RunRecord {
  std::int64_t id = 0;
  std::int64_t repository_id = 0;
  std::string repository;  // "owner/name"
  std::int64_t workflow_id = 0;
  std::string workflow_name;
  std::string path;  // ".github/workflows/ci.yml" (GitHub may append "@ref")
  std::int64_t run_number = 0;
  std::int64_t run_attempt = 1;
  std::string event;
  std::string status;      // "completed", "in_progress", "queued", ...
  std::string conclusion;  // "" when GitHub sent null
  std::string head_branch;
  std::string head_sha;
  std::string actor;  // login; "" when absent
  Timestamp created_at = 0;
  std::optional<Timestamp> run_started_at;
  Timestamp updated_at = 0;
  std::string html_url;
  // Earlier attempts known (attempt numbers below run_attempt), in attempt order: filled by
  // RunReader::scan_runs, written by RunWriter::upsert_runs. Empty for a run never re-run and
  // for runs as GitHub lists them.
  std::vector<AttemptRecord> earlier_attempts;

  bool completed() const { return status == "completed"; }
  std::int64_t version() const { return run_version(run_attempt, status, updated_at); }
  // run_started_at, or created_at where that is missing.
  Timestamp started() const { return run_started_at.value_or(created_at); }

  friend bool operator==(const RunRecord&, const RunRecord&) = default;
};

inline std::int64_t attempt_version(const AttemptRecord& attempt) {
  return attempt.found ? run_version(attempt.attempt, attempt.status, attempt.updated_at) : 0;
}

// What a run's attempts add to the metrics (docs/metrics.md, "Re-runs and flakiness"): the one
// rule, read from the run (its latest attempt) and its earlier_attempts.
struct AttemptSummary {
  // The first attempt's outcome; none while it is unknown (not fetched, not found, or not
  // completed).
  std::optional<Outcome> first;
  // An attempt failed and a later one succeeded (attempts not found are skipped).
  bool flaky = false;
  // The durations (updated_at - run_started_at) of the earlier attempts that completed with
  // one: a start time, and a completion not before it.
  std::int64_t seconds_lost = 0;
};
AttemptSummary summarize_attempts(const RunRecord& run);

// Checks what the store and the metrics rely on: positive ids, a repository "owner/name",
// non-empty status, 1 <= run_attempt <= kMaxRunAttempt, and earlier attempts that pass
// validate_attempt and belong to the run (run_id; attempts below run_attempt, increasing). Fails
// naming the run id and the field.
Status validate_run(const RunRecord& run);

// Positive run id, 1 <= attempt <= kMaxRunAttempt, and a status when found.
Status validate_attempt(const AttemptRecord& attempt);

// True for "owner/name" where both parts are non-empty and consist of GitHub's allowed
// characters (letters, digits, '-', '_', '.'), and neither is "." or "..".
bool is_valid_repository_name(std::string_view name);

}  // namespace cipette

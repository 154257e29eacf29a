#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/core/run.h"
#include "cipette/core/time.h"

namespace cipette {

// One step of a job execution, as GET .../actions/runs/{id}/jobs lists it. Steps stay in the
// database; the engine never holds them (docs/decisions.md, "Jobs in the store").
struct StepRecord {
  std::int64_t number = 0;  // GitHub's step number, 1-based (gaps are normal: 1..8, 16, 17)
  std::string name;
  std::string status;
  std::string conclusion;  // "" when GitHub sent null
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> completed_at;

  friend bool operator==(const StepRecord&, const StepRecord&) = default;
};

// One job execution: a job of one attempt of a run, keyed by GitHub's job id (a re-run's
// jobs get new ids). Strings hold GitHub's values verbatim (untrusted: escape them wherever
// they are rendered).
struct JobRecord {
  std::int64_t id = 0;
  std::int64_t run_id = 0;
  std::int64_t run_attempt = 1;  // 1 when GitHub leaves it out
  std::string name;              // "test (ubuntu-latest, 3.12)" for a matrix leg
  std::string status;            // queued, in_progress, completed, waiting, requested, pending
  std::string conclusion;        // "" when GitHub sent null
  // created_at is missing on GitHub Enterprise Server before 3.9; started_at and completed_at
  // until the job starts and ends.
  std::optional<Timestamp> created_at;
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> completed_at;
  std::vector<std::string> labels;  // the `runs-on` labels, in GitHub's order
  std::string runner_name;          // "" until a runner is assigned
  std::string runner_group_name;    // "" until a runner is assigned
  std::string html_url;
  std::vector<StepRecord> steps;  // in GitHub's order; stores keep them sorted by number
  // The job was seen with status "waiting" (an environment's approval): a webhook event or a
  // listing while it waited said so. Sticky: a store keeps it once any version had it, since
  // a completed job no longer tells. Its wait is not queue time (docs/metrics.md, "Queue
  // time").
  bool waited = false;
  // A field added here must be added to decide_job_write's comparison (job.cc).

  bool completed() const { return status == "completed"; }
  // forward_version(run_attempt, progress_of(status), the latest of completed_at, started_at
  // and created_at): the one rule (core/run.h) applied to jobs.
  std::int64_t version() const;

  friend bool operator==(const JobRecord&, const JobRecord&) = default;
};

// What a store does with an incoming job, given the stored one (docs/decisions.md, "Jobs in
// the store"): the forward-only rule of runs applied to jobs, with `waited` sticky.
enum class JobWrite {
  kUnchanged,   // nothing to write
  kMarkWaited,  // only set the stored row's waited flag (and give it a new change_seq)
  kReplace,     // write the incoming job (its steps replace the stored ones), waited as given
};

struct JobWriteDecision {
  JobWrite write = JobWrite::kReplace;
  bool waited = false;  // the waited flag to store with kReplace: incoming OR stored
};

// What a store knows of its stored row when deciding. `version` and `waited` are the row's
// columns (cheap to read); `contents` is the whole stored job with its steps sorted by number,
// needed only when the versions are equal (stored_contents_needed) and otherwise may be null.
struct StoredJob {
  std::int64_t version = 0;
  bool waited = false;
  const JobRecord* contents = nullptr;
};

// Whether decide_job_write needs StoredJob::contents: only when the versions are equal.
inline bool stored_contents_needed(std::int64_t stored_version, const JobRecord& incoming) {
  return stored_version == incoming.version();
}

// The one overwrite rule for jobs, used by both stores. No stored row: kReplace (an insert).
// A greater incoming version: kReplace. A smaller one: kMarkWaited when it saw the job waiting
// and the stored row did not, else kUnchanged. An equal one: the contents are compared (every
// field but waited, and the steps in number order): if they differ, kReplace; if not,
// kMarkWaited when only the incoming one waited, else kUnchanged. An equal version without
// `contents` is a kReplace (the safe choice: the incoming job is written).
JobWriteDecision decide_job_write(const StoredJob* stored, const JobRecord& incoming);

// Checks what the store and the metrics rely on: positive id and run_id, 1 <= run_attempt <=
// kMaxRunAttempt, a non-empty status, a name, at most kMaxJobLabels labels of at most
// kMaxNameBytes bytes, steps with distinct positive numbers. Fails naming the job id and the
// field.
inline constexpr std::size_t kMaxJobLabels = 32;
inline constexpr std::size_t kMaxNameBytes = 1024;
inline constexpr std::size_t kMaxJobSteps = 1000;
Status validate_job(const JobRecord& job);

// The name a job is grouped under (docs/metrics.md, "Jobs"): a matrix leg
// "test (ubuntu-latest, 3.12)" is grouped under "test"; a name without a trailing
// parenthesised part is its own group. Only a final " (...)" is removed, once.
std::string_view job_group_name(std::string_view name);

// The runner label set of a job as one key: its labels sorted (byte order), without
// duplicates, joined by ", ". "" when the job has no labels.
std::string label_set_key(std::vector<std::string> labels);

// The job's queue time (docs/metrics.md, "Queue time"): started_at - created_at in seconds;
// none when either is missing, when started_at is before created_at (clock trouble), or when
// the job waited for an approval (JobRecord::waited: counted apart).
std::optional<std::int64_t> queue_seconds(const JobRecord& job);

// The job's duration: completed_at - started_at in seconds, for a completed job with both,
// completed_at not before started_at; none otherwise.
std::optional<std::int64_t> job_duration_seconds(const JobRecord& job);

}  // namespace cipette

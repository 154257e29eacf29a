#pragma once

// Job and runner metrics (docs/metrics.md, "Jobs, queue time and runners"), computed from a
// RunTable's scope and the JobTable built for it.

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cipette/core/job_table.h"
#include "cipette/core/metrics.h"
#include "cipette/core/run_table.h"

namespace cipette {

// count, mean, p50 and p95 (nearest rank) of job durations or queue times, in seconds.
using JobStats = DurationStats;

// One job group of a workflow (job_group_name: matrix legs are grouped), or one leg of it.
struct JobRow {
  std::string repository;
  std::int64_t workflow_id = 0;
  std::string workflow;  // name
  std::string job;       // the group name, or the leg's full name (compute_job_legs)
  // Completed jobs of the runs in scope, by outcome class (classify_conclusion).
  std::int64_t executions = 0;
  std::int64_t success = 0;
  std::int64_t failed = 0;
  std::int64_t neutral = 0;
  std::optional<double> success_rate;  // percent, 2 decimals; none without success or failed
  JobStats duration;                   // completed_at - started_at
  JobStats queue;                      // started_at - created_at, jobs that waited left out
  std::int64_t approval_waits = 0;     // jobs that waited for an approval
  // (run, job name) pairs that failed in an attempt and succeeded in a later one.
  std::int64_t flaky_jobs = 0;
  // The distinct job names grouped here, sorted, when one of them differs from the group
  // name (a matrix); empty otherwise, and in compute_job_legs' rows.
  std::vector<std::string> legs;
};

// The jobs of one runner label set and runner group.
struct RunnerRow {
  std::vector<std::string> labels;  // sorted, without duplicates; empty: no labels
  std::string runner_group;         // "": no runner assigned
  std::int64_t executions = 0;      // completed jobs of the runs in scope
  JobStats queue;
  JobStats duration;
  // An estimate: the sum of each job's duration rounded up to a whole minute.
  std::int64_t billable_minutes = 0;
};

// Per (repository, workflow, job group) with completed jobs in scope, ordered by repository,
// workflow name, workflow id and job. A job is in scope when its run is: created in the
// period, and passing the repository, workflow, branch and event filters (the run itself may
// still be running). REQUIRES: validate_scope(scope) succeeded; `jobs` was built for `runs`.
std::vector<JobRow> compute_job_metrics(const RunTable& runs, const JobTable& jobs,
                                        const Scope& scope);

// The legs of job group `group` of workflow (`repository`, `workflow_id`), one row per full
// job name, ordered by name; empty when there are none in scope. REQUIRES: as above.
std::vector<JobRow> compute_job_legs(const RunTable& runs, const JobTable& jobs, const Scope& scope,
                                     const std::string& repository, std::int64_t workflow_id,
                                     const std::string& group);

// Per (label set, runner group) with completed jobs in scope, ordered by labels (compared as
// lists) then runner group. REQUIRES: as above.
std::vector<RunnerRow> compute_runner_metrics(const RunTable& runs, const JobTable& jobs,
                                              const Scope& scope);

// Every completed job in scope together, for the dashboard's queue-time card: the executions
// and the queue times and durations pooled (not a mean of the groups' percentiles).
struct JobTotals {
  std::int64_t executions = 0;
  JobStats queue;
  JobStats duration;
};
// REQUIRES: as above.
JobTotals compute_job_totals(const RunTable& runs, const JobTable& jobs, const Scope& scope);

// The queue times of one UTC day, for the runners chart.
struct DailyQueuePoint {
  std::int64_t day = 0;    // days since 1970-01-01
  std::int64_t count = 0;  // completed jobs with a queue time
  std::optional<std::int64_t> p50;
  std::optional<std::int64_t> p95;
};

// Queue times of the completed jobs in scope per UTC day of their run's created_at (the day that
// puts the run in scope), one point for every day: kDays from day_index(now - days) to
// day_index(now) (runs created later are left out), kRange from day_index(from) to
// day_index(to - 1), kAll from the first to the last day with a queue time (at most
// kMaxRangeDays, the last ones). REQUIRES: as above.
std::vector<DailyQueuePoint> compute_daily_queue(const RunTable& runs, const JobTable& jobs,
                                                 const Scope& scope);

// The runners view of one scope in one pass over its jobs: compute_runner_metrics' rows,
// compute_job_totals' totals and compute_daily_queue's points, as each of them gives them.
struct RunnerReport {
  std::vector<RunnerRow> rows;
  JobTotals totals;
  std::vector<DailyQueuePoint> days;
};
// REQUIRES: as above.
RunnerReport compute_runner_report(const RunTable& runs, const JobTable& jobs, const Scope& scope);

// A step's duration: completed_at - started_at in seconds, when it has both and completed_at
// is not before started_at; none otherwise.
std::optional<std::int64_t> step_duration_seconds(const StepRecord& step);

// The durations of one step name over some job executions (the slowest-steps view).
struct StepRow {
  std::string name;
  JobStats duration;
};

// Per step name of `steps` with at least one duration (step_duration_seconds), ordered by p95
// descending, then name. Skipped steps (conclusion "skipped") are left out: they did not run.
std::vector<StepRow> compute_step_metrics(std::span<const StepRecord> steps);

// A job's estimated billable minutes: its duration rounded up to a whole minute (0 s is 0).
inline std::int64_t billable_minutes(std::int64_t duration_seconds) {
  return (duration_seconds + 59) / 60;
}

}  // namespace cipette

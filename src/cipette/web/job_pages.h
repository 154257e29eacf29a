#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mstch/mstch.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/job.h"
#include "cipette/core/job_metrics.h"
#include "cipette/core/job_store.h"
#include "cipette/core/job_table.h"
#include "cipette/core/result.h"
#include "cipette/core/run_table.h"
#include "cipette/core/runner_rates.h"
#include "cipette/web/query.h"
#include "cipette/web/run_finder.h"
#include "cipette/web/snapshot.h"

// The HTML of jobs and runners (docs/metrics.md, "Jobs, queue time and runners"): the
// dashboard's queue-time card, the runners view, the workflow page's job table and the run
// page. Like pages.h, every value from GitHub (job, step, label and runner names) reaches the
// page only through the escaping templates.
namespace cipette::web {

// The slowest-steps view (the workflow page, and GET /api/v1/jobs/steps) reads the steps of the
// jobs of a workflow's newest kStepRunsRead completed runs in scope from the store (the engine
// holds no steps), and the page shows each job group's kSlowestStepsShown step names with the
// highest p95.
inline constexpr int kStepRunsRead = 100;
inline constexpr std::size_t kSlowestStepsShown = 5;

// The ids of the runs the slowest steps are read from: the newest kStepRunsRead completed runs
// of workflow `workflow` of `runs` in `scope` (its workflow filter replaced by that workflow),
// newest first.
std::vector<std::int64_t> step_sample_runs(const RunTable& runs, const Scope& scope,
                                           NameId workflow);

// The dashboard's queue-time card, in page_parts::cards' format: the pooled queue p50 with the
// p95 and the job count; "no job data" (greyed) with a hint to run `cipette collect` when no job
// in scope completed.
mstch::map queue_card(const JobTotals& totals);

// The runners view ("/runners"): the filters of the dashboard, a daily queue-time chart (p50
// and p95 per UTC day, drawn by app.js from the points the page carries) and a table per runner
// label set and runner group. With `rates` configured (CIPETTE_RUNNER_RATES), the table has an
// estimated-cost column (estimate_cost: the cost and the rate used, or "no rate") and a note
// saying it is an estimate; without, neither. REQUIRES: validate_scope(query.scope)
// succeeded; `jobs` was built for state.table.
std::string render_runners(const SnapshotState& state, const JobTable& jobs,
                           const ScopeQuery& query, bool auth_enabled,
                           const RunnerRates& rates = {});

// The steps of the jobs of run ids `runs`, read from `store`, by job group name (job_group_name),
// completed jobs only: what the slowest-steps view ranks. Fails with the store's error.
struct GroupSteps {
  std::string group;
  std::int64_t jobs = 0;  // its completed jobs read
  std::vector<StepRecord> steps;
};
using StepsByGroup = std::vector<GroupSteps>;  // by group name
Result<StepsByGroup> read_group_steps(JobReader& store, const std::vector<std::int64_t>& runs);

// The workflow page's "Jobs" section (a context merged into the page's): a row per job group of
// workflow `workflow` in `scope` (compute_job_metrics), each matrix group with its legs
// (compute_job_legs) and each group with its slowest steps from `steps` (read_group_steps of
// the ids in step_runs); `steps` null: the steps could not be read (`steps_error` says why).
struct JobSectionData {
  NameId workflow = 0;
  const StepsByGroup* steps = nullptr;
  std::string steps_error;
  std::size_t step_runs = 0;  // how many runs the steps were read from
};
mstch::map job_section(const RunTable& runs, const JobTable& jobs, const Scope& scope,
                       const JobSectionData& data);

// The run page ("/run?id=N"): parameter id (required, a positive number) beside the scope
// parameters of the page it was linked from (parse_scope_query: the workflow page gives
// repository and workflow, so that the run is looked for among its workflow's runs only, and
// the period, kept by the links back).
struct RunQuery {
  std::int64_t id = 0;
  ScopeQuery scope;
};
// A run id as given in /run?id=ID and /api/v1/runs/ID: a positive whole number.
Parsed<std::int64_t> parse_run_id(std::string_view text);

Parsed<RunQuery> parse_run_query(const QueryParams& params, Timestamp now);

// The row of run `query.id`, found by id through `finder`'s index, or none when the table does
// not hold it or when the query's repository or workflow (a hint the links carry) names another
// workflow.
std::optional<RunTable::Row> find_run(const std::shared_ptr<const RunTable>& runs,
                                      RunFinder& finder, const RunQuery& query);

// The run page: the run's attempts (1 .. its run_attempt, and any later one a job names), each
// with its jobs as a timeline (a bar per job: queued from created_at to started_at, running to
// completed_at, on the attempt's own time scale), each job's steps with their durations, each
// attempt and job linked to GitHub. `jobs` are JobReader::jobs_of_run(row.id), or the error that
// reading them gave.
std::string render_run(const SnapshotState& state, const RunQuery& query, const RunTable::Row& row,
                       const Result<std::vector<JobRecord>>& jobs, bool auth_enabled);

}  // namespace cipette::web

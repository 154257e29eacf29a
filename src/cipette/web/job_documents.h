#pragma once

// The API documents of one run's jobs and of a job group's steps (docs/json-api.md). The job
// and runner rows are views/job_report_json.h's, shared with the CLI.

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cipette/core/job.h"
#include "cipette/core/metrics.h"
#include "cipette/core/run_table.h"
#include "cipette/core/select_runs.h"

namespace cipette::web {

// GET /api/v1/runs/{id}: {"schema_version", "run": runs_json's run object, its earlier attempts
// included, "jobs": [{"id", "name", "group", "attempt", "status", "conclusion", "created_at",
// "started_at", "completed_at", "queue_seconds", "duration_seconds", "waited_for_approval",
// "labels", "runner_name", "runner_group", "html_url", "steps": [{"number", "name", "status",
// "conclusion", "started_at", "completed_at", "duration_seconds"}]}]}. `jobs` as
// JobReader::jobs_of_run orders them (attempt, start, id).
nlohmann::json run_detail_json(const RunTable& table, const ListedRun& run,
                               const std::vector<JobRecord>& jobs);

// What a step document was read from (read_group_steps over step_sample_runs, job_pages.h):
// how many runs, and the completed jobs of the job group among them with their steps.
struct StepSample {
  std::int64_t runs = 0;
  std::int64_t jobs = 0;
  std::vector<StepRecord> steps;
};

// What the step document says of its job group and sample.
struct StepDocument {
  Scope scope;
  std::string repository;
  std::int64_t workflow_id = 0;
  std::string workflow;
  std::string job;        // the job group
  std::int64_t max_runs;  // the sample's limit
};

// GET /api/v1/jobs/steps: {"schema_version", "scope", "repository", "workflow_id", "workflow",
// "job", "sample": {"runs", "jobs", "max_runs"}, "steps": per step name of the sample's steps
// (compute_step_metrics, the slowest-steps view's rule): {"name", "duration": {"count",
// "mean_seconds", "p50_seconds", "p95_seconds"}}, slowest p95 first (then name)}.
nlohmann::json steps_json(const StepDocument& document, const StepSample& sample);

}  // namespace cipette::web

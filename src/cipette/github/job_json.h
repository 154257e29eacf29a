#pragma once

#include <string_view>
#include <vector>

#include "cipette/core/job.h"
#include "cipette/core/result.h"

namespace cipette::github {

// Parses GitHub job JSON as the REST API returns it and as people save it:
//   - a list-jobs page: {"total_count": N, "jobs": [job, ...]}
//     (GET .../actions/runs/{id}/jobs, and .../attempts/{n}/jobs)
//   - a bare array of jobs, or a single job object (GET .../actions/jobs/{id})
//   - an array of pages, or pages concatenated (`gh api --paginate [--slurp]`)
// `source` names the input in messages (a file name, a URL).
// Required per job: id and run_id (positive integers), name and status (non-empty strings).
// Everything else is optional; null counts as absent (run_attempt 1; created_at, started_at,
// completed_at none; labels empty; runner_name, runner_group_name, conclusion ""); a value of
// the wrong type is an error even where the field is optional. Steps without a positive
// number are an error; steps are sorted by number. Time stamps take `Z` and `±hh:mm` offsets
// and must be plausible (core/time.h). Each job passes validate_job.
// Fails on the first problem with nothing returned: invalid JSON gives
// "SOURCE: line L, column C: WHAT"; a wrongly shaped document or job gives
// "SOURCE: job #K (id ID): field "NAME": WHAT".
Result<std::vector<JobRecord>> parse_jobs_document(std::string_view json, std::string_view source);

// True when `json` (already known to be valid JSON of one of the shapes above or of
// parse_runs_document's) holds jobs rather than runs: its first object has a "jobs" member,
// or a "run_id" and "steps" member. For `cipette import`, which takes both.
bool looks_like_jobs(std::string_view json);

}  // namespace cipette::github

#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "cipette/core/job.h"
#include "cipette/core/run.h"

// Private to the fake GitHub server: the jobs it serves for each attempt of a run, worked out
// from the run's id and the attempt alone, so that a test can tell what to expect without
// asking the fake (see FakeGitHub::jobs):
// - jobs_per_attempt(run id): 130 when id % 20 == 7 (a matrix build: two pages of 100 under
//   per_page=100), else 1 + id % 4. Every attempt of a run has that many jobs, so filter=all
//   lists run_attempt * jobs_per_attempt(id) jobs and filter=latest jobs_per_attempt(id).
// - Job k (0-based) of attempt a has id = run id * 100000 + a * 1000 + k (a re-run's jobs get
//   new ids, as on GitHub); name "test (shard K)" (K = k + 1) in a matrix build, else build,
//   test, lint, deploy; labels by k % 3: ubuntu-latest / self-hosted, linux, x64 /
//   windows-latest; runner group "GitHub Actions" for hosted labels, "self-hosted pool" else.
// - created_at = the attempt's start + k seconds, queued (k % 7) * 10 + id % 5 seconds, then
//   running 60 + (job id % 240) seconds; 3 + k % 3 steps, numbered 1, 2, ... and the last one
//   ("Complete job") number + 10, as GitHub numbers post-steps.
// - A completed attempt's jobs are completed, "success" but for the last job, which has the
//   attempt's conclusion; an attempt still running has its jobs in_progress (no completed_at,
//   no conclusion).

namespace cipette::fake_github {

std::int64_t jobs_per_attempt(std::int64_t run_id);

// The jobs of `attempt` (a RunRecord in the run's shape with that attempt's run_attempt, status,
// conclusion and run_started_at: the run itself for its latest attempt), in GitHub's order.
std::vector<JobRecord> generate_attempt_jobs(const RunRecord& attempt);

// Appends a job object of GitHub's list-jobs-for-workflow-run page, serialised, to `out`.
void append_job_json(std::string& out, const JobRecord& job, const RunRecord& run,
                     std::string_view api_base);

}  // namespace cipette::fake_github

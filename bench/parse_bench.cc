// Parsing GitHub's jobs JSON: one list-jobs page of 100 jobs (per_page=100, the most GitHub
// sends) with 10 steps each, in the shape GET .../actions/runs/{id}/jobs answers with (every
// member of GitHub's example, step times with a -08:00 offset as in it). Reports jobs/s as
// items_per_second.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <cstdint>
#include <string>

#include "cipette/github/job_json.h"

namespace {

using namespace cipette;

constexpr int kJobsPerPage = 100;
constexpr int kStepsPerJob = 10;

std::string step_json(int number) {
  // Steps of a job take a second each from 09:42:40-08:00 (17:42:40Z).
  return fmt::format(
      R"({{"name": "Step {0}", "status": "completed", "conclusion": "success", "number": {0},)"
      R"( "started_at": "2020-01-20T09:42:{1:02}.000-08:00",)"
      R"( "completed_at": "2020-01-20T09:42:{2:02}.000-08:00"}})",
      number, 40 + number - 1, 40 + number);
}

std::string job_json(int index) {
  std::string steps;
  for (int number = 1; number <= kStepsPerJob; ++number) {
    steps += fmt::format("{}\n        {}", number == 1 ? "" : ",", step_json(number));
  }
  std::int64_t id = 399444496 + index;
  return fmt::format(
      R"json({{
      "id": {0}, "run_id": 29679449,
      "run_url": "https://api.github.com/repos/octo-org/octo-repo/actions/runs/29679449",
      "run_attempt": 1, "node_id": "MDEyOldvcmtmbG93IEpvYjM5OTQ0NDQ5Ng==",
      "head_sha": "f83a356604ae3c5d03e1b46ef4d1ca77d64a90b0",
      "url": "https://api.github.com/repos/octo-org/octo-repo/actions/jobs/{0}",
      "html_url": "https://github.com/octo-org/octo-repo/runs/29679449/jobs/{0}",
      "status": "completed", "conclusion": "success",
      "created_at": "2020-01-20T17:42:30Z", "started_at": "2020-01-20T17:42:40Z",
      "completed_at": "2020-01-20T17:42:50Z", "name": "test (ubuntu-latest, {1})",
      "steps": [{2}
      ],
      "check_run_url": "https://api.github.com/repos/octo-org/octo-repo/check-runs/{0}",
      "labels": ["ubuntu-latest"], "runner_id": 1, "runner_name": "GitHub Actions {1}",
      "runner_group_id": 2, "runner_group_name": "GitHub Actions",
      "workflow_name": "CI", "head_branch": "main"
    }})json",
      id, index, steps);
}

std::string jobs_page() {
  std::string jobs;
  for (int i = 0; i < kJobsPerPage; ++i) jobs += (i == 0 ? "\n    " : ",\n    ") + job_json(i);
  return fmt::format("{{\n  \"total_count\": {},\n  \"jobs\": [{}\n  ]\n}}\n", kJobsPerPage, jobs);
}

void BM_ParseJobs(benchmark::State& state) {
  const std::string page = jobs_page();
  for (auto _ : state) {
    auto jobs = github::parse_jobs_document(page, "bench");
    if (!jobs || jobs->size() != kJobsPerPage) {
      state.SkipWithError(jobs ? "wrong number of jobs" : jobs.error().message.c_str());
      break;
    }
    benchmark::DoNotOptimize(jobs);
  }
  state.SetItemsProcessed(state.iterations() * kJobsPerPage);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(page.size()));
  state.counters["page_KB"] = static_cast<double>(page.size()) / 1e3;
}

}  // namespace

BENCHMARK(BM_ParseJobs)->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();

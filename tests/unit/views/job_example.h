#pragma once

// A small history of runs and jobs whose job and runner figures are worked out by hand below,
// for the tests of the job documents (views, API and CLI).
//
// Day D = 2024-03-01. Run 100 (octo/app CI, 2 attempts) created D 10:00, run 200 created
// D+1 10:00. Jobs (queue = started - created, duration = completed - started):
//   id run att name       conclusion queue duration labels               group
//   1  100 1   build      success     20    100     ubuntu-latest         GitHub Actions
//   2  100 1   test (a)   failure     40     50     ubuntu-latest         GitHub Actions
//   3  100 2   test (a)   success     10     70     ubuntu-latest         GitHub Actions
//   4  200 1   test (b)   success      0    130     self-hosted, linux    big
//
// Jobs per group: build: 1 execution, 100% success, duration 100, queue 20.
//   test: 3 executions (2 success, 1 failed): 66.67%; durations 50, 70, 130: mean 83.33, p50
//   (rank 2 of 3) 70, p95 (rank 3) 130; queues 0, 10, 40: mean 16.67, p50 10, p95 40; 1 flaky
//   job (run 100's "test (a)": failed in attempt 1, succeeded in 2); legs "test (a)", "test (b)".
// Runners, by labels as lists: [linux, self-hosted] / big: 1 job, queue 0, duration 130,
//   billable ceil(130/60) = 3. [ubuntu-latest] / GitHub Actions: jobs 1-3, queues 20, 40, 10:
//   mean 23.33, p50 20, p95 40; durations 100, 50, 70: mean 73.33, p50 70, p95 100; billable
//   2 + 1 + 2 = 5 minutes.
// Queue per day over the range [D, D+2): D: 3 jobs, p50 20, p95 40; D+1: 1 job, p50 0, p95 0.

#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "cipette/core/job_table.h"
#include "cipette/core/metrics.h"
#include "cipette/core/run_table.h"
#include "cipette/core/time.h"
#include "support/job_fixtures.h"
#include "support/run_fixtures.h"

namespace cipette::testing {

inline const Timestamp kJobDay = days_from_civil(2024, 3, 1) * kSecondsPerDay;
inline const Timestamp kRun100Created = kJobDay + 10 * 3600;
inline const Timestamp kRun200Created = kJobDay + kSecondsPerDay + 10 * 3600;

inline std::vector<RunRecord> job_example_runs() {
  RunRecord run100 = listed_ci_run(100, "success", kRun100Created, 2000);
  run100.run_attempt = 2;
  return {run100, listed_ci_run(200, "success", kRun200Created, 300)};
}

inline std::vector<JobRecord> job_example_jobs() {
  std::vector<JobRecord> jobs = {
      ci_job(1, 100, 1, "build", "success", kRun100Created, 20, 100),
      ci_job(2, 100, 1, "test (a)", "failure", kRun100Created, 40, 50),
      ci_job(3, 100, 2, "test (a)", "success", kRun100Created + 1000, 10, 70),
      ci_job(4, 200, 1, "test (b)", "success", kRun200Created, 0, 130, {"self-hosted", "linux"}),
  };
  jobs[3].runner_group_name = "big";
  return jobs;
}

// The range [D, D+2), evaluated at D+10.
inline Scope job_example_scope() {
  return scope_at(Period::range(kJobDay, kJobDay + 2 * kSecondsPerDay),
                  kJobDay + 10 * kSecondsPerDay);
}

struct JobExample {
  RunTable runs;
  std::shared_ptr<const JobTable> jobs;
};

inline JobExample job_example() {
  JobExample e{table_of(job_example_runs()), nullptr};
  MemoryJobReader reader;
  reader.jobs = job_example_jobs();
  auto loaded = load_job_table(reader, e.runs);
  EXPECT_TRUE(loaded.has_value());
  if (loaded) e.jobs = *loaded;
  return e;
}

}  // namespace cipette::testing

// Job and runner metrics on a small hand-worked history: the example of docs/metrics.md, "Jobs,
// queue time and runners".

#include "cipette/core/job_metrics.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "cipette/core/job_table.h"
#include "support/job_fixtures.h"
#include "support/run_fixtures.h"

namespace cipette {
namespace {

using testing::ci_job;
using testing::ci_run;
using testing::last_days;
using testing::table_of;

constexpr Timestamp kNow = 1710072000;  // 2024-03-10T12:00:00Z
constexpr Timestamp kRun100 = kNow - Timestamp{2} * 86400;
constexpr Timestamp kRun200 = kNow - 3600;

// Run 100 (2 attempts) and run 200 (1 attempt) of octo/app's CI; 8 jobs:
//   id run att name                 conclusion queue  duration labels           billable
//   1  100 1   build                success     30     90     ubuntu-latest      2
//   2  100 1   test (ubuntu, 3.12)  failure     60    120     ubuntu-latest      2
//   3  100 2   test (ubuntu, 3.12)  success     10     60     ubuntu-latest      1
//   4  100 2   deploy               success   (waited) 30     linux, self-hosted 1  group "prod"
//   5  200 1   build                failure   (no created_at) 61  ubuntu-latest  2
//   6  200 1   test (ubuntu, 3.12)  success     20      0     ubuntu-latest      0
//   7  200 1   test (windows, 3.12) cancelled   40    180     windows-latest     3
//   8  200 1   lint                 (in progress)             ubuntu-latest      -
std::vector<JobRecord> example_jobs() {
  std::vector<JobRecord> jobs = {
      ci_job(1, 100, 1, "build", "success", kRun100, 30, 90),
      ci_job(2, 100, 1, "test (ubuntu, 3.12)", "failure", kRun100, 60, 120),
      ci_job(3, 100, 2, "test (ubuntu, 3.12)", "success", kRun100 + 1000, 10, 60),
      ci_job(4, 100, 2, "deploy", "success", kRun100 + 1000, 600, 30, {"self-hosted", "linux"}),
      ci_job(5, 200, 1, "build", "failure", kRun200, 5, 61),
      ci_job(6, 200, 1, "test (ubuntu, 3.12)", "success", kRun200, 20, 0),
      ci_job(7, 200, 1, "test (windows, 3.12)", "cancelled", kRun200, 40, 180, {"windows-latest"}),
      ci_job(8, 200, 1, "lint", "", kRun200, 15, 0),
  };
  jobs[3].waited = true;  // its 600 s were an environment's approval, not a queue
  jobs[3].runner_group_name = "prod";
  jobs[4].created_at.reset();  // GitHub Enterprise Server before 3.9
  jobs[7].status = "in_progress";
  jobs[7].completed_at.reset();
  return jobs;
}

struct Example {
  RunTable runs;
  std::shared_ptr<const JobTable> jobs;
};

Example example() {
  RunRecord run100 = ci_run(100, "success", kRun100, 2000);
  run100.run_attempt = 2;
  Example e{table_of({run100, ci_run(200, "failure", kRun200, 300)}), nullptr};
  testing::MemoryJobReader reader;
  reader.jobs = example_jobs();
  auto loaded = load_job_table(reader, e.runs);
  EXPECT_TRUE(loaded.has_value());
  e.jobs = *loaded;
  return e;
}

TEST(JobMetricsTest, JobGroupsCountCompletedJobsQueueTimeAndFlakiness) {
  Example e = example();
  std::vector<JobRow> rows = compute_job_metrics(e.runs, *e.jobs, last_days(30, kNow));
  ASSERT_EQ(rows.size(), 3U);  // lint never completed: no row

  const JobRow& build = rows[0];  // jobs 1 and 5
  EXPECT_EQ(build.repository, "octo/app");
  EXPECT_EQ(build.workflow, "CI");
  EXPECT_EQ(build.workflow_id, 10);
  EXPECT_EQ(build.job, "build");
  EXPECT_EQ(build.executions, 2);
  EXPECT_EQ(build.success, 1);
  EXPECT_EQ(build.failed, 1);
  EXPECT_EQ(build.neutral, 0);
  EXPECT_EQ(build.success_rate, 50.0);
  EXPECT_EQ(build.duration.count, 2);  // 61, 90: mean 75.5, p50 rank 1, p95 rank 2
  EXPECT_EQ(build.duration.mean, 75.5);
  EXPECT_EQ(build.duration.p50, 61);
  EXPECT_EQ(build.duration.p95, 90);
  EXPECT_EQ(build.queue.count, 1);  // job 5 has no created_at
  EXPECT_EQ(build.queue.mean, 30.0);
  EXPECT_EQ(build.queue.p50, 30);
  EXPECT_EQ(build.queue.p95, 30);
  EXPECT_EQ(build.flaky_jobs, 0);
  EXPECT_TRUE(build.legs.empty());

  const JobRow& deploy = rows[1];  // job 4: waited for an approval
  EXPECT_EQ(deploy.job, "deploy");
  EXPECT_EQ(deploy.executions, 1);
  EXPECT_EQ(deploy.success_rate, 100.0);
  EXPECT_EQ(deploy.queue.count, 0);
  EXPECT_EQ(deploy.queue.mean, std::nullopt);
  EXPECT_EQ(deploy.queue.p50, std::nullopt);
  EXPECT_EQ(deploy.approval_waits, 1);
  EXPECT_EQ(deploy.duration.p95, 30);

  const JobRow& test = rows[2];  // jobs 2, 3, 6, 7
  EXPECT_EQ(test.job, "test");
  EXPECT_EQ(test.executions, 4);
  EXPECT_EQ(test.success, 2);
  EXPECT_EQ(test.failed, 1);
  EXPECT_EQ(test.neutral, 1);
  EXPECT_EQ(test.success_rate, 66.67);  // 2 / (2 + 1)
  EXPECT_EQ(test.duration.count, 4);    // 0, 60, 120, 180: mean 90, p50 rank 2, p95 rank 4
  EXPECT_EQ(test.duration.mean, 90.0);
  EXPECT_EQ(test.duration.p50, 60);
  EXPECT_EQ(test.duration.p95, 180);
  EXPECT_EQ(test.queue.count, 4);  // 10, 20, 40, 60: mean 32.5
  EXPECT_EQ(test.queue.mean, 32.5);
  EXPECT_EQ(test.queue.p50, 20);
  EXPECT_EQ(test.queue.p95, 60);
  EXPECT_EQ(test.approval_waits, 0);
  EXPECT_EQ(test.flaky_jobs, 1);  // run 100's "test (ubuntu, 3.12)": failure, then success
  EXPECT_EQ(test.legs, (std::vector<std::string>{"test (ubuntu, 3.12)", "test (windows, 3.12)"}));
}

TEST(JobMetricsTest, ScopeFollowsTheRunsCreationTime) {
  Example e = example();
  std::vector<JobRow> rows = compute_job_metrics(e.runs, *e.jobs, last_days(1, kNow));
  ASSERT_EQ(rows.size(), 2U);  // run 200 only: build and test
  EXPECT_EQ(rows[0].job, "build");
  EXPECT_EQ(rows[0].executions, 1);
  EXPECT_EQ(rows[0].failed, 1);
  EXPECT_EQ(rows[1].job, "test");
  EXPECT_EQ(rows[1].executions, 2);
  EXPECT_EQ(rows[1].flaky_jobs, 0);

  Scope other = last_days(30, kNow);
  other.branch = "release";
  EXPECT_TRUE(compute_job_metrics(e.runs, *e.jobs, other).empty());
}

TEST(JobMetricsTest, LegsOfAJobGroupOnDrillDown) {
  Example e = example();
  std::vector<JobRow> legs =
      compute_job_legs(e.runs, *e.jobs, last_days(30, kNow), "Octo/App", 10, "test");
  ASSERT_EQ(legs.size(), 2U);
  EXPECT_EQ(legs[0].job, "test (ubuntu, 3.12)");  // jobs 2, 3, 6
  EXPECT_EQ(legs[0].executions, 3);
  EXPECT_EQ(legs[0].success, 2);
  EXPECT_EQ(legs[0].failed, 1);
  EXPECT_EQ(legs[0].flaky_jobs, 1);
  EXPECT_EQ(legs[0].duration.p50, 60);             // 0, 60, 120
  EXPECT_EQ(legs[1].job, "test (windows, 3.12)");  // job 7
  EXPECT_EQ(legs[1].executions, 1);
  EXPECT_EQ(legs[1].neutral, 1);
  EXPECT_EQ(legs[1].success_rate, std::nullopt);
  EXPECT_TRUE(
      compute_job_legs(e.runs, *e.jobs, last_days(30, kNow), "octo/app", 11, "test").empty());
}

TEST(JobMetricsTest, RunnersByLabelSetAndGroupWithEstimatedBillableMinutes) {
  Example e = example();
  std::vector<RunnerRow> rows = compute_runner_metrics(e.runs, *e.jobs, last_days(30, kNow));
  ASSERT_EQ(rows.size(), 3U);

  EXPECT_EQ(rows[0].labels, (std::vector<std::string>{"linux", "self-hosted"}));  // job 4
  EXPECT_EQ(rows[0].runner_group, "prod");
  EXPECT_EQ(rows[0].executions, 1);
  EXPECT_EQ(rows[0].queue.count, 0);
  EXPECT_EQ(rows[0].billable_minutes, 1);  // 30 s

  // Jobs 1, 2, 3, 5, 6 (8 is in progress).
  EXPECT_EQ(rows[1].labels, (std::vector<std::string>{"ubuntu-latest"}));
  EXPECT_EQ(rows[1].runner_group, "GitHub Actions");
  EXPECT_EQ(rows[1].executions, 5);
  EXPECT_EQ(rows[1].queue.count, 4);  // 10, 20, 30, 60: mean 30, p50 rank 2, p95 rank 4
  EXPECT_EQ(rows[1].queue.mean, 30.0);
  EXPECT_EQ(rows[1].queue.p50, 20);
  EXPECT_EQ(rows[1].queue.p95, 60);
  EXPECT_EQ(rows[1].duration.count, 5);  // 0, 60, 61, 90, 120: mean 66.2, ranks 3 and 5
  EXPECT_EQ(rows[1].duration.mean, 66.2);
  EXPECT_EQ(rows[1].duration.p50, 61);
  EXPECT_EQ(rows[1].duration.p95, 120);
  EXPECT_EQ(rows[1].billable_minutes, 7);  // 2 + 2 + 1 + 2 + 0

  EXPECT_EQ(rows[2].labels, (std::vector<std::string>{"windows-latest"}));  // job 7
  EXPECT_EQ(rows[2].executions, 1);
  EXPECT_EQ(rows[2].billable_minutes, 3);  // 180 s
}

TEST(JobMetricsTest, DailyQueueTimesByTheDayTheirRunWasCreated) {
  Example e = example();
  std::vector<DailyQueuePoint> days = compute_daily_queue(e.runs, *e.jobs, last_days(3, kNow));
  ASSERT_EQ(days.size(), 4U);  // 2024-03-07 .. 2024-03-10
  EXPECT_EQ(days[0].day, day_index(kNow) - 3);
  EXPECT_EQ(days[0].count, 0);
  EXPECT_EQ(days[0].p50, std::nullopt);
  EXPECT_EQ(days[1].count, 3);  // run 100: jobs 1, 2, 3 (30, 60, 10 s; job 4 waited)
  EXPECT_EQ(days[1].p50, 30);
  EXPECT_EQ(days[1].p95, 60);
  EXPECT_EQ(days[2].count, 0);
  EXPECT_EQ(days[3].count, 2);  // run 200: jobs 6, 7 (20, 40 s; job 5 has no created_at)
  EXPECT_EQ(days[3].p50, 20);
  EXPECT_EQ(days[3].p95, 40);
  std::vector<DailyQueuePoint> all =
      compute_daily_queue(e.runs, *e.jobs, testing::scope_at(Period::all(), kNow));
  ASSERT_EQ(all.size(), 3U);  // run 100's day to run 200's
  EXPECT_EQ(all[0].count, 3);
}

TEST(JobMetricsTest, BillableMinutesRoundEachJobUp) {
  EXPECT_EQ(billable_minutes(0), 0);
  EXPECT_EQ(billable_minutes(1), 1);
  EXPECT_EQ(billable_minutes(60), 1);
  EXPECT_EQ(billable_minutes(61), 2);
}

TEST(JobMetricsTest, TotalsPoolEveryCompletedJobInScope) {
  Example e = example();
  JobTotals totals = compute_job_totals(e.runs, *e.jobs, last_days(30, kNow));
  EXPECT_EQ(totals.executions, 7);  // jobs 1-7 (8 is in progress)
  // Queue times of jobs 1, 2, 3, 6, 7 (4 waited, 5 has no created_at): 10, 20, 30, 40, 60;
  // mean 32, p50 rank 3, p95 rank 5.
  EXPECT_EQ(totals.queue.count, 5);
  EXPECT_EQ(totals.queue.mean, 32.0);
  EXPECT_EQ(totals.queue.p50, 30);
  EXPECT_EQ(totals.queue.p95, 60);
  // Durations 0, 30, 60, 61, 90, 120, 180: p50 rank 4, p95 rank 7.
  EXPECT_EQ(totals.duration.count, 7);
  EXPECT_EQ(totals.duration.p50, 61);
  EXPECT_EQ(totals.duration.p95, 180);
  EXPECT_EQ(compute_job_totals(e.runs, *e.jobs, last_days(1, kNow)).queue.count,
            2);  // 6, 7 (5 has none)
}

StepRecord timed_step(std::string name, std::string conclusion, Timestamp started,
                      Timestamp seconds) {
  StepRecord step;
  step.name = std::move(name);
  step.status = "completed";
  step.conclusion = std::move(conclusion);
  step.started_at = started;
  step.completed_at = started + seconds;
  return step;
}

TEST(JobMetricsTest, StepsByNameSlowestP95First) {
  std::vector<StepRecord> steps = {
      timed_step("Run tests", "success", kNow, 100), timed_step("Checkout", "success", kNow, 5),
      timed_step("Run tests", "failure", kNow, 300), timed_step("Checkout", "success", kNow, 7),
      timed_step("Run tests", "success", kNow, 200), timed_step("Deploy", "skipped", kNow, 0),
      timed_step("Build", "success", kNow, 7),
  };
  steps.push_back(timed_step("Build", "success", kNow, 1));
  steps.back().completed_at.reset();  // no duration: counts nowhere
  std::vector<StepRow> rows = compute_step_metrics(steps);
  ASSERT_EQ(rows.size(), 3U);            // Deploy was skipped
  EXPECT_EQ(rows[0].name, "Run tests");  // 100, 200, 300: p50 rank 2, p95 rank 3
  EXPECT_EQ(rows[0].duration.count, 3);
  EXPECT_EQ(rows[0].duration.mean, 200.0);
  EXPECT_EQ(rows[0].duration.p50, 200);
  EXPECT_EQ(rows[0].duration.p95, 300);
  EXPECT_EQ(rows[1].name, "Build");  // p95 7 like Checkout: by name
  EXPECT_EQ(rows[1].duration.count, 1);
  EXPECT_EQ(rows[2].name, "Checkout");  // 5, 7
  EXPECT_EQ(rows[2].duration.p50, 5);
  EXPECT_EQ(rows[2].duration.p95, 7);
  StepRecord backwards = timed_step("x", "success", kNow, 0);
  backwards.completed_at = kNow - 1;
  EXPECT_EQ(step_duration_seconds(backwards), std::nullopt);
  EXPECT_EQ(step_duration_seconds(timed_step("x", "success", kNow, 42)), 42);
}

TEST(JobMetricsTest, JobsOfARunNotYetLoadedCountOnceItIs) {
  testing::MemoryJobReader reader;
  reader.jobs = example_jobs();
  RunTable only100 = table_of({ci_run(100, "success", kRun100, 2000)});
  auto first = load_job_table(reader, only100);
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ((*first)->size(), 8U);  // run 200's jobs are kept

  RunTable both =
      table_of({ci_run(100, "success", kRun100, 2000), ci_run(200, "failure", kRun200, 300)});
  auto second = load_job_table(reader, both, first->get());  // no job changed
  ASSERT_TRUE(second.has_value());
  std::vector<JobRow> rows = compute_job_metrics(both, **second, last_days(1, kNow));
  ASSERT_EQ(rows.size(), 2U);
  EXPECT_EQ(rows[1].executions, 2);
}

// The tables of runs 1..`runs`, created a second apart from a day before kNow, each with a
// "build" queued queue(r) s and lasting duration(r) s; runs 1..`lints` also have a "lint" of
// 7 s queued `lint_queue` s.
struct BuildAndLint {
  RunTable table;
  std::shared_ptr<const JobTable> jobs;
};
template <typename Queue, typename Duration>
BuildAndLint build_and_lint(std::int64_t runs, Queue queue, Duration duration, std::int64_t lints,
                            Timestamp lint_queue) {
  std::vector<RunRecord> records;
  testing::MemoryJobReader reader;
  for (std::int64_t r = 1; r <= runs; ++r) {
    Timestamp created = kNow - 86400 + r;
    records.push_back(ci_run(r, "success", created, 10));
    reader.jobs.push_back(ci_job(2 * r, r, 1, "build", "success", created, queue(r), duration(r)));
    if (r <= lints) {
      reader.jobs.push_back(ci_job(2 * r + 1, r, 1, "lint", "success", created, lint_queue, 7));
    }
  }
  BuildAndLint out{table_of(records), nullptr};
  auto jobs = load_job_table(reader, out.table);
  EXPECT_TRUE(jobs.has_value());
  if (jobs) out.jobs = *jobs;
  return out;
}

// Two groups of 1,000 values queried one after the other, one with durations over 2^16 s
// (kept apart from the counted ones): a query must start from clear counters.
TEST(JobMetricsTest, LargeGroupsAreRankedExactlyIncludingVeryLongJobs) {
  // Run r (1..1000) has a "build" of duration r for r <= 600 and 70000 + (r - 600) after, and a
  // "lint" of 7 s, queued 3 s; all created within the last day.
  auto [table, jobs] = build_and_lint(
      1000, [](std::int64_t) { return Timestamp{3}; },
      [](std::int64_t r) { return r <= 600 ? r : 70000 + (r - 600); }, 1000, 3);
  ASSERT_NE(jobs, nullptr);
  for (int pass = 0; pass < 2; ++pass) {  // the second query starts from clear counters too
    std::vector<JobRow> rows = compute_job_metrics(table, *jobs, last_days(30, kNow));
    ASSERT_EQ(rows.size(), 2U);
    ASSERT_EQ(rows[0].job, "build");
    // Nearest rank over 1000 values: p50 is the 500th smallest (500 s), p95 the 950th, which is
    // the 350th of the long ones: 70000 + 350.
    EXPECT_EQ(rows[0].duration.count, 1000);
    EXPECT_EQ(rows[0].duration.p50, 500);
    EXPECT_EQ(rows[0].duration.p95, 70350);
    EXPECT_EQ(rows[0].queue.p50, 3);
    EXPECT_EQ(rows[0].queue.p95, 3);
    ASSERT_EQ(rows[1].job, "lint");
    EXPECT_EQ(rows[1].duration.p50, 7);
    EXPECT_EQ(rows[1].duration.p95, 7);
  }
}

// A group of over 2^16 values (more than one bin of 256 s holds), then a smaller group ranked
// after it in the same query.
TEST(JobMetricsTest, GroupsOfOver65536ValuesAreRankedExactly) {
  // Run r (1..66000) has a "build" queued r % 100 s, lasting r s up to r = 60000 and
  // 100000 + r s after; runs 1..1000 also have a "lint" of 7 s, queued 2 s.
  auto [table, jobs] = build_and_lint(
      66000, [](std::int64_t r) { return r % 100; },
      [](std::int64_t r) { return r <= 60000 ? r : 100000 + r; }, 1000, 2);
  ASSERT_NE(jobs, nullptr);
  for (int pass = 0; pass < 2; ++pass) {
    std::vector<JobRow> rows = compute_job_metrics(table, *jobs, last_days(30, kNow));
    ASSERT_EQ(rows.size(), 2U);
    ASSERT_EQ(rows[0].job, "build");
    // Nearest rank over 66000 values: p50 is the 33000th smallest, p95 the 62700th.
    // Durations: 33000 s, and run 62700's 100000 + 62700 s.
    EXPECT_EQ(rows[0].duration.count, 66000);
    EXPECT_EQ(rows[0].duration.p50, 33000);
    EXPECT_EQ(rows[0].duration.p95, 162700);
    // Queue times 0..99, 660 of each: the 33000th is the last 49, the 62700th the last 94.
    EXPECT_EQ(rows[0].queue.p50, 49);
    EXPECT_EQ(rows[0].queue.p95, 94);
    ASSERT_EQ(rows[1].job, "lint");
    EXPECT_EQ(rows[1].duration.count, 1000);
    EXPECT_EQ(rows[1].duration.p50, 7);
    EXPECT_EQ(rows[1].duration.p95, 7);
    EXPECT_EQ(rows[1].queue.p95, 2);
  }
}

}  // namespace
}  // namespace cipette

// The job phase of a sync against the fake GitHub server over 127.0.0.1, into a SQLite file:
// what is fetched and stored, how many requests it takes, the budget's reserve, rate limits,
// deleted runs and bad answers. What to expect is worked out from the fake's documented
// formula (tests/fake_github/job_generator.h), not from what the collector did.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>

#include "cipette/collector/collect.h"
#include "fake_harness.h"

namespace cipette::collector {
namespace {

using testing::FakeHarness;
using testing::generated;
using testing::report_of;

constexpr char kRepo[] = "octo/app";

// The fake's formula, written out again: jobs in each attempt of run `id`.
std::int64_t jobs_per_attempt(std::int64_t id) { return id % 20 == 7 ? 130 : 1 + id % 4; }

// Requests GET .../runs/{id}/jobs?filter=all&per_page=100 takes for `run`: one a 100 jobs.
std::int64_t pages_for(const RunRecord& run) {
  return (run.run_attempt * jobs_per_attempt(run.id) + 99) / 100;
}

// `count` runs over the last `days` days, 10% of them re-run, the newest still running.
fake_github::RunGeneration recent(std::int64_t count, std::int64_t days = 20) {
  fake_github::RunGeneration generation = generated(count, 1, 0.1);
  generation.span_seconds = days * kSecondsPerDay;
  return generation;
}

CollectOptions with_jobs(FakeHarness& h, Timestamp since = 0) {
  CollectOptions options = h.options({kRepo});
  options.sync.jobs.enabled = true;
  options.sync.jobs.since = since;
  return options;
}

// The completed runs of kRepo created at or after `since`: those whose jobs are wanted.
std::vector<RunRecord> wanted_runs(FakeHarness& h, Timestamp since = 0) {
  std::vector<RunRecord> runs;
  for (const RunRecord& run : h.fake().runs(kRepo)) {
    if (run.completed() && run.created_at >= since) runs.push_back(run);
  }
  return runs;
}

std::size_t job_requests_at_fake(FakeHarness& h) {
  auto log = h.fake().requests();
  return static_cast<std::size_t>(std::count_if(log.begin(), log.end(), [](const auto& r) {
    return r.target.find("/jobs?") != std::string::npos;
  }));
}

// Every job stored for `runs`, steps included, by id.
std::vector<JobRecord> stored_jobs(FakeHarness& h, const std::vector<RunRecord>& runs) {
  auto store = storage::SqliteStore::open(h.database());
  EXPECT_TRUE(store.has_value());
  std::vector<JobRecord> jobs;
  for (const RunRecord& run : runs) {
    auto of_run = (*store)->jobs_of_run(run.id);
    EXPECT_TRUE(of_run.has_value()) << of_run.error().message;
    jobs.insert(jobs.end(), of_run->begin(), of_run->end());
  }
  std::sort(jobs.begin(), jobs.end(), [](auto& a, auto& b) { return a.id < b.id; });
  return jobs;
}

// The jobs the fake serves for `runs` under filter=all, by id.
std::vector<JobRecord> served_jobs(FakeHarness& h, const std::vector<RunRecord>& runs) {
  std::vector<JobRecord> jobs;
  for (const RunRecord& run : runs) {
    auto of_run = h.fake().jobs(run.id, true);
    jobs.insert(jobs.end(), of_run.begin(), of_run.end());
  }
  std::sort(jobs.begin(), jobs.end(), [](auto& a, auto& b) { return a.id < b.id; });
  return jobs;
}

std::int64_t count_wanted(FakeHarness& h, Timestamp since = 0) {
  auto store = storage::SqliteStore::open(h.database());
  auto count = (*store)->count_runs_wanting_jobs(kRepo, since);
  EXPECT_TRUE(count.has_value());
  return count ? *count : -1;
}

TEST(JobsTest, EveryCompletedRunsJobsAreStoredWithOneRequestPerHundredJobs) {
  FakeHarness h;
  h.fake().add_generated_runs(kRepo, recent(120));
  CollectReport report = h.collect(with_jobs(h));
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  const std::vector<RunRecord> runs = wanted_runs(h);
  ASSERT_EQ(runs.size(), 119u);  // the newest is still running
  std::int64_t expected_jobs = 0, expected_requests = 0, matrix = 0, reruns = 0;
  for (const RunRecord& run : runs) {
    expected_jobs += run.run_attempt * jobs_per_attempt(run.id);
    expected_requests += pages_for(run);
    matrix += run.id % 20 == 7 ? 1 : 0;
    reruns += run.run_attempt > 1 ? 1 : 0;
  }
  EXPECT_GT(matrix, 0);  // pages of a matrix build are followed
  EXPECT_GT(reruns, 0);  // every attempt's jobs
  const std::vector<JobRecord> jobs = stored_jobs(h, runs);
  EXPECT_EQ(static_cast<std::int64_t>(jobs.size()), expected_jobs);
  EXPECT_EQ(jobs, served_jobs(h, runs));  // ids, attempts, times, labels, runners, steps
  const RepositoryReport& r = report_of(report, kRepo);
  EXPECT_EQ(r.job_requests, expected_requests);
  EXPECT_EQ(static_cast<std::int64_t>(job_requests_at_fake(h)), expected_requests);
  EXPECT_EQ(r.job_runs, 119);
  EXPECT_EQ(r.jobs_stored, expected_jobs);
  EXPECT_EQ(r.jobs_wanted, 0);
  EXPECT_TRUE(r.jobs_paused.empty());
  EXPECT_EQ(report.jobs_wanted, 0);
  EXPECT_NE(describe_summary(report).find("jobs: none left to fetch"), std::string::npos);

  // Nothing changed: not one request for jobs.
  h.fake().clear_requests();
  CollectReport again = h.collect(with_jobs(h));
  ASSERT_TRUE(again.ok()) << describe_summary(again);
  EXPECT_EQ(job_requests_at_fake(h), 0u);
  EXPECT_EQ(report_of(again, kRepo).job_requests, 0);
  EXPECT_EQ(stored_jobs(h, runs), served_jobs(h, runs));
}

TEST(JobsTest, ANewAttemptMakesTheRunWantedAgainAndItsJobsAreFetchedOnce) {
  FakeHarness h;
  h.fake().add_generated_runs(kRepo, recent(30));
  ASSERT_TRUE(h.collect(with_jobs(h)).ok());
  // The newest completed run that is no matrix build, re-run now.
  std::vector<RunRecord> runs = wanted_runs(h);
  auto rerun =
      std::find_if(runs.begin(), runs.end(), [](const RunRecord& run) { return run.id % 20 != 7; });
  ASSERT_NE(rerun, runs.end());
  const RunRecord after = h.fake().rerun(rerun->id, "success", now_utc());
  h.fake().clear_requests();
  CollectOptions options = with_jobs(h);
  options.sync.rescan_days = 30;  // so that the re-run is seen by listing its day again
  CollectReport report = h.collect(options);
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  EXPECT_EQ(job_requests_at_fake(h), 1u);
  EXPECT_EQ(report_of(report, kRepo).job_runs, 1);
  const std::vector<JobRecord> jobs = stored_jobs(h, {after});
  EXPECT_EQ(static_cast<std::int64_t>(jobs.size()), after.run_attempt * jobs_per_attempt(after.id));
  EXPECT_EQ(jobs, served_jobs(h, {after}));
  EXPECT_EQ(count_wanted(h), 0);
}

TEST(JobsTest, ARunDeletedBeforeItsJobsAreFetchedIsARecordedGapNotAnError) {
  FakeHarness h;
  h.fake().add_generated_runs(kRepo, recent(10));
  ASSERT_TRUE(h.collect(h.options({kRepo})).ok());  // runs only
  EXPECT_EQ(job_requests_at_fake(h), 0u);
  const RunRecord deleted = wanted_runs(h).front();
  h.fake().delete_run(deleted.id);
  CollectReport report = h.collect(with_jobs(h));
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  const RepositoryReport& r = report_of(report, kRepo);
  EXPECT_EQ(r.job_gaps, 1);
  EXPECT_EQ(r.job_runs, 9);  // the 8 left, and the gap
  EXPECT_EQ(r.jobs_wanted, 0);
  auto store = storage::SqliteStore::open(h.database());
  auto jobs = (*store)->jobs_of_run(deleted.id);
  ASSERT_TRUE(jobs.has_value());
  EXPECT_TRUE(jobs->empty());
  h.fake().clear_requests();
  ASSERT_TRUE(h.collect(with_jobs(h)).ok());
  EXPECT_EQ(job_requests_at_fake(h), 0u);  // never asked again
}

TEST(JobsTest, TheJobPhaseStopsAtTheReserveAndTheNextSyncResumes) {
  FakeHarness h;
  h.fake().add_generated_runs(kRepo, recent(80));
  // 520 requests left of 5,000: the default reserve is max(500, 5000 / 10) = 500.
  fake_github::RateLimit budget;
  budget.limit = 5000;
  budget.remaining = 520;
  h.fake().set_rate_limit(budget);
  CollectReport report = h.collect(with_jobs(h));
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  const RepositoryReport& r = report_of(report, kRepo);
  EXPECT_EQ(r.inserted, 80);  // the runs are all listed
  EXPECT_GT(r.job_runs, 0);
  EXPECT_LT(r.job_runs, 20);
  EXPECT_NE(r.jobs_paused.find("kept for listing runs"), std::string::npos) << r.jobs_paused;
  // Stopped before a run once at the reserve: at most one run's further page below it.
  EXPECT_GE(h.fake().rate_limit().remaining, 500 - 1);
  EXPECT_EQ(r.jobs_wanted, 79 - r.job_runs);
  EXPECT_EQ(count_wanted(h), 79 - r.job_runs);
  const std::string summary = describe_summary(report);
  EXPECT_NE(summary.find(fmt::format("jobs: {} runs to fetch, ~", 79 - r.job_runs)),
            std::string::npos)
      << summary;
  // A new hour: the next sync fetches the rest, newest first already done.
  budget.remaining = 5000;
  h.fake().set_rate_limit(budget);
  CollectReport rest = h.collect(with_jobs(h));
  ASSERT_TRUE(rest.ok()) << describe_summary(rest);
  EXPECT_EQ(report_of(rest, kRepo).job_runs, 79 - r.job_runs);
  const std::vector<RunRecord> runs = wanted_runs(h);
  EXPECT_EQ(stored_jobs(h, runs), served_jobs(h, runs));
}

TEST(JobsTest, ARateLimitMidBackfillStopsTheJobPhaseAndTheRunsAreListed) {
  for (int status : {403, 429}) {
    FakeHarness h;
    h.fake().add_generated_runs(kRepo, recent(40));
    // GitHub's secondary limit on the sixth run's jobs (newest first): mid-backfill.
    const std::vector<RunRecord> runs = wanted_runs(h);
    fake_github::Fault limit;
    limit.kind = fake_github::FaultKind::kSecondaryRateLimit;
    limit.status = status;
    limit.retry_after = 60;
    limit.path_contains = "/runs/" + std::to_string(runs[5].id) + "/jobs";
    h.fake().add_fault(limit);
    CollectReport report = h.collect(with_jobs(h));
    ASSERT_TRUE(report.ok()) << describe_summary(report);
    const RepositoryReport& r = report_of(report, kRepo);
    EXPECT_EQ(h.stored_runs(), h.served_runs());  // every run listed
    EXPECT_EQ(r.job_runs, 5);
    EXPECT_NE(r.jobs_paused.find(fmt::format("HTTP {} (rate limit)", status)), std::string::npos)
        << r.jobs_paused;
    EXPECT_TRUE(h.waits().empty());  // stopped, not waited
    EXPECT_EQ(r.jobs_wanted, 39 - 5);
    // The next sync resumes with the sixth run and ends with every run's jobs.
    CollectReport rest = h.collect(with_jobs(h));
    ASSERT_TRUE(rest.ok()) << describe_summary(rest);
    EXPECT_EQ(report_of(rest, kRepo).job_runs, 39 - 5);
    EXPECT_EQ(report_of(rest, kRepo).jobs_wanted, 0);
    EXPECT_EQ(stored_jobs(h, runs), served_jobs(h, runs));
  }
}

TEST(JobsTest, ABadJobsPageIsReportedNamingTheRunAndTheOthersGoOn) {
  FakeHarness h;
  h.fake().add_generated_runs(kRepo, recent(12));
  std::vector<RunRecord> runs = wanted_runs(h);
  const std::int64_t broken = runs[2].id, foreign = runs[5].id;
  fake_github::Fault half;
  half.kind = fake_github::FaultKind::kHalfJson;
  half.path_contains = "/runs/" + std::to_string(broken) + "/jobs";
  h.fake().add_fault(half);
  fake_github::Fault other;
  other.kind = fake_github::FaultKind::kRunField;
  other.path_contains = "/runs/" + std::to_string(foreign) + "/jobs";
  other.field = "run_id";
  other.value = "42";
  h.fake().add_fault(other);
  CollectReport report = h.collect(with_jobs(h));
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  const RepositoryReport& r = report_of(report, kRepo);
  EXPECT_EQ(r.job_failures, 2);
  EXPECT_EQ(r.job_runs, 9);
  EXPECT_EQ(r.jobs_wanted, 2);
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_NE(r.warnings[0].find(fmt::format("the jobs of run {} (page 1)", broken)),
            std::string::npos)
      << r.warnings[0];
  EXPECT_NE(r.warnings[1].find(fmt::format("the jobs of run {} (page 1)", foreign)),
            std::string::npos)
      << r.warnings[1];
  EXPECT_NE(r.warnings[1].find("belongs to run 42"), std::string::npos) << r.warnings[1];
  EXPECT_TRUE(stored_jobs(h, {runs[2], runs[5]}).empty());  // nothing of either
  // The faults are spent: the next sync fetches those two, one request each.
  h.fake().clear_requests();
  CollectReport again = h.collect(with_jobs(h));
  ASSERT_TRUE(again.ok()) << describe_summary(again);
  EXPECT_EQ(job_requests_at_fake(h), 2u);
  EXPECT_EQ(stored_jobs(h, runs), served_jobs(h, runs));
}

TEST(JobsTest, JobsSinceBoundsTheBackfillAndJobsOffMakesNoJobRequests) {
  FakeHarness h;
  h.fake().add_generated_runs(kRepo, recent(90, 90));
  ASSERT_TRUE(h.collect(h.options({kRepo})).ok());
  EXPECT_EQ(job_requests_at_fake(h), 0u);
  const Timestamp since = now_utc() - 10 * kSecondsPerDay;
  const std::vector<RunRecord> runs = wanted_runs(h, since);
  ASSERT_GT(runs.size(), 3u);
  ASSERT_LT(runs.size(), 20u);
  CollectReport report = h.collect(with_jobs(h, since));
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  EXPECT_EQ(report_of(report, kRepo).job_runs, static_cast<std::int64_t>(runs.size()));
  std::int64_t requests = 0;
  for (const RunRecord& run : runs) requests += pages_for(run);
  EXPECT_EQ(static_cast<std::int64_t>(job_requests_at_fake(h)), requests);
  EXPECT_EQ(stored_jobs(h, runs), served_jobs(h, runs));
  EXPECT_EQ(stored_jobs(h, wanted_runs(h)).size(), served_jobs(h, runs).size());  // no older
}

}  // namespace
}  // namespace cipette::collector

// End-to-end tests of the job phase of `cipette collect`: the built binary against the fake
// GitHub server started in this process, on each store (a SQLite file, a PostgreSQL schema),
// checked with plain SQL and the store's reads on the database it wrote. What to expect comes
// from the fake's documented formula (tests/fake_github/job_generator.h).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <unordered_map>
#include <vector>

#include "cipette/storage/store_factory.h"
#include "collect_support.h"
#include "fake_github/fake_github.h"
#include "support/test_support.h"

namespace cipette {
namespace {

using fake_github::FakeGitHub;
using testing::Backend;
using testing::CommandResult;
using testing::run_cipette;
using testing::TempDir;

constexpr std::string_view kToken = "ghp_jobsIntegrationSecret7";

std::map<std::string, std::string> collect_env(const FakeGitHub& fake) {
  return testing::collect_environment(fake, kToken);
}

// Every job of the database at `url`, in id order, with its steps, as the store reads them.
std::vector<JobRecord> stored_jobs(const std::string& url) {
  std::vector<JobRecord> jobs;
  auto store = storage::open_store(url);
  EXPECT_TRUE(store.has_value()) << store.error().message;
  if (!store) return jobs;
  auto scanned = (*store)->scan_jobs(0, [&](const JobRecord& job) {
    jobs.push_back(job);
    return ScanStep::kContinue;
  });
  EXPECT_TRUE(scanned.has_value()) << scanned.error().message;
  std::sort(jobs.begin(), jobs.end(), [](auto& a, auto& b) { return a.id < b.id; });
  std::vector<std::int64_t> ids;
  std::unordered_map<std::int64_t, std::size_t> index;
  for (const JobRecord& job : jobs) {
    index[job.id] = ids.size();
    ids.push_back(job.id);
  }
  auto steps = (*store)->scan_steps(ids, [&](std::int64_t job_id, const StepRecord& step) {
    jobs[index.at(job_id)].steps.push_back(step);
  });
  EXPECT_TRUE(steps.has_value()) << steps.error().message;
  return jobs;
}

// The fake's formula, written out again: jobs in each attempt of run `id`, and steps of job k.
std::int64_t jobs_per_attempt(std::int64_t id) { return id % 20 == 7 ? 130 : 1 + id % 4; }
std::int64_t steps_of_job(std::int64_t k) { return 3 + k % 3; }

std::size_t job_requests(const FakeGitHub& fake) {
  auto log = fake.requests();
  return static_cast<std::size_t>(std::count_if(log.begin(), log.end(), [](const auto& r) {
    return r.target.find("/jobs?") != std::string::npos;
  }));
}

// `count` runs over the last `days` days, a tenth of them re-run.
fake_github::RunGeneration recent(std::int64_t count, std::int64_t days) {
  fake_github::RunGeneration generation = testing::generated_runs(count, 1);
  generation.span_seconds = days * kSecondsPerDay;
  generation.rerun_share = 0.1;
  return generation;
}

// Each test of the job phase runs on both stores: Sqlite and Postgres instances.
class CollectJobsCommandTest : public testing::StoreBackendTest {};

TEST_P(CollectJobsCommandTest, JobsOfRunsSinceJobsSinceAreStoredWithOneRequestPerHundredJobs) {
  auto fake = testing::start_fake_github(kToken);
  fake->add_generated_runs("acme/api", recent(300, 40));
  const Timestamp since = (now_utc() / kSecondsPerDay - 15) * kSecondsPerDay;  // a midnight
  std::int64_t runs = 0, jobs = 0, steps = 0, requests = 0;
  for (const RunRecord& run : fake->runs("acme/api")) {
    if (!run.completed() || run.created_at < since) continue;
    const std::int64_t per_attempt = jobs_per_attempt(run.id);
    ++runs;
    jobs += run.run_attempt * per_attempt;
    for (std::int64_t k = 0; k < per_attempt; ++k) steps += run.run_attempt * steps_of_job(k);
    requests += (run.run_attempt * per_attempt + 99) / 100;
  }
  ASSERT_GT(runs, 50);
  const std::vector<std::string> args = {"collect",          "--repo", "acme/api",   "--jobs-since",
                                         format_date(since), "--db",   database("c")};
  CommandResult collected = run_cipette(args, collect_env(*fake));
  ASSERT_EQ(collected.exit_code, 0) << collected.err;
  EXPECT_EQ(count("c", "SELECT COUNT(*) FROM run_jobs WHERE CAST(found AS INTEGER) = 1"), runs);
  EXPECT_EQ(count("c", "SELECT COUNT(*) FROM jobs"), jobs);
  EXPECT_EQ(count("c", "SELECT COUNT(*) FROM steps"), steps);
  EXPECT_EQ(static_cast<std::int64_t>(job_requests(*fake)), requests);
  EXPECT_NE(collected.err.find("jobs: none left to fetch"), std::string::npos) << collected.err;
  EXPECT_NE(collected.err.find(
                fmt::format("jobs: {} requests, {} runs, {} jobs stored", requests, runs, jobs)),
            std::string::npos)
      << collected.err;

  // A second collect asks for no jobs.
  fake->clear_requests();
  ASSERT_EQ(run_cipette(args, collect_env(*fake)).exit_code, 0);
  EXPECT_EQ(job_requests(*fake), 0u);
}

TEST_P(CollectJobsCommandTest, NoJobsMakesNoJobRequestsAndTheDefaultIsThirtyDays) {
  auto fake = testing::start_fake_github(kToken);
  fake->add_generated_runs("acme/web", recent(150, 60));
  CommandResult off = run_cipette(
      {"collect", "--repo", "acme/web", "--no-jobs", "--db", database("off")}, collect_env(*fake));
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_EQ(job_requests(*fake), 0u);
  EXPECT_EQ(count("off", "SELECT COUNT(*) FROM jobs"), 0);
  EXPECT_EQ(off.err.find("jobs:"), std::string::npos) << off.err;

  CommandResult on =
      run_cipette({"collect", "--repo", "acme/web", "--db", database("on")}, collect_env(*fake));
  ASSERT_EQ(on.exit_code, 0) << on.err;
  // Every completed run of the last 29 days has its jobs, none older than 31 days.
  const Timestamp now = now_utc();
  std::int64_t newer = 0, older = 0;
  for (const RunRecord& run : fake->runs("acme/web")) {
    if (!run.completed()) continue;
    newer += run.created_at >= now - 29 * kSecondsPerDay ? 1 : 0;
    older += run.created_at < now - 31 * kSecondsPerDay ? 1 : 0;
  }
  ASSERT_GT(older, 0);
  const std::string fetched_sql =
      "SELECT COUNT(*) FROM run_jobs j JOIN runs r ON r.id = j.run_id WHERE r.created_at ";
  EXPECT_EQ(count("on", fetched_sql + fmt::format(">= {}", now - 29 * kSecondsPerDay)), newer);
  EXPECT_EQ(count("on", fetched_sql + fmt::format("< {}", now - 31 * kSecondsPerDay)), 0);
}

TEST_P(CollectJobsCommandTest, KilledDuringTheJobBackfillAndRestartedGivesTheUninterruptedJobs) {
  // Slow answers (15 ms each) so that the backfill of ~430 runs lasts many seconds and is killed
  // in the middle of it: between a run's pages, and between a fetch and its commit.
  auto fake = testing::start_fake_github(kToken, std::chrono::milliseconds(15));
  fake->add_generated_runs("acme/api", recent(280, 25));
  fake->add_generated_runs("acme/web", recent(150, 25));
  auto env = collect_env(*fake);
  auto args = [](const std::string& db) {
    return std::vector<std::string>{"collect", "--repo", "acme/api,acme/web", "--concurrency", "2",
                                    "--db",    db};
  };
  CommandResult reference = run_cipette(args(database("ref")), env);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;

  // Past the run listing (a few seconds the first time, less later), into the job phase,
  // which takes ~50-100 ms a run here.
  std::vector<std::string> command = args(database("crash"));
  command.insert(command.begin(), testing::cipette_binary());
  const int killed = testing::kill_repeatedly(command, env, 3, 3000, 6000, 20261207);
  EXPECT_GT(killed, 0);
  // Killed mid-backfill: some runs' jobs are stored, not all.
  const std::string fetched_sql = "SELECT COUNT(*) FROM run_jobs";
  const std::int64_t wanted = count("ref", fetched_sql);
  const std::int64_t partial = count("crash", fetched_sql);
  EXPECT_GT(partial, 0);
  EXPECT_LT(partial, wanted);
  CommandResult finish = run_cipette(args(database("crash")), env);
  ASSERT_EQ(finish.exit_code, 0) << finish.err;
  EXPECT_GT(wanted, 380);
  // The same jobs with the same steps, and the same fetch records.
  const std::vector<JobRecord> expected = stored_jobs(database("ref"));
  EXPECT_GT(expected.size(), 1000u);
  std::int64_t steps = 0;
  for (const JobRecord& job : expected) steps += static_cast<std::int64_t>(job.steps.size());
  EXPECT_EQ(steps, count("ref", "SELECT COUNT(*) FROM steps"));
  const std::vector<JobRecord> stored = stored_jobs(database("crash"));
  ASSERT_EQ(stored.size(), expected.size());
  auto differs = std::mismatch(stored.begin(), stored.end(), expected.begin());
  EXPECT_TRUE(differs.first == stored.end())
      << "job " << differs.first->id << " (or its steps) differs from the uninterrupted run's";
  const std::string records_sql =
      "SELECT run_id || '|' || run_attempt || '|' || CAST(found AS INTEGER) FROM run_jobs "
      "ORDER BY run_id";
  EXPECT_EQ(query("crash", records_sql), query("ref", records_sql));
}

INSTANTIATE_TEST_SUITE_P(Stores, CollectJobsCommandTest,
                         ::testing::Values(Backend::kSqlite, Backend::kPostgres),
                         testing::backend_name);

// Settings are checked before any store is opened: one store is enough.
TEST(CollectJobsSettingsTest, BadJobSettingsStopBeforeAnyRequestNamingTheFlagOrVariable) {
  auto fake = testing::start_fake_github(kToken);
  TempDir dir;
  struct Case {
    std::vector<std::string> args;
    std::map<std::string, std::string> env;
    std::string expected;
  };
  std::vector<Case> cases = {
      {{"--jobs-since", "last week"},
       {},
       "--jobs-since: expected a date YYYY-MM-DD or a time stamp, got \"last week\""},
      {{}, {{"CIPETTE_JOBS_SINCE", "2024-13-01"}}, "CIPETTE_JOBS_SINCE: expected a date"},
      {{"--no-jobs", "--jobs-since", "soon"}, {}, "--jobs-since"},
      {{"--jobs-reserve", "-1"},
       {},
       "--jobs-reserve: expected a whole number from 0 to 1000000, got \"-1\""},
      {{}, {{"CIPETTE_JOBS_RESERVE", "lots"}}, "CIPETTE_JOBS_RESERVE: expected a whole number"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"collect", "--repo", "acme/api", "--db", dir.file("c.db")};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto env = collect_env(*fake);
    for (const auto& [name, value] : c.env) env[name] = value;
    CommandResult result = run_cipette(args, env);
    EXPECT_EQ(result.exit_code, 2) << c.expected << ": " << result.err;
    EXPECT_NE(result.err.find(c.expected), std::string::npos) << result.err;
  }
  EXPECT_TRUE(fake->requests().empty());
}

}  // namespace
}  // namespace cipette

// End-to-end tests of the job phase of `cipette collect`: the built binary against the fake
// GitHub server started in this process, checked with plain SQL on the SQLite file it wrote.
// What to expect comes from the fake's documented formula (tests/fake_github/job_generator.h).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "collect_support.h"
#include "fake_github/fake_github.h"
#include "support/test_support.h"

namespace cipette {
namespace {

using fake_github::FakeGitHub;
using testing::CommandOptions;
using testing::CommandResult;
using testing::dump_query;
using testing::TempDir;

constexpr std::string_view kToken = "ghp_jobsIntegrationSecret7";

std::map<std::string, std::string> collect_env(const FakeGitHub& fake) {
  return testing::collect_environment(fake, kToken);
}

CommandResult cipette(std::vector<std::string> args, std::map<std::string, std::string> env) {
  args.insert(args.begin(), testing::cipette_binary());
  CommandOptions options;
  options.env = std::move(env);
  options.cwd = "/";  // no .env of the developer's
  return testing::run_command(args, options);
}

std::int64_t count_rows(const std::string& path, const char* sql) {
  return std::stoll(dump_query(path, sql));
}

// The jobs table (every column but the change sequence, which counts writes), the steps and the
// fetch records: what "the same jobs table" means here.
std::string dump_jobs(const std::string& path) {
  return dump_query(path,
                    "SELECT id, run_id, run_attempt, version, created_at, started_at, "
                    "completed_at, waited, status, conclusion, name, labels, runner_name, "
                    "runner_group_name, html_url FROM jobs ORDER BY id") +
         dump_query(path, "SELECT * FROM steps ORDER BY job_id, number") +
         dump_query(path, "SELECT * FROM run_jobs ORDER BY run_id");
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

TEST(CollectJobsCommandTest, JobsOfRunsSinceJobsSinceAreStoredWithOneRequestPerHundredJobs) {
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
  TempDir dir;
  const std::string db = dir.file("c.db");
  CommandResult collected =
      cipette({"collect", "--repo", "acme/api", "--jobs-since", format_date(since), "--db", db},
              collect_env(*fake));
  ASSERT_EQ(collected.exit_code, 0) << collected.err;
  EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM run_jobs WHERE found = 1"), runs);
  EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM jobs"), jobs);
  EXPECT_EQ(count_rows(db, "SELECT COUNT(*) FROM steps"), steps);
  EXPECT_EQ(static_cast<std::int64_t>(job_requests(*fake)), requests);
  EXPECT_NE(collected.err.find("jobs: none left to fetch"), std::string::npos) << collected.err;
  EXPECT_NE(collected.err.find(
                fmt::format("jobs: {} requests, {} runs, {} jobs stored", requests, runs, jobs)),
            std::string::npos)
      << collected.err;

  // A second collect asks for no jobs; --no-jobs neither, and a later date asks for nothing.
  fake->clear_requests();
  ASSERT_EQ(
      cipette({"collect", "--repo", "acme/api", "--jobs-since", format_date(since), "--db", db},
              collect_env(*fake))
          .exit_code,
      0);
  EXPECT_EQ(job_requests(*fake), 0u);
}

TEST(CollectJobsCommandTest, NoJobsMakesNoJobRequestsAndTheDefaultIsThirtyDays) {
  auto fake = testing::start_fake_github(kToken);
  fake->add_generated_runs("acme/web", recent(150, 60));
  TempDir dir;
  CommandResult off =
      cipette({"collect", "--repo", "acme/web", "--no-jobs", "--db", dir.file("off.db")},
              collect_env(*fake));
  ASSERT_EQ(off.exit_code, 0) << off.err;
  EXPECT_EQ(job_requests(*fake), 0u);
  EXPECT_EQ(count_rows(dir.file("off.db"), "SELECT COUNT(*) FROM jobs"), 0);
  EXPECT_EQ(off.err.find("jobs:"), std::string::npos) << off.err;

  CommandResult on =
      cipette({"collect", "--repo", "acme/web", "--db", dir.file("on.db")}, collect_env(*fake));
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
  const std::string db = dir.file("on.db");
  const std::string newer_sql = fmt::format(
      "SELECT COUNT(*) FROM run_jobs j JOIN runs r ON r.id = j.run_id WHERE r.created_at >= {}",
      now - 29 * kSecondsPerDay);
  const std::string older_sql = fmt::format(
      "SELECT COUNT(*) FROM run_jobs j JOIN runs r ON r.id = j.run_id WHERE r.created_at < {}",
      now - 31 * kSecondsPerDay);
  EXPECT_EQ(count_rows(db, newer_sql.c_str()), newer);
  EXPECT_EQ(count_rows(db, older_sql.c_str()), 0);
}

TEST(CollectJobsCommandTest, BadJobSettingsStopBeforeAnyRequestNamingTheFlagOrVariable) {
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
    CommandResult result = cipette(args, env);
    EXPECT_EQ(result.exit_code, 2) << c.expected << ": " << result.err;
    EXPECT_NE(result.err.find(c.expected), std::string::npos) << result.err;
  }
  EXPECT_TRUE(fake->requests().empty());
}

TEST(CollectJobsCommandTest, KilledDuringTheJobBackfillAndRestartedGivesTheUninterruptedJobs) {
  // Slow answers (15 ms each) so that the backfill of ~430 runs lasts many seconds and is killed
  // in the middle of it: between a run's pages, and between a fetch and its commit.
  auto fake = testing::start_fake_github(kToken, std::chrono::milliseconds(15));
  fake->add_generated_runs("acme/api", recent(280, 25));
  fake->add_generated_runs("acme/web", recent(150, 25));
  TempDir dir;
  auto env = collect_env(*fake);
  auto args = [](const std::string& db) {
    return std::vector<std::string>{"collect", "--repo", "acme/api,acme/web", "--concurrency", "2",
                                    "--db",    db};
  };
  CommandResult reference = cipette(args(dir.file("ref.db")), env);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;

  // Past the run listing (a few seconds the first time, less later), into the job phase,
  // which takes ~50-100 ms a run here.
  std::vector<std::string> command = args(dir.file("crash.db"));
  command.insert(command.begin(), testing::cipette_binary());
  const int killed = testing::kill_repeatedly(command, env, 3, 3000, 6000, 20261207);
  EXPECT_GT(killed, 0);
  // Killed mid-backfill: some runs' jobs are stored, not all.
  const std::int64_t wanted = count_rows(dir.file("ref.db"), "SELECT COUNT(*) FROM run_jobs");
  const std::int64_t partial = count_rows(dir.file("crash.db"), "SELECT COUNT(*) FROM run_jobs");
  EXPECT_GT(partial, 0);
  EXPECT_LT(partial, wanted);
  CommandResult finish = cipette(args(dir.file("crash.db")), env);
  ASSERT_EQ(finish.exit_code, 0) << finish.err;
  const std::string expected = dump_jobs(dir.file("ref.db"));
  EXPECT_GT(wanted, 380);
  EXPECT_GT(count_rows(dir.file("ref.db"), "SELECT COUNT(*) FROM jobs"), 1000);
  EXPECT_EQ(dump_jobs(dir.file("crash.db")), expected);
}

}  // namespace
}  // namespace cipette

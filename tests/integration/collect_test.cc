// End-to-end tests of `cipette collect`: the built binary against the fake GitHub server
// started in this process, then `cipette metrics` and plain SQL on the database it wrote.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cipette/core/metrics.h"
#include "cipette/storage/sqlite_store.h"
#include "collect_support.h"
#include "fake_github/fake_github.h"
#include "support/test_support.h"

namespace cipette {
namespace {

using fake_github::FakeGitHub;
using nlohmann::json;
using testing::CommandOptions;
using testing::CommandResult;
using testing::dump_query;
using testing::generated_runs;
using testing::TempDir;

constexpr std::string_view kToken = "ghp_integrationSecret42";

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

std::unique_ptr<FakeGitHub> start_fake(std::chrono::milliseconds latency = {}) {
  return testing::start_fake_github(kToken, latency);
}

// Every column of every run, in id order, as text: what "the same database" means here.
std::string dump_runs(const std::string& path) {
  return dump_query(
      path,
      "SELECT r.id, p.full_name, r.workflow_id, r.run_number, r.run_attempt, r.created_at, "
      "r.run_started_at, r.updated_at, r.status, r.conclusion, r.event, r.head_branch, "
      "r.head_sha, r.actor, r.workflow_name, r.path, r.html_url FROM runs r JOIN repositories p "
      "ON p.id = r.repository_id ORDER BY r.id");
}

// The earlier attempts stored (docs/metrics.md, "Re-runs and flakiness").
std::string dump_attempts(const std::string& path) {
  return dump_query(path,
                    "SELECT run_id, attempt, found, status, conclusion, run_started_at, "
                    "updated_at FROM attempts ORDER BY run_id, attempt");
}

// The fake's own runs, through the metrics engine, as `cipette metrics --period all` sees them.
MetricsReport metrics_of(const std::vector<RunRecord>& runs, Timestamp now) {
  auto store = storage::SqliteStore::open(":memory:");
  EXPECT_TRUE(store.has_value());
  EXPECT_TRUE((*store)->upsert_runs(runs).has_value());
  auto table = load_run_table(**store);
  EXPECT_TRUE(table.has_value());
  return compute_metrics(**table, Scope{Period::all(), now, "", "", "", ""});
}

TEST(CollectCommandTest, CollectThenMetricsEqualTheFakeServersOwnData) {
  auto fake = start_fake();
  fake->add_generated_runs("acme/api", generated_runs(1200));
  fake->add_generated_runs("acme/web", generated_runs(300, 2));
  fake->add_generated_runs("acme/tool", generated_runs(40, 0));
  TempDir dir;
  CommandResult collected = cipette(
      {"collect", "--repo", "acme/api,acme/web", "--repo", "acme/tool", "--db", dir.file("c.db")},
      collect_env(*fake));
  ASSERT_EQ(collected.exit_code, 0) << collected.err;
  EXPECT_NE(collected.err.find("collected 3 repositories (0 failed): 1540 runs new"),
            std::string::npos)
      << collected.err;
  CommandResult metrics =
      cipette({"metrics", "--db", dir.file("c.db"), "--period", "all", "--format", "json"}, {});
  ASSERT_EQ(metrics.exit_code, 0) << metrics.err;
  json doc = json::parse(metrics.out);
  // Counted independently from the fake's runs: completed ones, and their conclusions.
  std::vector<RunRecord> served = fake->all_runs();
  std::int64_t completed = 0, success = 0;
  for (const RunRecord& run : served) {
    completed += run.completed() ? 1 : 0;
    success += run.completed() && run.conclusion == "success" ? 1 : 0;
  }
  EXPECT_EQ(doc["totals"]["runs"], completed);
  EXPECT_EQ(doc["totals"]["success"], success);
  // And the whole report equals the engine's over the fake's data.
  MetricsReport expected = metrics_of(served, now_utc());
  EXPECT_EQ(doc["totals"]["failed"], expected.totals.failed);
  EXPECT_EQ(doc["totals"]["mttr"]["recovered_incidents"], expected.totals.mttr.recovered);
  // The JSON rounds seconds to 2 decimals.
  EXPECT_NEAR(doc["totals"]["mttr"]["mean_seconds"].get<double>(), *expected.totals.mttr.mean,
              0.005);
  EXPECT_NEAR(doc["totals"]["duration"]["mean_seconds"].get<double>(),
              *expected.totals.duration.mean, 0.005);
  EXPECT_EQ(doc["totals"]["duration"]["p95_seconds"], *expected.totals.duration.p95);
  EXPECT_EQ(doc["workflows"].size(), expected.workflows.size());
}

TEST(CollectCommandTest, WithoutTheRescanASecondCollectMakesOneRequestPerRepository) {
  auto fake = start_fake();
  fake->add_generated_runs("acme/api", generated_runs(1500));
  fake->add_generated_runs("acme/web", generated_runs(250));
  TempDir dir;
  std::vector<std::string> args = {"collect", "--repo", "acme/api,acme/web", "--rescan-days",
                                   "0",       "--db",   dir.file("c.db")};
  ASSERT_EQ(cipette(args, collect_env(*fake)).exit_code, 0);
  fake->clear_requests();
  CommandResult second = cipette(args, collect_env(*fake));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  auto log = fake->requests();
  EXPECT_EQ(log.size(), 2u);
  for (const auto& request : log) EXPECT_EQ(request.status, 304) << request.target;
  EXPECT_NE(second.err.find("0 runs new, 0 updated, 2 requests"), std::string::npos) << second.err;
}

TEST(CollectCommandTest, WithTheRescanAnUnchangedRepositoryCostsOnly304s) {
  auto fake = start_fake();
  fake->add_generated_runs("acme/api", generated_runs(1500));
  TempDir dir;
  std::vector<std::string> args = {"collect", "--repo", "acme/api",      "--rescan-days",
                                   "10",      "--db",   dir.file("c.db")};
  ASSERT_EQ(cipette(args, collect_env(*fake)).exit_code, 0);
  ASSERT_EQ(cipette(args, collect_env(*fake)).exit_code, 0);  // saves each day's ETag
  fake->clear_requests();
  CommandResult third = cipette(args, collect_env(*fake));
  ASSERT_EQ(third.exit_code, 0) << third.err;
  auto log = fake->requests();
  // Today and the 10 days before, one page each (1,500 runs over 90 days: ~17 a day).
  EXPECT_EQ(log.size(), 11u);
  for (const auto& request : log) EXPECT_EQ(request.status, 304) << request.target;
}

TEST(CollectCommandTest, RunsThatCompletedSinceAreUpdated) {
  auto fake = start_fake();
  fake->add_generated_runs("acme/api", generated_runs(300, 3));
  TempDir dir;
  std::vector<std::string> args = {"collect", "--repo", "acme/api", "--db", dir.file("c.db")};
  ASSERT_EQ(cipette(args, collect_env(*fake)).exit_code, 0);
  EXPECT_EQ(fake->complete_in_progress_runs(now_utc()), 3);
  CommandResult second = cipette(args, collect_env(*fake));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("acme/api: 0 new, 3 updated"), std::string::npos) << second.err;
  EXPECT_EQ(dump_runs(dir.file("c.db")).find("in_progress"), std::string::npos);
}

TEST(CollectCommandTest, TheTokenAppearsInNoOutputAndGoesToNoOtherHost) {
  auto fake = start_fake();
  auto foreign = start_fake();
  fake->add_generated_runs("acme/api", generated_runs(250));
  fake->add_generated_runs("acme/web", generated_runs(250));
  fake_github::Fault link;
  link.kind = fake_github::FaultKind::kForeignLink;
  link.path_contains = "/repos/acme/api/";
  link.target = foreign->base_url();
  fake_github::Fault redirect;
  redirect.kind = fake_github::FaultKind::kRedirect;
  redirect.path_contains = "/repos/acme/web/";
  redirect.target = foreign->base_url();
  fake->add_fault(link);
  fake->add_fault(redirect);
  TempDir dir;
  CommandResult result =
      cipette({"collect", "--repo", "acme/api,acme/web,acme/missing", "--db", dir.file("c.db")},
              collect_env(*fake));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("refusing the next page's link to " + foreign->base_url()),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("refusing a redirect to " + foreign->base_url()), std::string::npos);
  EXPECT_NE(result.err.find("acme/missing: failed"), std::string::npos);
  EXPECT_EQ(result.err.find(kToken), std::string::npos) << result.err;
  EXPECT_EQ(result.out.find(kToken), std::string::npos);
  EXPECT_TRUE(foreign->requests().empty());
  // Every request the API host received carried the token; only there.
  for (const auto& request : fake->requests()) {
    EXPECT_EQ(request.header("authorization"), "Bearer " + std::string(kToken));
  }
}

TEST(CollectCommandTest, AFailedRepositoryGivesExitCodeOneAndTheOthersAreCollected) {
  auto fake = start_fake();
  fake->add_generated_runs("acme/api", generated_runs(120));
  TempDir dir;
  CommandResult result = cipette({"collect", "--db", dir.file("c.db")}, [&] {
    auto env = collect_env(*fake);
    env["TARGET_REPOSITORIES"] = "acme/missing, acme/api";
    return env;
  }());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("acme/missing: failed: GET"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("HTTP 404"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("acme/api: 120 new"), std::string::npos) << result.err;
}

TEST(CollectCommandTest, ConfigurationErrorsStopBeforeAnyRequest) {
  auto fake = start_fake();
  TempDir dir;
  auto env = collect_env(*fake);
  struct Case {
    std::vector<std::string> args;
    std::string token;
    std::string expected;
  };
  std::vector<Case> cases = {
      {{"--repo", "acme/api"}, "", "GITHUB_TOKEN is not set"},
      {{}, std::string(kToken), "no repositories to collect"},
      {{"--repo", "not-a-repo"}, std::string(kToken), "--repo: \"not-a-repo\" is not a repository"},
      {{"--repo", "../etc"}, std::string(kToken), "--repo: \"../etc\" is not a repository"},
      {{"--repo", "a/b", "--concurrency", "0"}, std::string(kToken), "--concurrency"},
      {{"--repo", "a/b", "--concurrency", "17"}, std::string(kToken), "--concurrency"},
      {{"--repo", "a/b", "--since", "yesterday"}, std::string(kToken), "--since"},
      {{"--repo", "a/b", "--org", "bad/org"}, std::string(kToken), "--org"},
      {{"--repo", "a/b", "--api-url", "ftp://x"}, std::string(kToken), "--api-url"},
      {{"--repo", "a/b", "--max-wait", "-1"},
       std::string(kToken),
       "--max-wait: expected a whole number from 0 to 86400, got \"-1\""},
      {{"--repo", "a/b", "--max-wait", "86401"}, std::string(kToken), "--max-wait"},
      {{"--repo", "a/b", "--max-wait", "ten"}, std::string(kToken), "--max-wait"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"collect", "--db", dir.file("c.db")};
    args.insert(args.end(), c.args.begin(), c.args.end());
    env["GITHUB_TOKEN"] = c.token;
    CommandResult result = cipette(args, env);
    EXPECT_EQ(result.exit_code, 2) << c.expected << ": " << result.err;
    EXPECT_NE(result.err.find(c.expected), std::string::npos) << result.err;
    EXPECT_EQ(std::count(result.err.begin(), result.err.end(), '\n'), 1) << result.err;
  }
  EXPECT_TRUE(fake->requests().empty());
}

TEST(CollectCommandTest, AMaxWaitVariableWithABadValueStopsBeforeAnyRequest) {
  auto fake = start_fake();
  TempDir dir;
  auto env = collect_env(*fake);
  env["CIPETTE_MAX_WAIT"] = "forever";
  CommandResult result = cipette({"collect", "--repo", "a/b", "--db", dir.file("c.db")}, env);
  EXPECT_EQ(result.exit_code, 2) << result.err;
  EXPECT_NE(result.err.find("CIPETTE_MAX_WAIT: expected a whole number from 0 to 86400, got "
                            "\"forever\""),
            std::string::npos)
      << result.err;
  EXPECT_TRUE(fake->requests().empty());
}

// A Retry-After of 999999999 s (277777 h 46 min 39 s) on a 429 and on a 503, each for one
// repository: with CIPETTE_MAX_WAIT=10 (or --max-wait 10, which wins) both fail at once,
// naming the wait; the third repository is collected; the exit code is 1.
TEST(CollectCommandTest, AWaitLongerThanMaxWaitFailsThatRepositoryAndTheOthersGoOn) {
  auto fake = start_fake();
  fake->add_generated_runs("acme/api", generated_runs(50));
  fake->add_generated_runs("acme/web", generated_runs(50));
  fake->add_generated_runs("acme/tool", generated_runs(50));
  fake_github::Fault limit;
  limit.kind = fake_github::FaultKind::kSecondaryRateLimit;
  limit.status = 429;
  limit.retry_after = 999'999'999;
  limit.path_contains = "/repos/acme/api/";
  fake_github::Fault unavailable = limit;
  unavailable.kind = fake_github::FaultKind::kHttpError;
  unavailable.status = 503;
  unavailable.path_contains = "/repos/acme/web/";
  for (const std::vector<std::string>& flags :
       {std::vector<std::string>{}, std::vector<std::string>{"--max-wait", "10"}}) {
    fake->add_fault(limit);
    fake->add_fault(unavailable);
    TempDir dir;
    auto env = collect_env(*fake);
    env["CIPETTE_MAX_WAIT"] = flags.empty() ? "10" : "86400";
    std::vector<std::string> args = {"collect", "--repo", "acme/api,acme/web,acme/tool", "--db",
                                     dir.file("c.db")};
    args.insert(args.end(), flags.begin(), flags.end());
    CommandResult result = cipette(args, env);
    EXPECT_EQ(result.exit_code, 1) << result.err;
    for (std::string_view repository : {"acme/api", "acme/web"}) {
      std::string failed = std::string(repository) + ": failed: GET ";
      EXPECT_NE(result.err.find(failed), std::string::npos) << result.err;
    }
    std::string wait =
        "GitHub asked to wait 277777h 46m 39s (Retry-After), more than --max-wait 10s";
    auto first = result.err.find(wait);
    ASSERT_NE(first, std::string::npos) << result.err;
    EXPECT_NE(result.err.find(wait, first + 1), std::string::npos) << result.err;
    EXPECT_NE(result.err.find("acme/tool: 50 new"), std::string::npos) << result.err;
  }
}

TEST(CollectCommandTest, TheCipetteCollectAliasWorks) {
  auto fake = start_fake();
  fake->add_generated_runs("acme/api", generated_runs(10));
  TempDir dir;
  std::string alias = dir.file("cipette-collect");
  ASSERT_EQ(symlink(testing::cipette_binary().c_str(), alias.c_str()), 0);
  CommandOptions options;
  options.env = collect_env(*fake);
  options.cwd = "/";
  CommandResult result =
      testing::run_command({alias, "--repo", "acme/api", "--db", dir.file("c.db")}, options);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("10 runs new"), std::string::npos) << result.err;
}

// --- Crash safety ----------------------------------------------------------------------------

TEST(CollectCommandTest, KilledAtRandomMomentsAndRestartedGivesTheUninterruptedDatabase) {
  // Four repositories, one read in windows, with 10 ms per request so that a sync lasts long
  // enough to be killed in the middle of everything: listings, backlog windows, commits.
  auto fake = start_fake(std::chrono::milliseconds(10));
  fake->add_generated_runs("acme/api", generated_runs(1400, 2));
  fake->add_generated_runs("acme/web", generated_runs(600, 1));
  fake->add_generated_runs("acme/tool", generated_runs(300, 0));
  fake->add_runs_on_one_day("acme/busy", 1300, (now_utc() / kSecondsPerDay - 3) * kSecondsPerDay);
  TempDir dir;
  auto env = collect_env(*fake);
  // Runs only: collect_jobs_test.cc kills a job backfill.
  auto args = [](const std::string& db) {
    return std::vector<std::string>{
        "collect",       "--repo", "acme/api,acme/web,acme/tool,acme/busy",
        "--concurrency", "3",      "--no-jobs",
        "--db",          db};
  };
  CommandResult reference = cipette(args(dir.file("ref.db")), env);
  ASSERT_EQ(reference.exit_code, 0) << reference.err;

  std::vector<std::string> command = args(dir.file("crash.db"));
  command.insert(command.begin(), testing::cipette_binary());
  const int killed = testing::kill_repeatedly(command, env, 12, 20, 250, 20240601);
  EXPECT_GT(killed, 0);
  CommandResult finish = cipette(args(dir.file("crash.db")), env);
  ASSERT_EQ(finish.exit_code, 0) << finish.err;
  std::string expected = dump_runs(dir.file("ref.db"));
  EXPECT_EQ(std::count(expected.begin(), expected.end(), '\n'), 1400 + 600 + 300 + 1300);
  EXPECT_EQ(dump_runs(dir.file("crash.db")), expected);
  // The generated histories have re-runs (8% of runs): their attempts too.
  std::string attempts = dump_attempts(dir.file("ref.db"));
  EXPECT_GT(std::count(attempts.begin(), attempts.end(), '\n'), 100);
  EXPECT_EQ(dump_attempts(dir.file("crash.db")), attempts);
}

}  // namespace
}  // namespace cipette

// `cipette db copy` end to end, on the built binary: SQLite to SQLite, and a round trip
// SQLite -> PostgreSQL -> SQLite (on CIPETTE_TEST_POSTGRES_URL; skipped without it). A copy is
// judged by what users see: `cipette metrics` gives the same document on both sides, and the
// collector's sync states are the same.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cipette/storage/sqlite_store.h"
#include "cipette/storage/store_factory.h"
#include "support/postgres_scratch.h"
#include "support/run_fixtures.h"
#include "support/sqlite_query.h"
#include "support/test_support.h"

namespace cipette {
namespace {

using nlohmann::json;
using testing::CommandOptions;
using testing::CommandResult;
using testing::sql_int;
using testing::TempDir;

CommandResult cipette(std::vector<std::string> args) {
  args.insert(args.begin(), testing::cipette_binary());
  CommandOptions options;
  // Keep the developer's own configuration out of the tests.
  for (const char* name : {"DATABASE_URL", "GITHUB_TOKEN", "PGPASSWORD", "PGSERVICE"}) {
    options.env.emplace(name, "");
  }
  options.cwd = "/";
  return testing::run_command(args, options);
}

// Two sync states as the collector leaves them: one mid-backlog with unfinished runs and pages
// of a rescan read, one caught up.
std::map<std::string, SyncState> sample_sync_states() {
  SyncState backlog = testing::backlog_sync_state(
      "acme/api",
      {PendingRun{901, 1'716'400'000, "\"e1\"", true}, PendingRun{902, 1'716'400'060, "", false}});
  const std::string listing = "https://api.github.com/repos/acme/api/actions/runs?per_page=100";
  backlog.rescan = {{listing + "&created=2024-05-20&page=2", "W/\"r2\""},
                    {listing + "&created=2024-05-19", ""},
                    {listing + "&created=2024-05-20", "\"r1\""}};
  SyncState caught_up;
  caught_up.floor = 1'690'000'000;
  caught_up.cursor = 1'717'000'000;
  caught_up.head_from = 1'717'000'000;
  return {{"acme/api", backlog}, {"Acme/Web", caught_up}};
}

// The earlier attempts 1 .. run_attempt - 1 of every re-run run in `store`: completed, failed
// ones, but every third run's first attempt was not found, and every fourth one's conclusion is
// text that needs escaping almost everywhere.
void add_earlier_attempts(RunStore& store) {
  std::vector<AttemptRecord> attempts;
  int reruns = 0;
  auto scanned = store.scan_runs(0, [&](const RunRecord& run) {
    if (run.run_attempt == 1) return ScanStep::kContinue;
    ++reruns;
    for (std::int64_t k = 1; k < run.run_attempt; ++k) {
      AttemptRecord attempt{run.id,
                            k,
                            true,
                            "completed",
                            "failure",
                            run.run_started_at,
                            run.updated_at - 600 * (run.run_attempt - k)};
      if (reruns % 4 == 0) attempt.conclusion = "\"{NULL}\",\\ 🚀";
      if (reruns % 3 == 0 && k == 1) attempt = AttemptRecord{run.id, k, false, "", "", {}, 0};
      attempts.push_back(attempt);
    }
    return ScanStep::kContinue;
  });
  ASSERT_TRUE(scanned) << scanned.error().message;
  ASSERT_GT(reruns, 3);  // the demo history re-runs a few percent of its runs
  auto written = store.upsert_attempts(attempts);
  ASSERT_TRUE(written) << written.error().message;
}

// The jobs of every completed run, recorded as fetched at its attempt: two jobs per run with
// a few steps (every third job of a run re-run has its steps in a gap-numbered order, labels
// with text that needs escaping, and waited set), except that every fifth run was not found
// (a 404: no jobs, recorded).
void add_jobs(RunStore& store) {
  std::vector<RunJobs> fetched;
  auto scanned = store.scan_runs(0, [&](const RunRecord& run) {
    if (run.status != "completed") return ScanStep::kContinue;
    RunJobs& fetch = fetched.emplace_back();
    fetch.run_id = run.id;
    fetch.run_attempt = run.run_attempt;
    if (fetched.size() % 5 == 0) {
      fetch.found = false;
      return ScanStep::kContinue;
    }
    for (std::int64_t k = 0; k < 2; ++k) {
      JobRecord& job = fetch.jobs.emplace_back();
      job.id = run.id * 10 + k;
      job.run_id = run.id;
      job.run_attempt = run.run_attempt;
      job.name = k == 0 ? "build" : "test (ubuntu-latest, 3.12)";
      job.status = "completed";
      job.conclusion = run.conclusion;
      job.created_at = run.created_at;
      job.started_at = run.created_at + 10 + k;
      job.completed_at = run.updated_at;
      job.labels = {"ubuntu-latest"};
      job.runner_name = "GitHub Actions " + std::to_string(k);
      job.runner_group_name = "GitHub Actions";
      job.html_url = run.html_url + "/job/" + std::to_string(job.id);
      job.steps = {
          StepRecord{1, "Set up job", "completed", "success", job.started_at, job.started_at},
          StepRecord{2, "Run", "completed", run.conclusion, job.started_at, job.completed_at}};
      if (run.run_attempt > 1 && k == 1) {
        job.labels = {"self-hosted", "line\nbreak", "\"{NULL}\",\\ 🚀", ""};
        job.waited = true;
        job.steps.push_back(StepRecord{16, "Post job", "completed", "", {}, {}});
        std::swap(job.steps.front(), job.steps.back());
      }
    }
    return ScanStep::kContinue;
  });
  ASSERT_TRUE(scanned) << scanned.error().message;
  auto written = store.commit_run_jobs(fetched);
  ASSERT_TRUE(written) << written.error().message;
  ASSERT_EQ(written->orphaned, 0);
}

// Every job of `database` with its steps (sorted, as stores keep them), by id.
std::map<std::int64_t, JobRecord> all_jobs(const std::string& database) {
  std::map<std::int64_t, JobRecord> jobs;
  auto store = storage::open_store(database);
  EXPECT_TRUE(store) << store.error().message;
  if (!store) return jobs;
  auto scanned = (*store)->scan_jobs(0, [&](const JobRecord& job) {
    jobs[job.id] = job;
    return ScanStep::kContinue;
  });
  EXPECT_TRUE(scanned) << scanned.error().message;
  std::vector<std::int64_t> ids;
  ids.reserve(jobs.size());
  for (const auto& [id, job] : jobs) ids.push_back(id);
  auto stepped = (*store)->scan_steps(
      ids, [&](std::int64_t id, const StepRecord& step) { jobs[id].steps.push_back(step); });
  EXPECT_TRUE(stepped) << stepped.error().message;
  return jobs;
}

// The job fetch records of `database`, by run id.
std::vector<RunJobs> job_fetches(const std::string& database) {
  auto store = storage::open_store(database);
  EXPECT_TRUE(store) << store.error().message;
  if (!store) return {};
  auto fetches = storage::read_job_fetches(**store, 0, 1'000'000);
  EXPECT_TRUE(fetches) << fetches.error().message;
  return fetches ? *fetches : std::vector<RunJobs>{};
}

// A demo history of `runs` runs ending at a fixed time (so every run is the same on each
// call), with add_earlier_attempts(), plus sample_sync_states().
std::string make_source(const TempDir& dir, int runs) {
  std::string path = dir.file("source.db");
  CommandResult demo = cipette({"demo", "--no-serve", "--runs", std::to_string(runs), "--end",
                                "2024-06-01T00:00:00Z", "--db", path});
  EXPECT_EQ(demo.exit_code, 0) << demo.err;
  auto store = storage::SqliteStore::open(path);
  EXPECT_TRUE(store) << store.error().message;
  add_earlier_attempts(**store);
  add_jobs(**store);
  for (const auto& [repository, state] : sample_sync_states()) {
    EXPECT_TRUE((*store)->commit_sync(repository, {}, state));
  }
  return path;
}

// Each run's earlier attempts as a scan returns them, by run id (runs without any left out).
std::map<std::int64_t, std::vector<AttemptRecord>> earlier_attempts(const std::string& database) {
  std::map<std::int64_t, std::vector<AttemptRecord>> attempts;
  auto store = storage::open_store(database);
  EXPECT_TRUE(store) << store.error().message;
  if (!store) return attempts;
  auto scanned = (*store)->scan_runs(0, [&](const RunRecord& run) {
    if (!run.earlier_attempts.empty()) attempts[run.id] = run.earlier_attempts;
    return ScanStep::kContinue;
  });
  EXPECT_TRUE(scanned) << scanned.error().message;
  return attempts;
}

// `cipette metrics --format json` over all time, without the time of the call.
json metrics(const std::string& database) {
  CommandResult result =
      cipette({"metrics", "--db", database, "--period", "all", "--format", "json"});
  EXPECT_EQ(result.exit_code, 0) << result.err;
  json document = json::parse(result.out);
  document["scope"].erase("now");
  return document;
}

std::map<std::string, SyncState> sync_states(const std::string& database) {
  std::map<std::string, SyncState> states;
  auto store = storage::open_store(database);
  EXPECT_TRUE(store) << store.error().message;
  if (!store) return states;
  auto names = (*store)->sync_repositories();
  EXPECT_TRUE(names) << names.error().message;
  for (const std::string& name : names ? *names : std::vector<std::string>{}) {
    auto state = (*store)->load_sync_state(name);
    EXPECT_TRUE(state && state->has_value()) << name;
    if (state && state->has_value()) states[name] = **state;
  }
  return states;
}

CommandResult copy(const std::string& from, const std::string& to) {
  return cipette({"db", "copy", "--from", from, "--to", to});
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(DbCopyTest, SqliteToSqliteGivesIdenticalMetricsAndSyncStates) {
  TempDir dir;
  std::string source = make_source(dir, 2000);
  std::string destination = dir.file("copy/destination.db");

  CommandResult copied = copy(source, destination);
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_EQ(copied.out, "");  // data to stdout, messages to stderr: a copy has no data
  // Not a terminal: one summary line. 2000 runs, none stored before; the two sample states.
  EXPECT_TRUE(contains(copied.err, "copied 2000 runs and 2 sync states from sqlite:" + source +
                                       " to sqlite:" + destination +
                                       ": 2000 runs new, 0 updated, 0 unchanged ("))
      << copied.err;
  EXPECT_EQ(std::count(copied.err.begin(), copied.err.end(), '\n'), 1);

  json before = metrics(source);
  // Not a trivially equal pair of empty documents: every completed run is counted.
  EXPECT_EQ(before["totals"]["runs"].get<std::int64_t>(),
            sql_int(source, "SELECT count(*) FROM runs WHERE status = 'completed'"));
  EXPECT_GT(before["totals"]["runs"].get<std::int64_t>(), 1900);
  EXPECT_EQ(metrics(destination), before);
  EXPECT_EQ(sql_int(destination, "SELECT count(*) FROM runs"), 2000);
  EXPECT_EQ(sync_states(destination), sample_sync_states());
  // Every earlier attempt, found or not, with every field.
  auto attempts = earlier_attempts(source);
  EXPECT_GT(attempts.size(), 3U);
  EXPECT_EQ(earlier_attempts(destination), attempts);
  EXPECT_EQ(sql_int(destination, "SELECT count(*) FROM attempts"),
            sql_int(source, "SELECT count(*) FROM attempts"));
  // Every job with its steps, every fetch record (found or not): nothing is wanted on either
  // side, and the destination wants what the source wants.
  auto jobs = all_jobs(source);
  EXPECT_GT(jobs.size(), 3000U);
  EXPECT_EQ(all_jobs(destination), jobs);
  auto fetches = job_fetches(source);
  EXPECT_GT(fetches.size(), 1900U);
  EXPECT_EQ(job_fetches(destination), fetches);
  EXPECT_EQ(sql_int(destination, "SELECT count(*) FROM steps"),
            sql_int(source, "SELECT count(*) FROM steps"));
  EXPECT_TRUE(contains(copied.err, "jobs with their steps, " + std::to_string(fetches.size()) +
                                       " job fetch records"))
      << copied.err;
}

TEST(DbCopyTest, ASecondCopyChangesNothing) {
  TempDir dir;
  std::string source = make_source(dir, 2000);
  std::string destination = dir.file("destination.db");
  ASSERT_EQ(copy(source, destination).exit_code, 0);
  std::int64_t last_seq = sql_int(destination, "SELECT last_seq FROM change_log_head");

  CommandResult again = copy(source, destination);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(contains(again.err, "copied 2000 runs and 2 sync states from sqlite:" + source +
                                      " to sqlite:" + destination +
                                      ": 0 runs new, 0 updated, 2000 unchanged ("))
      << again.err;
  // No run was rewritten: the change log did not move.
  EXPECT_EQ(sql_int(destination, "SELECT last_seq FROM change_log_head"), last_seq);
  EXPECT_EQ(sync_states(destination), sample_sync_states());
}

TEST(DbCopyTest, ARunUpdatedInTheSourceIsCopiedAsAnUpdate) {
  TempDir dir;
  std::string source = make_source(dir, 2000);
  std::string destination = dir.file("destination.db");
  ASSERT_EQ(copy(source, destination).exit_code, 0);
  {
    // A newer version of one run (a re-run finishing later), written to the source only.
    auto store = storage::SqliteStore::open(source);
    ASSERT_TRUE(store);
    std::vector<RunRecord> runs;
    ASSERT_TRUE((*store)->scan_runs(0, [&](const RunRecord& run) {
      runs.push_back(run);
      return ScanStep::kStop;
    }));
    ASSERT_EQ(runs.size(), 1u);
    runs[0].updated_at += 3600;
    runs[0].run_attempt += 1;
    ASSERT_EQ(*(*store)->upsert_runs(runs), (UpsertStats{0, 1, 0, 1}));  // a re-run
  }
  CommandResult again = copy(source, destination);
  ASSERT_EQ(again.exit_code, 0) << again.err;
  // 1 of the 2000 changed: 0 new, 1 updated, 1999 unchanged.
  EXPECT_TRUE(contains(again.err, ": 0 runs new, 1 updated, 1999 unchanged (")) << again.err;
  EXPECT_EQ(metrics(destination), metrics(source));
}

TEST(DbCopyTest, MoreRunsThanOneBatchAreAllCopied) {
  TempDir dir;
  // 12,000 runs: batches of 5,000, 5,000 and 2,000.
  std::string source = make_source(dir, 12000);
  std::string destination = dir.file("destination.db");
  CommandResult copied = copy(source, "sqlite:" + destination);
  ASSERT_EQ(copied.exit_code, 0) << copied.err;
  EXPECT_TRUE(contains(copied.err, ": 12000 runs new, 0 updated, 0 unchanged (")) << copied.err;
  EXPECT_EQ(sql_int(destination, "SELECT count(*) FROM runs"), 12000);
  EXPECT_EQ(metrics(destination), metrics(source));
  // About 18,000 jobs: pages of 5,000 jobs too.
  auto jobs = all_jobs(source);
  EXPECT_GT(jobs.size(), 15000U);
  EXPECT_EQ(all_jobs(destination), jobs);
}

TEST(DbCopyTest, AMissingOrEmptySourceIsAnErrorNamingIt) {
  TempDir dir;
  std::string missing = dir.file("missing.db");
  std::string destination = dir.file("destination.db");
  CommandResult absent = copy(missing, destination);
  EXPECT_EQ(absent.exit_code, 1);
  EXPECT_EQ(absent.err, "cipette: error: --from: no database at " + missing + "\n");
  EXPECT_FALSE(std::filesystem::exists(missing));  // not created by trying to read it
  EXPECT_FALSE(std::filesystem::exists(destination));

  std::string zero = dir.file("zero.db");
  testing::write_file(zero, "");
  CommandResult zero_bytes = copy(zero, destination);
  EXPECT_EQ(zero_bytes.exit_code, 1);
  EXPECT_EQ(zero_bytes.err,
            "cipette: error: --from: " + zero + " is empty: there is nothing to copy\n");

  std::string empty = dir.file("empty.db");
  ASSERT_TRUE(storage::SqliteStore::open(empty));  // a CIPette database without runs
  CommandResult no_runs = copy(empty, destination);
  EXPECT_EQ(no_runs.exit_code, 1);
  EXPECT_EQ(no_runs.err,
            "cipette: error: --from: " + empty + " holds no runs: there is nothing to copy\n");
  EXPECT_FALSE(std::filesystem::exists(destination));
}

TEST(DbCopyTest, CopyingADatabaseOntoItselfIsRefused) {
  TempDir dir;
  std::string source = make_source(dir, 100);
  for (const std::string& same : {source, "sqlite:" + source, dir.file("./source.db")}) {
    CommandResult result = copy(source, same);
    EXPECT_EQ(result.exit_code, 2) << same;
    EXPECT_EQ(result.err,
              "cipette: error: --from and --to name the same database (" + source + ")\n");
  }
  CommandResult result =
      copy("postgresql://u:secret@db.example/ci", "postgresql://u:other-secret@db.example/ci");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_EQ(result.err,
            "cipette: error: --from and --to name the same database (postgresql://u@db.example/"
            "ci)\n");
}

TEST(DbCopyTest, BadUrlsAreUsageErrorsAndPasswordsAreNeverShown) {
  TempDir dir;
  CommandResult scheme = copy("mysql://u:secret@h/db", dir.file("d.db"));
  EXPECT_EQ(scheme.exit_code, 2);
  EXPECT_TRUE(contains(scheme.err, "--from: unsupported scheme \"mysql\"")) << scheme.err;
  EXPECT_FALSE(contains(scheme.err, "secret")) << scheme.err;

  // Nothing listens on port 1: the connection is refused.
  std::string source = make_source(dir, 100);
  CommandResult refused = copy(source, "postgresql://u:hunter2@127.0.0.1:1/ci");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_TRUE(contains(refused.err, "127.0.0.1")) << refused.err;
  EXPECT_FALSE(contains(refused.err + refused.out, "hunter2")) << refused.err;
}

// The password in a postgresql://user:password@host/... URL ("" when none).
std::string password_of(const std::string& url) {
  std::size_t start = url.find("://");
  std::size_t at = url.find('@');
  if (start == std::string::npos || at == std::string::npos) return "";
  std::size_t colon = url.find(':', start + 3);
  return colon != std::string::npos && colon < at ? url.substr(colon + 1, at - colon - 1) : "";
}

TEST(DbCopyPostgresTest, SqliteToPostgresAndBackGivesIdenticalMetricsAndSyncStates) {
  auto scratch = testing::PostgresScratch::create_or_skip();
  if (!scratch) return;  // skipped or failed, with the reason, by create_or_skip
  TempDir dir;
  // More than one batch each way: 5,000 + 2,000.
  std::string source = make_source(dir, 7000);
  std::string back = dir.file("back.db");

  CommandResult there = copy(source, scratch->url());
  ASSERT_EQ(there.exit_code, 0) << there.err;
  EXPECT_TRUE(contains(
      there.err, "copied 7000 runs and 2 sync states from sqlite:" + source + " to postgresql://"))
      << there.err;
  EXPECT_TRUE(contains(there.err, ": 7000 runs new, 0 updated, 0 unchanged (")) << there.err;
  CommandResult again = copy(source, scratch->url());
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_TRUE(contains(again.err, ": 0 runs new, 0 updated, 7000 unchanged (")) << again.err;
  EXPECT_EQ(scratch->value("SELECT count(*) FROM runs"), "7000");

  CommandResult home = copy(scratch->url(), back);
  ASSERT_EQ(home.exit_code, 0) << home.err;
  EXPECT_TRUE(contains(home.err, ": 7000 runs new, 0 updated, 0 unchanged (")) << home.err;

  json original = metrics(source);
  EXPECT_GT(original["totals"]["runs"].get<std::int64_t>(), 6900);
  EXPECT_EQ(metrics(scratch->url()), original);
  EXPECT_EQ(metrics(back), original);
  EXPECT_EQ(sync_states(scratch->url()), sample_sync_states());
  EXPECT_EQ(sync_states(back), sample_sync_states());
  auto attempts = earlier_attempts(source);
  EXPECT_GT(attempts.size(), 3U);
  EXPECT_EQ(earlier_attempts(scratch->url()), attempts);
  EXPECT_EQ(earlier_attempts(back), attempts);
  EXPECT_EQ(scratch->value("SELECT count(*) FROM attempts"),
            std::to_string(sql_int(source, "SELECT count(*) FROM attempts")));
  // Jobs with their steps and the fetch records, there and back (pages of 5,000 jobs).
  auto jobs = all_jobs(source);
  EXPECT_GT(jobs.size(), 9000U);
  EXPECT_EQ(all_jobs(scratch->url()), jobs);
  EXPECT_EQ(all_jobs(back), jobs);
  auto fetches = job_fetches(source);
  EXPECT_EQ(job_fetches(scratch->url()), fetches);
  EXPECT_EQ(job_fetches(back), fetches);

  std::string password = password_of(scratch->url());
  if (!password.empty()) {
    for (const CommandResult* result : {&there, &again, &home}) {
      EXPECT_FALSE(contains(result->err + result->out, password)) << result->err;
    }
  }
}

}  // namespace
}  // namespace cipette

// End-to-end tests of the built `cipette` binary, run as a user would run it. Expected numbers
// are worked out by hand or computed independently with SQL on the same database file.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/sqlite_query.h"
#include "support/test_support.h"

namespace cipette {
namespace {

using nlohmann::json;
using testing::CommandOptions;
using testing::CommandResult;
using testing::sql_int;
using testing::TempDir;

CommandResult cipette(std::vector<std::string> args, CommandOptions options = {}) {
  args.insert(args.begin(), testing::cipette_binary());
  // Keep the developer's own configuration out of the tests.
  for (const char* name :
       {"DATABASE_URL", "CIPETTE_PORT", "FLASK_PORT", "CIPETTE_HOST", "MTTR_REFRESH_INTERVAL",
        "CACHE_TTL_SECONDS", "GITHUB_TOKEN", "CIPETTE_RUNNER_RATES"}) {
    options.env.emplace(name, "");
  }
  if (options.cwd.empty()) options.cwd = "/";
  return testing::run_command(args, options);
}

// A workflow run in GitHub's REST shape (the fields CIPette reads, plus a few it ignores).
json run_json(std::int64_t id, const std::string& conclusion, const std::string& started,
              const std::string& completed, const std::string& branch = "main") {
  return json{
      {"id", id},
      {"name", "Build"},
      {"workflow_id", 159038},
      {"path", ".github/workflows/build.yml"},
      {"run_number", id},
      {"run_attempt", 1},
      {"event", "push"},
      {"status", "completed"},
      {"conclusion", conclusion},
      {"head_branch", branch},
      {"head_sha", "acb5820ced9479c074f688cc328bf03f341a511d"},
      {"created_at", started},
      {"run_started_at", started},
      {"updated_at", completed},
      {"html_url", "https://github.com/octo-org/octo-repo/actions/runs/" + std::to_string(id)},
      {"actor", {{"login", "octocat"}}},
      {"repository", {{"id", 1296269}, {"full_name", "octo-org/octo-repo"}}},
      {"pull_requests", json::array()}};
}

CommandOptions with(std::map<std::string, std::string> env, std::string cwd = "") {
  CommandOptions options;
  options.env = std::move(env);
  options.cwd = std::move(cwd);
  return options;
}

json page_json(const std::vector<json>& runs) {
  return json{{"total_count", runs.size()}, {"workflow_runs", runs}};
}

json metrics_document(const std::vector<std::string>& extra, const std::string& db) {
  std::vector<std::string> args = {"metrics", "--db", db, "--format", "json"};
  args.insert(args.end(), extra.begin(), extra.end());
  CommandResult result = cipette(args);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  return json::parse(result.out);
}

TEST(CliTest, ImportThenMetricsGivesTheOriginalProjectsNumbers) {
  // The original CIPette's own case: 300 s success, 180 s failure, 240 s success ->
  // 3 runs, 2 success, 1 failure, 2/3 = 66.67 %, mean (300 + 180 + 240) / 3 = 240 s.
  TempDir dir;
  testing::write_file(
      dir.file("runs.json"),
      page_json({run_json(1, "success", "2024-03-01T10:00:00Z", "2024-03-01T10:05:00Z"),
                 run_json(2, "failure", "2024-03-01T11:00:00Z", "2024-03-01T11:03:00Z"),
                 run_json(3, "success", "2024-03-01T12:00:00Z", "2024-03-01T12:04:00Z")})
          .dump());
  CommandResult imported = cipette({"import", dir.file("runs.json"), "--db", dir.file("c.db")});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  json doc = metrics_document({"--period", "all"}, dir.file("c.db"));
  const json& totals = doc["totals"];
  EXPECT_EQ(totals["runs"], 3);
  EXPECT_EQ(totals["success"], 2);
  EXPECT_EQ(totals["failed"], 1);
  EXPECT_DOUBLE_EQ(totals["success_rate"].get<double>(), 66.67);
  EXPECT_DOUBLE_EQ(totals["duration"]["mean_seconds"].get<double>(), 240.0);
  // The failure completed 11:03 and the next success 12:04: one incident of 61 min = 3660 s.
  EXPECT_EQ(totals["mttr"]["recovered_incidents"], 1);
  EXPECT_DOUBLE_EQ(totals["mttr"]["mean_seconds"].get<double>(), 3660.0);
  ASSERT_EQ(doc["workflows"].size(), 1u);
  EXPECT_EQ(doc["workflows"][0]["repository"], "octo-org/octo-repo");
  EXPECT_EQ(doc["workflows"][0]["workflow"], "Build");
}

TEST(CliTest, MttrOfAFailureAt1003RecoveredAt1015Is720Seconds) {
  TempDir dir;
  testing::write_file(
      dir.file("runs.json"),
      page_json({run_json(10, "failure", "2024-03-01T10:00:00Z", "2024-03-01T10:03:00Z"),
                 run_json(11, "success", "2024-03-01T10:10:00Z", "2024-03-01T10:15:00Z")})
          .dump());
  ASSERT_EQ(cipette({"import", dir.file("runs.json"), "--db", dir.file("c.db")}).exit_code, 0);
  json doc = metrics_document({"--period", "all"}, dir.file("c.db"));
  EXPECT_DOUBLE_EQ(doc["totals"]["mttr"]["mean_seconds"].get<double>(), 720.0);
  // The table shows it as 12 minutes.
  CommandResult table = cipette({"metrics", "--db", dir.file("c.db"), "--period", "all"});
  EXPECT_NE(table.out.find("12m"), std::string::npos) << table.out;
}

TEST(CliTest, ImportingTheSameFileTwiceChangesNothing) {
  TempDir dir;
  std::string file = testing::github_example("list-workflow-runs.json").string();
  CommandResult first = cipette({"import", file, "--db", dir.file("c.db")});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.err.find("1 new"), std::string::npos) << first.err;
  CommandResult second = cipette({"import", file, "--db", dir.file("c.db")});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.err.find("0 new, 0 updated, 1 unchanged"), std::string::npos) << second.err;
  EXPECT_EQ(sql_int(dir.file("c.db"), "SELECT count(*) FROM runs"), 1);
}

TEST(CliTest, AMalformedFileIsRejectedByNameAndPositionAndNothingIsWritten) {
  TempDir dir;
  std::string good = testing::github_example("list-workflow-runs.json").string();
  ASSERT_EQ(cipette({"import", good, "--db", dir.file("c.db")}).exit_code, 0);
  // A valid page followed by a page cut off in the middle: neither may be written.
  std::string text =
      page_json({run_json(5, "success", "2024-03-01T10:00:00Z", "2024-03-01T10:05:00Z")}).dump(2);
  testing::write_file(dir.file("good.json"), text);
  testing::write_file(dir.file("cut.json"), text.substr(0, text.size() / 2));
  CommandResult result =
      cipette({"import", dir.file("good.json"), dir.file("cut.json"), "--db", dir.file("c.db")});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("cut.json"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("line"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("nothing imported"), std::string::npos) << result.err;
  EXPECT_EQ(sql_int(dir.file("c.db"), "SELECT count(*) FROM runs"), 1);
}

TEST(CliTest, ARunWithAnImplausibleDateIsRejectedByNameAndPositionAndNothingIsWritten) {
  TempDir dir;
  std::string good = testing::github_example("list-workflow-runs.json").string();
  ASSERT_EQ(cipette({"import", good, "--db", dir.file("c.db")}).exit_code, 0);
  // A good file, then a page whose second run was created in year 0: neither is written.
  testing::write_file(
      dir.file("good.json"),
      page_json({run_json(5, "success", "2024-03-01T10:00:00Z", "2024-03-01T10:05:00Z")}).dump());
  testing::write_file(
      dir.file("dates.json"),
      page_json({run_json(6, "success", "2024-03-01T11:00:00Z", "2024-03-01T11:05:00Z"),
                 run_json(7, "failure", "0000-01-01T00:00:00Z", "2024-03-01T12:05:00Z")})
          .dump());
  CommandResult result =
      cipette({"import", dir.file("good.json"), dir.file("dates.json"), "--db", dir.file("c.db")});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("dates.json: run #2 (id 7): field \"created_at\": implausible time "
                            "stamp \"0000-01-01T00:00:00Z\""),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("nothing imported"), std::string::npos) << result.err;
  EXPECT_EQ(sql_int(dir.file("c.db"), "SELECT count(*) FROM runs"), 1);
}

// A run re-run twice, saved as gh api writes it: the listing (which shows attempt 3) and the
// objects of .../runs/42/attempts/1 and /2, in no particular order, attempt 2 twice (in
// progress, then completed: the completed one is kept whatever the order).
TEST(CliTest, ImportedAttemptObjectsBecomeTheEarlierAttemptsOfTheirRun) {
  TempDir dir;
  json third = run_json(42, "success", "2024-03-01T10:00:00Z", "2024-03-01T12:05:00Z");
  third["run_attempt"] = 3;
  third["run_started_at"] = "2024-03-01T12:00:00Z";
  json first = run_json(42, "failure", "2024-03-01T10:00:00Z", "2024-03-01T10:04:00Z");
  json second = run_json(42, "failure", "2024-03-01T10:00:00Z", "2024-03-01T11:03:00Z");
  second["run_attempt"] = 2;
  second["run_started_at"] = "2024-03-01T11:00:00Z";
  json second_running = second;
  second_running["status"] = "in_progress";
  second_running["conclusion"] = nullptr;
  second_running["updated_at"] = "2024-03-01T11:01:00Z";
  testing::write_file(dir.file("attempts.json"), second.dump() + "\n" + page_json({third}).dump() +
                                                     "\n" + second_running.dump() + "\n" +
                                                     first.dump() + "\n");
  std::string db = dir.file("c.db");
  CommandResult imported = cipette({"import", dir.file("attempts.json"), "--db", db});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.err.find("imported 1 runs with 2 earlier attempts into sqlite:" + db +
                              ": 1 new, 0 updated, 0 unchanged"),
            std::string::npos)
      << imported.err;
  EXPECT_EQ(sql_int(db, "SELECT count(*) FROM runs"), 1);
  EXPECT_EQ(sql_int(db, "SELECT run_attempt FROM runs WHERE id = 42"), 3);
  EXPECT_EQ(sql_int(db, "SELECT count(*) FROM runs WHERE id = 42 AND conclusion = 'success'"), 1);
  EXPECT_EQ(sql_int(db, "SELECT count(*) FROM attempts"), 2);
  // 2024-03-01T10:04:00Z = 1709287440; 11:03:00Z = 1709290980.
  EXPECT_EQ(sql_int(db,
                    "SELECT count(*) FROM attempts WHERE run_id = 42 AND attempt = 1 AND found = 1 "
                    "AND status = 'completed' AND conclusion = 'failure' AND updated_at = "
                    "1709287440"),
            1);
  EXPECT_EQ(sql_int(db,
                    "SELECT count(*) FROM attempts WHERE run_id = 42 AND attempt = 2 AND "
                    "status = 'completed' AND conclusion = 'failure' AND updated_at = 1709290980 "
                    "AND run_started_at = 1709290800"),
            1);
  // Importing it again changes nothing.
  CommandResult again = cipette({"import", dir.file("attempts.json"), "--db", db});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("0 new, 0 updated, 1 unchanged"), std::string::npos) << again.err;
  EXPECT_EQ(sql_int(db, "SELECT last_seq FROM change_log_head"), 1);
}

// A jobs page saved with `gh api --paginate repos/O/R/actions/runs/42/jobs`, imported with
// the run's listing: each job is stored with its steps; a job of a run the database does not
// hold is skipped and said to be.
TEST(CliTest, ImportedJobsPagesAreStoredForTheRunsTheDatabaseHolds) {
  TempDir dir;
  json run = run_json(42, "success", "2024-03-01T10:00:00Z", "2024-03-01T10:09:00Z");
  testing::write_file(dir.file("runs.json"), page_json({run}).dump());
  json build = {{"id", 4201},
                {"run_id", 42},
                {"run_attempt", 1},
                {"name", "build"},
                {"status", "completed"},
                {"conclusion", "success"},
                {"created_at", "2024-03-01T10:00:05Z"},
                {"started_at", "2024-03-01T10:01:05Z"},
                {"completed_at", "2024-03-01T10:08:00Z"},
                {"labels", {"ubuntu-latest"}},
                {"runner_name", "GitHub Actions 2"},
                {"runner_group_name", "GitHub Actions"},
                {"steps",
                 {{{"name", "Run tests"},
                   {"status", "completed"},
                   {"conclusion", "success"},
                   {"number", 2},
                   {"started_at", "2024-03-01T10:02:00Z"},
                   {"completed_at", "2024-03-01T10:07:00Z"}},
                  {{"name", "Set up job"},
                   {"status", "completed"},
                   {"conclusion", "success"},
                   {"number", 1},
                   {"started_at", "2024-03-01T02:01:05-08:00"},
                   {"completed_at", "2024-03-01T02:02:00-08:00"}}}}};
  json lint = build;
  lint["id"] = 4202;
  lint["name"] = "lint";
  lint["conclusion"] = "failure";
  lint["steps"] = json::array();
  lint.erase("created_at");  // GitHub Enterprise Server before 3.9
  json stranger = build;
  stranger["id"] = 9901;
  stranger["run_id"] = 99;
  json page = {{"total_count", 3}, {"jobs", {build, lint, stranger}}};
  testing::write_file(dir.file("jobs.json"), page.dump());
  std::string db = dir.file("c.db");
  CommandResult imported =
      cipette({"import", dir.file("runs.json"), dir.file("jobs.json"), "--db", db});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.err.find("imported 3 jobs into sqlite:" + db +
                              ": 2 new, 0 updated, 0 unchanged, 1 skipped (their run is not "
                              "stored"),
            std::string::npos)
      << imported.err;
  EXPECT_EQ(sql_int(db, "SELECT count(*) FROM jobs"), 2);
  // 2024-03-01T10:00:05Z = 1709287205, 10:01:05Z = 1709287265, 10:08:00Z = 1709287680.
  EXPECT_EQ(sql_int(db,
                    "SELECT count(*) FROM jobs WHERE id = 4201 AND run_id = 42 AND name = 'build' "
                    "AND created_at = 1709287205 AND started_at = 1709287265 AND completed_at = "
                    "1709287680"),
            1);
  EXPECT_EQ(sql_int(db, "SELECT count(*) FROM jobs WHERE id = 4202 AND created_at IS NULL"), 1);
  // Step 1's 02:01:05-08:00 is 10:01:05Z; steps are kept by number.
  EXPECT_EQ(sql_int(db, "SELECT count(*) FROM steps WHERE job_id = 4201"), 2);
  EXPECT_EQ(sql_int(db, "SELECT started_at FROM steps WHERE job_id = 4201 AND number = 1"),
            1709287265);
  // Importing the same files again changes nothing.
  CommandResult again =
      cipette({"import", dir.file("runs.json"), dir.file("jobs.json"), "--db", db});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.err.find("0 new, 0 updated, 2 unchanged, 1 skipped"), std::string::npos)
      << again.err;
}

// A completed job in GitHub's REST shape (GET .../runs/{id}/jobs), without steps.
json job_json(std::int64_t id, std::int64_t run_id, const std::string& name,
              const std::string& conclusion, const std::string& created, const std::string& started,
              const std::string& completed, const std::string& label) {
  return json{{"id", id},
              {"run_id", run_id},
              {"run_attempt", 1},
              {"name", name},
              {"status", "completed"},
              {"conclusion", conclusion},
              {"created_at", created},
              {"started_at", started},
              {"completed_at", completed},
              {"labels", {label}},
              {"runner_name", "GitHub Actions 7"},
              {"runner_group_name", "GitHub Actions"},
              {"steps", json::array()}};
}

// Runs 42 (success) and 43 (failure) with three jobs, imported into `db`:
//   4201 run 42 build          success queue 30 s  duration 180 s  ubuntu-latest
//   4202 run 42 test (linux)   success queue 60 s  duration  61 s  ubuntu-latest
//   4301 run 43 test (windows) failure queue 120 s duration 120 s  windows-latest
void import_jobs_example(const TempDir& dir, const std::string& db) {
  testing::write_file(
      dir.file("runs.json"),
      page_json({run_json(42, "success", "2024-03-01T10:00:00Z", "2024-03-01T10:09:00Z"),
                 run_json(43, "failure", "2024-03-01T11:00:00Z", "2024-03-01T11:05:00Z")})
          .dump());
  json jobs = {job_json(4201, 42, "build", "success", "2024-03-01T10:00:00Z",
                        "2024-03-01T10:00:30Z", "2024-03-01T10:03:30Z", "ubuntu-latest"),
               job_json(4202, 42, "test (linux)", "success", "2024-03-01T10:00:00Z",
                        "2024-03-01T10:01:00Z", "2024-03-01T10:02:01Z", "ubuntu-latest"),
               job_json(4301, 43, "test (windows)", "failure", "2024-03-01T11:00:00Z",
                        "2024-03-01T11:02:00Z", "2024-03-01T11:04:00Z", "windows-latest")};
  testing::write_file(dir.file("jobs.json"), json{{"total_count", 3}, {"jobs", jobs}}.dump());
  CommandResult imported =
      cipette({"import", dir.file("runs.json"), dir.file("jobs.json"), "--db", db});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
}

TEST(CliTest, MetricsByJobGroupsMatrixLegsWithQueueAndDuration) {
  TempDir dir;
  std::string db = dir.file("c.db");
  import_jobs_example(dir, db);
  json doc = metrics_document({"--period", "all", "--by", "job"}, db);
  ASSERT_EQ(doc["jobs"].size(), 2U) << doc.dump();
  const json& build = doc["jobs"][0];
  EXPECT_EQ(build["repository"], "octo-org/octo-repo");
  EXPECT_EQ(build["workflow"], "Build");
  EXPECT_EQ(build["job"], "build");
  EXPECT_EQ(build["executions"], 1);
  EXPECT_EQ(build["queue"]["p50_seconds"], 30);
  EXPECT_EQ(build["duration"]["p95_seconds"], 180);
  const json& test = doc["jobs"][1];  // 4202 and 4301: success and failure
  EXPECT_EQ(test["job"], "test");
  EXPECT_EQ(test["executions"], 2);
  EXPECT_EQ(test["success_rate"], 50.0);
  EXPECT_EQ(test["legs"], json({"test (linux)", "test (windows)"}));
  // Queues 60, 120 s: mean 90, p50 60, p95 120; durations 61, 120 s: mean 90.5.
  EXPECT_EQ(
      test["queue"],
      json({{"count", 2}, {"mean_seconds", 90.0}, {"p50_seconds", 60}, {"p95_seconds", 120}}));
  EXPECT_EQ(test["duration"]["mean_seconds"], 90.5);
  CommandResult table = cipette({"metrics", "--db", db, "--period", "all", "--by", "job"});
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("(3 job executions)"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("50.00%"), std::string::npos) << table.out;
}

TEST(CliTest, MetricsByRunnerGivesBillableMinutesPerLabelSetAsCsv) {
  TempDir dir;
  std::string db = dir.file("c.db");
  import_jobs_example(dir, db);
  CommandResult csv =
      cipette({"metrics", "--db", db, "--period", "all", "--by", "runner", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  // ubuntu-latest: queues 30, 60 (mean 45); durations 180, 61 (mean 120.5); billable 3 + 2.
  // windows-latest: 120 s queue and duration; billable 2.
  EXPECT_EQ(csv.out,
            "labels,runner_group,executions,queue_count,queue_mean_seconds,queue_p50_seconds,"
            "queue_p95_seconds,duration_count,duration_mean_seconds,duration_p50_seconds,"
            "duration_p95_seconds,billable_minutes_estimate\r\n"
            "ubuntu-latest,GitHub Actions,2,2,45.00,30,60,2,120.50,61,180,5\r\n"
            "windows-latest,GitHub Actions,1,1,120.00,120,120,1,120.00,120,120,2\r\n");
  json doc = metrics_document({"--period", "all", "--by", "runner"}, db);
  ASSERT_EQ(doc["runners"].size(), 2U);
  EXPECT_EQ(doc["runners"][1]["billable_minutes_estimate"], 2);
  ASSERT_EQ(doc["queue_days"].size(), 1U);  // all time: 2024-03-01 alone
  EXPECT_EQ(doc["queue_days"][0],
            json({{"date", "2024-03-01"}, {"jobs", 3}, {"p50_seconds", 60}, {"p95_seconds", 120}}));
  CommandResult table = cipette({"metrics", "--db", db, "--period", "all", "--by", "runner"});
  EXPECT_NE(table.out.find("windows-latest"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("estimate"), std::string::npos) << table.out;
}

TEST(CliTest, MetricsByRunnerEstimatesTheCostAtTheConfiguredRates) {
  TempDir dir;
  std::string db = dir.file("c.db");
  import_jobs_example(dir, db);
  // ubuntu-latest: 5 billable minutes × 0.008 = 0.04; windows-latest: 2 × 0.016 = 0.032.
  CommandOptions rates;
  rates.env["CIPETTE_RUNNER_RATES"] = "windows-latest=0.016, ubuntu-latest=0.008";
  CommandResult csv = cipette(
      {"metrics", "--db", db, "--period", "all", "--by", "runner", "--format", "csv"}, rates);
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_NE(csv.out.find(",billable_minutes_estimate,cost_rate_label,cost_rate_per_minute,"
                         "estimated_cost\r\n"
                         "ubuntu-latest,GitHub Actions,2,2,45.00,30,60,2,120.50,61,180,5,"
                         "ubuntu-latest,0.008,0.04\r\n"
                         "windows-latest,GitHub Actions,1,1,120.00,120,120,1,120.00,120,120,2,"
                         "windows-latest,0.016,0.032\r\n"),
            std::string::npos)
      << csv.out;
  CommandResult json_out = cipette(
      {"metrics", "--db", db, "--period", "all", "--by", "runner", "--format", "json"}, rates);
  ASSERT_EQ(json_out.exit_code, 0) << json_out.err;
  json doc = json::parse(json_out.out);
  EXPECT_EQ(doc["runners"][0]["estimated_cost"], 0.04);
  EXPECT_EQ(doc["runners"][1]["estimated_cost"], 0.032);
  EXPECT_EQ(doc["runners"][1]["cost_rate_per_minute"], 0.016);
  // The flag beats the variable: windows-latest 2 × 0.5 = 1; ubuntu-latest has no rate now.
  CommandResult table = cipette({"metrics", "--db", db, "--period", "all", "--by", "runner",
                                 "--runner-rates", "windows-latest=0.5"},
                                rates);
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("RATE/MIN  COST (EST.)\n"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("  0.5 (windows-latest)            1\n"), std::string::npos)
      << table.out;
  EXPECT_NE(table.out.find("                     -            -\n"), std::string::npos)
      << table.out;
  // Without rates, no cost column.
  CommandResult plain = cipette({"metrics", "--db", db, "--period", "all", "--by", "runner"});
  EXPECT_EQ(plain.out.find("COST"), std::string::npos) << plain.out;
}

TEST(CliTest, AMalformedRunnerRateStopsTheCommandNamingTheSettingAndTheItem) {
  TempDir dir;
  std::string db = dir.file("c.db");
  import_jobs_example(dir, db);
  CommandOptions bad;
  bad.env["CIPETTE_RUNNER_RATES"] = "ubuntu-latest=0.008,macos-latest=-0.08";
  CommandResult metrics = cipette({"metrics", "--db", db, "--by", "runner"}, bad);
  EXPECT_EQ(metrics.exit_code, 2);
  EXPECT_EQ(metrics.out, "");
  EXPECT_EQ(metrics.err,
            "cipette: error: CIPETTE_RUNNER_RATES: \"macos-latest=-0.08\": a rate cannot be "
            "negative; expected runner label=per-minute rate items separated by commas, e.g. "
            "ubuntu-latest=0.008,windows-latest=0.016\n");
  // serve does not start either (it would otherwise listen and print its address).
  CommandResult serve = cipette({"serve", "--db", db, "--port", "1"}, bad);
  EXPECT_EQ(serve.exit_code, 2);
  EXPECT_NE(serve.err.find("CIPETTE_RUNNER_RATES: \"macos-latest=-0.08\""), std::string::npos)
      << serve.err;
  CommandResult flag = cipette({"metrics", "--db", db, "--runner-rates", "ubuntu-latest"});
  EXPECT_EQ(flag.exit_code, 2);
  EXPECT_NE(flag.err.find("--runner-rates: \"ubuntu-latest\" has no '='"), std::string::npos)
      << flag.err;
}

TEST(CliTest, MetricsByJobSaysWhenNoJobIsInScopeAndRefusesAnUnknownBy) {
  TempDir dir;
  std::string db = dir.file("c.db");
  import_jobs_example(dir, db);
  // Runs of main are stored, none of them in April 2024.
  CommandResult none = cipette({"metrics", "--db", db, "--from", "2024-04-01", "--to", "2024-04-30",
                                "--by", "runner", "--branch", "main"});
  EXPECT_EQ(none.exit_code, 0) << none.err;
  EXPECT_NE(none.out.find("No completed jobs in this scope."), std::string::npos) << none.out;
  CommandResult bad = cipette({"metrics", "--db", db, "--by", "step"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_EQ(bad.err, "cipette: error: --by: expected workflow, job or runner, got \"step\"\n");
}

TEST(CliTest, AFilterThatNamesNothingStoredFailsNamingItAndTheNearestStoredValues) {
  TempDir dir;
  std::string db = dir.file("c.db");
  import_jobs_example(dir, db);  // octo-org/octo-repo, workflow Build (build.yml), main, push
  CommandResult repo = cipette({"metrics", "--db", db, "--repo", "unknown/repo"});
  EXPECT_EQ(repo.exit_code, 1);
  EXPECT_EQ(repo.out, "");
  EXPECT_EQ(repo.err,
            "cipette: error: no runs match --repo unknown/repo; stored repositories: "
            "octo-org/octo-repo\n");
  CommandResult workflow =
      cipette({"metrics", "--db", db, "--workflow", "deploy.yml", "--by", "job"});
  EXPECT_EQ(workflow.exit_code, 1);
  EXPECT_EQ(workflow.err,
            "cipette: error: no runs match --workflow deploy.yml; stored workflows: Build\n");
  CommandResult branch = cipette({"metrics", "--db", db, "--branch", "dev", "--by", "runner"});
  EXPECT_EQ(branch.exit_code, 1);
  EXPECT_EQ(branch.err, "cipette: error: no runs match --branch dev; stored branches: main\n");
  CommandResult event = cipette({"metrics", "--db", db, "--event", "pull_request"});
  EXPECT_EQ(event.exit_code, 1);
  EXPECT_EQ(event.err, "cipette: error: no runs match --event pull_request; stored events: push\n");
  // A name that is not owner/name at all is a usage error, as the dashboard's 400.
  CommandResult malformed = cipette({"metrics", "--db", db, "--repo", "octo-repo"});
  EXPECT_EQ(malformed.exit_code, 2);
  EXPECT_EQ(malformed.err, "cipette: error: --repo: expected owner/name, got \"octo-repo\"\n");
  // Stored names in another case still match (repositories compare case-insensitively), and
  // a stored branch with no run in the period is an empty answer, not an error.
  CommandResult known = cipette({"metrics", "--db", db, "--repo", "Octo-Org/Octo-Repo", "--branch",
                                 "main", "--from", "2024-04-01", "--to", "2024-04-30"});
  EXPECT_EQ(known.exit_code, 0) << known.err;
}

TEST(CliTest, AWorkflowOfAnotherRepositoryFailsNamingBothFilters) {
  TempDir dir;
  std::string db = dir.file("c.db");
  json deploy = run_json(7, "success", "2024-03-01T10:00:00Z", "2024-03-01T10:01:00Z");
  deploy["name"] = "Deploy";
  deploy["workflow_id"] = 159039;
  deploy["path"] = ".github/workflows/deploy.yml";
  deploy["repository"]["full_name"] = "octo-org/other";
  deploy["repository"]["id"] = 1296270;
  testing::write_file(
      dir.file("runs.json"),
      page_json({run_json(1, "success", "2024-03-01T10:00:00Z", "2024-03-01T10:05:00Z"), deploy})
          .dump());
  ASSERT_EQ(cipette({"import", dir.file("runs.json"), "--db", db}).exit_code, 0);
  CommandResult both =
      cipette({"metrics", "--db", db, "--repo", "octo-org/octo-repo", "--workflow", "Deploy"});
  EXPECT_EQ(both.exit_code, 1);
  EXPECT_EQ(both.err,
            "cipette: error: no runs match --repo octo-org/octo-repo with --workflow Deploy; "
            "workflows of octo-org/octo-repo: Build\n");
}

TEST(CliTest, DemoMetricsEqualIndependentSqlOverTheSameDatabase) {
  TempDir dir;
  std::string db = dir.file("demo.db");
  CommandResult demo = cipette({"demo", "--no-serve", "--runs", "20000", "--seed", "7", "--end",
                                "2024-06-30T12:00:00Z", "--db", db});
  ASSERT_EQ(demo.exit_code, 0) << demo.err;
  EXPECT_EQ(sql_int(db, "SELECT count(*) FROM runs"), 20000);
  // June 2024: 2024-06-01T00:00:00Z = 1717200000, 2024-07-01T00:00:00Z = 1719792000.
  json doc = metrics_document({"--from", "2024-06-01", "--to", "2024-06-30"}, db);
  std::string in_june =
      " FROM runs WHERE status = 'completed' AND created_at >= 1717200000 AND "
      "created_at < 1719792000";
  const json& totals = doc["totals"];
  EXPECT_EQ(totals["runs"].get<std::int64_t>(), sql_int(db, "SELECT count(*)" + in_june));
  std::int64_t success = sql_int(db, "SELECT count(*)" + in_june + " AND conclusion = 'success'");
  std::int64_t failed = sql_int(db, "SELECT count(*)" + in_june +
                                        " AND conclusion IN ('failure','timed_out',"
                                        "'startup_failure')");
  ASSERT_GT(success + failed, 0);
  EXPECT_EQ(totals["success"].get<std::int64_t>(), success);
  EXPECT_EQ(totals["failed"].get<std::int64_t>(), failed);
  double rate = std::round(10000.0 * success / (success + failed)) / 100.0;
  EXPECT_DOUBLE_EQ(totals["success_rate"].get<double>(), rate);
  std::int64_t duration_sum =
      sql_int(db, "SELECT sum(updated_at - coalesce(run_started_at, created_at))" + in_june +
                      " AND updated_at >= coalesce(run_started_at, created_at)");
  std::int64_t duration_count = sql_int(
      db, "SELECT count(*)" + in_june + " AND updated_at >= coalesce(run_started_at, created_at)");
  EXPECT_NEAR(totals["duration"]["mean_seconds"].get<double>(),
              static_cast<double>(duration_sum) / duration_count, 0.01);
  // Throughput over a 30-day range.
  EXPECT_NEAR(totals["throughput_per_day"].get<double>(), totals["runs"].get<double>() / 30.0,
              0.001);
}

TEST(CliTest, MetricsWithoutADatabaseSaysHowToCreateOne) {
  TempDir dir;
  CommandResult result = cipette({"metrics", "--db", dir.file("missing.db")});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("no database at"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("cipette collect"), std::string::npos) << result.err;
}

TEST(CliTest, ServeRefusesAMissingDatabaseUnlessToldToCreateIt) {
  TempDir dir;
  CommandResult typo = cipette({"serve", "--db", dir.file("cipete.db"), "--port", "1"});
  EXPECT_EQ(typo.exit_code, 2);
  EXPECT_NE(typo.err.find("no database at " + dir.file("cipete.db")), std::string::npos)
      << typo.err;
  EXPECT_NE(typo.err.find("--create"), std::string::npos) << typo.err;
  EXPECT_FALSE(std::filesystem::exists(dir.file("cipete.db")));  // nothing was created
}

TEST(CliTest, BadValuesStopWithOneLineNamingTheFlagOrVariable) {
  TempDir dir;
  CommandResult port =
      cipette({"serve", "--db", dir.file("x.db")}, with({{"CIPETTE_PORT", "abc"}}));
  EXPECT_EQ(port.exit_code, 2);
  EXPECT_EQ(port.err,
            "cipette: error: CIPETTE_PORT: expected a whole number from 1 to 65535, got \"abc\"\n");
  CommandResult period = cipette({"metrics", "--db", dir.file("x.db"), "--period", "0"});
  EXPECT_EQ(period.exit_code, 2);
  EXPECT_NE(period.err.find("--period"), std::string::npos) << period.err;
  EXPECT_NE(period.err.find("\"0\""), std::string::npos) << period.err;
  CommandResult unknown = cipette({"metrics", "--colour"});
  EXPECT_EQ(unknown.exit_code, 2);
  CommandResult format = cipette({"metrics", "--db", dir.file("x.db"), "--format", "xml"});
  EXPECT_EQ(format.exit_code, 2);
  EXPECT_NE(format.err.find("--format"), std::string::npos);
}

TEST(CliTest, NoCommandPrintsTheHelpOnStandardOutput) {
  CommandResult bare = cipette({});
  EXPECT_EQ(bare.exit_code, 0) << bare.err;
  EXPECT_EQ(bare.err, "");
  EXPECT_TRUE(
      bare.out.starts_with("CIPette: CI/CD insights for GitHub Actions\n"
                           "Usage: cipette [OPTIONS] SUBCOMMAND\n"))
      << bare.out;
  for (const char* command :
       {"\n  metrics ", "\n  import ", "\n  demo ", "\n  serve ", "\n  collect ", "\n  db "}) {
    EXPECT_NE(bare.out.find(command), std::string::npos) << command << bare.out;
  }
  // The same for a command that only groups others.
  CommandResult db = cipette({"db"});
  EXPECT_EQ(db.exit_code, 0) << db.err;
  EXPECT_NE(db.out.find("Usage: cipette db [OPTIONS] SUBCOMMAND\n"), std::string::npos) << db.out;
  EXPECT_NE(db.out.find("\n  copy "), std::string::npos) << db.out;
}

TEST(CliTest, AMistypedCommandSuggestsTheNearestOne) {
  CommandResult collect = cipette({"colect", "--repo", "octo-org/octo-repo"});
  EXPECT_EQ(collect.exit_code, 2);
  EXPECT_EQ(collect.out, "");
  EXPECT_EQ(collect.err,
            "cipette: error: unknown command 'colect'; did you mean 'collect'?\n"
            "Run `cipette --help` for usage.\n");
  CommandResult copy = cipette({"db", "cpy", "--from", "a.db", "--to", "b.db"});
  EXPECT_EQ(copy.exit_code, 2);
  EXPECT_EQ(copy.err,
            "cipette: error: unknown command 'db cpy'; did you mean 'db copy'?\n"
            "Run `cipette --help` for usage.\n");
  CommandResult far = cipette({"status"});
  EXPECT_EQ(far.exit_code, 2);
  EXPECT_EQ(far.err,
            "cipette: error: unknown command 'status'; the commands are collect, db, demo, "
            "import, metrics, serve\nRun `cipette --help` for usage.\n");
}

TEST(CliTest, HelpShowsTypesDefaultsAndTheVariablesEachOptionReads) {
  CommandResult metrics = cipette({"metrics", "--help"});
  EXPECT_EQ(metrics.exit_code, 0) << metrics.err;
  for (const char* line :
       {"\n  --period DAYS|all (default: 30)\n", "\n  --format table|json|csv (default: table)\n",
        "\n  --by workflow|job|runner (default: workflow)\n",
        "\n  --db,--database-url PATH|URL (default: data/cipette.db, env: DATABASE_URL)\n",
        "\n  --runner-rates LABEL=RATE,... (default: none, env: CIPETTE_RUNNER_RATES)\n"}) {
    EXPECT_NE(metrics.out.find(line), std::string::npos) << line << metrics.out;
  }
  CommandResult collect = cipette({"collect", "--help"});
  EXPECT_EQ(collect.exit_code, 0) << collect.err;
  for (const char* line :
       {"\n  --repo OWNER/NAME ... (env: TARGET_REPOSITORIES)\n",
        "\n  --lease-ttl SECONDS (default: 60, env: CIPETTE_LEASE_TTL)\n",
        "\n  --rescan-days DAYS (default: 35, env: CIPETTE_RESCAN_DAYS)\n",
        "\n  --api-url URL (default: https://api.github.com, env: GITHUB_API_URL)\n",
        "The GitHub token is read from GITHUB_TOKEN"}) {
    EXPECT_NE(collect.out.find(line), std::string::npos) << line << collect.out;
  }
  CommandResult serve = cipette({"serve", "--help"});
  EXPECT_NE(serve.out.find("\n  --port PORT (default: 5000, env: CIPETTE_PORT or FLASK_PORT)\n"),
            std::string::npos)
      << serve.out;
}

TEST(CliTest, FlagBeatsEnvironmentBeatsDotEnv) {
  TempDir dir;
  testing::write_file(dir.file(".env"),
                      "# the original project's .env format\nCIPETTE_PORT=70000  # too big\n");
  CommandResult from_dotenv = cipette({"serve"}, with({}, dir.path().string()));
  EXPECT_EQ(from_dotenv.exit_code, 2);
  EXPECT_NE(from_dotenv.err.find(".env: CIPETTE_PORT"), std::string::npos) << from_dotenv.err;
  CommandResult from_env = cipette({"serve"}, with({{"CIPETTE_PORT", "-1"}}, dir.path().string()));
  EXPECT_NE(from_env.err.find("CIPETTE_PORT: expected"), std::string::npos) << from_env.err;
  EXPECT_NE(from_env.err.find("\"-1\""), std::string::npos) << from_env.err;
  CommandResult from_flag =
      cipette({"serve", "--port", "0"}, with({{"CIPETTE_PORT", "-1"}}, dir.path().string()));
  EXPECT_NE(from_flag.err.find("--port: expected"), std::string::npos) << from_flag.err;
}

TEST(CliTest, DotEnvDatabaseUrlIsUsedAndFlaskNamesAreAccepted) {
  TempDir dir;
  std::string file = testing::github_example("list-workflow-runs.json").string();
  testing::write_file(dir.file(".env"), "DATABASE_URL=sqlite:" + dir.file("env.db") + "\n");
  CommandResult imported = cipette({"import", file}, with({}, dir.path().string()));
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_EQ(sql_int(dir.file("env.db"), "SELECT count(*) FROM runs"), 1);
  CommandResult flask = cipette({"serve"}, with({{"FLASK_PORT", "99999"}}, dir.path().string()));
  EXPECT_EQ(flask.exit_code, 2);
  EXPECT_NE(flask.err.find("FLASK_PORT"), std::string::npos) << flask.err;
}

TEST(CliTest, CsvAndPlainTableWhenPiped) {
  TempDir dir;
  testing::write_file(
      dir.file("runs.json"),
      page_json({run_json(1, "success", "2024-03-01T10:00:00Z", "2024-03-01T10:05:30Z")}).dump());
  ASSERT_EQ(cipette({"import", dir.file("runs.json"), "--db", dir.file("c.db")}).exit_code, 0);
  CommandResult csv =
      cipette({"metrics", "--db", dir.file("c.db"), "--period", "all", "--format", "csv"});
  ASSERT_EQ(csv.exit_code, 0) << csv.err;
  EXPECT_EQ(csv.out.substr(0, csv.out.find('\r')),
            "repository,workflow_id,workflow,path,runs,success,failed,neutral,success_rate,"
            "duration_mean_seconds,duration_p50_seconds,duration_p95_seconds,throughput_per_day,"
            "mttr_mean_seconds,mttr_median_seconds,recovered_incidents,open_incidents,first_run,"
            "last_run,rerun_runs,rerun_rate,flaky_runs,flaky_rate,first_attempt_success_rate,rerun_"
            "seconds_lost");
  EXPECT_NE(
      csv.out.find(
          "octo-org/octo-repo,159038,Build,.github/workflows/build.yml,1,1,0,0,100.00,330.00"),
      std::string::npos)
      << csv.out;
  CommandResult table = cipette({"metrics", "--db", dir.file("c.db"), "--period", "all"});
  EXPECT_EQ(table.out.find('\x1b'), std::string::npos);
  EXPECT_NE(table.out.find("5m 30s"), std::string::npos) << table.out;  // 330 s
  EXPECT_NE(table.out.find("100.00%"), std::string::npos) << table.out;
}

}  // namespace
}  // namespace cipette

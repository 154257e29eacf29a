// The job, runner, step and run routes over real HTTP on 127.0.0.1, answering from a real SQLite
// store holding the hand-worked history of tests/unit/views/job_example.h.
#include <gtest/gtest.h>

#include "cipette/core/runner_rates.h"
#include "cipette/storage/store_factory.h"
#include "cipette/web/snapshot.h"
#include "cipette/web/store_pool.h"
#include "support/test_support.h"
#include "unit/views/job_example.h"
#include "unit/web/http_test_support.h"

namespace cipette::web {
namespace {

// A step of `seconds`, started `offset` seconds after `job` started.
StepRecord step(const JobRecord& job, std::int64_t number, const std::string& name,
                Timestamp offset, Timestamp seconds) {
  StepRecord s;
  s.number = number;
  s.name = name;
  s.status = "completed";
  s.conclusion = "success";
  s.started_at = *job.started_at + offset;
  s.completed_at = *s.started_at + seconds;
  return s;
}

// The example's jobs, the "test" group's with two steps each:
//   job 2 (test (a), attempt 1): checkout 5 s, run tests 30 s
//   job 3 (test (a), attempt 2): checkout 3 s, run tests 60 s
//   job 4 (test (b)):            checkout 4 s, run tests 100 s
// run tests: 30, 60, 100 s: mean 63.33, p50 60, p95 100; checkout: 5, 3, 4 s: mean 4, p50 4,
// p95 5.
std::vector<JobRecord> jobs_with_steps() {
  std::vector<JobRecord> jobs = testing::job_example_jobs();
  const std::pair<Timestamp, Timestamp> steps[] = {{5, 30}, {3, 60}, {4, 100}};
  for (std::size_t k = 0; k < 3; ++k) {
    JobRecord& job = jobs[k + 1];
    job.steps = {step(job, 1, "checkout", 0, steps[k].first),
                 step(job, 2, "run tests", steps[k].first, steps[k].second)};
  }
  jobs[1].html_url = "https://github.com/octo/app/actions/runs/100/job/2";
  jobs[2].html_url = "javascript:alert(1)";
  return jobs;
}

StoreOpener sqlite_opener(const std::string& path) {
  return [path]() -> Result<StoreReader> {
    auto store = storage::open_store(path);
    if (!store) return store.error();
    StoreReader reader;
    reader.jobs = store->get();
    reader.runs = std::move(*store);
    return reader;
  };
}

// The range [2024-03-01, 2024-03-03) of the example, as the API takes it.
const std::string kRange = "from=2024-03-01&to=2024-03-02";

class JobRoutesTest : public HttpServerTest {
 protected:
  void SetUp() override {
    path_ = dir_.file("c.db");
    auto store = storage::open_store(path_);
    ASSERT_TRUE(store) << store.error().message;
    ASSERT_TRUE((*store)->upsert_runs(testing::job_example_runs()));
    auto written = (*store)->upsert_jobs(jobs_with_steps());
    ASSERT_TRUE(written) << written.error().message;
    ASSERT_EQ(written->inserted, 4);
    // The tables as the server loads them, from the store.
    auto runs = load_run_table(**store);
    ASSERT_TRUE(runs) << runs.error().message;
    auto jobs = load_job_table(**store, **runs);
    ASSERT_TRUE(jobs) << jobs.error().message;
    snapshot_.publish(*runs, *jobs);
    pool_ = std::make_unique<StorePool>(sqlite_opener(path_));
    stores_ = pool_.get();
    start(server_options());
  }

  virtual ServerOptions server_options() const { return {}; }

  testing::TempDir dir_;
  std::string path_;
  std::unique_ptr<StorePool> pool_;
};

TEST_F(JobRoutesTest, JobsListsTheGroupsOfTheScopeWithTheirLegs) {
  json doc = get_json("/api/v1/jobs?" + kRange);
  EXPECT_EQ(doc["schema_version"], 1);
  EXPECT_EQ(doc["legs_of"], nullptr);
  ASSERT_EQ(doc["jobs"].size(), 2U);
  const json& test = doc["jobs"][1];
  EXPECT_EQ(test["job"], "test");
  EXPECT_EQ(test["executions"], 3);
  EXPECT_EQ(test["success_rate"], 66.67);
  EXPECT_EQ(test["flaky_jobs"], 1);
  EXPECT_EQ(
      test["queue"],
      json({{"count", 3}, {"mean_seconds", 16.67}, {"p50_seconds", 10}, {"p95_seconds", 40}}));
  EXPECT_EQ(test["legs"], json({"test (a)", "test (b)"}));
  // Run 200 (the only one on 2024-03-02) alone: test (b).
  json day2 = get_json("/api/v1/jobs?from=2024-03-02&to=2024-03-02");
  ASSERT_EQ(day2["jobs"].size(), 1U);
  EXPECT_EQ(day2["jobs"][0]["executions"], 1);
}

TEST_F(JobRoutesTest, JobWithWorkflowGivesTheLegsOfThatGroup) {
  json doc = get_json("/api/v1/jobs?repository=octo/app&workflow=CI&job=test&" + kRange);
  EXPECT_EQ(doc["legs_of"], "test");
  ASSERT_EQ(doc["jobs"].size(), 2U);
  EXPECT_EQ(doc["jobs"][0]["job"], "test (a)");
  EXPECT_EQ(doc["jobs"][0]["executions"], 2);
  EXPECT_EQ(doc["jobs"][1]["job"], "test (b)");
  EXPECT_EQ(doc["jobs"][1]["duration"]["p95_seconds"], 130);
  EXPECT_EQ(problem_parameter("/api/v1/jobs?job=test"), "repository");
  EXPECT_EQ(problem_parameter("/api/v1/jobs?repository=octo/app&job=test"), "workflow");
  json unknown = get_json("/api/v1/jobs?repository=octo/app&workflow=Nope&job=test", 404);
  EXPECT_EQ(unknown["error"]["message"], "The repository octo/app has no workflow \"Nope\".");
}

TEST_F(JobRoutesTest, ParametersAreCheckedByName) {
  EXPECT_EQ(problem_parameter("/api/v1/jobs?period=0"), "period");
  EXPECT_EQ(problem_parameter("/api/v1/jobs?page=2"), "page");
  EXPECT_EQ(problem_parameter("/api/v1/runners?job=test"), "job");
  EXPECT_EQ(problem_parameter("/api/v1/jobs.csv?job=test"), "job");
  EXPECT_EQ(problem_parameter("/api/v1/runners.csv?repository=nope"), "repository");
  EXPECT_EQ(problem_parameter("/api/v1/jobs?job=a&job=b&repository=octo/app&workflow=CI"), "job");
  EXPECT_EQ(problem_parameter("/api/v1/jobs/steps?repository=octo/app&workflow=CI"), "job");
}

TEST_F(JobRoutesTest, RunnersGiveRowsAndTheQueueTimePerDay) {
  json doc = get_json("/api/v1/runners?" + kRange);
  ASSERT_EQ(doc["runners"].size(), 2U);
  EXPECT_EQ(doc["runners"][0]["labels"], json({"linux", "self-hosted"}));
  EXPECT_EQ(doc["runners"][0]["runner_group"], "big");
  EXPECT_EQ(doc["runners"][0]["billable_minutes_estimate"], 3);
  EXPECT_EQ(doc["runners"][1]["billable_minutes_estimate"], 5);
  EXPECT_EQ(doc["queue_days"], json::parse(R"([
    {"date": "2024-03-01", "jobs": 3, "p50_seconds": 20, "p95_seconds": 40},
    {"date": "2024-03-02", "jobs": 1, "p50_seconds": 0, "p95_seconds": 0}])"));
}

TEST_F(JobRoutesTest, CsvExportsAreAttachments) {
  auto jobs = get("/api/v1/jobs.csv?" + kRange);
  ASSERT_TRUE(jobs);
  EXPECT_EQ(jobs->status, 200);
  EXPECT_EQ(jobs->get_header_value("Content-Type"), "text/csv; charset=utf-8");
  EXPECT_EQ(jobs->get_header_value("Content-Disposition"),
            "attachment; filename=\"cipette-jobs.csv\"");
  EXPECT_EQ(count_of(jobs->body, "\r\n"), 3U);  // header, build, test
  EXPECT_TRUE(jobs->body.starts_with("repository,workflow_id,workflow,job,executions,"));
  auto runners = get("/api/v1/runners.csv?" + kRange);
  ASSERT_TRUE(runners);
  EXPECT_EQ(runners->get_header_value("Content-Disposition"),
            "attachment; filename=\"cipette-runners.csv\"");
  EXPECT_NE(runners->body.find("\r\nubuntu-latest,GitHub Actions,3,"), std::string::npos)
      << runners->body;
}

// The same server with CIPETTE_RUNNER_RATES configured.
class JobRoutesWithRatesTest : public JobRoutesTest {
 protected:
  ServerOptions server_options() const override {
    ServerOptions options;
    auto rates = parse_runner_rates("windows-latest=0.016,ubuntu-latest=0.008");
    EXPECT_TRUE(rates);
    if (rates) options.runner_rates = *rates;
    return options;
  }
};

TEST_F(JobRoutesWithRatesTest, RunnersCarryTheEstimatedCostOfTheConfiguredRates) {
  json doc = get_json("/api/v1/runners?" + kRange);
  ASSERT_EQ(doc["runners"].size(), 2U);
  // [linux, self-hosted]: no configured label, no cost.
  EXPECT_EQ(doc["runners"][0]["estimated_cost"], nullptr);
  EXPECT_EQ(doc["runners"][0]["cost_rate_label"], nullptr);
  // ubuntu-latest: 5 billable minutes × 0.008 = 0.04.
  EXPECT_EQ(doc["runners"][1]["estimated_cost"], 0.04);
  EXPECT_EQ(doc["runners"][1]["cost_rate_label"], "ubuntu-latest");
  EXPECT_EQ(doc["runners"][1]["cost_rate_per_minute"], 0.008);
  EXPECT_EQ(doc["runner_rates"], json::parse(R"([{"label": "windows-latest", "per_minute": 0.016},
    {"label": "ubuntu-latest", "per_minute": 0.008}])"));
  auto csv = get("/api/v1/runners.csv?" + kRange);
  ASSERT_TRUE(csv);
  EXPECT_NE(csv->body.find(",billable_minutes_estimate,cost_rate_label,cost_rate_per_minute,"
                           "estimated_cost\r\n"),
            std::string::npos)
      << csv->body;
  EXPECT_NE(csv->body.find(",big,1,1,0.00,0,0,1,130.00,130,130,3,,,\r\n"), std::string::npos);
  EXPECT_NE(csv->body.find(",100,5,ubuntu-latest,0.008,0.04\r\n"), std::string::npos);
  auto page = get("/runners?" + kRange);
  ASSERT_TRUE(page);
  EXPECT_NE(page->body.find(">≈ 0.04 <span class=\"muted\">at 0.008/min (ubuntu-latest)</span>"),
            std::string::npos)
      << page->body;
}

TEST_F(JobRoutesTest, WithoutRatesRunnersCarryNoCost) {
  json doc = get_json("/api/v1/runners?" + kRange);
  EXPECT_FALSE(doc.contains("runner_rates"));
  EXPECT_FALSE(doc["runners"][1].contains("estimated_cost"));
  auto csv = get("/api/v1/runners.csv?" + kRange);
  ASSERT_TRUE(csv);
  EXPECT_EQ(csv->body.find("cost"), std::string::npos) << csv->body;
  auto page = get("/runners?" + kRange);
  ASSERT_TRUE(page);
  EXPECT_EQ(page->body.find("Est. cost"), std::string::npos);
}

TEST_F(JobRoutesTest, ARunsPageHoldsItsAttemptsJobsAndSteps) {
  json doc = get_json("/api/v1/runs/100");
  EXPECT_EQ(doc["run"]["id"], 100);
  EXPECT_EQ(doc["run"]["run_attempt"], 2);
  EXPECT_EQ(doc["run"]["html_url"], "https://github.com/octo/app/actions/runs/100");
  ASSERT_EQ(doc["jobs"].size(), 3U);  // jobs 1 and 2 (attempt 1), then 3 (attempt 2)
  const json& first = doc["jobs"][0];
  EXPECT_EQ(first["id"], 1);
  EXPECT_EQ(first["attempt"], 1);
  EXPECT_EQ(first["queue_seconds"], 20);
  EXPECT_EQ(first["duration_seconds"], 100);
  EXPECT_EQ(first["steps"], json::array());
  EXPECT_EQ(first["runner_group"], "GitHub Actions");
  const json& leg = doc["jobs"][1];
  EXPECT_EQ(leg["name"], "test (a)");
  EXPECT_EQ(leg["group"], "test");
  EXPECT_EQ(leg["conclusion"], "failure");
  EXPECT_EQ(leg["html_url"], "https://github.com/octo/app/actions/runs/100/job/2");
  // Job 2 started 40 s after 10:00: checkout from 10:00:40 for 5 s, tests for 30 s.
  EXPECT_EQ(leg["steps"][0], json({{"number", 1},
                                   {"name", "checkout"},
                                   {"status", "completed"},
                                   {"conclusion", "success"},
                                   {"started_at", "2024-03-01T10:00:40Z"},
                                   {"completed_at", "2024-03-01T10:00:45Z"},
                                   {"duration_seconds", 5}}));
  EXPECT_EQ(leg["steps"][1]["duration_seconds"], 30);
  EXPECT_EQ(doc["jobs"][2]["attempt"], 2);
  EXPECT_EQ(doc["jobs"][2]["html_url"], nullptr);  // javascript: is never passed on
}

TEST_F(JobRoutesTest, RunIdsAreCheckedAndUnknownRunsAre404) {
  json missing = get_json("/api/v1/runs/999", 404);
  EXPECT_EQ(missing["error"]["message"], "No run with id 999 is stored.");
  EXPECT_EQ(problem_parameter("/api/v1/runs/abc"), "id");
  EXPECT_EQ(problem_parameter("/api/v1/runs/-5"), "id");
  EXPECT_EQ(problem_parameter("/api/v1/runs/"), "id");
  EXPECT_EQ(problem_parameter("/api/v1/runs/99999999999999999999"), "id");
  EXPECT_EQ(problem_parameter("/api/v1/runs/100?page=1"), "page");
  auto post = client_->Post("/api/v1/runs/100");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 405);
}

TEST_F(JobRoutesTest, AnswersAreCachedPerSnapshotGeneration) {
  for (const std::string& target :
       {std::string("/api/v1/runs/100"), "/api/v1/jobs?" + kRange, "/api/v1/runners?" + kRange}) {
    auto first = get(target);
    auto second = get(target);
    ASSERT_TRUE(first && second);
    EXPECT_EQ(first->get_header_value("X-Cache"), "miss") << target;
    EXPECT_EQ(second->get_header_value("X-Cache"), "hit") << target;
    EXPECT_EQ(first->body, second->body);
  }
  // A 404 is not kept: the run may arrive with the next refresh.
  EXPECT_EQ(get("/api/v1/runs/999")->get_header_value("X-Cache"), "miss");
  EXPECT_EQ(get("/api/v1/runs/999")->get_header_value("X-Cache"), "miss");
}

TEST_F(JobRoutesTest, StepsOfAJobGroupAreSummedPerStepNameSlowestFirst) {
  json doc = get_json("/api/v1/jobs/steps?repository=octo/app&workflow=CI&job=test&" + kRange);
  EXPECT_EQ(doc["repository"], "octo/app");
  EXPECT_EQ(doc["workflow_id"], 10);
  EXPECT_EQ(doc["job"], "test");
  EXPECT_EQ(doc["sample"], json({{"runs", 2}, {"jobs", 3}, {"max_runs", 100}}));
  EXPECT_EQ(doc["steps"], json::parse(R"([
    {"name": "run tests",
     "duration": {"count": 3, "mean_seconds": 63.33, "p50_seconds": 60, "p95_seconds": 100}},
    {"name": "checkout",
     "duration": {"count": 3, "mean_seconds": 4.0, "p50_seconds": 4, "p95_seconds": 5}}])"));
  json build = get_json("/api/v1/jobs/steps?repository=octo/app&workflow=CI&job=build&" + kRange);
  EXPECT_EQ(build["sample"]["jobs"], 1);
  EXPECT_EQ(build["steps"], json::array());  // job 1 has no steps stored
}

}  // namespace
}  // namespace cipette::web

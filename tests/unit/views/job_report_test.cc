// The job and runner documents (JSON, CSV, terminal tables) on the hand-worked history of
// job_example.h.
#include <gtest/gtest.h>

#include "cipette/core/job_metrics.h"
#include "cipette/core/runner_rates.h"
#include "cipette/views/job_report_json.h"
#include "cipette/views/job_report_text.h"
#include "unit/views/job_example.h"

namespace cipette::views {
namespace {

using nlohmann::json;

constexpr const char* kScope = R"({
  "period": {"kind": "range", "from": "2024-03-01T00:00:00Z", "to": "2024-03-03T00:00:00Z"},
  "now": "2024-03-11T00:00:00Z",
  "repository": null, "workflow": null, "branch": null, "event": null})";

TEST(JobReportJsonTest, JobRowsCarryEveryFieldOfTheIssueWorkedOutByHand) {
  testing::JobExample e = testing::job_example();
  Scope scope = testing::job_example_scope();
  json expected = json::parse(std::string(R"({"schema_version": 1, "legs_of": null, "scope": )") +
                              kScope + R"j(, "jobs": [
    {"repository": "octo/app", "workflow_id": 10, "workflow": "CI", "job": "build",
     "executions": 1, "success": 1, "failed": 0, "neutral": 0, "success_rate": 100.0,
     "success_rate_class": "high",
     "duration": {"count": 1, "mean_seconds": 100.0, "p50_seconds": 100, "p95_seconds": 100},
     "queue": {"count": 1, "mean_seconds": 20.0, "p50_seconds": 20, "p95_seconds": 20},
     "approval_waits": 0, "flaky_jobs": 0, "legs": []},
    {"repository": "octo/app", "workflow_id": 10, "workflow": "CI", "job": "test",
     "executions": 3, "success": 2, "failed": 1, "neutral": 0, "success_rate": 66.67,
     "success_rate_class": "low",
     "duration": {"count": 3, "mean_seconds": 83.33, "p50_seconds": 70, "p95_seconds": 130},
     "queue": {"count": 3, "mean_seconds": 16.67, "p50_seconds": 10, "p95_seconds": 40},
     "approval_waits": 0, "flaky_jobs": 1, "legs": ["test (a)", "test (b)"]}]})j");
  EXPECT_EQ(jobs_json(scope, compute_job_metrics(e.runs, *e.jobs, scope)), expected);
}

TEST(JobReportJsonTest, LegsNameTheirGroup) {
  testing::JobExample e = testing::job_example();
  Scope scope = testing::job_example_scope();
  json document =
      jobs_json(scope, compute_job_legs(e.runs, *e.jobs, scope, "octo/app", 10, "test"), "test");
  EXPECT_EQ(document["legs_of"], "test");
  ASSERT_EQ(document["jobs"].size(), 2U);
  // test (a): jobs 2 and 3 (failed, then succeeded: flaky); test (b): job 4.
  EXPECT_EQ(document["jobs"][0]["job"], "test (a)");
  EXPECT_EQ(document["jobs"][0]["executions"], 2);
  EXPECT_EQ(document["jobs"][0]["flaky_jobs"], 1);
  EXPECT_EQ(document["jobs"][0]["queue"]["p95_seconds"], 40);
  EXPECT_EQ(document["jobs"][1]["job"], "test (b)");
  EXPECT_EQ(document["jobs"][1]["duration"]["p50_seconds"], 130);
  EXPECT_EQ(document["jobs"][1]["legs"], json::array());
}

TEST(JobReportJsonTest, RunnerRowsSayBillableMinutesAreAnEstimateAndListQueueDays) {
  testing::JobExample e = testing::job_example();
  Scope scope = testing::job_example_scope();
  json document = runners_json(scope, compute_runner_metrics(e.runs, *e.jobs, scope),
                               compute_daily_queue(e.runs, *e.jobs, scope));
  json expected_rows = json::parse(R"([
    {"labels": ["linux", "self-hosted"], "runner_group": "big", "executions": 1,
     "queue": {"count": 1, "mean_seconds": 0.0, "p50_seconds": 0, "p95_seconds": 0},
     "duration": {"count": 1, "mean_seconds": 130.0, "p50_seconds": 130, "p95_seconds": 130},
     "billable_minutes_estimate": 3},
    {"labels": ["ubuntu-latest"], "runner_group": "GitHub Actions", "executions": 3,
     "queue": {"count": 3, "mean_seconds": 23.33, "p50_seconds": 20, "p95_seconds": 40},
     "duration": {"count": 3, "mean_seconds": 73.33, "p50_seconds": 70, "p95_seconds": 100},
     "billable_minutes_estimate": 5}])");
  json expected_days = json::parse(R"([
    {"date": "2024-03-01", "jobs": 3, "p50_seconds": 20, "p95_seconds": 40},
    {"date": "2024-03-02", "jobs": 1, "p50_seconds": 0, "p95_seconds": 0}])");
  EXPECT_EQ(document["schema_version"], 1);
  EXPECT_EQ(document["scope"], json::parse(kScope));
  EXPECT_EQ(document["runners"], expected_rows);
  EXPECT_EQ(document["queue_days"], expected_days);
  EXPECT_NE(document["billable_note"].get<std::string>().find("estimate"), std::string::npos);
}

// Rates for the example: ubuntu-latest's 5 billable minutes at 0.008 cost 5 × 0.008 = 0.04;
// no rate is configured for [linux, self-hosted] (self-hosted runners are not billed).
RunnerRates example_rates() {
  auto rates = parse_runner_rates("ubuntu-latest=0.008,windows-latest=0.016");
  EXPECT_TRUE(rates);
  return rates ? *rates : RunnerRates{};
}

TEST(JobReportJsonTest, WithRatesEachRunnerRowCarriesItsRateAndEstimatedCost) {
  testing::JobExample e = testing::job_example();
  Scope scope = testing::job_example_scope();
  json document = runners_json(scope, compute_runner_metrics(e.runs, *e.jobs, scope),
                               compute_daily_queue(e.runs, *e.jobs, scope), example_rates());
  json expected_rows = json::parse(R"([
    {"labels": ["linux", "self-hosted"], "runner_group": "big", "executions": 1,
     "queue": {"count": 1, "mean_seconds": 0.0, "p50_seconds": 0, "p95_seconds": 0},
     "duration": {"count": 1, "mean_seconds": 130.0, "p50_seconds": 130, "p95_seconds": 130},
     "billable_minutes_estimate": 3,
     "cost_rate_label": null, "cost_rate_per_minute": null, "estimated_cost": null},
    {"labels": ["ubuntu-latest"], "runner_group": "GitHub Actions", "executions": 3,
     "queue": {"count": 3, "mean_seconds": 23.33, "p50_seconds": 20, "p95_seconds": 40},
     "duration": {"count": 3, "mean_seconds": 73.33, "p50_seconds": 70, "p95_seconds": 100},
     "billable_minutes_estimate": 5,
     "cost_rate_label": "ubuntu-latest", "cost_rate_per_minute": 0.008, "estimated_cost": 0.04}])");
  EXPECT_EQ(document["runners"], expected_rows);
  EXPECT_EQ(document["runner_rates"],
            json::parse(R"([{"label": "ubuntu-latest", "per_minute": 0.008},
    {"label": "windows-latest", "per_minute": 0.016}])"));
  EXPECT_NE(document["cost_note"].get<std::string>().find("is an estimate"), std::string::npos);
  // The numbers as a client reads them: exact decimals.
  EXPECT_NE(document.dump().find("\"estimated_cost\":0.04,"), std::string::npos);
}

TEST(JobReportJsonTest, WithoutRatesTheRunnerDocumentHasNoCostFields) {
  testing::JobExample e = testing::job_example();
  Scope scope = testing::job_example_scope();
  json document = runners_json(scope, compute_runner_metrics(e.runs, *e.jobs, scope),
                               compute_daily_queue(e.runs, *e.jobs, scope), RunnerRates{});
  EXPECT_FALSE(document.contains("cost_note"));
  EXPECT_FALSE(document.contains("runner_rates"));
  for (const json& row : document["runners"]) {
    EXPECT_FALSE(row.contains("estimated_cost"));
    EXPECT_FALSE(row.contains("cost_rate_label"));
  }
}

TEST(JobReportTextTest, JobsCsvFlattensTheRowsAndQuotesLegNamesWithCommas) {
  testing::JobExample e = testing::job_example();
  Scope scope = testing::job_example_scope();
  EXPECT_EQ(jobs_csv(compute_job_metrics(e.runs, *e.jobs, scope)),
            "repository,workflow_id,workflow,job,executions,success,failed,neutral,success_rate,"
            "duration_count,duration_mean_seconds,duration_p50_seconds,duration_p95_seconds,"
            "queue_count,queue_mean_seconds,queue_p50_seconds,queue_p95_seconds,approval_waits,"
            "flaky_jobs,legs\r\n"
            "octo/app,10,CI,build,1,1,0,0,100.00,1,100.00,100,100,1,20.00,20,20,0,0,\r\n"
            "octo/app,10,CI,test,3,2,1,0,66.67,3,83.33,70,130,3,16.67,10,40,0,1,"
            "test (a); test (b)\r\n");
}

TEST(JobReportTextTest, RunnersCsvHoldsTheLabelSetInOneQuotedCell) {
  testing::JobExample e = testing::job_example();
  Scope scope = testing::job_example_scope();
  EXPECT_EQ(runners_csv(compute_runner_metrics(e.runs, *e.jobs, scope)),
            "labels,runner_group,executions,queue_count,queue_mean_seconds,queue_p50_seconds,"
            "queue_p95_seconds,duration_count,duration_mean_seconds,duration_p50_seconds,"
            "duration_p95_seconds,billable_minutes_estimate\r\n"
            "\"linux, self-hosted\",big,1,1,0.00,0,0,1,130.00,130,130,3\r\n"
            "ubuntu-latest,GitHub Actions,3,3,23.33,20,40,3,73.33,70,100,5\r\n");
}

TEST(JobReportTextTest, WithRatesRunnersCsvEndsWithTheRateAndEstimatedCost) {
  testing::JobExample e = testing::job_example();
  Scope scope = testing::job_example_scope();
  EXPECT_EQ(runners_csv(compute_runner_metrics(e.runs, *e.jobs, scope), example_rates()),
            "labels,runner_group,executions,queue_count,queue_mean_seconds,queue_p50_seconds,"
            "queue_p95_seconds,duration_count,duration_mean_seconds,duration_p50_seconds,"
            "duration_p95_seconds,billable_minutes_estimate,cost_rate_label,"
            "cost_rate_per_minute,estimated_cost\r\n"
            "\"linux, self-hosted\",big,1,1,0.00,0,0,1,130.00,130,130,3,,,\r\n"
            "ubuntu-latest,GitHub Actions,3,3,23.33,20,40,3,73.33,70,100,5,ubuntu-latest,0.008,"
            "0.04\r\n");
}

TEST(JobReportTextTest, ARateLabelThatLooksLikeAFormulaIsDefusedInCsv) {
  auto rates = parse_runner_rates("@gpu=0.5");
  ASSERT_TRUE(rates) << rates.error().message;
  RunnerRow row;
  row.labels = {"@gpu"};
  row.billable_minutes = 3;
  // 3 × 0.5 = 1.5.
  std::string csv = runners_csv({row}, *rates);
  EXPECT_NE(csv.find(",3,'@gpu,0.5,1.5\r\n"), std::string::npos) << csv;
}

TEST(JobReportTextTest, CsvCellsThatLookLikeFormulasAreDefused) {
  JobRow row;
  row.repository = "octo/app";
  row.workflow = "=HYPERLINK(\"x\")";
  row.job = "@job";
  std::string csv = jobs_csv({row});
  EXPECT_NE(csv.find(",\"'=HYPERLINK(\"\"x\"\")\",'@job,"), std::string::npos) << csv;
}

TEST(JobReportTextTest, JobsTableAlignsColumnsAndCountsLegs) {
  testing::JobExample e = testing::job_example();
  Scope scope = testing::job_example_scope();
  EXPECT_EQ(jobs_table(scope, compute_job_metrics(e.runs, *e.jobs, scope)),
            "CIPette jobs, 2024-03-01T00:00:00Z to 2024-03-03T00:00:00Z (4 job executions)\n"
            "\n"
            "REPOSITORY  WORKFLOW  JOB    RUNS  OK  FAILED  SUCCESS  DURATION P50     P95  "
            "QUEUE P50  P95  FLAKY  LEGS\n"
            "octo/app    CI        build     1   1       0  100.00%        1m 40s  1m 40s  "
            "      20s  20s      0     -\n"
            "octo/app    CI        test      3   2       1   66.67%        1m 10s  2m 10s  "
            "      10s  40s      1     2\n");
}

TEST(JobReportTextTest, RunnersTableNamesTheEstimateAndShowsMissingGroups) {
  RunnerRow row;
  row.labels = {"ubuntu-latest"};
  row.executions = 2;
  row.billable_minutes = 7;
  std::string table = runners_table(testing::job_example_scope(), {row});
  EXPECT_NE(table.find("\nubuntu-latest  -                2"), std::string::npos) << table;
  EXPECT_NE(table.find("Billable minutes are an estimate"), std::string::npos) << table;
}

TEST(JobReportTextTest, WithRatesRunnersTableShowsTheRateUsedAndTheEstimatedCost) {
  RunnerRow ubuntu;
  ubuntu.labels = {"ubuntu-latest"};
  ubuntu.runner_group = "GitHub Actions";
  ubuntu.executions = 12;
  ubuntu.billable_minutes = 37;
  RunnerRow self_hosted;
  self_hosted.labels = {"linux", "self-hosted"};
  self_hosted.runner_group = "big";
  self_hosted.executions = 4;
  self_hosted.billable_minutes = 90;
  auto rates = parse_runner_rates("ubuntu-latest=0.008");
  ASSERT_TRUE(rates) << rates.error().message;
  std::string table = runners_table(testing::job_example_scope(), {self_hosted, ubuntu}, *rates);
  // 37 × 0.008 = 0.296; no rate for the self-hosted runner. Columns: the two names
  // left-aligned, the rest right-aligned to their widest cell, two spaces apart.
  EXPECT_NE(table.find("\n"
                       "LABELS              RUNNER GROUP    JOBS  QUEUE P50  P95  DURATION P50  "
                       "P95  BILLABLE MIN (EST.)               RATE/MIN  COST (EST.)\n"
                       "linux, self-hosted  big                4          -    -             -  "
                       "  -                   90                      -            -\n"
                       "ubuntu-latest       GitHub Actions    12          -    -             -  "
                       "  -                   37  0.008 (ubuntu-latest)        0.296\n"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("The cost is an estimate too"), std::string::npos) << table;
}

TEST(JobReportTextTest, WithoutRatesRunnersTableHasNoCostColumn) {
  RunnerRow row;
  row.labels = {"ubuntu-latest"};
  row.billable_minutes = 37;
  std::string table = runners_table(testing::job_example_scope(), {row}, RunnerRates{});
  EXPECT_EQ(table, runners_table(testing::job_example_scope(), {row}));
  EXPECT_EQ(table.find("COST"), std::string::npos) << table;
  EXPECT_EQ(table.find("The cost is an estimate"), std::string::npos) << table;
}

TEST(JobReportTextTest, EmptyTablesSayThatNoJobCompletedInScope) {
  Scope scope = testing::job_example_scope();
  EXPECT_NE(jobs_table(scope, {}).find("No completed jobs in this scope."), std::string::npos);
  EXPECT_NE(runners_table(scope, {}).find("No completed jobs in this scope."), std::string::npos);
  EXPECT_EQ(jobs_csv({}).find("\r\n") + 2, jobs_csv({}).size());  // the header alone
}

TEST(JobReportTextTest, RunnerCountsHaveThousandsSeparators) {
  RunnerRow row;
  row.labels = {"ubuntu-latest"};
  row.executions = 12345;
  row.billable_minutes = 1234567;
  Scope scope;
  scope.period = Period::all();
  std::string table = runners_table(scope, {row}, RunnerRates{});
  EXPECT_NE(table.find("(12,345 job executions)"), std::string::npos) << table;
  EXPECT_NE(table.find(" 12,345 "), std::string::npos) << table;
  EXPECT_NE(table.find(" 1,234,567\n"), std::string::npos) << table;
}

}  // namespace
}  // namespace cipette::views

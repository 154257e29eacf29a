#include "cipette/web/api_documents.h"

#include <gtest/gtest.h>

#include "cipette/core/time.h"
#include "cipette/views/report_text.h"
#include "support/run_fixtures.h"
#include "unit/web/attempt_fixtures.h"

namespace cipette::web {
namespace {

const Timestamp kDay0 = days_from_civil(2024, 3, 1) * kSecondsPerDay;

// A run by octocat on main: in octo/app, repository 1 and workflow 10; elsewhere 2 and 20.
RunRecord run(std::int64_t id, const std::string& repository, const std::string& workflow,
              const std::string& conclusion, Timestamp created, Timestamp duration) {
  RunRecord r = testing::listed_ci_run(id, conclusion, created, duration);
  if (repository != r.repository) r = testing::in_repository(std::move(r), repository, 2, 20);
  r.workflow_name = workflow;
  r.actor = "octocat";
  return r;
}

RunTable table() {
  return testing::table_of({run(1, "octo/app", "CI", "success", kDay0, 90),
                            run(2, "octo/app", "CI", "failure", kDay0 + 3600, 30),
                            run(3, "octo/lib", "=HYPERLINK(\"x\")", "success", kDay0 + 7200, 60)},
                           3);
}

Scope all_time() { return testing::scope_at(Period::all(), kDay0 + 10 * kSecondsPerDay); }

TEST(ApiDocumentsTest, RunsDocumentDescribesEachRun) {
  RunTable t = table();
  RunPage page = select_runs(t, all_time(), ListOptions{{}, 1, 2, false});
  nlohmann::json doc = runs_json(t, all_time(), page);
  EXPECT_EQ(doc["total"], 3);
  EXPECT_EQ(doc["pages"], 2);  // ceil(3 / 2)
  ASSERT_EQ(doc["runs"].size(), 2u);
  const auto& newest = doc["runs"][0];
  EXPECT_EQ(newest["id"], 3);
  EXPECT_EQ(newest["repository"], "octo/lib");
  EXPECT_EQ(newest["outcome"], "success");
  EXPECT_EQ(newest["duration_seconds"], 60);
  EXPECT_EQ(newest["created_at"], "2024-03-01T02:00:00Z");
  EXPECT_EQ(newest["html_url"], "https://github.com/octo/lib/actions/runs/3");
}

// Run 1 never re-run; run 2 failed (2 min), then its attempt 2 is unknown to GitHub, then
// attempt 3 succeeded; run 3's attempt 1 was still running when read, attempt 2 failed.
RunTable attempts_table() {
  using fixtures::completed_attempt;
  Timestamp two = kDay0 + 3600;
  Timestamp three = kDay0 + 7200;
  AttemptRecord running;
  running.run_id = 3;
  running.attempt = 1;
  running.status = "in_progress";
  running.run_started_at = three;
  running.updated_at = three + 100;
  return testing::table_of(
      {run(1, "octo/app", "CI", "success", kDay0, 90),
       fixtures::rerun(
           run(2, "octo/app", "CI", "success", two, 0), 3, two + 1000, 60,
           {completed_attempt(2, 1, "failure", two, 120), fixtures::unknown_attempt(2, 2)}),
       fixtures::rerun(run(3, "octo/app", "CI", "failure", three, 0), 2, three + 1000, 30,
                       {running})},
      3);
}

TEST(ApiDocumentsTest, RunsDocumentCarriesEachRunsAttemptsAndFlakiness) {
  RunTable t = attempts_table();
  ListOptions options;
  options.attempts = true;
  nlohmann::json doc = runs_json(t, all_time(), select_runs(t, all_time(), options));
  ASSERT_EQ(doc["runs"].size(), 3u);
  const auto& three = doc["runs"][0];
  const auto& two = doc["runs"][1];
  const auto& one = doc["runs"][2];
  EXPECT_EQ(two["run_attempt"], 3);
  EXPECT_EQ(two["flaky"], true);  // a failure, then a success of the same run
  EXPECT_EQ(two["first_attempt_outcome"], "failed");
  EXPECT_EQ(two["rerun_seconds_lost"], 120);
  EXPECT_EQ(two["attempts"], nlohmann::json::parse(R"([
      {"attempt": 1, "status": "completed", "outcome": "failed",
       "started_at": "2024-03-01T01:00:00Z", "updated_at": "2024-03-01T01:02:00Z"},
      {"attempt": 2, "status": "unknown", "outcome": null, "started_at": null,
       "updated_at": null}])"));
  // An unfinished first attempt: no first outcome, nothing lost, not flaky.
  EXPECT_EQ(three["flaky"], false);
  EXPECT_TRUE(three["first_attempt_outcome"].is_null());
  EXPECT_EQ(three["rerun_seconds_lost"], 0);
  EXPECT_EQ(three["attempts"], nlohmann::json::parse(R"([
      {"attempt": 1, "status": "unfinished", "outcome": null,
       "started_at": "2024-03-01T02:00:00Z", "updated_at": "2024-03-01T02:01:40Z"}])"));
  // Never re-run: the run is its own first attempt.
  EXPECT_EQ(one["run_attempt"], 1);
  EXPECT_EQ(one["first_attempt_outcome"], "success");
  EXPECT_EQ(one["attempts"], nlohmann::json::array());
}

TEST(ApiDocumentsTest, RunsDocumentListsNoAttemptsUnlessAskedFor) {
  RunTable t = attempts_table();
  nlohmann::json doc = runs_json(t, all_time(), select_runs(t, all_time(), ListOptions{}));
  EXPECT_EQ(doc["runs"][1]["run_attempt"], 3);
  EXPECT_EQ(doc["runs"][1]["attempts"], nlohmann::json::array());
}

TEST(ApiDocumentsTest, RepositoriesListWorkflowsAndRunCounts) {
  nlohmann::json doc = repositories_json(table());
  ASSERT_EQ(doc["repositories"].size(), 2u);
  EXPECT_EQ(doc["repositories"][0]["name"], "octo/app");
  EXPECT_EQ(doc["repositories"][0]["runs"], 2);
  EXPECT_EQ(doc["repositories"][0]["html_url"], "https://github.com/octo/app");
  EXPECT_EQ(doc["repositories"][0]["workflows"][0]["id"], 10);
  EXPECT_EQ(doc["repositories"][1]["runs"], 1);
}

TEST(ApiDocumentsTest, CsvQuotesCellsAndDefusesFormulas) {
  MetricsReport report = compute_metrics(table(), all_time());
  std::string csv = views::metrics_csv(report);
  EXPECT_EQ(csv.substr(0, csv.find("\r\n")).substr(0, 32), "repository,workflow_id,workflow,");
  // octo/app CI: 2 runs, 1 success, 1 failed: rate 50.00; mean duration (90 + 30) / 2 = 60.
  EXPECT_NE(csv.find("octo/app,10,CI,.github/workflows/ci.yml,2,1,1,0,50.00,60.00,"),
            std::string::npos);
  // A name starting with '=' gets a leading quote, and its quotes are doubled.
  EXPECT_NE(csv.find("\"'=HYPERLINK(\"\"x\"\")\""), std::string::npos);
}

TEST(ApiDocumentsTest, CsvDefusesCellsStartingWithTabOrCarriageReturn) {
  RunTable t = testing::table_of({run(1, "octo/app", "\t=1+2", "success", kDay0, 90),
                                  run(2, "octo/lib", "\r=3+4", "success", kDay0 + 60, 30)},
                                 2);
  std::string csv = views::metrics_csv(compute_metrics(t, all_time()));
  EXPECT_NE(csv.find(",'\t=1+2,"), std::string::npos) << csv;
  EXPECT_NE(csv.find(",\"'\r=3+4\","), std::string::npos) << csv;  // quoted: it holds a CR
}

TEST(ApiDocumentsTest, ProblemDocumentNamesTheParameterInItsMessageToo) {
  nlohmann::json doc = problem_json(ParamProblem{"days", "expected a number; got \"x\""});
  EXPECT_EQ(doc["error"]["parameter"], "days");
  EXPECT_EQ(doc["error"]["message"], "days: expected a number; got \"x\"");
}

TEST(ApiDocumentsTest, DumpReplacesInvalidUtf8InsteadOfThrowing) {
  std::string dumped = dump_json(nlohmann::json{{"name", std::string("bad\xFF")}});
  EXPECT_EQ(dumped, "{\"name\":\"bad\xEF\xBF\xBD\"}");
}

}  // namespace
}  // namespace cipette::web

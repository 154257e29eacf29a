#include "cipette/web/api_documents.h"

#include <gtest/gtest.h>

#include "cipette/core/time.h"
#include "cipette/views/report_text.h"

namespace cipette::web {
namespace {

const Timestamp kDay0 = days_from_civil(2024, 3, 1) * kSecondsPerDay;

RunRecord run(std::int64_t id, const std::string& repository, const std::string& workflow,
              const std::string& conclusion, Timestamp created, Timestamp duration) {
  RunRecord r;
  r.id = id;
  r.repository_id = repository == "octo/app" ? 1 : 2;
  r.repository = repository;
  r.workflow_id = repository == "octo/app" ? 10 : 20;
  r.workflow_name = workflow;
  r.path = ".github/workflows/ci.yml";
  r.run_number = id;
  r.event = "push";
  r.status = "completed";
  r.conclusion = conclusion;
  r.head_branch = "main";
  r.actor = "octocat";
  r.created_at = created;
  r.updated_at = created + duration;
  r.html_url = "https://github.com/" + repository + "/actions/runs/" + std::to_string(id);
  return r;
}

RunTable table() {
  RunTableBuilder builder;
  builder.add(run(1, "octo/app", "CI", "success", kDay0, 90));
  builder.add(run(2, "octo/app", "CI", "failure", kDay0 + 3600, 30));
  builder.add(run(3, "octo/lib", "=HYPERLINK(\"x\")", "success", kDay0 + 7200, 60));
  return builder.build(3);
}

Scope all_time() {
  Scope scope;
  scope.period = Period::all();
  scope.now = kDay0 + 10 * kSecondsPerDay;
  return scope;
}

TEST(ApiDocumentsTest, RunsDocumentDescribesEachRun) {
  RunTable t = table();
  RunPage page = list_runs(t, all_time(), ListOptions{{}, 1, 2, false});
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

TEST(ApiDocumentsTest, ProblemDocumentNamesTheParameter) {
  nlohmann::json doc = problem_json(ParamProblem{"days", "expected a number"});
  EXPECT_EQ(doc["error"]["parameter"], "days");
  EXPECT_EQ(doc["error"]["message"], "expected a number");
}

TEST(ApiDocumentsTest, DumpReplacesInvalidUtf8InsteadOfThrowing) {
  std::string dumped = dump_json(nlohmann::json{{"name", std::string("bad\xFF")}});
  EXPECT_EQ(dumped, "{\"name\":\"bad\xEF\xBF\xBD\"}");
}

}  // namespace
}  // namespace cipette::web

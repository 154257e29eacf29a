#include "cipette/github/endpoints.h"

#include <gtest/gtest.h>

#include "support/test_support.h"

namespace cipette::github {
namespace {

std::string example_page() {
  return cipette::testing::read_file(cipette::testing::github_example("list-workflow-runs.json"));
}

TEST(EndpointsTest, ListRunsPathEncodesTheCreatedFilter) {
  EXPECT_EQ(list_runs_path("octo/repo", ">=2024-03-01T00:00:00Z", 100),
            "/repos/octo/repo/actions/runs?per_page=100&exclude_pull_requests=true"
            "&created=%3E%3D2024-03-01T00%3A00%3A00Z");
}

TEST(EndpointsTest, RunAndOrganisationPaths) {
  EXPECT_EQ(run_path("octo/repo", 5000000001),
            "/repos/octo/repo/actions/runs/5000000001?exclude_pull_requests=true");
  EXPECT_EQ(organisation_repositories_path("acme", 100), "/orgs/acme/repos?per_page=100&type=all");
}

TEST(EndpointsTest, RunJobsPathAsksForEveryAttempt) {
  EXPECT_EQ(run_jobs_path("octo/repo", 5000000001, 100),
            "/repos/octo/repo/actions/runs/5000000001/jobs?filter=all&per_page=100");
}

TEST(EndpointsTest, ParsesGitHubsExampleJobsPage) {
  auto page = parse_jobs_page(cipette::testing::read_file(cipette::testing::github_example(
                                  "list-jobs-for-workflow-run.json")),
                              "example");
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->total_count, 1);
  ASSERT_EQ(page->jobs.size(), 1u);
  EXPECT_EQ(page->jobs[0].id, 399444496);
  EXPECT_EQ(page->jobs[0].run_id, 29679449);
  EXPECT_EQ(page->jobs[0].steps.size(), 10u);
}

TEST(EndpointsTest, AJobsPageMustBeAPageOfJobs) {
  // A single job (GET .../jobs/{id}) or a bare array is no page: no total_count.
  auto single = parse_jobs_page(
      cipette::testing::read_file(cipette::testing::github_example("job.json")), "job.json");
  ASSERT_FALSE(single.has_value());
  EXPECT_EQ(
      single.error().message,
      R"(job.json: expected a list-jobs-for-workflow-run page {"total_count": N, "jobs": [...]})");
  EXPECT_FALSE(parse_jobs_page("[]", "a").has_value());
  auto cut = parse_jobs_page(R"({"total_count": 2, "jobs": [{"id": 1,)", "cut");
  ASSERT_FALSE(cut.has_value());
  EXPECT_EQ(cut.error().message.rfind("cut: ", 0), 0u) << cut.error().message;
  auto empty = parse_jobs_page(R"({"total_count": 0, "jobs": []})", "e");
  ASSERT_TRUE(empty.has_value());
  EXPECT_TRUE(empty->jobs.empty());
}

TEST(EndpointsTest, OrganisationNames) {
  EXPECT_TRUE(is_valid_organisation_name("octo-org"));
  EXPECT_TRUE(is_valid_organisation_name("a.b_c"));
  EXPECT_FALSE(is_valid_organisation_name(""));
  EXPECT_FALSE(is_valid_organisation_name("a/b"));
  EXPECT_FALSE(is_valid_organisation_name("a b"));
  EXPECT_FALSE(is_valid_organisation_name("x?y=1"));
  EXPECT_FALSE(is_valid_organisation_name(".."));
}

TEST(EndpointsTest, RepositoryNamesSafeInAPath) {
  EXPECT_TRUE(is_api_repository_name("octo/repo.js"));
  EXPECT_TRUE(is_api_repository_name("octo/.github"));
  EXPECT_FALSE(is_api_repository_name("../etc"));
  EXPECT_FALSE(is_api_repository_name("octo/.."));
  EXPECT_FALSE(is_api_repository_name("octo/."));
  EXPECT_FALSE(is_api_repository_name("octo"));
}

TEST(EndpointsTest, ParsesGitHubsExamplePage) {
  auto page = parse_runs_page(example_page(), "example");
  ASSERT_TRUE(page.has_value()) << page.error().message;
  EXPECT_EQ(page->total_count, 1);
  ASSERT_EQ(page->runs.size(), 1u);
  EXPECT_EQ(page->runs[0].id, 30433642);
}

TEST(EndpointsTest, TotalCountMayComeAnywhereInThePage) {
  // Not GitHub's order, but valid JSON: found by a full parse instead.
  std::string page = R"({"workflow_runs": [], "total_count": 4321})";
  auto parsed = parse_runs_page(page, "p");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->total_count, 4321);
  EXPECT_TRUE(parsed->runs.empty());
}

TEST(EndpointsTest, TotalCountAfterAByteOrderMarkAndSpace) {
  auto parsed =
      parse_runs_page("\xEF\xBB\xBF { \"total_count\" : 0 , \"workflow_runs\": [] }", "p");
  ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
  EXPECT_EQ(parsed->total_count, 0);
}

TEST(EndpointsTest, APageWithoutTotalCountIsRejected) {
  for (std::string body :
       {R"([])", R"({"workflow_runs": []})", R"({"total_count": "7", "workflow_runs": []})"}) {
    auto parsed = parse_runs_page(body, "https://h/x");
    ASSERT_FALSE(parsed.has_value()) << body;
    EXPECT_NE(parsed.error().message.find("https://h/x: expected a list-workflow-runs page"),
              std::string::npos)
        << parsed.error().message;
  }
}

TEST(EndpointsTest, InvalidJsonIsRejectedWithItsPosition) {
  std::string page = example_page();
  auto parsed = parse_runs_page(page.substr(0, page.size() / 2), "https://h/x?page=2");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().message.find("https://h/x?page=2: line "), std::string::npos)
      << parsed.error().message;
}

TEST(EndpointsTest, ARunOfTheWrongShapeRejectsThePage) {
  auto parsed = parse_runs_page(R"({"total_count": 1, "workflow_runs": [{"id": "x"}]})", "p");
  ASSERT_FALSE(parsed.has_value());
  EXPECT_NE(parsed.error().message.find("run #1"), std::string::npos) << parsed.error().message;
}

TEST(EndpointsTest, RepositoryNamesOfAnOrganisationPage) {
  auto names = parse_repository_names(
      R"([{"id": 1, "full_name": "acme/api"}, {"id": 2, "full_name": "acme/web"}])", "p");
  ASSERT_TRUE(names.has_value()) << names.error().message;
  EXPECT_EQ(*names, (std::vector<std::string>{"acme/api", "acme/web"}));
  EXPECT_TRUE(parse_repository_names("[]", "p")->empty());
}

TEST(EndpointsTest, RepositoryNamesRejectOtherShapes) {
  EXPECT_FALSE(parse_repository_names("{", "p").has_value());
  EXPECT_FALSE(parse_repository_names(R"({"message": "Not Found"})", "p").has_value());
  auto bad = parse_repository_names(R"([{"full_name": "acme/api"}, {"name": "web"}])", "p");
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().message, "p: repository #2: expected a \"full_name\" owner/name");
  EXPECT_FALSE(parse_repository_names(R"([{"full_name": "../etc"}])", "p").has_value());
}

}  // namespace
}  // namespace cipette::github

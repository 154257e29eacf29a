// GET .../runs/{id}/jobs: the shape of GitHub's list-jobs-for-workflow-run page, the jobs of
// each attempt under filter=all and filter=latest, pagination of a matrix build, ETags, 404 for
// a deleted run, and the faults of the runs endpoint on the jobs route. Expected values are
// worked out by hand from the formula documented in job_generator.h.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fake_github/fake_github.h"
#include "fake_github/fake_test_helpers.h"

namespace cipette::fake_github {
namespace {

using testing::body_json;
using testing::client_for;
using testing::failed_run;
using testing::get;
using testing::local_target;
using testing::parse_link;
using testing::start_or_fail;

constexpr Timestamp kT = 1709251200;          // 2024-03-01T00:00:00Z
constexpr std::int64_t kMatrix = 7000000007;  // id % 20 == 7: 130 jobs an attempt
constexpr std::int64_t kSmall = 7000000001;   // 1 + id % 4 = 2 jobs an attempt

std::string jobs_path(std::int64_t id, const std::string& query) {
  return "/repos/acme/app/actions/runs/" + std::to_string(id) + "/jobs?" + query;
}

// A fault firing once for the next request of a jobs listing.
Fault jobs_fault(FaultKind kind, int status = 0) {
  Fault fault;
  fault.kind = kind;
  fault.status = status;
  fault.path_contains = "/jobs";
  return fault;
}

class FakeGitHubJobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake.add_repository("acme/app");
    fake.add_run(failed_run(kMatrix));
    fake.add_run(failed_run(kSmall));
    start_or_fail(fake);
    client = client_for(fake);
  }

  FakeGitHub fake;
  std::unique_ptr<httplib::Client> client;
};

TEST_F(FakeGitHubJobsTest, AJobHasGitHubsShapeAndTheDocumentedValues) {
  auto result = get(*client, jobs_path(kSmall, "filter=all&per_page=100"));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  EXPECT_FALSE(result->has_header("Link"));  // two jobs fit on one page
  const auto body = body_json(result);
  EXPECT_EQ(body["total_count"], 2);
  ASSERT_EQ(body["jobs"].size(), 2u);
  const auto& job = body["jobs"][0];
  // id = run id * 100000 + attempt * 1000 + k; 700000000101000 % 240 = 120: runs 180 s.
  EXPECT_EQ(job["id"], 700000000101000);
  EXPECT_EQ(job["run_id"], kSmall);
  EXPECT_EQ(job["run_attempt"], 1);
  EXPECT_EQ(job["name"], "build");
  EXPECT_EQ(job["status"], "completed");
  EXPECT_EQ(job["conclusion"], "success");
  EXPECT_EQ(job["created_at"], "2024-03-01T00:00:05Z");  // the attempt's start + 0
  EXPECT_EQ(job["started_at"], "2024-03-01T00:00:06Z");  // + 0 * 10 + 7000000001 % 5
  EXPECT_EQ(job["completed_at"], "2024-03-01T00:03:06Z");
  EXPECT_EQ(job["labels"], nlohmann::json::array({"ubuntu-latest"}));
  EXPECT_EQ(job["runner_name"], "runner-0");
  EXPECT_EQ(job["runner_group_name"], "GitHub Actions");
  EXPECT_EQ(job["workflow_name"], "CI");
  EXPECT_EQ(job["head_sha"], std::string(40, 'c'));
  for (const char* member : {"run_url", "node_id", "url", "html_url", "check_run_url", "runner_id",
                             "runner_group_id", "head_branch"}) {
    EXPECT_TRUE(job.contains(member)) << member;
  }
  // Three steps (3 + 0 % 3), numbered 1, 2 and 13, each a third of the 180 s.
  ASSERT_EQ(job["steps"].size(), 3u);
  EXPECT_EQ(job["steps"][0]["number"], 1);
  EXPECT_EQ(job["steps"][0]["name"], "Set up job");
  EXPECT_EQ(job["steps"][0]["started_at"], "2024-03-01T00:00:06Z");
  EXPECT_EQ(job["steps"][0]["completed_at"], "2024-03-01T00:01:06Z");
  EXPECT_EQ(job["steps"][2]["number"], 13);
  EXPECT_EQ(job["steps"][2]["name"], "Complete job");
  EXPECT_EQ(job["steps"][2]["completed_at"], "2024-03-01T00:03:06Z");
  // The last job carries the attempt's conclusion, on its last step too; job 1 runs on the
  // self-hosted labels, with four steps.
  const auto& last = body["jobs"][1];
  EXPECT_EQ(last["id"], 700000000101001);
  EXPECT_EQ(last["name"], "test");
  EXPECT_EQ(last["conclusion"], "failure");
  EXPECT_EQ(last["labels"], nlohmann::json::array({"self-hosted", "linux", "x64"}));
  EXPECT_EQ(last["runner_group_name"], "self-hosted pool");
  ASSERT_EQ(last["steps"].size(), 4u);
  EXPECT_EQ(last["steps"][3]["number"], 14);
  EXPECT_EQ(last["steps"][3]["conclusion"], "failure");
}

TEST_F(FakeGitHubJobsTest, FilterAllListsEveryAttemptAndLatestOnlyTheLast) {
  fake.rerun(kSmall, "success", kT + 3600);
  auto all = get(*client, jobs_path(kSmall, "filter=all&per_page=100"));
  ASSERT_TRUE(all);
  const auto every = body_json(all);
  EXPECT_EQ(every["total_count"], 4);
  std::vector<std::int64_t> ids;
  for (const auto& job : every["jobs"]) ids.push_back(job["id"]);
  EXPECT_EQ(ids, (std::vector<std::int64_t>{700000000101000, 700000000101001, 700000000102000,
                                            700000000102001}));
  EXPECT_EQ(every["jobs"][2]["run_attempt"], 2);
  EXPECT_EQ(every["jobs"][2]["created_at"], "2024-03-01T01:00:00Z");  // the re-run's start
  EXPECT_EQ(every["jobs"][3]["conclusion"], "success");               // attempt 2 succeeded
  EXPECT_EQ(every["jobs"][1]["conclusion"], "failure");               // attempt 1 did not
  // latest is the default filter.
  for (const std::string query : {"filter=latest&per_page=100", "per_page=100"}) {
    auto latest = get(*client, jobs_path(kSmall, query));
    ASSERT_TRUE(latest);
    const auto body = body_json(latest);
    EXPECT_EQ(body["total_count"], 2) << query;
    ASSERT_EQ(body["jobs"].size(), 2u);
    EXPECT_EQ(body["jobs"][0]["id"], 700000000102000);
  }
  EXPECT_EQ(fake.jobs(kSmall, true).size(), 4u);
  EXPECT_EQ(fake.jobs(kSmall, false).size(), 2u);
}

TEST_F(FakeGitHubJobsTest, AMatrixBuildTakesSeveralPagesLinkedAsGitHubDoes) {
  fake.rerun(kMatrix, "success", kT + 3600);
  // 2 attempts of 130 jobs: 260, on pages of 100, 100 and 60.
  std::string target = jobs_path(kMatrix, "filter=all&per_page=100");
  std::vector<std::size_t> sizes;
  std::vector<std::int64_t> ids;
  for (int page = 0; page < 5 && !target.empty(); ++page) {
    auto result = get(*client, target);
    ASSERT_TRUE(result);
    const auto body = body_json(result);
    EXPECT_EQ(body["total_count"], 260);
    sizes.push_back(body["jobs"].size());
    for (const auto& job : body["jobs"]) ids.push_back(job["id"]);
    const auto links = parse_link(result->get_header_value("Link"));
    EXPECT_EQ(links.count("last"), page < 2 ? 1u : 0u);  // the last page links back only
    EXPECT_EQ(links.count("prev"), page > 0 ? 1u : 0u);
    target = links.count("next") != 0 ? local_target(fake, links.at("next")) : "";
  }
  EXPECT_EQ(sizes, (std::vector<std::size_t>{100, 100, 60}));
  ASSERT_EQ(ids.size(), 260u);
  EXPECT_EQ(ids[0], 700000000701000);
  EXPECT_EQ(ids[129], 700000000701129);
  EXPECT_EQ(ids[130], 700000000702000);
  EXPECT_EQ(ids[259], 700000000702129);
  auto first = get(*client, jobs_path(kMatrix, "filter=latest&per_page=100"));
  ASSERT_TRUE(first);
  EXPECT_EQ(body_json(first)["jobs"][0]["name"], "test (shard 1)");
  // The default page size is 30.
  auto default_page = get(*client, jobs_path(kMatrix, "filter=latest"));
  ASSERT_TRUE(default_page);
  EXPECT_EQ(body_json(default_page)["jobs"].size(), 30u);
}

TEST_F(FakeGitHubJobsTest, AnUnchangedPageAnswers304AndANewAttemptChangesIt) {
  const std::string path = jobs_path(kSmall, "filter=all&per_page=100");
  auto first = get(*client, path);
  ASSERT_TRUE(first);
  const std::string etag = first->get_header_value("ETag");
  ASSERT_EQ(etag.rfind("W/\"", 0), 0u) << etag;
  const std::int64_t counted = fake.counted_requests();
  auto again = get(*client, path, {{"If-None-Match", etag}});
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 304);
  EXPECT_EQ(fake.counted_requests(), counted);  // a 304 is free
  fake.rerun(kSmall, "success", kT + 3600);
  auto changed = get(*client, path, {{"If-None-Match", etag}});
  ASSERT_TRUE(changed);
  EXPECT_EQ(changed->status, 200);
}

TEST_F(FakeGitHubJobsTest, ADeletedOrUnknownRunIs404AndABadFilter422) {
  fake.delete_run(kSmall);
  auto deleted = get(*client, jobs_path(kSmall, "filter=all"));
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 404);
  EXPECT_EQ(body_json(deleted)["message"], "Not Found");
  auto run = get(*client, "/repos/acme/app/actions/runs/" + std::to_string(kSmall));
  ASSERT_TRUE(run);
  EXPECT_EQ(run->status, 404);
  auto listing = get(*client, "/repos/acme/app/actions/runs");
  ASSERT_TRUE(listing);
  EXPECT_EQ(body_json(listing)["total_count"], 1);
  EXPECT_THROW(fake.delete_run(kSmall), std::invalid_argument);
  EXPECT_THROW(fake.jobs(kSmall), std::invalid_argument);
  auto unknown = get(*client, jobs_path(9999, "filter=all"));
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  auto other_repository =
      get(*client, "/repos/acme/other/actions/runs/" + std::to_string(kMatrix) + "/jobs");
  ASSERT_TRUE(other_repository);
  EXPECT_EQ(other_repository->status, 404);
  auto bad = get(*client, jobs_path(kMatrix, "filter=everything"));
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 422);
}

TEST_F(FakeGitHubJobsTest, TheRunsEndpointsFaultsFireOnTheJobsRoute) {
  const std::string path = jobs_path(kSmall, "filter=all&per_page=100");
  fake.add_fault(jobs_fault(FaultKind::kHttpError, 502));
  Fault secondary = jobs_fault(FaultKind::kSecondaryRateLimit, 429);
  secondary.retry_after = 7;
  fake.add_fault(secondary);
  fake.add_fault(jobs_fault(FaultKind::kHalfJson));
  Fault total = jobs_fault(FaultKind::kTotalCount);
  total.total_count = 9;
  fake.add_fault(total);
  Fault field = jobs_fault(FaultKind::kRunField);
  field.field = "run_id";
  field.value = "42";
  fake.add_fault(field);
  auto error = get(*client, path);
  ASSERT_TRUE(error);
  EXPECT_EQ(error->status, 502);
  auto limited = get(*client, path);
  ASSERT_TRUE(limited);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->get_header_value("retry-after"), "7");
  auto half = get(*client, path);
  ASSERT_TRUE(half);
  EXPECT_EQ(half->status, 200);
  EXPECT_TRUE(nlohmann::json::parse(half->body, nullptr, false).is_discarded());
  auto counted = get(*client, path);
  ASSERT_TRUE(counted);
  EXPECT_EQ(body_json(counted)["total_count"], 9);
  EXPECT_EQ(body_json(counted)["jobs"].size(), 2u);
  auto foreign = get(*client, path);
  ASSERT_TRUE(foreign);
  EXPECT_EQ(body_json(foreign)["jobs"][0]["run_id"], 42);
  EXPECT_EQ(body_json(foreign)["jobs"][1]["run_id"], kSmall);
  EXPECT_EQ(fake.pending_faults(), 0);
}

TEST_F(FakeGitHubJobsTest, AnExhaustedBudgetIs403OnTheJobsRouteToo) {
  RateLimit budget;
  budget.limit = 10;
  budget.remaining = 1;
  fake.set_rate_limit(budget);
  const std::string path = jobs_path(kSmall, "filter=all&per_page=100");
  auto last = get(*client, path);
  ASSERT_TRUE(last);
  EXPECT_EQ(last->status, 200);
  EXPECT_EQ(last->get_header_value("x-ratelimit-remaining"), "0");
  auto refused = get(*client, path);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 403);
  EXPECT_NE(body_json(refused)["message"].get<std::string>().find("rate limit exceeded"),
            std::string::npos);
  EXPECT_FALSE(refused->get_header_value("x-ratelimit-reset").empty());
}

}  // namespace
}  // namespace cipette::fake_github

// The listing endpoints over real HTTP: pagination, Link headers, filters, the 1,000 cap, single
// runs, organisation repositories and the response shapes.

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "cipette/github/run_json.h"
#include "fake_github/fake_github.h"
#include "fake_github/fake_test_helpers.h"
#include "fake_github/pagination.h"
#include "support/test_support.h"

namespace cipette::fake_github {
namespace {

using testing::body_json;
using testing::client_for;
using testing::get;
using testing::local_target;
using testing::parse_link;
using testing::start_or_fail;

constexpr Timestamp kMarch1 = 1709251200;  // 2024-03-01T00:00:00Z (see created_filter_test.cc)
constexpr Timestamp kEnd = kMarch1 + 30 * kSecondsPerDay;

// A run of acme/app (acme_run) updated a minute after its creation.
RunRecord explicit_run(Timestamp created, std::string status, std::string conclusion) {
  RunRecord run = testing::acme_run(created, std::move(status), std::move(conclusion));
  run.updated_at = created + 60;
  return run;
}

TEST(FakeGitHubListingTest, PagesRunsNewestFirstWithLinkHeaders) {
  FakeGitHub fake;
  fake.add_generated_runs("acme/app", {250, kEnd, 90 * kSecondsPerDay, 0, 1});
  start_or_fail(fake);
  auto client = client_for(fake);
  const auto expected = fake.runs("acme/app");

  auto first = get(*client, "/repos/acme/app/actions/runs?per_page=100");
  ASSERT_EQ(first->status, 200);
  const auto page1 = body_json(first);
  EXPECT_EQ(page1["total_count"], 250);
  ASSERT_EQ(page1["workflow_runs"].size(), 100u);
  for (std::size_t i = 0; i < 100; ++i) {
    EXPECT_EQ(page1["workflow_runs"][i]["id"], expected[i].id) << i;
  }
  auto links = parse_link(first->get_header_value("Link"));
  // 250 runs at 100 a page: pages 1, 2, 3.
  EXPECT_EQ(local_target(fake, links["next"]), "/repos/acme/app/actions/runs?per_page=100&page=2");
  EXPECT_EQ(local_target(fake, links["last"]), "/repos/acme/app/actions/runs?per_page=100&page=3");
  EXPECT_EQ(links.count("prev"), 0u);
  EXPECT_EQ(links.count("first"), 0u);

  auto last = get(*client, local_target(fake, links["last"]));
  EXPECT_EQ(body_json(last)["workflow_runs"].size(), 50u);  // 250 - 2 * 100
  links = parse_link(last->get_header_value("Link"));
  EXPECT_EQ(local_target(fake, links["prev"]), "/repos/acme/app/actions/runs?per_page=100&page=2");
  EXPECT_EQ(local_target(fake, links["first"]), "/repos/acme/app/actions/runs?per_page=100&page=1");
  EXPECT_EQ(links.count("next"), 0u);
}

TEST(FakeGitHubListingTest, FollowingNextVisitsEveryRunOnceNewestFirst) {
  FakeGitHub fake;
  fake.add_generated_runs("acme/app", {250, kEnd, 90 * kSecondsPerDay, 3, 1});
  start_or_fail(fake);
  auto client = client_for(fake);
  std::vector<std::int64_t> ids;
  std::vector<std::string> created;
  std::string target = "/repos/acme/app/actions/runs?per_page=40";
  int pages = 0;
  while (!target.empty()) {
    auto page = get(*client, target);
    ASSERT_EQ(page->status, 200);
    const auto body = body_json(page);
    for (const auto& run : body["workflow_runs"]) {
      ids.push_back(run["id"]);
      created.push_back(run["created_at"]);
    }
    const auto links = parse_link(page->get_header_value("Link"));
    target = links.count("next") ? local_target(fake, links.at("next")) : "";
    ++pages;
  }
  EXPECT_EQ(pages, 7);  // ceil(250 / 40) = 7
  EXPECT_EQ(ids.size(), 250u);
  EXPECT_EQ(std::set<std::int64_t>(ids.begin(), ids.end()).size(), 250u);
  EXPECT_TRUE(std::is_sorted(created.rbegin(), created.rend()));  // ISO strings sort as times
}

TEST(FakeGitHubListingTest, PerPageDefaultsTo30AndIsCappedAt100) {
  FakeGitHub fake;
  fake.add_generated_runs("acme/app", {150, kEnd, 90 * kSecondsPerDay, 0, 1});
  start_or_fail(fake);
  auto client = client_for(fake);
  auto plain = get(*client, "/repos/acme/app/actions/runs");
  EXPECT_EQ(body_json(plain)["workflow_runs"].size(), 30u);
  // 150 / 30 = 5 pages; the links carry the default per_page.
  EXPECT_EQ(local_target(fake, parse_link(plain->get_header_value("Link"))["last"]),
            "/repos/acme/app/actions/runs?per_page=30&page=5");
  auto big = get(*client, "/repos/acme/app/actions/runs?per_page=1000");
  EXPECT_EQ(body_json(big)["workflow_runs"].size(), 100u);
}

TEST(FakeGitHubListingTest, NoLinkHeaderWhenEverythingFitsOnOnePage) {
  FakeGitHub fake;
  fake.add_generated_runs("acme/app", {20, kEnd, 86400, 0, 1});
  start_or_fail(fake);
  auto page = get(*client_for(fake), "/repos/acme/app/actions/runs?per_page=100");
  EXPECT_EQ(body_json(page)["total_count"], 20);
  EXPECT_FALSE(page->has_header("Link"));
}

TEST(FakeGitHubListingTest, CreatedFiltersSelectByCreationTime) {
  FakeGitHub fake;
  fake.add_repository("acme/app");
  fake.add_run(explicit_run(kMarch1 + 36000, "completed", "success"));  // 03-01 10:00:00
  fake.add_run(explicit_run(kMarch1 + 86399, "completed", "success"));  // 03-01 23:59:59
  fake.add_run(explicit_run(kMarch1 + 86400, "completed", "failure"));  // 03-02 00:00:00
  fake.add_run(
      explicit_run(kMarch1 + 2 * kSecondsPerDay + 43200, "in_progress", ""));  // 03-03 12:00
  start_or_fail(fake);
  auto client = client_for(fake);
  auto count = [&](const std::string& created) {
    auto page = get(*client, "/repos/acme/app/actions/runs?created=" + url_encode(created));
    EXPECT_EQ(page->status, 200) << created;
    return body_json(page)["total_count"].get<int>();
  };
  EXPECT_EQ(count("2024-03-01"), 2);
  EXPECT_EQ(count(">=2024-03-02"), 2);
  EXPECT_EQ(count(">2024-03-01"), 2);
  EXPECT_EQ(count("<2024-03-02"), 2);
  EXPECT_EQ(count("<=2024-03-02"), 3);
  EXPECT_EQ(count("2024-03-01T10:00:00Z..2024-03-02T00:00:00Z"), 3);
  EXPECT_EQ(count("2024-03-01T10:00:01Z..*"), 3);
  EXPECT_EQ(count("*..2024-03-01T10:00:00+00:00"), 1);
  EXPECT_EQ(count(">=2024-03-04"), 0);
}

TEST(FakeGitHubListingTest, MalformedCreatedIsAValidationError) {
  FakeGitHub fake;
  fake.add_repository("acme/app");
  start_or_fail(fake);
  auto page = get(*client_for(fake), "/repos/acme/app/actions/runs?created=last-week");
  EXPECT_EQ(page->status, 422);
  EXPECT_EQ(body_json(page)["message"], "Validation Failed");
}

TEST(FakeGitHubListingTest, StatusFilterMatchesStatusOrConclusion) {
  FakeGitHub fake;
  fake.add_repository("acme/app");
  for (int i = 0; i < 3; ++i) fake.add_run(explicit_run(kMarch1 + i, "completed", "success"));
  for (int i = 3; i < 5; ++i) fake.add_run(explicit_run(kMarch1 + i, "completed", "failure"));
  fake.add_run(explicit_run(kMarch1 + 5, "in_progress", ""));
  start_or_fail(fake);
  auto client = client_for(fake);
  auto count = [&](const std::string& status) {
    return body_json(get(*client, "/repos/acme/app/actions/runs?status=" + status))["total_count"]
        .get<int>();
  };
  EXPECT_EQ(count("success"), 3);
  EXPECT_EQ(count("failure"), 2);
  EXPECT_EQ(count("completed"), 5);  // 3 + 2
  EXPECT_EQ(count("in_progress"), 1);
  EXPECT_EQ(count("queued"), 0);
  EXPECT_EQ(get(*client, "/repos/acme/app/actions/runs?status=bogus")->status, 422);
}

TEST(FakeGitHubListingTest, FiltersOnlyReachTheFirst1000ResultsButCountThemAll) {
  FakeGitHub fake;
  fake.add_runs_on_one_day("acme/big", 2500, kMarch1);
  start_or_fail(fake);
  auto client = client_for(fake);
  const std::string filtered = "/repos/acme/big/actions/runs?created=2024-03-01&per_page=100";
  auto first = get(*client, filtered);
  EXPECT_EQ(body_json(first)["total_count"], 2500);  // the real count
  // 1,000 reachable at 100 a page: the last page is 10.
  EXPECT_EQ(local_target(fake, parse_link(first->get_header_value("Link"))["last"]),
            "/repos/acme/big/actions/runs?created=2024-03-01&per_page=100&page=10");
  auto tenth = get(*client, filtered + "&page=10");
  EXPECT_EQ(body_json(tenth)["workflow_runs"].size(), 100u);
  EXPECT_EQ(parse_link(tenth->get_header_value("Link")).count("next"), 0u);
  auto eleventh = get(*client, filtered + "&page=11");
  EXPECT_EQ(eleventh->status, 200);
  EXPECT_EQ(body_json(eleventh)["total_count"], 2500);
  EXPECT_TRUE(body_json(eleventh)["workflow_runs"].empty());
  // status is a capped filter too: completed matches all 2,500, 1,000 reachable.
  auto by_status =
      get(*client, "/repos/acme/big/actions/runs?status=completed&per_page=100&page=11");
  EXPECT_TRUE(body_json(by_status)["workflow_runs"].empty());
}

TEST(FakeGitHubListingTest, WithoutFiltersEveryRunIsReachable) {
  FakeGitHub fake;
  fake.add_runs_on_one_day("acme/big", 2500, kMarch1);
  start_or_fail(fake);
  auto client = client_for(fake);
  auto first = get(*client, "/repos/acme/big/actions/runs?per_page=100");
  EXPECT_EQ(local_target(fake, parse_link(first->get_header_value("Link"))["last"]),
            "/repos/acme/big/actions/runs?per_page=100&page=25");  // 2500 / 100
  auto last = get(*client, "/repos/acme/big/actions/runs?per_page=100&page=25");
  EXPECT_EQ(body_json(last)["workflow_runs"].size(), 100u);
  EXPECT_EQ(body_json(last)["workflow_runs"].back()["id"], fake.runs("acme/big").back().id);
}

TEST(FakeGitHubListingTest, GetsOneRunByIdAndAnswers404ForUnknownOnes) {
  FakeGitHub fake;
  const auto runs = fake.add_generated_runs("acme/app", {5, kEnd, 86400, 1, 1});
  fake.add_generated_runs("acme/other", {5, kEnd, 86400, 1, 1});
  start_or_fail(fake);
  auto client = client_for(fake);
  const RunRecord& run = runs[2];
  auto found = get(*client, "/repos/acme/app/actions/runs/" + std::to_string(run.id));
  ASSERT_EQ(found->status, 200);
  const auto body = body_json(found);
  EXPECT_EQ(body["id"], run.id);
  EXPECT_EQ(body["status"], run.status);
  EXPECT_EQ(body["created_at"], format_timestamp(run.created_at));
  EXPECT_EQ(body["repository"]["full_name"], "acme/app");
  for (const std::string& path :
       std::vector<std::string>{"/repos/acme/app/actions/runs/42",
                                "/repos/acme/other/actions/runs/" + std::to_string(run.id),
                                "/repos/acme/missing/actions/runs", "/repos/acme/app/pulls"}) {
    auto missing = get(*client, path);
    EXPECT_EQ(missing->status, 404) << path;
    EXPECT_EQ(body_json(missing)["message"], "Not Found") << path;
    EXPECT_TRUE(body_json(missing).contains("documentation_url")) << path;
  }
}

TEST(FakeGitHubListingTest, ListsAnOrganisationsRepositoriesWithPagination) {
  FakeGitHub fake;
  fake.add_repository("acme/one");
  fake.add_repository("acme/two", true);
  fake.add_repository("acme/three");
  fake.add_repository("other/four");
  start_or_fail(fake);
  auto client = client_for(fake);
  auto first = get(*client, "/orgs/acme/repos?per_page=2");
  ASSERT_EQ(first->status, 200);
  const auto page1 = body_json(first);
  ASSERT_TRUE(page1.is_array());
  ASSERT_EQ(page1.size(), 2u);
  EXPECT_EQ(page1[0]["full_name"], "acme/three");  // newest first
  EXPECT_EQ(page1[1]["full_name"], "acme/two");
  EXPECT_EQ(page1[1]["private"], true);
  EXPECT_EQ(page1[1]["name"], "two");
  EXPECT_EQ(page1[1]["owner"]["login"], "acme");
  EXPECT_EQ(page1[1]["html_url"], "https://github.com/acme/two");
  EXPECT_TRUE(page1[1]["id"].is_number_integer());
  const auto links = parse_link(first->get_header_value("Link"));
  auto second = get(*client, local_target(fake, links.at("next")));
  ASSERT_EQ(body_json(second).size(), 1u);  // 3 repositories, 2 a page
  EXPECT_EQ(body_json(second)[0]["full_name"], "acme/one");
  EXPECT_EQ(get(*client, "/orgs/nobody/repos")->status, 404);
}

template <typename JsonType>
std::vector<std::string> keys_of(const JsonType& object) {
  std::vector<std::string> keys;
  for (const auto& item : object.items()) keys.push_back(item.key());
  return keys;
}

template <typename JsonType>
std::vector<std::string> keys_without(const JsonType& object, const std::string& left_out) {
  std::vector<std::string> keys = keys_of(object);
  keys.erase(std::remove(keys.begin(), keys.end(), left_out), keys.end());
  return keys;
}

TEST(FakeGitHubListingTest, RunObjectsHaveTheKeysOfGitHubsExample) {
  // nlohmann::ordered_json keeps key order, so the order is compared too.
  const auto example = nlohmann::ordered_json::parse(
      cipette::testing::read_file(cipette::testing::github_example("list-workflow-runs.json")));
  const auto& example_run = example["workflow_runs"][0];
  // The single run's example has every key of the listing's, plus previous_attempt_url (which
  // GitHub sends in listings too, null on attempt 1) and referenced_workflows (only for
  // workflows that call reusable ones; the fake's call none).
  const auto single = nlohmann::ordered_json::parse(
      cipette::testing::read_file(cipette::testing::github_example("workflow-run.json")));
  FakeGitHub fake;
  fake.add_generated_runs("acme/app", {3, kEnd, 86400, 1, 1});
  start_or_fail(fake);
  auto page = get(*client_for(fake), "/repos/acme/app/actions/runs");
  const auto body = nlohmann::ordered_json::parse(page->body);
  EXPECT_EQ(keys_of(body), keys_of(example));
  const auto& run = body["workflow_runs"][0];
  EXPECT_EQ(keys_of(run), keys_without(single, "referenced_workflows"));
  EXPECT_EQ(keys_without(run, "previous_attempt_url"), keys_of(example_run));
  EXPECT_TRUE(run["previous_attempt_url"].is_null());  // attempt 1
  EXPECT_EQ(keys_of(run["repository"]), keys_of(example_run["repository"]));
  EXPECT_EQ(keys_of(run["actor"]), keys_of(example_run["actor"]));
  EXPECT_EQ(keys_of(run["head_commit"]), keys_of(example_run["head_commit"]));
  EXPECT_TRUE(run["conclusion"].is_null());  // the newest run is still in progress
}

TEST(FakeGitHubListingTest, RateLimitBodyHasTheShapeOfGitHubsExample) {
  const auto example = nlohmann::ordered_json::parse(
      cipette::testing::read_file(cipette::testing::github_example("rate-limit.json")));
  FakeGitHub fake;
  start_or_fail(fake);
  const auto body = nlohmann::ordered_json::parse(get(*client_for(fake), "/rate_limit")->body);
  EXPECT_EQ(keys_of(body), keys_of(example));
  EXPECT_EQ(keys_of(body["resources"]), keys_of(example["resources"]));
  EXPECT_EQ(keys_of(body["resources"]["core"]), keys_of(example["resources"]["core"]));
  EXPECT_EQ(body["resources"]["core"]["limit"], 5000);
}

TEST(FakeGitHubListingTest, TheImportParserReadsServedPagesBackIntoTheStoredRuns) {
  FakeGitHub fake;
  fake.add_generated_runs("acme/app", {60, kEnd, 30 * kSecondsPerDay, 2, 9});
  start_or_fail(fake);
  auto page = get(*client_for(fake), "/repos/acme/app/actions/runs?per_page=100");
  auto parsed = github::parse_runs_document(page->body, "fake page");
  ASSERT_TRUE(parsed) << parsed.error().message;
  EXPECT_EQ(*parsed, fake.runs("acme/app"));
}

}  // namespace
}  // namespace cipette::fake_github

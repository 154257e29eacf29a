// The protocol around the endpoints: ETags and 304s, authentication, the User-Agent rule, the
// rate-limit budget and headers, the request log, latency, a path prefix, control endpoints.

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "fake_github/fake_github.h"
#include "fake_github/fake_test_helpers.h"

namespace cipette::fake_github {
namespace {

using testing::body_json;
using testing::client_for;
using testing::get;
using testing::start_or_fail;

constexpr Timestamp kEnd = 1709251200;  // 2024-03-01T00:00:00Z
constexpr char kRuns[] = "/repos/acme/app/actions/runs?per_page=10";

std::int64_t header_number(const httplib::Result& result, const std::string& name) {
  return std::stoll(result->get_header_value(name));
}

TEST(FakeGitHubProtocolTest, AnswersAMatchingIfNoneMatchWith304ThatCostsNothing) {
  FakeGitHub fake;
  fake.add_generated_runs("acme/app", {30, kEnd, 86400, 0, 1});
  start_or_fail(fake);
  auto client = client_for(fake);
  auto first = get(*client, kRuns);
  ASSERT_EQ(first->status, 200);
  const std::string etag = first->get_header_value("ETag");
  EXPECT_EQ(etag.rfind("W/\"", 0), 0u) << etag;
  EXPECT_EQ(header_number(first, "x-ratelimit-remaining"), 4999);  // 5000 - 1

  auto again = get(*client, kRuns, {{"If-None-Match", etag}});
  EXPECT_EQ(again->status, 304);
  EXPECT_TRUE(again->body.empty());
  EXPECT_EQ(again->get_header_value("ETag"), etag);
  EXPECT_EQ(header_number(again, "x-ratelimit-remaining"), 4999);  // not counted
  EXPECT_EQ(fake.counted_requests(), 1);

  auto unconditional = get(*client, kRuns);
  EXPECT_EQ(unconditional->get_header_value("ETag"), etag);  // same body, same tag
}

TEST(FakeGitHubProtocolTest, AChangedRunChangesTheETag) {
  FakeGitHub fake;
  const auto runs = fake.add_generated_runs("acme/app", {30, kEnd, 86400, 1, 1});
  start_or_fail(fake);
  auto client = client_for(fake);
  const std::string etag = get(*client, kRuns)->get_header_value("ETag");
  fake.complete_run(runs.back().id, "success", kEnd + 10);  // the newest run, on page 1
  auto changed = get(*client, kRuns, {{"If-None-Match", etag}});
  EXPECT_EQ(changed->status, 200);
  EXPECT_NE(changed->get_header_value("ETag"), etag);
  EXPECT_EQ(body_json(changed)["workflow_runs"][0]["status"], "completed");
  // A strong form of the tag and a list with it match too.
  const std::string current = changed->get_header_value("ETag");
  EXPECT_EQ(get(*client, kRuns, {{"If-None-Match", current.substr(2)}})->status, 304);
  EXPECT_EQ(get(*client, kRuns, {{"If-None-Match", "\"x\", " + current}})->status, 304);
}

TEST(FakeGitHubProtocolTest, RequiresTheConfiguredTokenAsBearerOrToken) {
  FakeGitHub fake;
  fake.add_repository("acme/app");
  start_or_fail(fake);
  auto anonymous = get(*client_for(fake, ""), kRuns);
  EXPECT_EQ(anonymous->status, 401);
  EXPECT_EQ(body_json(anonymous)["message"], "Requires authentication");
  auto wrong = get(*client_for(fake, "other-token"), kRuns);
  EXPECT_EQ(wrong->status, 401);
  EXPECT_EQ(body_json(wrong)["message"], "Bad credentials");
  auto client = client_for(fake, "");
  EXPECT_EQ(get(*client, kRuns, {{"Authorization", "token test-token"}})->status, 200);
  EXPECT_EQ(get(*client, kRuns, {{"Authorization", "Bearer test-token"}})->status, 200);
  EXPECT_EQ(get(*client, kRuns, {{"Authorization", "Basic test-token"}})->status, 401);
  EXPECT_EQ(fake.counted_requests(), 2);  // rejected requests cost nothing
}

TEST(FakeGitHubProtocolTest, RejectsRequestsWithoutUserAgent) {
  FakeGitHub fake;
  fake.add_repository("acme/app");
  start_or_fail(fake);
  auto client = client_for(fake);
  auto result = get(*client, kRuns, {{"User-Agent", ""}});
  EXPECT_EQ(result->status, 403);
  EXPECT_NE(result->body.find("User-Agent"), std::string::npos);
}

TEST(FakeGitHubProtocolTest, RejectsAnUnsupportedApiVersion) {
  FakeGitHub fake;
  fake.add_repository("acme/app");
  start_or_fail(fake);
  auto client = client_for(fake);
  EXPECT_EQ(get(*client, kRuns, {{"X-GitHub-Api-Version", "2022-11-28"}})->status, 200);
  EXPECT_EQ(get(*client, kRuns, {{"X-GitHub-Api-Version", "1999-01-01"}})->status, 410);
}

TEST(FakeGitHubProtocolTest, LogsEveryRequestWithItsHeadersAndStatus) {
  FakeGitHub fake;
  fake.add_repository("acme/app");
  start_or_fail(fake);
  get(*client_for(fake), kRuns);
  get(*client_for(fake, "wrong"), "/rate_limit");
  const auto log = fake.requests();
  ASSERT_EQ(log.size(), 2u);
  EXPECT_EQ(log[0].method, "GET");
  EXPECT_EQ(log[0].target, kRuns);
  EXPECT_EQ(log[0].status, 200);
  EXPECT_EQ(log[0].header("authorization"), "Bearer test-token");
  EXPECT_EQ(log[0].header("User-Agent"), "cipette-fake-test/1.0");
  EXPECT_EQ(log[1].target, "/rate_limit");
  EXPECT_EQ(log[1].status, 401);
  EXPECT_EQ(log[1].header("Authorization"), "Bearer wrong");
  EXPECT_FALSE(log[1].header("REMOTE_ADDR").has_value());  // httplib's, not sent
  fake.clear_requests();
  EXPECT_TRUE(fake.requests().empty());
}

TEST(FakeGitHubProtocolTest, CountsDownTheBudgetAndRefusesWhenItIsSpent) {
  FakeGitHub fake;
  fake.add_repository("acme/app");
  const Timestamp reset = now_utc() + 3600;
  fake.set_rate_limit({3, 3, 0, reset, 3600});
  start_or_fail(fake);
  auto client = client_for(fake);
  for (int i = 1; i <= 3; ++i) {
    auto result = get(*client, kRuns);
    EXPECT_EQ(result->status, 200);
    EXPECT_EQ(header_number(result, "x-ratelimit-limit"), 3);
    EXPECT_EQ(header_number(result, "x-ratelimit-remaining"), 3 - i);
    EXPECT_EQ(header_number(result, "x-ratelimit-used"), i);
    EXPECT_EQ(header_number(result, "x-ratelimit-reset"), reset);
    EXPECT_EQ(result->get_header_value("x-ratelimit-resource"), "core");
  }
  auto refused = get(*client, kRuns);
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(header_number(refused, "x-ratelimit-remaining"), 0);
  EXPECT_EQ(
      body_json(refused)["message"].get<std::string>().rfind("API rate limit exceeded for", 0), 0u);
  // /rate_limit still answers, with the live numbers, and costs nothing.
  auto status = get(*client, "/rate_limit");
  EXPECT_EQ(status->status, 200);
  EXPECT_EQ(body_json(status)["resources"]["core"]["remaining"], 0);
  EXPECT_EQ(body_json(status)["resources"]["core"]["used"], 3);
  EXPECT_EQ(body_json(status)["rate"]["reset"], reset);
  EXPECT_EQ(fake.counted_requests(), 3);
}

TEST(FakeGitHubProtocolTest, TheBudgetRefillsAtTheResetTime) {
  FakeGitHub fake;
  fake.add_repository("acme/app");
  // Spent; refills in 1 to 2 s (whole seconds: at least one full second away, so the first
  // request below surely comes before it).
  fake.set_rate_limit({2, 0, 0, now_utc() + 2, 1});
  start_or_fail(fake);
  auto client = client_for(fake);
  EXPECT_EQ(get(*client, kRuns)->status, 403);
  while (fake.rate_limit().remaining == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  auto after = get(*client, kRuns);
  EXPECT_EQ(after->status, 200);
  EXPECT_EQ(header_number(after, "x-ratelimit-remaining"), 1);  // 2 - 1
}

TEST(FakeGitHubProtocolTest, LatencyDelaysEveryAnswer) {
  FakeGitHub fake;
  fake.add_repository("acme/app");
  fake.set_latency(std::chrono::milliseconds(150));
  start_or_fail(fake);
  auto client = client_for(fake);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(get(*client, kRuns)->status, 200);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(150));
}

TEST(FakeGitHubProtocolTest, ServesUnderAPathPrefixLikeEnterpriseServer) {
  FakeGitHubOptions options;
  options.path_prefix = "/api/v3";
  FakeGitHub fake(options);
  fake.add_generated_runs("acme/app", {15, kEnd, 86400, 0, 1});
  start_or_fail(fake);
  EXPECT_EQ(fake.base_url(), "http://127.0.0.1:" + std::to_string(fake.port()) + "/api/v3");
  auto client = client_for(fake);
  auto page = get(*client, "/api/v3/repos/acme/app/actions/runs?per_page=10");
  ASSERT_EQ(page->status, 200);
  const auto next = testing::parse_link(page->get_header_value("Link"))["next"];
  EXPECT_EQ(next, fake.base_url() + "/repos/acme/app/actions/runs?per_page=10&page=2");
  EXPECT_EQ(get(*client, "/repos/acme/app/actions/runs")->status, 404);
}

TEST(FakeGitHubProtocolTest, ControlEndpointsDumpRunsAndCompleteUnfinishedOnes) {
  FakeGitHub fake;
  fake.add_generated_runs("acme/app", {12, kEnd, 86400, 2, 1});
  start_or_fail(fake);
  httplib::Client control("127.0.0.1", fake.port());
  auto dump = control.Get("/_fake/runs");
  ASSERT_TRUE(dump);
  EXPECT_EQ(nlohmann::json::parse(dump->body).size(), 12u);
  auto completed = control.Post("/_fake/complete-in-progress");
  ASSERT_TRUE(completed);
  EXPECT_EQ(nlohmann::json::parse(completed->body)["completed"], 2);
  for (const RunRecord& run : fake.runs("acme/app")) EXPECT_TRUE(run.completed()) << run.id;
  EXPECT_TRUE(fake.requests().empty());  // control requests are not logged
  EXPECT_EQ(fake.counted_requests(), 0);
}

TEST(FakeGitHubProtocolTest, StopsPromptlyWhileARequestIsSleeping) {
  FakeGitHub fake;
  fake.add_repository("acme/app");
  fake.set_latency(std::chrono::seconds(30));
  start_or_fail(fake);
  std::thread caller([&] {
    auto client = client_for(fake);
    client->Get(kRuns);  // fails or answers once the server stops; either is fine
  });
  while (fake.requests().empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  fake.stop();  // would take 30 s if the sleep were not interrupted
  caller.join();
  EXPECT_EQ(fake.requests().size(), 1u);
}

}  // namespace
}  // namespace cipette::fake_github

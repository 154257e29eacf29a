// The control endpoints for re-runs and stale replicas (what end-to-end tests drive the
// `fake-github` program with), and faults written as text.

#include <gtest/gtest.h>

#include <string>

#include "fake_github/fake_github.h"
#include "fake_github/fake_test_helpers.h"
#include "fake_github/fault_spec.h"

namespace cipette::fake_github {
namespace {

using testing::body_json;
using testing::client_for;
using testing::get;
using testing::start_or_fail;

constexpr Timestamp kT = 1709251200;  // 2024-03-01T00:00:00Z
constexpr std::int64_t kId = 7000000001;

RunRecord failed_run() { return testing::failed_run(kId, kT); }

class FakeGitHubControlTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.add_repository("acme/app");
    fake_.add_run(failed_run());
    start_or_fail(fake_);
    control_ = std::make_unique<httplib::Client>("127.0.0.1", fake_.port());
    control_->set_url_encode(false);
  }

  // POSTs a control action and returns its status and parsed body.
  std::pair<int, nlohmann::json> post(const std::string& target) {
    auto result = control_->Post(target);
    EXPECT_TRUE(result) << target;
    if (!result) return {0, nullptr};
    return {result->status, nlohmann::json::parse(result->body)};
  }

  FakeGitHub fake_;
  std::unique_ptr<httplib::Client> control_;
};

TEST_F(FakeGitHubControlTest, ReRunsARunAsToldAndAnswersTheNewAttempt) {
  const std::string id = std::to_string(kId);
  auto [status, run] =
      post("/_fake/rerun?id=" + id + "&conclusion=failure&at=2024-03-02T00:00:00Z");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(run["id"], kId);
  EXPECT_EQ(run["run_attempt"], 2);
  EXPECT_EQ(run["status"], "completed");
  EXPECT_EQ(run["conclusion"], "failure");
  EXPECT_EQ(run["run_started_at"], "2024-03-02T00:00:00Z");
  EXPECT_EQ(run["updated_at"], "2024-03-02T00:00:00Z");
  EXPECT_EQ(run["previous_attempt_url"],
            fake_.base_url() + "/repos/acme/app/actions/runs/7000000001/attempts/1");

  auto [started_status, started] =
      post("/_fake/rerun?id=" + id + "&status=in_progress&at=2024-03-03");
  EXPECT_EQ(started_status, 200);
  EXPECT_EQ(started["run_attempt"], 3);
  EXPECT_EQ(started["status"], "in_progress");
  EXPECT_TRUE(started["conclusion"].is_null());
  EXPECT_EQ(started["run_started_at"], "2024-03-03T00:00:00Z");

  auto [refused, message] = post("/_fake/rerun?id=" + id);  // still in progress
  EXPECT_EQ(refused, 400);
  EXPECT_NE(message["message"].get<std::string>().find("only completed runs"), std::string::npos);
  EXPECT_EQ(post("/_fake/complete-in-progress").second["completed"], 1);
  auto [done_status, done] = post("/_fake/rerun?id=" + id);  // success, now
  EXPECT_EQ(done_status, 200);
  EXPECT_EQ(done["run_attempt"], 4);
  EXPECT_EQ(done["conclusion"], "success");
  EXPECT_EQ(fake_.find_run(kId)->run_attempt, 4);

  EXPECT_EQ(post("/_fake/rerun?id=abc").first, 400);
  EXPECT_EQ(post("/_fake/rerun?id=12345").first, 400);  // no such run
  EXPECT_EQ(post("/_fake/rerun?id=" + id + "&at=yesterday").first, 400);
  EXPECT_EQ(post("/_fake/rerun?id=" + id + "&status=waiting").first, 400);
  EXPECT_EQ(post("/_fake/explode").first, 404);
  EXPECT_EQ(fake_.counted_requests(), 0);  // control requests cost nothing
  EXPECT_TRUE(fake_.requests().empty());
}

TEST_F(FakeGitHubControlTest, ListsAndExpiresEarlierAttempts) {
  const std::string id = std::to_string(kId);
  post("/_fake/rerun?id=" + id + "&conclusion=cancelled&at=2024-03-01T01:00:00Z");
  post("/_fake/rerun?id=" + id + "&conclusion=success&at=2024-03-01T02:00:00Z");
  auto listed = control_->Get("/_fake/attempts");
  ASSERT_TRUE(listed);
  const auto attempts = nlohmann::json::parse(listed->body);
  ASSERT_EQ(attempts.size(), 2u);  // attempts 1 and 2; 3 is the run itself
  EXPECT_EQ(attempts[0]["run_attempt"], 1);
  EXPECT_EQ(attempts[0]["conclusion"], "failure");
  EXPECT_EQ(attempts[1]["run_attempt"], 2);
  EXPECT_EQ(attempts[1]["conclusion"], "cancelled");
  EXPECT_EQ(attempts[1]["run_started_at"], "2024-03-01T01:00:00Z");

  auto [status, expired] = post("/_fake/expire-attempts?id=" + id);
  EXPECT_EQ(status, 200);
  EXPECT_EQ(expired["id"], kId);
  EXPECT_EQ(expired["expired_below"], 3);
  EXPECT_TRUE(nlohmann::json::parse(control_->Get("/_fake/attempts")->body).empty());
  EXPECT_EQ(get(*client_for(fake_), "/repos/acme/app/actions/runs/" + id + "/attempts/2")->status,
            404);
  EXPECT_EQ(post("/_fake/expire-attempts?id=12345").first, 400);
}

TEST_F(FakeGitHubControlTest, SavesAReplicaAndAddsAStaleReplicaFault) {
  EXPECT_EQ(post("/_fake/replica").second["runs"], 1);
  post("/_fake/rerun?id=" + std::to_string(kId));
  auto [status, added] = post("/_fake/fault?spec=stale-replica:1:/actions/runs");
  EXPECT_EQ(status, 200);
  EXPECT_EQ(added["pending"], 1);
  auto client = client_for(fake_);
  const std::string listing = "/repos/acme/app/actions/runs";
  EXPECT_EQ(body_json(get(*client, listing))["workflow_runs"][0]["run_attempt"], 1);  // stale
  EXPECT_EQ(body_json(get(*client, listing))["workflow_runs"][0]["run_attempt"], 2);
  auto [bad, message] = post("/_fake/fault?spec=bogus:1");
  EXPECT_EQ(bad, 400);
  EXPECT_NE(message["message"].get<std::string>().find("bogus"), std::string::npos);
  EXPECT_EQ(fake_.pending_faults(), 0);
}

TEST(FakeGitHubFaultSpecTest, ReadsKindTimesAndPath) {
  auto stale = parse_fault_spec("stale-replica");
  ASSERT_TRUE(stale.has_value());
  EXPECT_EQ(stale->kind, FaultKind::kStaleReplica);
  EXPECT_EQ(stale->times, 1);
  EXPECT_EQ(stale->path_contains, "");
  auto error = parse_fault_spec("503:2:/actions/runs");
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind, FaultKind::kHttpError);
  EXPECT_EQ(error->status, 503);
  EXPECT_EQ(error->times, 2);
  EXPECT_EQ(error->path_contains, "/actions/runs");
  auto limited = parse_fault_spec("secondary-429:3");
  ASSERT_TRUE(limited.has_value());
  EXPECT_EQ(limited->kind, FaultKind::kSecondaryRateLimit);
  EXPECT_EQ(limited->status, 429);
  EXPECT_EQ(limited->times, 3);
  EXPECT_EQ(parse_fault_spec("500:1:/a:b")->path_contains, "/a:b");  // the rest is the path
}

TEST(FakeGitHubFaultSpecTest, RejectsUnknownKindsAndBadCounts) {
  for (const char* spec : {"explode", "500:x", "500:0", "500:", "500:-2:/x", ""}) {
    auto fault = parse_fault_spec(spec);
    ASSERT_FALSE(fault.has_value()) << spec;
    EXPECT_NE(fault.error().message.find(std::string("\"") + spec + "\""), std::string::npos)
        << fault.error().message;
  }
}

}  // namespace
}  // namespace cipette::fake_github

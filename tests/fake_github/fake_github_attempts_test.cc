// Re-runs and attempts: rerun() and its variants, GET .../attempts/{n} over real HTTP (shape,
// 404s, ETags, the rate limit), expired attempts, and generated histories with re-runs.

#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fake_github/fake_github.h"
#include "fake_github/fake_test_helpers.h"
#include "support/test_support.h"

namespace cipette::fake_github {
namespace {

using testing::body_json;
using testing::client_for;
using testing::get;
using testing::start_or_fail;

constexpr Timestamp kT = 1709251200;  // 2024-03-01T00:00:00Z
constexpr std::int64_t kId = 7000000001;

RunRecord failed_run(std::int64_t id = kId) { return testing::failed_run(id, kT); }

std::string attempt_path(std::int64_t id, std::int64_t attempt,
                         const std::string& repository = "acme/app") {
  return "/repos/" + repository + "/actions/runs/" + std::to_string(id) + "/attempts/" +
         std::to_string(attempt);
}

AttemptRecord not_found(std::int64_t attempt) {
  return AttemptRecord{kId, attempt, false, "", "", std::nullopt, 0};
}

TEST(FakeGitHubAttemptsTest, ARerunKeepsTheRunsIdentityAndStartsANewAttempt) {
  FakeGitHub fake;
  fake.add_repository("acme/app");
  const RunRecord first = fake.add_run(failed_run());
  const RunRecord second = fake.rerun(kId, "success", kT + 3600);
  EXPECT_EQ(second.run_attempt, 2);
  EXPECT_EQ(second.status, "completed");
  EXPECT_EQ(second.conclusion, "success");
  EXPECT_EQ(second.run_started_at, kT + 3600);
  EXPECT_EQ(second.updated_at, kT + 3600);  // max(kT + 3600, kT + 300 + 1)
  EXPECT_EQ(second.id, kId);
  EXPECT_EQ(second.run_number, first.run_number);
  EXPECT_EQ(second.created_at, kT);
  EXPECT_EQ(second.head_sha, std::string(40, 'c'));
  EXPECT_EQ(second.head_branch, "main");
  EXPECT_EQ(fake.find_run(kId), second);
  const auto attempts = fake.attempts(kId);
  ASSERT_EQ(attempts.size(), 2u);
  EXPECT_EQ(attempts[0], first);  // the first attempt as it ended
  EXPECT_EQ(attempts[1], second);
  // A re-run asked for before the last attempt's updated_at still moves updated_at forward.
  const RunRecord third = fake.rerun(kId, "failure", kT + 3000);
  EXPECT_EQ(third.run_attempt, 3);
  EXPECT_EQ(third.run_started_at, kT + 3000);
  EXPECT_EQ(third.updated_at, kT + 3601);  // max(kT + 3000, kT + 3600 + 1)
  EXPECT_EQ(fake.attempts(kId).size(), 3u);
}

TEST(FakeGitHubAttemptsTest, AStartedRerunStaysUnfinishedUntilCompleted) {
  FakeGitHub fake;
  fake.add_repository("acme/app");
  fake.add_run(failed_run());
  EXPECT_THROW(fake.start_rerun(kId, kT + 900, "completed"), std::invalid_argument);
  EXPECT_THROW(fake.start_rerun(kId, kT + 900, "waiting"), std::invalid_argument);
  EXPECT_THROW(fake.rerun(kId, "", kT + 900), std::invalid_argument);
  EXPECT_THROW(fake.rerun(12345, "success", kT + 900), std::invalid_argument);
  EXPECT_EQ(fake.find_run(kId)->run_attempt, 1);  // nothing above changed the run

  const RunRecord started = fake.start_rerun(kId, kT + 900);
  EXPECT_EQ(started.run_attempt, 2);
  EXPECT_EQ(started.status, "in_progress");
  EXPECT_EQ(started.conclusion, "");
  EXPECT_EQ(started.run_started_at, kT + 900);
  EXPECT_EQ(started.updated_at, kT + 900);
  // GitHub re-runs only finished runs.
  EXPECT_THROW(fake.rerun(kId, "success", kT + 950), std::invalid_argument);
  const RunRecord done = fake.complete_run(kId, "success", kT + 1500);
  EXPECT_EQ(done.run_attempt, 2);
  EXPECT_EQ(done.updated_at, kT + 1500);
  const RunRecord queued = fake.start_rerun(kId, kT + 2000, "queued");
  EXPECT_EQ(queued.run_attempt, 3);
  EXPECT_EQ(queued.status, "queued");
  const auto attempts = fake.attempts(kId);
  ASSERT_EQ(attempts.size(), 3u);
  EXPECT_EQ(attempts[1].conclusion, "success");  // attempt 2 as it ended
  EXPECT_EQ(attempts[1].updated_at, kT + 1500);
}

TEST(FakeGitHubAttemptsTest, RunWithAttemptsSaysWhichEarlierAttemptsAreStillServed) {
  FakeGitHub fake;
  fake.add_repository("acme/app");
  fake.add_run(failed_run());
  fake.rerun(kId, "cancelled", kT + 1000);
  fake.rerun(kId, "success", kT + 2000);
  const AttemptRecord first{kId, 1, true, "completed", "failure", kT + 5, kT + 300};
  const AttemptRecord second{kId, 2, true, "completed", "cancelled", kT + 1000, kT + 1000};
  const RunRecord full = fake.run_with_attempts(kId);
  EXPECT_EQ(full.earlier_attempts, (std::vector<AttemptRecord>{first, second}));
  EXPECT_TRUE(validate_run(full).has_value());
  EXPECT_TRUE(fake.find_run(kId)->earlier_attempts.empty());  // runs as listed carry none

  fake.expire_attempts(kId);
  EXPECT_EQ(fake.run_with_attempts(kId).earlier_attempts,
            (std::vector<AttemptRecord>{not_found(1), not_found(2)}));
  EXPECT_EQ(fake.attempts(kId).size(), 3u);  // still held, no longer served
  // Attempt 3 becomes an earlier attempt after the expiry, so it is served.
  fake.rerun(kId, "success", kT + 3000);
  const AttemptRecord third{kId, 3, true, "completed", "success", kT + 2000, kT + 2000};
  EXPECT_EQ(fake.run_with_attempts(kId).earlier_attempts,
            (std::vector<AttemptRecord>{not_found(1), not_found(2), third}));
  EXPECT_EQ(fake.runs_with_attempts("acme/app"),
            (std::vector<RunRecord>{fake.run_with_attempts(kId)}));
  EXPECT_THROW(fake.expire_attempts(12345), std::invalid_argument);
}

TEST(FakeGitHubAttemptsTest, AnAddedRunsEarlierAttemptsAreHeldButNotListed) {
  FakeGitHub fake;
  fake.add_repository("acme/app");
  RunRecord run = failed_run(0);  // the fake picks the id
  run.run_attempt = 3;
  run.conclusion = "success";
  run.run_started_at = kT + 4000;
  run.updated_at = kT + 4300;
  run.earlier_attempts = {{0, 1, true, "completed", "failure", kT + 5, kT + 300},
                          {0, 2, false, "", "", std::nullopt, 0}};
  const RunRecord added = fake.add_run(run);
  EXPECT_TRUE(added.earlier_attempts.empty());
  EXPECT_EQ(fake.runs("acme/app"), (std::vector<RunRecord>{added}));
  const RunRecord full = fake.run_with_attempts(added.id);
  ASSERT_EQ(full.earlier_attempts.size(), 2u);
  EXPECT_EQ(full.earlier_attempts[0],
            (AttemptRecord{added.id, 1, true, "completed", "failure", kT + 5, kT + 300}));
  EXPECT_EQ(full.earlier_attempts[1], (AttemptRecord{added.id, 2, false, "", "", std::nullopt, 0}));
  // Attempts below run_attempt must come in order.
  RunRecord disordered = failed_run(kId + 1);
  disordered.run_attempt = 3;
  disordered.earlier_attempts = {{kId + 1, 2, true, "completed", "failure", kT, kT + 1},
                                 {kId + 1, 1, true, "completed", "failure", kT, kT + 1}};
  EXPECT_THROW(fake.add_run(disordered), std::invalid_argument);
}

// Over HTTP: the run of acme/app with attempts 1 (failure), 2 (cancelled), 3 (success).
class FakeGitHubAttemptsHttpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.add_repository("acme/app");
    fake_.add_repository("acme/other");
    fake_.add_run(failed_run());
    fake_.rerun(kId, "cancelled", kT + 1000);
    fake_.rerun(kId, "success", kT + 2000);
    start_or_fail(fake_);
    client_ = client_for(fake_);
  }

  FakeGitHub fake_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(FakeGitHubAttemptsHttpTest, ServesEachAttemptInTheRunsShape) {
  auto first = get(*client_, attempt_path(kId, 1));
  ASSERT_EQ(first->status, 200);
  const auto one = body_json(first);
  EXPECT_EQ(one["id"], kId);
  EXPECT_EQ(one["run_attempt"], 1);
  EXPECT_EQ(one["status"], "completed");
  EXPECT_EQ(one["conclusion"], "failure");
  EXPECT_EQ(one["run_started_at"], "2024-03-01T00:00:05Z");  // kT + 5
  EXPECT_EQ(one["updated_at"], "2024-03-01T00:05:00Z");      // kT + 300
  EXPECT_EQ(one["created_at"], "2024-03-01T00:00:00Z");
  EXPECT_EQ(one["head_sha"], std::string(40, 'c'));
  EXPECT_EQ(one["run_number"], 1);
  EXPECT_TRUE(one["previous_attempt_url"].is_null());

  const auto two = body_json(get(*client_, attempt_path(kId, 2)));
  EXPECT_EQ(two["run_attempt"], 2);
  EXPECT_EQ(two["conclusion"], "cancelled");
  EXPECT_EQ(two["run_started_at"], "2024-03-01T00:16:40Z");  // kT + 1000
  EXPECT_EQ(two["previous_attempt_url"],
            fake_.base_url() + "/repos/acme/app/actions/runs/7000000001/attempts/1");

  // The latest attempt is the run itself, byte for byte.
  auto latest = get(*client_, attempt_path(kId, 3));
  ASSERT_EQ(latest->status, 200);
  EXPECT_EQ(latest->body, get(*client_, "/repos/acme/app/actions/runs/7000000001")->body);
  EXPECT_EQ(body_json(latest)["previous_attempt_url"],
            fake_.base_url() + "/repos/acme/app/actions/runs/7000000001/attempts/2");

  // An attempt has the keys of GitHub's single-run example (see the listing test).
  const auto example = nlohmann::ordered_json::parse(
      cipette::testing::read_file(cipette::testing::github_example("workflow-run.json")));
  std::vector<std::string> expected, served;
  for (const auto& item : example.items()) {
    if (item.key() != "referenced_workflows") expected.push_back(item.key());
  }
  const auto attempt = nlohmann::ordered_json::parse(first->body);
  for (const auto& item : attempt.items()) served.push_back(item.key());
  EXPECT_EQ(served, expected);
}

TEST_F(FakeGitHubAttemptsHttpTest, AnswersGitHubsNotFoundForAnyOtherAttempt) {
  for (const std::string& path : {attempt_path(kId, 4), attempt_path(kId, 0),
                                  attempt_path(kId, 99999), attempt_path(kId, 1, "acme/other"),
                                  attempt_path(kId + 1, 1), attempt_path(kId, 1, "acme/missing")}) {
    auto missing = get(*client_, path);
    EXPECT_EQ(missing->status, 404) << path;
    EXPECT_EQ(body_json(missing)["message"], "Not Found") << path;
    EXPECT_TRUE(body_json(missing).contains("documentation_url")) << path;
  }
}

TEST_F(FakeGitHubAttemptsHttpTest, AttemptsAnswerConditionalRequestsAndCountAgainstTheBudget) {
  fake_.set_rate_limit({3, 3, 0, now_utc() + 3600, 3600});
  auto first = get(*client_, attempt_path(kId, 1));
  ASSERT_EQ(first->status, 200);
  const std::string etag = first->get_header_value("ETag");
  EXPECT_EQ(etag.rfind("W/\"", 0), 0u) << etag;
  auto again = get(*client_, attempt_path(kId, 1), {{"If-None-Match", etag}});
  EXPECT_EQ(again->status, 304);  // free
  EXPECT_EQ(fake_.counted_requests(), 1);
  // Another attempt has another body, so another tag.
  auto second = get(*client_, attempt_path(kId, 2), {{"If-None-Match", etag}});
  EXPECT_EQ(second->status, 200);
  EXPECT_NE(second->get_header_value("ETag"), etag);
  EXPECT_EQ(get(*client_, attempt_path(kId, 3))->status, 200);
  EXPECT_EQ(fake_.counted_requests(), 3);
  auto refused = get(*client_, attempt_path(kId, 1));
  EXPECT_EQ(refused->status, 403);
  EXPECT_EQ(refused->get_header_value("x-ratelimit-remaining"), "0");
}

TEST_F(FakeGitHubAttemptsHttpTest, ExpiredAttemptsAnswer404UntilANewReRun) {
  fake_.expire_attempts(kId);
  EXPECT_EQ(get(*client_, attempt_path(kId, 1))->status, 404);
  auto expired = get(*client_, attempt_path(kId, 2));
  EXPECT_EQ(expired->status, 404);
  EXPECT_EQ(body_json(expired)["message"], "Not Found");
  EXPECT_EQ(get(*client_, attempt_path(kId, 3))->status, 200);  // the run itself
  fake_.rerun(kId, "failure", kT + 5000);
  EXPECT_EQ(get(*client_, attempt_path(kId, 2))->status, 404);
  auto third = get(*client_, attempt_path(kId, 3));
  EXPECT_EQ(third->status, 200);
  EXPECT_EQ(body_json(third)["conclusion"], "success");  // attempt 3 as it ended
  EXPECT_EQ(body_json(get(*client_, attempt_path(kId, 4)))["conclusion"], "failure");
}

TEST(FakeGitHubAttemptsListingTest, AReRunGivesThePageListingItANewETag) {
  FakeGitHub fake;
  const auto runs = fake.add_generated_runs("acme/app", {30, kT, 10 * kSecondsPerDay, 0, 1, 0.0});
  start_or_fail(fake);
  auto client = client_for(fake);
  auto page = [&](int n) {
    return "/repos/acme/app/actions/runs?per_page=10&page=" + std::to_string(n);
  };
  std::vector<std::string> etags;
  for (int n = 1; n <= 3; ++n) etags.push_back(get(*client, page(n))->get_header_value("ETag"));
  // Newest first at 10 a page: the 6th oldest run (index 5 of 30 oldest first) is 25th newest,
  // the 5th run of page 3.
  const RunRecord& rerun = runs[5];
  ASSERT_TRUE(rerun.completed());
  fake.rerun(rerun.id, "success", kT + 60);
  EXPECT_EQ(get(*client, page(1), {{"If-None-Match", etags[0]}})->status, 304);
  EXPECT_EQ(get(*client, page(2), {{"If-None-Match", etags[1]}})->status, 304);
  auto changed = get(*client, page(3), {{"If-None-Match", etags[2]}});
  ASSERT_EQ(changed->status, 200);
  EXPECT_NE(changed->get_header_value("ETag"), etags[2]);
  const auto listed = body_json(changed)["workflow_runs"][4];
  EXPECT_EQ(listed["id"], rerun.id);
  EXPECT_EQ(listed["run_attempt"], 2);
  EXPECT_EQ(listed["run_started_at"], "2024-03-01T00:01:00Z");  // kT + 60
  EXPECT_EQ(listed["created_at"], format_timestamp(rerun.created_at));
  EXPECT_EQ(listed["previous_attempt_url"], fake.base_url() + "/repos/acme/app/actions/runs/" +
                                                std::to_string(rerun.id) + "/attempts/1");
  EXPECT_EQ(body_json(changed)["total_count"], 30);  // still one object per run
}

// Generated histories with re-runs.

std::size_t count_if_runs(const std::vector<RunRecord>& runs,
                          const std::function<bool(const RunRecord&)>& predicate) {
  return static_cast<std::size_t>(std::count_if(runs.begin(), runs.end(), predicate));
}

TEST(FakeGitHubAttemptsGeneratedTest, ReRunsFollowTheConfiguredShares) {
  FakeGitHub fake;
  fake.add_generated_runs("acme/app", {2000, kT, 90 * kSecondsPerDay, 0, 11, 0.3});
  const auto runs = fake.runs_with_attempts("acme/app");
  std::size_t rerun = 0, third = 0, last_success = 0, earlier = 0, earlier_failed = 0;
  for (const RunRecord& run : runs) {
    if (run.run_attempt == 1) continue;
    ++rerun;
    third += run.run_attempt == 3;
    last_success += run.conclusion == "success";
    for (const AttemptRecord& attempt : run.earlier_attempts) {
      ++earlier;
      earlier_failed += attempt.conclusion == "failure";
    }
  }
  // Binomial tolerances of about four standard deviations. A re-run is dropped only when it
  // would end after `end` (runs of the last hours of 90 days): a negligible share.
  // Re-run: p = 0.3 of 2,000, sd = sqrt(0.3 * 0.7 / 2000) = 0.010.
  EXPECT_NEAR(static_cast<double>(rerun) / 2000, 0.3, 0.04);
  // Of ~600 re-run runs: a third attempt p = 0.25 (sd 0.018), last success p = 0.8 (sd 0.016).
  EXPECT_NEAR(static_cast<double>(third) / static_cast<double>(rerun), 0.25, 0.07);
  EXPECT_NEAR(static_cast<double>(last_success) / static_cast<double>(rerun), 0.8, 0.065);
  // ~750 earlier attempts (600 x 1.25), failed p = 0.75 (sd 0.016).
  EXPECT_EQ(earlier, rerun + third);
  EXPECT_NEAR(static_cast<double>(earlier_failed) / static_cast<double>(earlier), 0.75, 0.065);
}

TEST(FakeGitHubAttemptsGeneratedTest, EveryAttemptStartsAfterThePreviousOneEnded) {
  FakeGitHub fake;
  fake.add_generated_runs("acme/app", {500, kT, 30 * kSecondsPerDay, 0, 4, 0.5});
  for (const RunRecord& run : fake.runs_with_attempts("acme/app")) {
    ASSERT_TRUE(validate_run(run).has_value()) << validate_run(run).error().message;
    ASSERT_EQ(run.earlier_attempts.size(), static_cast<std::size_t>(run.run_attempt - 1));
    EXPECT_LE(run.run_attempt, 3);
    EXPECT_LT(run.updated_at, kT);
    Timestamp previous_end = run.created_at;
    for (const AttemptRecord& attempt : run.earlier_attempts) {
      EXPECT_TRUE(attempt.completed()) << run.id;
      EXPECT_GE(*attempt.run_started_at, previous_end) << run.id;
      EXPECT_GE(attempt.updated_at, *attempt.run_started_at) << run.id;
      previous_end = attempt.updated_at + 60;  // re-runs come at least a minute later
    }
    EXPECT_GE(*run.run_started_at, previous_end) << run.id;
    EXPECT_GE(run.updated_at, *run.run_started_at) << run.id;
  }
}

TEST(FakeGitHubAttemptsGeneratedTest, GeneratedAttemptsAreServedAndRepeatable) {
  FakeGitHub none;
  const auto plain = none.add_generated_runs("acme/app", {300, kT, 30 * kSecondsPerDay, 0, 4, 0.0});
  EXPECT_EQ(count_if_runs(plain, [](const RunRecord& run) { return run.run_attempt > 1; }), 0u);

  FakeGitHub a;
  FakeGitHub b;
  a.add_generated_runs("acme/app",
                       {300, kT, 30 * kSecondsPerDay, 0, 4});  // the default share, 0.08
  b.add_generated_runs("acme/app", {300, kT, 30 * kSecondsPerDay, 0, 4});
  const auto runs = a.runs_with_attempts("acme/app");
  EXPECT_EQ(runs, b.runs_with_attempts("acme/app"));
  const auto rerun = std::find_if(runs.begin(), runs.end(),
                                  [](const RunRecord& run) { return run.run_attempt > 1; });
  ASSERT_NE(rerun, runs.end());  // 300 runs at 0.08: none re-run has probability 1e-11
  start_or_fail(a);
  const auto first = body_json(get(*client_for(a), attempt_path(rerun->id, 1)));
  EXPECT_EQ(first["run_attempt"], 1);
  EXPECT_EQ(first["conclusion"], rerun->earlier_attempts[0].conclusion);
  EXPECT_EQ(first["updated_at"], format_timestamp(rerun->earlier_attempts[0].updated_at));
}

TEST(FakeGitHubAttemptsGeneratedTest, RejectsAShareOutsideZeroToOne) {
  FakeGitHub fake;
  EXPECT_THROW(fake.add_generated_runs("acme/app", {10, kT, 86400, 0, 1, 1.5}),
               std::invalid_argument);
  EXPECT_THROW(fake.add_generated_runs("acme/app", {10, kT, 86400, 0, 1, -0.1}),
               std::invalid_argument);
}

}  // namespace
}  // namespace cipette::fake_github

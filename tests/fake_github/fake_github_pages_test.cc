// Pages asked for directly (page=N with per_page and created, as a collector re-reads one page of
// a window with its stored ETag), and stale replicas (FaultKind::kStaleReplica).

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "fake_github/fake_github.h"
#include "fake_github/fake_test_helpers.h"
#include "fake_github/pagination.h"

namespace cipette::fake_github {
namespace {

using testing::body_json;
using testing::client_for;
using testing::get;
using testing::local_target;
using testing::parse_link;
using testing::start_or_fail;

constexpr Timestamp kMarch1 = 1709251200;  // 2024-03-01T00:00:00Z

// A run of acme/app created at `created`, completed a minute later unless `status` says not.
RunRecord run_at(Timestamp created, std::string status = "completed",
                 std::string conclusion = "success") {
  bool completed = status == "completed";
  RunRecord run = testing::acme_run(created, std::move(status), std::move(conclusion));
  if (completed) run.updated_at = created + 60;
  return run;
}

// 25 runs, run i created at 2024-03-01 + i hours (i = 0..24: 24 on March 1st, the last at
// midnight of March 2nd); returns their ids by i.
std::vector<std::int64_t> hourly_runs(FakeGitHub& fake) {
  fake.add_repository("acme/app");
  std::vector<std::int64_t> ids;
  ids.reserve(25);
  for (std::int64_t i = 0; i < 25; ++i) ids.push_back(fake.add_run(run_at(kMarch1 + i * 3600)).id);
  return ids;
}

std::vector<std::int64_t> ids_of(const httplib::Result& page) {
  std::vector<std::int64_t> ids;
  const auto body = body_json(page);
  for (const auto& run : body["workflow_runs"]) ids.push_back(run["id"]);
  return ids;
}

const std::string march1_pages = "/repos/acme/app/actions/runs?created=2024-03-01&per_page=5";

std::string march1_page(int n) { return march1_pages + "&page=" + std::to_string(n); }

TEST(FakeGitHubPagesTest, PageNHoldsTheNthSliceOfTheFilteredListing) {
  FakeGitHub fake;
  const auto id = hourly_runs(fake);
  start_or_fail(fake);
  auto client = client_for(fake);
  // March 1st holds runs 0..23, newest first 23, 22, ...; at 5 a page, page 3 holds listing
  // positions 10..14: runs 13..9.
  auto third = get(*client, march1_page(3));
  ASSERT_EQ(third->status, 200);
  EXPECT_EQ(body_json(third)["total_count"], 24);
  EXPECT_EQ(ids_of(third), (std::vector<std::int64_t>{id[13], id[12], id[11], id[10], id[9]}));
  const auto links = parse_link(third->get_header_value("Link"));
  EXPECT_EQ(local_target(fake, links.at("prev")), march1_page(2));
  EXPECT_EQ(local_target(fake, links.at("next")), march1_page(4));
  EXPECT_EQ(local_target(fake, links.at("last")), march1_page(5));  // ceil(24 / 5)
  EXPECT_EQ(local_target(fake, links.at("first")), march1_page(1));
  // The same page reached by following the links from page 1 is the same page.
  std::string target = march1_pages;
  for (int i = 1; i < 3; ++i) {
    target = local_target(fake, parse_link(get(*client, target)->get_header_value("Link"))["next"]);
  }
  EXPECT_EQ(get(*client, target)->body, third->body);
  // The last page holds the 4 left: runs 3..0.
  EXPECT_EQ(ids_of(get(*client, march1_page(5))),
            (std::vector<std::int64_t>{id[3], id[2], id[1], id[0]}));
  // Without the filter all 25 count: page 3 holds runs 14..10.
  EXPECT_EQ(ids_of(get(*client, "/repos/acme/app/actions/runs?per_page=5&page=3")),
            (std::vector<std::int64_t>{id[14], id[13], id[12], id[11], id[10]}));
}

TEST(FakeGitHubPagesTest, APagePastTheLastIsEmptyAndLinksBack) {
  FakeGitHub fake;
  hourly_runs(fake);
  start_or_fail(fake);
  auto past = get(*client_for(fake), march1_page(6));
  ASSERT_EQ(past->status, 200);
  EXPECT_EQ(body_json(past)["total_count"], 24);
  EXPECT_TRUE(body_json(past)["workflow_runs"].empty());
  const auto links = parse_link(past->get_header_value("Link"));
  EXPECT_EQ(local_target(fake, links.at("prev")), march1_page(5));
  EXPECT_EQ(local_target(fake, links.at("first")), march1_page(1));
  EXPECT_EQ(links.count("next"), 0u);
  EXPECT_EQ(links.count("last"), 0u);
}

TEST(FakeGitHubPagesTest, APagesStoredETagHoldsUntilItsContentChanges) {
  FakeGitHub fake;
  const auto id = hourly_runs(fake);
  start_or_fail(fake);
  auto client = client_for(fake);
  const std::string etag = get(*client, march1_page(3))->get_header_value("ETag");
  EXPECT_EQ(get(*client, march1_page(3), {{"If-None-Match", etag}})->status, 304);
  // A run created at 23:30 on March 1st comes first and shifts every page by one: page 3 now
  // holds runs 14..10.
  fake.add_run(run_at(kMarch1 + std::int64_t{23} * 3600 + 1800));
  auto shifted = get(*client, march1_page(3), {{"If-None-Match", etag}});
  ASSERT_EQ(shifted->status, 200);
  EXPECT_EQ(ids_of(shifted), (std::vector<std::int64_t>{id[14], id[13], id[12], id[11], id[10]}));
  const std::string current = shifted->get_header_value("ETag");
  EXPECT_NE(current, etag);
  // A re-run of run 23 (on page 1) leaves page 3 alone; one of run 12 (on page 3) does not.
  fake.rerun(id[23], "success", kMarch1 + 2 * kSecondsPerDay);
  EXPECT_EQ(get(*client, march1_page(3), {{"If-None-Match", current}})->status, 304);
  fake.rerun(id[12], "success", kMarch1 + 2 * kSecondsPerDay);
  auto rerun = get(*client, march1_page(3), {{"If-None-Match", current}});
  ASSERT_EQ(rerun->status, 200);
  EXPECT_EQ(body_json(rerun)["workflow_runs"][2]["run_attempt"], 2);  // run 12, third on it
}

Fault stale(int times, std::string path_contains = "") {
  Fault fault;
  fault.kind = FaultKind::kStaleReplica;
  fault.times = times;
  fault.path_contains = std::move(path_contains);
  return fault;
}

const std::string listing_path = "/repos/acme/app/actions/runs";

// Runs A (completed, failed), B (in progress) and C (completed), created in that order.
class FakeGitHubStaleReplicaTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_.add_repository("acme/app");
    a_ = fake_.add_run(run_at(kMarch1, "completed", "failure")).id;
    b_ = fake_.add_run(run_at(kMarch1 + 60, "in_progress", "")).id;
    c_ = fake_.add_run(run_at(kMarch1 + 120)).id;
    start_or_fail(fake_);
    client_ = client_for(fake_);
  }

  // Saves the replica, then moves on: A re-run and passing, B completed, a newer run D.
  void diverge() {
    fake_.save_replica();
    fake_.rerun(a_, "success", kMarch1 + 3600);
    fake_.complete_run(b_, "success", kMarch1 + 3600);
    fake_.add_run(run_at(kMarch1 + 180));
  }

  FakeGitHub fake_;
  std::unique_ptr<httplib::Client> client_;
  std::int64_t a_ = 0, b_ = 0, c_ = 0;
};

TEST_F(FakeGitHubStaleReplicaTest, WithoutASavedReplicaTheFaultAnswersAsUsual) {
  const std::string current = get(*client_, listing_path)->body;
  fake_.add_fault(stale(1));
  EXPECT_EQ(get(*client_, listing_path)->body, current);
  EXPECT_EQ(fake_.pending_faults(), 0);
}

TEST_F(FakeGitHubStaleReplicaTest, TheFaultsRequestsSeeTheSavedStateTheOthersTheCurrentOne) {
  auto before = get(*client_, listing_path);
  const std::string etag = before->get_header_value("ETag");
  diverge();
  fake_.add_fault(stale(2, listing_path));
  // The listing as it was: the same body, so the same ETag.
  auto old_page = get(*client_, listing_path);
  ASSERT_EQ(old_page->status, 200);
  EXPECT_EQ(old_page->body, before->body);
  EXPECT_EQ(old_page->get_header_value("ETag"), etag);
  const auto old_runs = body_json(old_page)["workflow_runs"];
  ASSERT_EQ(old_runs.size(), 3u);  // C, B, A: D did not exist yet
  EXPECT_EQ(old_runs[1]["status"], "in_progress");
  EXPECT_EQ(old_runs[2]["run_attempt"], 1);
  EXPECT_EQ(old_runs[2]["conclusion"], "failure");
  // GET .../runs/{id} too (the second firing).
  const auto old_a = body_json(get(*client_, listing_path + "/" + std::to_string(a_)));
  EXPECT_EQ(old_a["run_attempt"], 1);
  // The faults are spent: the current state.
  auto fresh = get(*client_, listing_path);
  EXPECT_EQ(body_json(fresh)["total_count"], 4);
  EXPECT_EQ(body_json(fresh)["workflow_runs"][3]["run_attempt"], 2);
  EXPECT_EQ(body_json(fresh)["workflow_runs"][2]["status"], "completed");
  EXPECT_NE(fresh->get_header_value("ETag"), etag);
  EXPECT_EQ(fake_.pending_faults(), 0);
}

TEST_F(FakeGitHubStaleReplicaTest, AStaleReplicaAnswersConditionalRequestsItself) {
  const std::string etag = get(*client_, listing_path)->get_header_value("ETag");
  diverge();
  EXPECT_EQ(get(*client_, listing_path, {{"If-None-Match", etag}})->status, 200);  // changed
  const std::int64_t counted = fake_.counted_requests();
  fake_.add_fault(stale(1));
  // The replica's page has not changed since the client read it: 304, free.
  EXPECT_EQ(get(*client_, listing_path, {{"If-None-Match", etag}})->status, 304);
  EXPECT_EQ(fake_.counted_requests(), counted);
}

TEST_F(FakeGitHubStaleReplicaTest, AttemptsAreServedUpToTheReplicasLatest) {
  diverge();
  const std::string attempts = listing_path + "/" + std::to_string(a_) + "/attempts/";
  fake_.add_fault(stale(2, "/attempts/"));
  EXPECT_EQ(get(*client_, attempts + "2")->status, 404);  // the replica knows attempt 1 only
  const auto first = body_json(get(*client_, attempts + "1"));
  EXPECT_EQ(first["run_attempt"], 1);
  EXPECT_EQ(first["conclusion"], "failure");
  const auto second = body_json(get(*client_, attempts + "2"));
  EXPECT_EQ(second["conclusion"], "success");
}

TEST_F(FakeGitHubStaleReplicaTest, RepositoriesNotSavedAnswerAsUsual) {
  diverge();
  fake_.add_repository("acme/new");
  RunRecord run = run_at(kMarch1);
  run.repository = "acme/new";
  fake_.add_run(run);
  fake_.add_fault(stale(1));
  EXPECT_EQ(body_json(get(*client_, "/repos/acme/new/actions/runs"))["total_count"], 1);
}

}  // namespace
}  // namespace cipette::fake_github

// Incremental sync of single repositories against the fake GitHub server.
#include <gtest/gtest.h>

#include "fake_harness.h"

namespace cipette::collector {
namespace {

using testing::FakeHarness;
using testing::generated;
using testing::report_of;

TEST(RepositorySyncTest, FirstSyncStoresEveryRunAsServed) {
  FakeHarness h;
  h.fake().add_generated_runs("octo/repo", generated(250));
  CollectReport report = h.collect({"octo/repo"});
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  EXPECT_EQ(report_of(report, "octo/repo").inserted, 250);
  EXPECT_EQ(h.stored_runs(), h.served_runs());
}

TEST(RepositorySyncTest, AHistoryOnOnePageCostsOneRequest) {
  // 30 runs fit on one page of 100: the first sync is that one request, and the window stays
  // where it is, so the next sync asks for the same URL and gets a 304.
  FakeHarness h;
  h.fake().add_generated_runs("octo/repo", generated(30));
  CollectReport first = h.collect({"octo/repo"});
  ASSERT_TRUE(first.ok()) << describe_summary(first);
  EXPECT_EQ(report_of(first, "octo/repo").requests, 1);
  CollectReport second = h.collect({"octo/repo"});
  EXPECT_EQ(report_of(second, "octo/repo").requests, 1);
  EXPECT_EQ(report_of(second, "octo/repo").not_modified, 1);
}

TEST(RepositorySyncTest, ReadsABacklogOfMoreRunsThanOneListingReturns) {
  FakeHarness h;
  h.fake().add_generated_runs("octo/big", generated(2000));
  CollectReport report = h.collect({"octo/big"});
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  EXPECT_EQ(h.stored_runs(), h.served_runs());
  // 2,000 runs need 20 pages of 100 at least; the listing that finds the backlog, the final
  // listing of the newest hour and a page cut short at the end of each window come on top.
  std::int64_t requests = report_of(report, "octo/big").requests;
  EXPECT_GE(requests, 20);
  EXPECT_LE(requests, 26);
  auto state = h.state("octo/big");
  ASSERT_TRUE(state.has_value());
  EXPECT_FALSE(state->gap_top.has_value());
  EXPECT_FALSE(state->etag.empty());
}

TEST(RepositorySyncTest, ReadsTwentyFiveHundredRunsCreatedOnOneDay) {
  FakeHarness h;
  Timestamp day = (now_utc() / kSecondsPerDay - 10) * kSecondsPerDay;  // 10 days ago, midnight
  h.fake().add_runs_on_one_day("octo/busy", 2500, day);
  CollectReport report = h.collect({"octo/busy"});
  ASSERT_TRUE(report.ok()) << describe_summary(report);
  EXPECT_EQ(h.stored_runs().size(), 2500u);
  EXPECT_EQ(h.stored_runs(), h.served_runs());
}

TEST(RepositorySyncTest, AnUnchangedRepositoryCostsOneRequestAnswered304) {
  FakeHarness h;
  h.fake().add_generated_runs("octo/repo", generated(1500));
  ASSERT_TRUE(h.collect({"octo/repo"}).ok());
  h.fake().clear_requests();
  CollectReport second = h.collect({"octo/repo"});
  ASSERT_TRUE(second.ok()) << describe_summary(second);
  auto log = h.fake().requests();
  ASSERT_EQ(log.size(), 1u);
  EXPECT_EQ(log[0].status, 304);
  EXPECT_EQ(report_of(second, "octo/repo").inserted + report_of(second, "octo/repo").updated, 0);
}

TEST(RepositorySyncTest, UnfinishedRunsOfTheLastDayStayInTheListing) {
  // 2,000 runs over 90 days, one every 65 minutes on average; the newest 3 unfinished, so
  // spread over about 3 hours, more than the one-hour overlap. The listing window reaches back
  // to them: an unchanged repository still costs one request, and no run is fetched by id.
  FakeHarness h;
  h.fake().add_generated_runs("octo/repo", generated(2000, 3));
  ASSERT_TRUE(h.collect({"octo/repo"}).ok());
  EXPECT_EQ(h.state("octo/repo")->pending.size(), 3u);
  CollectReport second = h.collect({"octo/repo"});
  EXPECT_EQ(report_of(second, "octo/repo").requests, 1);
  EXPECT_EQ(report_of(second, "octo/repo").not_modified, 1);
  h.fake().complete_in_progress_runs(now_utc());
  CollectReport third = h.collect({"octo/repo"});
  EXPECT_EQ(report_of(third, "octo/repo").updated, 3);
  EXPECT_EQ(report_of(third, "octo/repo").requests, 1);
  EXPECT_EQ(h.stored_runs(), h.served_runs());
}

TEST(RepositorySyncTest, ARunThatWasInProgressIsUpdatedWhenItCompletes) {
  FakeHarness h;
  h.fake().add_generated_runs("octo/repo", generated(250, 2));
  ASSERT_TRUE(h.collect({"octo/repo"}).ok());
  auto state = h.state("octo/repo");
  ASSERT_TRUE(state.has_value());
  EXPECT_EQ(state->pending.size(), 2u);
  EXPECT_EQ(h.fake().complete_in_progress_runs(now_utc()), 2);
  CollectReport second = h.collect({"octo/repo"});
  ASSERT_TRUE(second.ok()) << describe_summary(second);
  EXPECT_EQ(report_of(second, "octo/repo").updated, 2);
  EXPECT_EQ(h.stored_runs(), h.served_runs());
  EXPECT_TRUE(h.state("octo/repo")->pending.empty());
}

TEST(RepositorySyncTest, NewRunsAreReadOnTheNextSync) {
  FakeHarness h;
  fake_github::RunGeneration older = generated(300, 0);
  older.end = now_utc() - 5 * kSecondsPerDay;
  h.fake().add_generated_runs("octo/repo", older);
  ASSERT_TRUE(h.collect({"octo/repo"}).ok());
  fake_github::RunGeneration newer = generated(40, 0);
  newer.span_seconds = kSecondsPerDay;
  h.fake().add_generated_runs("octo/repo", newer);
  CollectReport second = h.collect({"octo/repo"});
  ASSERT_TRUE(second.ok()) << describe_summary(second);
  EXPECT_EQ(report_of(second, "octo/repo").inserted, 40);
  EXPECT_EQ(h.stored_runs(), h.served_runs());
}

TEST(RepositorySyncTest, AnOldUnfinishedRunIsFetchedByIdUntilItCompletes) {
  FakeHarness h;
  // 250 runs ending 3 days ago, the newest still in progress; then 150 newer ones, so that
  // the listing window moves past the unfinished run.
  fake_github::RunGeneration older = generated(250, 1);
  older.end = now_utc() - 3 * kSecondsPerDay;
  auto runs = h.fake().add_generated_runs("octo/repo", older);
  std::int64_t unfinished = runs.back().id;  // oldest first: the last is the newest
  ASSERT_NE(runs.back().status, "completed");
  ASSERT_TRUE(h.collect({"octo/repo"}).ok());
  fake_github::RunGeneration newer = generated(150, 0);
  newer.span_seconds = kSecondsPerDay;
  h.fake().add_generated_runs("octo/repo", newer);
  ASSERT_TRUE(h.collect({"octo/repo"}).ok());
  // Unchanged since: the listing answers 304 and the run, fetched by id, 200.
  CollectReport third = h.collect({"octo/repo"});
  EXPECT_EQ(report_of(third, "octo/repo").requests, 2);
  EXPECT_EQ(report_of(third, "octo/repo").not_modified, 1);
  // Still unchanged: the run's own ETag makes that a 304 too.
  CollectReport fourth = h.collect({"octo/repo"});
  EXPECT_EQ(report_of(fourth, "octo/repo").requests, 2);
  EXPECT_EQ(report_of(fourth, "octo/repo").not_modified, 2);
  h.fake().complete_run(unfinished, "failure", now_utc());
  CollectReport fifth = h.collect({"octo/repo"});
  EXPECT_EQ(report_of(fifth, "octo/repo").updated, 1);
  EXPECT_EQ(h.stored_runs(), h.served_runs());
  EXPECT_TRUE(h.state("octo/repo")->pending.empty());
  EXPECT_EQ(report_of(h.collect({"octo/repo"}), "octo/repo").requests, 1);
}

TEST(RepositorySyncTest, SinceLimitsTheFirstSyncAndAnEarlierOneReadsFurther) {
  FakeHarness h;
  h.fake().add_generated_runs("octo/repo", generated(300));  // over the last 90 days
  Timestamp month_ago = now_utc() - 30 * kSecondsPerDay;
  CollectOptions options = h.options({"octo/repo"});
  options.sync.since = month_ago;
  ASSERT_TRUE(h.collect(options).ok());
  std::vector<RunRecord> expected;
  for (const RunRecord& run : h.served_runs()) {
    if (run.created_at >= month_ago) expected.push_back(run);
  }
  EXPECT_EQ(h.stored_runs(), expected);
  ASSERT_LT(expected.size(), 300u);
  options.sync.since = now_utc() - 100 * kSecondsPerDay;
  ASSERT_TRUE(h.collect(options).ok());
  EXPECT_EQ(h.stored_runs(), h.served_runs());
}

TEST(RepositorySyncTest, ABrokenPageStopsTheRepositoryAndTheNextSyncCompletesIt) {
  FakeHarness h;
  h.fake().add_generated_runs("octo/big", generated(1800));
  fake_github::Fault broken;
  broken.kind = fake_github::FaultKind::kInvalidJson;
  broken.path_contains = "page=4";
  h.fake().add_fault(broken);
  CollectReport first = h.collect({"octo/big"});
  ASSERT_FALSE(first.ok());
  const RepositoryReport& failed = report_of(first, "octo/big");
  EXPECT_NE(failed.error.find("page=4"), std::string::npos) << failed.error;
  // Whole pages before the broken one are kept; nothing of the broken page.
  std::vector<RunRecord> kept = h.stored_runs();
  EXPECT_EQ(kept.size() % 100, 0u);
  EXPECT_GE(kept.size(), 300u);
  std::vector<RunRecord> served = h.served_runs();
  for (const RunRecord& run : kept) {
    EXPECT_TRUE(std::find(served.begin(), served.end(), run) != served.end()) << run.id;
  }
  CollectReport second = h.collect({"octo/big"});
  ASSERT_TRUE(second.ok()) << describe_summary(second);
  EXPECT_EQ(h.stored_runs(), served);
}

}  // namespace
}  // namespace cipette::collector

// Re-runs: the rescan of recent days with ETags, the one forward-only rule, and the earlier
// attempts of re-run runs (collector/repository_sync.cc; docs/metrics.md, "Re-runs and
// flakiness"). Real HTTP to the fake GitHub server, a real SQLite file.

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "cipette/core/metrics.h"
#include "cipette/core/run_table.h"
#include "support/run_fixtures.h"
#include "unit/collector/fake_harness.h"

namespace cipette::collector::testing {
namespace {

constexpr Timestamp kDay = kSecondsPerDay;
// The collector's "now" in these tests: 2026-11-20T12:00:00Z, a fixed clock.
constexpr Timestamp kNoon = 1795176000;

CollectOptions at(FakeHarness& harness, Timestamp now, int rescan_days = kDefaultRescanDays) {
  CollectOptions options = harness.options({"acme/api"});
  options.sync.now = [now] { return now; };
  options.sync.rescan_days = rescan_days;
  return options;
}

// The requests the fake answered with something other than 304 (the ones GitHub counts).
std::int64_t counted(FakeHarness& harness) {
  auto log = harness.fake().requests();
  return std::count_if(log.begin(), log.end(),
                       [](const fake_github::RecordedRequest& r) { return r.status != 304; });
}

std::int64_t requests_containing(FakeHarness& harness, std::string_view part) {
  auto log = harness.fake().requests();
  return std::count_if(log.begin(), log.end(), [&](const fake_github::RecordedRequest& r) {
    return r.target.find(part) != std::string::npos;
  });
}

// A completed run of acme/api created at `created`, running 10 minutes.
RunRecord run_at(Timestamp created, std::string conclusion = "success") {
  RunRecord run;
  run.repository = "acme/api";
  run.workflow_id = 7;
  run.workflow_name = "CI";
  run.path = ".github/workflows/ci.yml";
  run.event = "push";
  run.status = "completed";
  run.conclusion = std::move(conclusion);
  run.head_branch = "main";
  run.head_sha = "abc";
  run.created_at = created;
  run.run_started_at = created + 5;
  run.updated_at = created + 605;
  return run;
}

const RunRecord* find_run(const std::vector<RunRecord>& runs, std::int64_t id) {
  auto it = std::find_if(runs.begin(), runs.end(), [&](const RunRecord& r) { return r.id == id; });
  return it == runs.end() ? nullptr : &*it;
}

// The stored version of run `id` (a copy); an empty record, and a failure, when absent.
RunRecord stored_run(FakeHarness& harness, std::int64_t id) {
  auto runs = harness.stored_runs();
  const RunRecord* run = find_run(runs, id);
  if (run == nullptr) {
    ADD_FAILURE() << "run " << id << " is not stored";
    return {};
  }
  return *run;
}

TEST(RerunsTest, ADailySyncOfAQuietRepositoryCostsTwoCountedRequests) {
  FakeHarness harness;
  harness.fake().add_repository("acme/api");
  // 90 runs on each of the 40 UTC days before today (one page a day), none re-run.
  const Timestamp today = kNoon - kNoon % kDay;
  for (Timestamp day = 40; day >= 1; --day) {
    harness.fake().add_runs_on_one_day("acme/api", 90, today - day * kDay);
  }
  ASSERT_TRUE(harness.collect(at(harness, kNoon)).ok());
  // The first rescan saves every day's ETag: one counted request per day in range.
  harness.fake().clear_requests();
  ASSERT_TRUE(harness.collect(at(harness, kNoon)).ok());
  EXPECT_EQ(counted(harness), kDefaultRescanDays + 1);
  // Nothing changed: every day answers 304.
  harness.fake().clear_requests();
  ASSERT_TRUE(harness.collect(at(harness, kNoon)).ok());
  EXPECT_EQ(counted(harness), 0);
  EXPECT_EQ(static_cast<std::int64_t>(harness.fake().requests().size()), kDefaultRescanDays + 1);

  // A day later, 90 new runs, on the day of the last sync and the next: those two windows
  // changed; the 35 days before them answer 304.
  harness.fake().add_runs_on_one_day("acme/api", 45, today);
  harness.fake().add_runs_on_one_day("acme/api", 45, today + kDay);
  harness.fake().clear_requests();
  CollectReport report = harness.collect(at(harness, kNoon + kDay));
  ASSERT_TRUE(report.ok()) << report_of(report, "acme/api").error;
  EXPECT_EQ(counted(harness), 2);
  EXPECT_EQ(report_of(report, "acme/api").inserted, 90);
  EXPECT_EQ(harness.stored_runs().size(), 41u * 90u);
}

TEST(RerunsTest, ReRunsOfFiveToTwentyFiveDayOldRunsAreSeenAndGiveTheMetricsOfAFreshCollection) {
  FakeHarness harness;
  harness.fake().add_repository("acme/api");
  std::vector<std::int64_t> failed;  // ids of failed runs 5, 15 and 25 days old
  for (Timestamp day = 60; day >= 1; --day) {
    for (int k = 0; k < 6; ++k) {
      bool fails = k == 0 && (day == 5 || day == 15 || day == 25);
      RunRecord run = harness.fake().add_run(
          run_at(kNoon - day * kDay + k * 3600, fails ? "failure" : "success"));
      if (fails) failed.push_back(run.id);
    }
  }
  ASSERT_EQ(failed.size(), 3u);
  ASSERT_TRUE(harness.collect(at(harness, kNoon)).ok());
  ASSERT_TRUE(harness.collect(at(harness, kNoon)).ok());
  // Someone presses "Re-run jobs" on each, two hours ago; the 15-day-old one fails again and is
  // re-run once more.
  for (std::int64_t id : failed) harness.fake().rerun(id, "success", kNoon - 7200);
  harness.fake().rerun(failed[1], "failure", kNoon - 7200);
  harness.fake().rerun(failed[1], "success", kNoon - 3600);

  harness.fake().clear_requests();
  CollectReport report = harness.collect(at(harness, kNoon));
  ASSERT_TRUE(report.ok()) << report_of(report, "acme/api").error;
  const RepositoryReport& repo = report_of(report, "acme/api");
  EXPECT_EQ(repo.reruns, 3);
  EXPECT_EQ(repo.updated, 3);
  std::string summary = describe_summary(report);
  EXPECT_NE(summary.find("0 runs new, 3 updated (3 re-run), "), std::string::npos) << summary;
  EXPECT_NE(summary.find("acme/api: 0 new, 3 updated (3 re-run), 5 earlier attempts, "),
            std::string::npos)
      << summary;
  // Attempts 1 of two runs, 1 to 3 of the third: one request each.
  EXPECT_EQ(repo.attempts, 5);
  EXPECT_EQ(requests_containing(harness, "/attempts/"), 5);

  auto stored = harness.stored_runs();
  const RunRecord* twice = find_run(stored, failed[1]);
  ASSERT_NE(twice, nullptr);
  EXPECT_EQ(twice->run_attempt, 4);
  EXPECT_EQ(twice->conclusion, "success");
  ASSERT_EQ(twice->earlier_attempts.size(), 3u);
  EXPECT_EQ(twice->earlier_attempts[0].conclusion, "failure");
  EXPECT_EQ(twice->earlier_attempts[1].conclusion, "success");
  EXPECT_EQ(twice->earlier_attempts[2].conclusion, "failure");

  // A fresh collection of the final state gives the same runs, attempts and metrics.
  FakeHarness fresh;
  fresh.fake().add_repository("acme/api");
  for (const RunRecord& run : harness.fake().runs_with_attempts("acme/api")) {
    fresh.fake().add_run(run);
  }
  ASSERT_TRUE(fresh.collect(at(fresh, kNoon)).ok());
  EXPECT_EQ(fresh.stored_runs(), stored);
  Scope scope = cipette::testing::scope_at(Period::last_days(90), kNoon);
  Metrics m = compute_metrics(cipette::testing::table_of(stored), scope).totals;
  EXPECT_EQ(m.total, 360);
  EXPECT_EQ(m.failed, 0);  // every failure was mended by a re-run
  EXPECT_EQ(m.rerun_runs, 3);
  EXPECT_EQ(m.flaky_runs, 3);
  EXPECT_EQ(m.first_attempt_success_rate, 99.17);  // 357 of 360 passed first time
  EXPECT_GE(m.rerun_seconds_lost, 3 * 600);        // at least the three first attempts
}

TEST(RerunsTest, WithoutTheRescanAnOldReRunIsNeverSeen) {
  // The behaviour the rescan mends, and what --rescan-days 0 keeps.
  FakeHarness harness;
  harness.fake().add_repository("acme/api");
  RunRecord old = harness.fake().add_run(run_at(kNoon - 10 * kDay, "failure"));
  // More runs than a page since: the open window moves up past the old run.
  for (int k = 0; k < 150; ++k) harness.fake().add_run(run_at(kNoon - kDay + k * 500));
  ASSERT_TRUE(harness.collect(at(harness, kNoon, 0)).ok());
  harness.fake().rerun(old.id, "success", kNoon - 3600);
  ASSERT_TRUE(harness.collect(at(harness, kNoon, 0)).ok());
  EXPECT_EQ(stored_run(harness, old.id).conclusion, "failure");
  ASSERT_TRUE(harness.collect(at(harness, kNoon)).ok());
  RunRecord seen = stored_run(harness, old.id);
  EXPECT_EQ(seen.conclusion, "success");
  EXPECT_EQ(seen.run_attempt, 2);
}

TEST(RerunsTest, EachNewAttemptCostsOneRequestPerEarlierAttemptMissing) {
  FakeHarness harness;
  harness.fake().add_repository("acme/api");
  RunRecord run = harness.fake().add_run(run_at(kNoon - 3 * kDay, "failure"));
  ASSERT_TRUE(harness.collect(at(harness, kNoon)).ok());
  harness.fake().rerun(run.id, "failure", kNoon - 7200);
  harness.fake().rerun(run.id, "failure", kNoon - 3600);
  harness.fake().clear_requests();
  ASSERT_TRUE(harness.collect(at(harness, kNoon)).ok());
  EXPECT_EQ(requests_containing(harness, "/attempts/"), 2);  // attempts 1 and 2
  harness.fake().rerun(run.id, "success", kNoon - 60);
  harness.fake().clear_requests();
  ASSERT_TRUE(harness.collect(at(harness, kNoon)).ok());
  EXPECT_EQ(requests_containing(harness, "/attempts/"), 1);  // attempt 3 only
  EXPECT_EQ(requests_containing(harness, "/attempts/3"), 1);
  RunRecord stored = stored_run(harness, run.id);
  EXPECT_EQ(stored.run_attempt, 4);
  ASSERT_EQ(stored.earlier_attempts.size(), 3u);
  EXPECT_TRUE(summarize_attempts(stored).flaky);
  // Nothing new: no attempt asked again.
  harness.fake().clear_requests();
  ASSERT_TRUE(harness.collect(at(harness, kNoon)).ok());
  EXPECT_EQ(requests_containing(harness, "/attempts/"), 0);
}

TEST(RerunsTest, AnAttemptGitHubNoLongerHasIsUnknownAndNotAskedAgain) {
  FakeHarness harness;
  harness.fake().add_repository("acme/api");
  RunRecord run = harness.fake().add_run(run_at(kNoon - 3 * kDay, "failure"));
  harness.fake().rerun(run.id, "success", kNoon - 3600);
  harness.fake().expire_attempts(run.id);
  ASSERT_TRUE(harness.collect(at(harness, kNoon)).ok());
  RunRecord stored = stored_run(harness, run.id);
  ASSERT_EQ(stored.earlier_attempts.size(), 1u);
  EXPECT_FALSE(stored.earlier_attempts[0].found);
  AttemptSummary summary = summarize_attempts(stored);
  EXPECT_FALSE(summary.flaky);  // the failure is not known any more
  EXPECT_EQ(summary.first, std::nullopt);
  harness.fake().clear_requests();
  ASSERT_TRUE(harness.collect(at(harness, kNoon)).ok());
  EXPECT_EQ(requests_containing(harness, "/attempts/"), 0);
}

TEST(RerunsTest, AStaleReplicaNeverMovesARunBackwards) {
  FakeHarness harness;
  harness.fake().add_repository("acme/api");
  RunRecord run = harness.fake().add_run(run_at(kNoon - 4 * kDay, "failure"));
  RunRecord running = harness.fake().add_run(run_at(kNoon - 2 * kDay));
  ASSERT_TRUE(harness.collect(at(harness, kNoon)).ok());
  harness.fake().save_replica();  // the replica stops following here
  harness.fake().rerun(run.id, "success", kNoon - 3600);
  ASSERT_TRUE(harness.collect(at(harness, kNoon)).ok());
  ASSERT_EQ(stored_run(harness, run.id).run_attempt, 2);
  // Every answer now comes from the lagging replica: attempt 1, failed.
  fake_github::Fault stale;
  stale.kind = fake_github::FaultKind::kStaleReplica;
  stale.times = 1000;
  harness.fake().add_fault(stale);
  ASSERT_TRUE(harness.collect(at(harness, kNoon)).ok());
  auto stored = harness.stored_runs();
  const RunRecord* latest = find_run(stored, run.id);
  EXPECT_EQ(latest->run_attempt, 2);
  EXPECT_EQ(latest->conclusion, "success");
  ASSERT_EQ(latest->earlier_attempts.size(), 1u);
  EXPECT_EQ(latest->earlier_attempts[0].conclusion, "failure");
  EXPECT_EQ(find_run(stored, running.id)->conclusion, "success");
}

}  // namespace
}  // namespace cipette::collector::testing

// MTTR (docs/metrics.md, "MTTR"): incidents per (repository, workflow, branch) stream.

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "cipette/core/metrics.h"
#include "support/run_fixtures.h"

namespace cipette {
namespace {

constexpr Timestamp kMinute = 60;
constexpr Timestamp kHour = 3600;
constexpr Timestamp kDay = 86400;
constexpr Timestamp kTen = 1710064800;  // 2024-03-10T10:00:00Z
constexpr Timestamp kNow = kTen + 2 * kHour;

// A completed run on octo/app "CI" (id 10), main, push: created at `completed - 60`, completing
// at `completed`.
RunRecord make_run(std::int64_t id, std::string conclusion, Timestamp completed) {
  RunRecord run = testing::ci_run(id, std::move(conclusion), completed - 60, 60);
  run.run_started_at = run.created_at;
  return run;
}

RunRecord on_branch(RunRecord run, std::string branch) {
  run.head_branch = std::move(branch);
  return run;
}

using testing::table_of;

Scope last_days(int n) { return testing::last_days(n, kNow); }

MttrStats mttr_of(const std::vector<RunRecord>& runs, const Scope& scope = last_days(30)) {
  return compute_metrics(table_of(runs), scope).totals.mttr;
}

TEST(MttrTest, FailureThenSuccessIsTheTimeBetweenTheirCompletions) {
  // The original project's case: failure completes 10:03, success 10:15: 12 min = 720 s.
  MttrStats m = mttr_of(
      {make_run(1, "failure", kTen + 3 * kMinute), make_run(2, "success", kTen + 15 * kMinute)});
  EXPECT_EQ(m.recovered, 1);
  EXPECT_EQ(m.open, 0);
  EXPECT_EQ(m.mean, 720.0);
  EXPECT_EQ(m.median, 720);
}

TEST(MttrTest, CountsAFailureStreakAsOneIncidentFromItsFirstFailure) {
  // F 10:03, F 10:08, S 10:15: one incident of 10:15 - 10:03 = 720 s (not two samples).
  MttrStats m = mttr_of({make_run(1, "failure", kTen + 3 * kMinute),
                         make_run(2, "timed_out", kTen + 8 * kMinute),
                         make_run(3, "success", kTen + 15 * kMinute)});
  EXPECT_EQ(m.recovered, 1);
  EXPECT_EQ(m.mean, 720.0);
}

TEST(MttrTest, NeutralRunsNeitherOpenNorCloseAnIncident) {
  // S 10:00, cancelled 10:05 (no incident), F 10:10, skipped 10:20, cancelled 10:25, F 10:30,
  // S 10:40: one incident, 10:40 - 10:10 = 1800 s.
  MttrStats m = mttr_of({make_run(1, "success", kTen), make_run(2, "cancelled", kTen + 300),
                         make_run(3, "failure", kTen + 600), make_run(4, "skipped", kTen + 1200),
                         make_run(5, "cancelled", kTen + 1500), make_run(6, "failure", kTen + 1800),
                         make_run(7, "success", kTen + 2400)});
  EXPECT_EQ(m.recovered, 1);
  EXPECT_EQ(m.open, 0);
  EXPECT_EQ(m.mean, 1800.0);
}

TEST(MttrTest, AFailureWithoutRecoveryIsOpenNotZero) {
  MttrStats m = mttr_of({make_run(1, "success", kTen), make_run(2, "failure", kTen + 600),
                         make_run(3, "cancelled", kTen + 900)});
  EXPECT_EQ(m.recovered, 0);
  EXPECT_EQ(m.open, 1);
  EXPECT_EQ(m.mean, std::nullopt);
  EXPECT_EQ(m.median, std::nullopt);
}

TEST(MttrTest, KeepsStreamsOfDifferentBranchesApart) {
  // main: F 10:00, S 10:30 -> 1800 s. dev's success at 10:05 does not recover main; dev's
  // failure at 10:10 stays open.
  MttrStats m = mttr_of(
      {make_run(1, "failure", kTen), on_branch(make_run(2, "success", kTen + 300), "dev"),
       on_branch(make_run(3, "failure", kTen + 600), "dev"), make_run(4, "success", kTen + 1800)});
  EXPECT_EQ(m.recovered, 1);
  EXPECT_EQ(m.open, 1);
  EXPECT_EQ(m.mean, 1800.0);
}

TEST(MttrTest, KeepsStreamsOfDifferentWorkflowsApart) {
  RunRecord other = make_run(2, "success", kTen + 300);
  other.workflow_id = 20;
  other.workflow_name = "Lint";
  MttrStats m = mttr_of({make_run(1, "failure", kTen), other, make_run(3, "success", kTen + 900)});
  EXPECT_EQ(m.recovered, 1);
  EXPECT_EQ(m.mean, 900.0);  // 10:15 - 10:00, not 10:05 - 10:00
}

TEST(MttrTest, OrdersStreamsByCompletionNotCreation) {
  // The success was created later but completed first: F is last, so the incident is open.
  RunRecord failure = make_run(1, "failure", kTen + 1200);
  failure.created_at = kTen;
  RunRecord success = make_run(2, "success", kTen + 600);
  success.created_at = kTen + 300;
  MttrStats m = mttr_of({failure, success});
  EXPECT_EQ(m.recovered, 0);
  EXPECT_EQ(m.open, 1);
}

TEST(MttrTest, BreaksCompletionTiesByRunId) {
  MttrStats recovered = mttr_of({make_run(5, "failure", kTen), make_run(6, "success", kTen)});
  EXPECT_EQ(recovered.recovered, 1);
  EXPECT_EQ(recovered.mean, 0.0);  // same second
  MttrStats open = mttr_of({make_run(5, "success", kTen), make_run(6, "failure", kTen)});
  EXPECT_EQ(open.recovered, 0);
  EXPECT_EQ(open.open, 1);
}

TEST(MttrTest, IgnoresRunsThatAreNotCompleted) {
  RunRecord running = make_run(2, "", kTen + 300);
  running.status = "in_progress";
  MttrStats m =
      mttr_of({make_run(1, "failure", kTen), running, make_run(3, "success", kTen + 600)});
  EXPECT_EQ(m.mean, 600.0);
}

TEST(MttrTest, MeanAndMedianOverSeveralIncidents) {
  // Incidents of 600, 1200 and 3600 s: mean 5400 / 3 = 1800; median rank ceil(1.5) = 2: 1200.
  MttrStats m = mttr_of(
      {make_run(1, "failure", kTen - 10 * kHour), make_run(2, "success", kTen - 10 * kHour + 600),
       make_run(3, "failure", kTen - 5 * kHour), make_run(4, "success", kTen - 5 * kHour + 3600),
       make_run(5, "failure", kTen), make_run(6, "success", kTen + 1200)});
  EXPECT_EQ(m.recovered, 3);
  EXPECT_EQ(m.mean, 1800.0);
  EXPECT_EQ(m.median, 1200);
}

TEST(MttrTest, WorkflowRowAggregatesItsBranchesAndTotalsAggregateWorkflows) {
  RunRecord lint_f = make_run(5, "failure", kTen);
  lint_f.workflow_id = 20;
  lint_f.workflow_name = "Lint";
  RunRecord lint_s = make_run(6, "success", kTen + 3000);
  lint_s.workflow_id = 20;
  lint_s.workflow_name = "Lint";
  // CI: main 600 s, dev 1200 s -> mean 900. Lint: 3000 s. Totals: (600 + 1200 + 3000) / 3.
  MetricsReport report = compute_metrics(
      table_of({make_run(1, "failure", kTen), make_run(2, "success", kTen + 600),
                on_branch(make_run(3, "failure", kTen), "dev"),
                on_branch(make_run(4, "success", kTen + 1200), "dev"), lint_f, lint_s}),
      last_days(30));
  ASSERT_EQ(report.workflows.size(), 2u);
  EXPECT_EQ(report.workflows[0].workflow, "CI");
  EXPECT_EQ(report.workflows[0].metrics.mttr.recovered, 2);
  EXPECT_EQ(report.workflows[0].metrics.mttr.mean, 900.0);
  EXPECT_EQ(report.workflows[0].metrics.mttr.median, 600);  // rank ceil(1) of {600, 1200}
  EXPECT_EQ(report.workflows[1].metrics.mttr.mean, 3000.0);
  EXPECT_EQ(report.totals.mttr.recovered, 3);
  EXPECT_EQ(report.totals.mttr.mean, 1600.0);  // 4800 / 3
  EXPECT_EQ(report.totals.mttr.median, 1200);  // rank 2 of {600, 1200, 3000}
}

TEST(MttrTest, IncidentStartingBeforeThePeriodIsNotInScope) {
  // Period: the last day (from kNow - 1 day). The failure was created 2 days ago; the recovery
  // lies inside the period but the incident is not in scope.
  MttrStats m =
      mttr_of({make_run(1, "failure", kNow - 2 * kDay), make_run(2, "failure", kNow - 3 * kHour),
               make_run(3, "success", kNow - 1 * kHour)},
              last_days(1));
  EXPECT_EQ(m.recovered, 0);
  EXPECT_EQ(m.open, 0);
  EXPECT_EQ(m.mean, std::nullopt);
}

TEST(MttrTest, IncidentStartingInThePeriodMayRecoverAfterIt) {
  // Range 10:00 .. 11:00; F created 10:29 (completes 10:30) is in it, S completes 12:00.
  Scope scope = last_days(30);
  scope.period = Period::range(kTen, kTen + kHour);
  MttrStats m = mttr_of(
      {make_run(1, "failure", kTen + 30 * kMinute), make_run(2, "success", kTen + 2 * kHour)},
      scope);
  EXPECT_EQ(m.recovered, 1);
  EXPECT_EQ(m.mean, 5400.0);  // 12:00 - 10:30
  MetricsReport report = compute_metrics(table_of({make_run(1, "failure", kTen + 30 * kMinute),
                                                   make_run(2, "success", kTen + 2 * kHour)}),
                                         scope);
  EXPECT_EQ(report.totals.total, 1);  // the recovering run itself is outside the range
}

TEST(MttrTest, OpenIncidentOutsideThePeriodIsNotCounted) {
  MttrStats m = mttr_of({make_run(1, "failure", kNow - 3 * kDay)}, last_days(1));
  EXPECT_EQ(m.open, 0);
}

TEST(MttrTest, StreamsHoldOnlyRunsPassingTheOtherFilters) {
  // push F 10:00, pull_request S 10:05, push S 10:20.
  RunRecord pr = make_run(2, "success", kTen + 300);
  pr.event = "pull_request";
  std::vector<RunRecord> runs = {make_run(1, "failure", kTen), pr,
                                 make_run(3, "success", kTen + 1200)};
  EXPECT_EQ(mttr_of(runs).mean, 300.0);  // any event: the PR run recovers
  Scope push_only = last_days(30);
  push_only.event = "push";
  EXPECT_EQ(mttr_of(runs, push_only).mean, 1200.0);
}

TEST(MttrTest, BranchFilterKeepsThatBranchsStream) {
  Scope dev_only = last_days(30);
  dev_only.branch = "dev";
  MttrStats m = mttr_of({make_run(1, "failure", kTen), make_run(2, "success", kTen + 60),
                         on_branch(make_run(3, "failure", kTen), "dev"),
                         on_branch(make_run(4, "success", kTen + 900), "dev")},
                        dev_only);
  EXPECT_EQ(m.recovered, 1);
  EXPECT_EQ(m.mean, 900.0);
}

}  // namespace
}  // namespace cipette

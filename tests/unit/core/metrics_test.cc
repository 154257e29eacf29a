#include "cipette/core/metrics.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <string>
#include <vector>

#include "support/run_fixtures.h"

namespace cipette {
namespace {

constexpr Timestamp kHour = 3600;
constexpr Timestamp kDay = 86400;
constexpr Timestamp kMidnight = 1710028800;         // 2024-03-10T00:00:00Z
constexpr Timestamp kNow = kMidnight + 12 * kHour;  // 2024-03-10T12:00:00Z

using testing::table_of;

// A completed run of octo/app's "CI" workflow (id 10) on main, pushed, starting when created.
RunRecord make_run(std::int64_t id, std::string conclusion, Timestamp created,
                   std::int64_t duration) {
  RunRecord run = testing::ci_run(id, std::move(conclusion), created, duration);
  run.run_started_at = created;
  return run;
}

Scope last_days(int n) { return testing::last_days(n, kNow); }

Scope with_period(Period period) { return testing::scope_at(period, kNow); }

void expect_empty(const Metrics& m) {
  EXPECT_EQ(m.total, 0);
  EXPECT_EQ(m.success + m.failed + m.neutral, 0);
  EXPECT_EQ(m.success_rate, std::nullopt);
  EXPECT_EQ(m.duration.count, 0);
  EXPECT_EQ(m.duration.mean, std::nullopt);
  EXPECT_EQ(m.duration.p50, std::nullopt);
  EXPECT_EQ(m.duration.p95, std::nullopt);
  EXPECT_EQ(m.mttr.recovered + m.mttr.open, 0);
  EXPECT_EQ(m.mttr.mean, std::nullopt);
  EXPECT_EQ(m.mttr.median, std::nullopt);
  EXPECT_EQ(m.throughput_per_day, 0.0);
  EXPECT_EQ(m.first_run, std::nullopt);
}

TEST(MetricsTest, MatchesTheOriginalProjectOnThreeRuns) {
  RunTable table = table_of({make_run(1, "success", kNow - 3 * kHour, 300),
                             make_run(2, "failure", kNow - 2 * kHour, 180),
                             make_run(3, "success", kNow - 1 * kHour, 240)});
  MetricsReport report = compute_metrics(table, last_days(30));
  const Metrics& m = report.totals;
  EXPECT_EQ(m.total, 3);
  EXPECT_EQ(m.success, 2);
  EXPECT_EQ(m.failed, 1);
  EXPECT_EQ(m.neutral, 0);
  EXPECT_EQ(m.success_rate, 66.67);  // 100 * 2 / 3 = 66.666...
  EXPECT_EQ(m.duration.count, 3);
  EXPECT_EQ(m.duration.mean, 240.0);  // (300 + 180 + 240) / 3
  EXPECT_EQ(m.duration.p50, 240);     // rank ceil(1.5) = 2 of {180, 240, 300}
  EXPECT_EQ(m.duration.p95, 300);     // rank ceil(2.85) = 3
  ASSERT_EQ(report.workflows.size(), 1u);
  EXPECT_EQ(report.workflows[0].repository, "octo/app");
  EXPECT_EQ(report.workflows[0].workflow, "CI");
  EXPECT_EQ(report.workflows[0].workflow_id, 10);
  EXPECT_EQ(report.workflows[0].path, ".github/workflows/ci.yml");
  EXPECT_EQ(report.workflows[0].metrics.total, 3);
  EXPECT_EQ(report.workflows[0].metrics.success_rate, 66.67);
  EXPECT_EQ(report.workflows[0].metrics.first_run, kNow - 3 * kHour);
  EXPECT_EQ(report.workflows[0].metrics.last_run, kNow - 1 * kHour);
}

TEST(MetricsTest, SuccessRateCountsTimedOutAndStartupFailureAsFailedAndCancelledAsNeutral) {
  std::vector<RunRecord> runs;
  const char* conclusions[] = {"success", "success",   "timed_out",      "startup_failure",
                               "failure", "cancelled", "skipped",        "",
                               "neutral", "stale",     "action_required"};
  std::int64_t id = 0;
  for (const char* c : conclusions) {
    ++id;
    runs.push_back(make_run(id, c, kNow - id * kHour, 60));
  }
  Metrics m = compute_metrics(table_of(runs), last_days(30)).totals;
  EXPECT_EQ(m.total, 11);
  EXPECT_EQ(m.success, 2);
  EXPECT_EQ(m.failed, 3);
  EXPECT_EQ(m.neutral, 6);
  EXPECT_EQ(m.success_rate, 40.0);  // 100 * 2 / (2 + 3)
}

TEST(MetricsTest, SuccessRateIsRoundedToTwoDecimals) {
  std::vector<RunRecord> runs;
  for (int i = 1; i <= 7; ++i) {
    runs.push_back(make_run(i, i <= 4 ? "success" : "failure", kNow - i * kHour, 60));
  }
  // 100 * 4 / 7 = 57.142857...
  EXPECT_EQ(compute_metrics(table_of(runs), last_days(30)).totals.success_rate, 57.14);
}

TEST(MetricsTest, SuccessRateIsNoneWithOnlyNeutralRuns) {
  Metrics m =
      compute_metrics(table_of({make_run(1, "cancelled", kNow - kHour, 60)}), last_days(1)).totals;
  EXPECT_EQ(m.total, 1);
  EXPECT_EQ(m.success_rate, std::nullopt);
}

TEST(MetricsTest, NearestRankPercentileOfOneToTen) {
  std::vector<std::int64_t> values = {7, 3, 10, 1, 5, 9, 2, 8, 4, 6};
  EXPECT_EQ(nearest_rank_percentile(values, 50), 5);   // rank ceil(5) = 5
  EXPECT_EQ(nearest_rank_percentile(values, 95), 10);  // rank ceil(9.5) = 10
  EXPECT_EQ(nearest_rank_percentile(values, 100), 10);
  EXPECT_EQ(nearest_rank_percentile(values, 10), 1);  // rank ceil(1) = 1
  EXPECT_EQ(nearest_rank_percentile(values, 11), 2);  // rank ceil(1.1) = 2
}

TEST(MetricsTest, NearestRankPercentileOfASingleValue) {
  std::vector<std::int64_t> values = {42};
  EXPECT_EQ(nearest_rank_percentile(values, 50), 42);
  EXPECT_EQ(nearest_rank_percentile(values, 95), 42);
  EXPECT_EQ(nearest_rank_percentile(values, 1), 42);
}

TEST(MetricsTest, NearestRankPercentileOfTwentyValues) {
  std::vector<std::int64_t> values(20);
  std::iota(values.begin(), values.end(), 1);
  std::reverse(values.begin(), values.end());
  EXPECT_EQ(nearest_rank_percentile(values, 50), 10);  // rank ceil(10) = 10
  EXPECT_EQ(nearest_rank_percentile(values, 95), 19);  // rank ceil(19) = 19, not 20
}

TEST(MetricsTest, NearestRankPercentileOfNothingIsNone) {
  std::vector<std::int64_t> values;
  EXPECT_EQ(nearest_rank_percentile(values, 50), std::nullopt);
}

TEST(MetricsTest, DurationPercentilesOfTwentyRuns) {
  std::vector<RunRecord> runs;
  for (int i = 1; i <= 20; ++i) runs.push_back(make_run(i, "success", kNow - i * kHour, i * 10));
  Metrics m = compute_metrics(table_of(runs), last_days(30)).totals;
  EXPECT_EQ(m.duration.count, 20);
  EXPECT_EQ(m.duration.mean, 105.0);  // 10 * (1 + ... + 20) / 20 = 10 * 210 / 20
  EXPECT_EQ(m.duration.p50, 100);     // 10th of 10, 20, ..., 200
  EXPECT_EQ(m.duration.p95, 190);     // 19th
}

TEST(MetricsTest, LeavesNegativeDurationsOutOfDurationFigures) {
  RunRecord skewed = make_run(2, "success", kNow - kHour, 100);
  skewed.run_started_at = skewed.created_at + 500;  // "completes" 400 s before it starts
  Metrics m = compute_metrics(table_of({make_run(1, "success", kNow - 2 * kHour, 100), skewed}),
                              last_days(30))
                  .totals;
  EXPECT_EQ(m.total, 2);
  EXPECT_EQ(m.duration.count, 1);
  EXPECT_EQ(m.duration.mean, 100.0);
  EXPECT_EQ(m.duration.p95, 100);
}

TEST(MetricsTest, DurationStartsAtCreatedAtWithoutRunStartedAt) {
  RunRecord run = make_run(1, "success", kNow - kHour, 90);
  run.run_started_at.reset();
  run.updated_at = run.created_at + 200;
  Metrics m = compute_metrics(table_of({run}), last_days(1)).totals;
  EXPECT_EQ(m.duration.mean, 200.0);
}

TEST(MetricsTest, IgnoresRunsThatAreNotCompleted) {
  RunRecord running = make_run(2, "", kNow - kHour, 0);
  running.status = "in_progress";
  RunRecord queued = make_run(3, "", kNow - kHour, 0);
  queued.status = "queued";
  RunTable table = table_of({make_run(1, "success", kNow - 2 * kHour, 60), running, queued});
  Metrics m = compute_metrics(table, last_days(1)).totals;
  EXPECT_EQ(m.total, 1);
  EXPECT_EQ(m.neutral, 0);
  EXPECT_EQ(m.duration.count, 1);
}

TEST(MetricsTest, LastDaysIncludesTheFirstSecondAndHasNoUpperBound) {
  Timestamp start = kNow - 7 * kDay;
  RunTable table = table_of({make_run(1, "success", start, 10),
                             make_run(2, "success", start - 1, 10),    // one second early
                             make_run(3, "success", kNow + 60, 10)});  // clock skew
  MetricsReport report = compute_metrics(table, last_days(7));
  EXPECT_EQ(report.totals.total, 2);
  EXPECT_EQ(report.totals.first_run, start);
  EXPECT_EQ(report.start, start);
  EXPECT_EQ(report.end, kNow);
  EXPECT_EQ(report.period_days, 7.0);
}

TEST(MetricsTest, RangeIncludesFromAndExcludesTo) {
  Timestamp from = kMidnight - 2 * kDay;
  Timestamp to = kMidnight;
  RunTable table = table_of({make_run(1, "success", from, 10), make_run(2, "success", to - 1, 10),
                             make_run(3, "success", to, 10), make_run(4, "success", from - 1, 10)});
  MetricsReport report = compute_metrics(table, with_period(Period::range(from, to)));
  EXPECT_EQ(report.totals.total, 2);
  EXPECT_EQ(report.start, from);
  EXPECT_EQ(report.end, to);
  EXPECT_EQ(report.period_days, 2.0);
  EXPECT_EQ(report.totals.throughput_per_day, 1.0);  // 2 runs / 2 days
}

TEST(MetricsTest, EmptyTableGivesZeroTotalsAndNoneRates) {
  MetricsReport report = compute_metrics(RunTable(), last_days(30));
  expect_empty(report.totals);
  EXPECT_TRUE(report.workflows.empty());
}

TEST(MetricsTest, FilterMatchingNothingGivesZeroTotals) {
  RunTable table = table_of(
      {make_run(1, "success", kNow - kHour, 60), make_run(2, "failure", kNow - 2 * kHour, 60)});
  for (int field = 0; field < 4; ++field) {
    Scope scope = last_days(30);
    (field == 0   ? scope.repository
     : field == 1 ? scope.workflow
     : field == 2 ? scope.branch
                  : scope.event) = "nothing";
    MetricsReport report = compute_metrics(table, scope);
    expect_empty(report.totals);
    EXPECT_TRUE(report.workflows.empty()) << field;
  }
}

TEST(MetricsTest, AllOverAnEmptyTableHasADivisorOfOneDay) {
  MetricsReport report = compute_metrics(RunTable(), with_period(Period::all()));
  expect_empty(report.totals);
  EXPECT_EQ(report.period_days, 1.0);
}

// Two repositories; octo/app has "CI" (id 10, main and dev, push and pull_request) and "Build"
// (id 20, path with an @ref suffix); octo/lib has "CI" (id 30).
RunTable filter_table() {
  RunRecord dev = make_run(2, "failure", kNow - 2 * kHour, 60);
  dev.head_branch = "dev";
  dev.event = "pull_request";
  RunRecord build = make_run(3, "success", kNow - 3 * kHour, 60);
  build.workflow_id = 20;
  build.workflow_name = "Build";
  build.path = ".github/workflows/build.yml@refs/heads/main";
  RunRecord lib = make_run(4, "success", kNow - 4 * kHour, 60);
  lib.repository = "octo/lib";
  lib.workflow_id = 30;
  return table_of({make_run(1, "success", kNow - kHour, 60), dev, build, lib});
}

std::int64_t total_with(void (*set)(Scope&)) {
  Scope scope = last_days(30);
  set(scope);
  return compute_metrics(filter_table(), scope).totals.total;
}

TEST(MetricsTest, FiltersByRepositoryIgnoringCase) {
  EXPECT_EQ(total_with([](Scope& s) { s.repository = "OCTO/App"; }), 3);
  EXPECT_EQ(total_with([](Scope& s) { s.repository = "octo/lib"; }), 1);
  EXPECT_EQ(total_with([](Scope& s) { s.repository = "octo"; }), 0);
}

TEST(MetricsTest, FiltersByWorkflowNameFileNameOrId) {
  EXPECT_EQ(total_with([](Scope& s) { s.workflow = "Build"; }), 1);
  EXPECT_EQ(total_with([](Scope& s) { s.workflow = "build.yml"; }), 1);  // "@ref" stripped
  EXPECT_EQ(total_with([](Scope& s) { s.workflow = "20"; }), 1);
  EXPECT_EQ(total_with([](Scope& s) { s.workflow = "CI"; }), 3);  // in both repositories
  EXPECT_EQ(total_with([](Scope& s) { s.workflow = "ci.yml"; }), 3);
  EXPECT_EQ(total_with([](Scope& s) { s.workflow = "build"; }), 0);  // exact only
  EXPECT_EQ(total_with([](Scope& s) { s.workflow = "ci"; }), 0);
  EXPECT_EQ(total_with([](Scope& s) {
              s.repository = "octo/lib";
              s.workflow = "CI";
            }),
            1);
}

TEST(MetricsTest, FiltersByBranchAndEventExactly) {
  EXPECT_EQ(total_with([](Scope& s) { s.branch = "main"; }), 3);
  EXPECT_EQ(total_with([](Scope& s) { s.branch = "dev"; }), 1);
  EXPECT_EQ(total_with([](Scope& s) { s.branch = "Dev"; }), 0);
  EXPECT_EQ(total_with([](Scope& s) { s.event = "pull_request"; }), 1);
  EXPECT_EQ(total_with([](Scope& s) { s.event = "push"; }), 3);
  EXPECT_EQ(total_with([](Scope& s) {
              s.branch = "main";
              s.event = "pull_request";
            }),
            0);
}

TEST(MetricsTest, ReportsTheScopeItWasGiven) {
  Scope scope = last_days(30);
  scope.workflow = "Build";
  MetricsReport report = compute_metrics(filter_table(), scope);
  EXPECT_EQ(report.scope.workflow, "Build");
  ASSERT_EQ(report.workflows.size(), 1u);
  EXPECT_EQ(report.workflows[0].workflow, "Build");
}

TEST(MetricsTest, ThroughputOverLastDays) {
  std::vector<RunRecord> runs;
  for (int i = 1; i <= 15; ++i) runs.push_back(make_run(i, "success", kNow - i * kDay, 60));
  MetricsReport report = compute_metrics(table_of(runs), last_days(30));
  EXPECT_EQ(report.totals.throughput_per_day, 0.5);  // 15 / 30
  ASSERT_EQ(report.workflows.size(), 1u);
  EXPECT_EQ(report.workflows[0].metrics.throughput_per_day, 0.5);
}

TEST(MetricsTest, ThroughputOverAllUsesTheSpanOfCreationTimes) {
  RunTable table =
      table_of({make_run(1, "success", kNow - 4 * kDay, 60),
                make_run(2, "success", kNow - 2 * kDay, 60), make_run(3, "success", kNow, 60)});
  MetricsReport report = compute_metrics(table, with_period(Period::all()));
  EXPECT_EQ(report.period_days, 4.0);
  EXPECT_EQ(report.totals.throughput_per_day, 0.75);  // 3 / 4
  EXPECT_EQ(report.start, kNow - 4 * kDay);
  EXPECT_EQ(report.end, kNow + 1);
}

TEST(MetricsTest, ThroughputOverAllUsesFractionalDaysButAtLeastOne) {
  RunTable short_span =
      table_of({make_run(1, "success", kNow - 6 * kHour, 60),
                make_run(2, "success", kNow - 3 * kHour, 60), make_run(3, "success", kNow, 60)});
  // 6 hours = 0.25 days, raised to 1: 3 / 1.
  EXPECT_EQ(compute_metrics(short_span, with_period(Period::all())).totals.throughput_per_day, 3.0);
  RunTable long_span =
      table_of({make_run(1, "success", kNow - 36 * kHour, 60),
                make_run(2, "success", kNow - 3 * kHour, 60), make_run(3, "success", kNow, 60)});
  // 36 hours = 1.5 days: 3 / 1.5.
  EXPECT_EQ(compute_metrics(long_span, with_period(Period::all())).totals.throughput_per_day, 2.0);
}

TEST(MetricsTest, ThroughputOverARangeDividesByItsLength) {
  std::vector<RunRecord> runs;
  for (int i = 0; i < 10; ++i) runs.push_back(make_run(i + 1, "success", kMidnight - i * kHour, 1));
  Period range = Period::range(kMidnight - 4 * kDay, kMidnight + kDay);  // 5 days
  EXPECT_EQ(compute_metrics(table_of(runs), with_period(range)).totals.throughput_per_day, 2.0);
}

TEST(MetricsTest, OrdersRowsByRepositoryThenWorkflowName) {
  RunRecord a = make_run(1, "success", kNow - kHour, 60);
  a.repository = "zeta/z";
  a.workflow_id = 1;
  a.workflow_name = "Alpha";
  RunRecord b = make_run(2, "success", kNow - 2 * kHour, 60);
  b.repository = "alpha/a";
  b.workflow_id = 2;
  b.workflow_name = "Zed";
  RunRecord c = make_run(3, "failure", kNow - 3 * kHour, 60);
  c.repository = "alpha/a";
  c.workflow_id = 3;
  c.workflow_name = "Build";
  MetricsReport report = compute_metrics(table_of({a, b, c}), last_days(1));
  ASSERT_EQ(report.workflows.size(), 3u);
  EXPECT_EQ(report.workflows[0].workflow, "Build");
  EXPECT_EQ(report.workflows[1].workflow, "Zed");
  EXPECT_EQ(report.workflows[2].repository, "zeta/z");
  EXPECT_EQ(report.workflows[0].metrics.success_rate, 0.0);
  EXPECT_EQ(report.totals.total, 3);
  EXPECT_EQ(report.totals.first_run, kNow - 3 * kHour);
  EXPECT_EQ(report.totals.last_run, kNow - kHour);
}

TEST(MetricsTest, LeavesOutWorkflowsWithoutRunsInThePeriod) {
  RunRecord old = make_run(2, "success", kNow - 40 * kDay, 60);
  old.workflow_id = 20;
  MetricsReport report =
      compute_metrics(table_of({make_run(1, "success", kNow - kHour, 60), old}), last_days(30));
  ASSERT_EQ(report.workflows.size(), 1u);
  EXPECT_EQ(report.workflows[0].workflow_id, 10);
}

TEST(MetricsTest, IncrementalRefreshOfAFinishedRunChangesTheMetrics) {
  RunRecord running = make_run(2, "", kNow - kHour, 120);
  running.status = "in_progress";
  RunTable base = table_of({make_run(1, "success", kNow - 2 * kHour, 60), running});
  Metrics before = compute_metrics(base, last_days(1)).totals;
  EXPECT_EQ(before.total, 1);
  EXPECT_EQ(before.success_rate, 100.0);

  RunTableBuilder builder(base);
  builder.add(make_run(2, "failure", kNow - kHour, 120));
  RunTable refreshed = builder.build(2);
  Metrics after = compute_metrics(refreshed, last_days(1)).totals;
  EXPECT_EQ(refreshed.size(), 2u);
  EXPECT_EQ(after.total, 2);
  EXPECT_EQ(after.failed, 1);
  EXPECT_EQ(after.success_rate, 50.0);   // 1 / (1 + 1)
  EXPECT_EQ(after.duration.mean, 90.0);  // (60 + 120) / 2
  EXPECT_EQ(after.mttr.open, 1);
}

TEST(MetricsTest, ValidateScopeChecksDays) {
  EXPECT_TRUE(validate_scope(last_days(1)));
  EXPECT_TRUE(validate_scope(last_days(3650)));
  for (int days : {0, -5, 3651}) {
    Status status = validate_scope(last_days(days));
    ASSERT_FALSE(status) << days;
    EXPECT_NE(status.error().message.find("days"), std::string::npos);
    EXPECT_NE(status.error().message.find(std::to_string(days)), std::string::npos);
  }
}

TEST(MetricsTest, ValidateScopeChecksRanges) {
  EXPECT_TRUE(validate_scope(with_period(Period::all())));
  EXPECT_TRUE(validate_scope(with_period(Period::range(kNow - 1, kNow))));
  Status status = validate_scope(with_period(Period::range(kNow, kNow)));
  ASSERT_FALSE(status);
  EXPECT_NE(status.error().message.find("from"), std::string::npos);
  EXPECT_NE(status.error().message.find("2024-03-10T12:00:00Z"), std::string::npos);
  EXPECT_FALSE(validate_scope(with_period(Period::range(kNow, kNow - kDay))));
}

// --- Daily series -----------------------------------------------------------------------------

TEST(MetricsTest, ReRunsAndFlakinessOfTheWorkedExample) {
  // docs/metrics.md, "Re-runs and flakiness": A passed first time; B failed (4m) then passed;
  // C timed out (10m), failed (3m), failed again.
  RunRecord a = make_run(1, "success", kNow - 3 * kHour, 300);
  RunRecord b = make_run(2, "success", kNow - 2 * kHour, 300);
  b.run_attempt = 2;
  b.earlier_attempts = {
      {2, 1, true, "completed", "failure", kNow - 2 * kHour, kNow - 2 * kHour + 240}};
  RunRecord c = make_run(3, "failure", kNow - kHour, 180);
  c.run_attempt = 3;
  c.earlier_attempts = {
      {3, 1, true, "completed", "timed_out", kNow - kHour, kNow - kHour + 600},
      {3, 2, true, "completed", "failure", kNow - kHour + 900, kNow - kHour + 1080}};
  MetricsReport report = compute_metrics(table_of({a, b, c}), last_days(1));
  const Metrics& m = report.totals;
  EXPECT_EQ(m.total, 3);
  EXPECT_EQ(m.success_rate, 66.67);
  EXPECT_EQ(m.rerun_runs, 2);
  EXPECT_EQ(m.rerun_rate, 66.67);
  EXPECT_EQ(m.flaky_runs, 1);
  EXPECT_EQ(m.flaky_rate, 33.33);
  EXPECT_EQ(m.rerun_seconds_lost, 17 * 60);
  EXPECT_EQ(m.first_attempt_success_rate, 33.33);
  ASSERT_EQ(report.workflows.size(), 1u);
  EXPECT_EQ(report.workflows[0].metrics.flaky_runs, 1);
  // A branch filter reads row by row: the same answers.
  Scope on_main = last_days(1);
  on_main.branch = "main";
  const Metrics& filtered = compute_metrics(table_of({a, b, c}), on_main).totals;
  EXPECT_EQ(filtered.flaky_runs, 1);
  EXPECT_EQ(filtered.rerun_seconds_lost, 17 * 60);
  EXPECT_EQ(filtered.first_attempt_success_rate, 33.33);
}

TEST(MetricsTest, ReRunRatesAreNoneWithoutRuns) {
  const Metrics& m = compute_metrics(table_of({}), last_days(1)).totals;
  EXPECT_EQ(m.rerun_rate, std::nullopt);
  EXPECT_EQ(m.flaky_rate, std::nullopt);
  EXPECT_EQ(m.first_attempt_success_rate, std::nullopt);
}

TEST(DailySeriesTest, AllCoversAtMostTheLastHundredYearsOfRuns) {
  // 2000-01-01 and 2150-06-01: 150 years apart; the series keeps the last 36,525 days.
  Timestamp early = days_from_civil(2000, 1, 1) * kDay + kHour;
  Timestamp late = days_from_civil(2150, 6, 1) * kDay + kHour;
  RunTable table = table_of({make_run(1, "success", early, 10), make_run(2, "failure", late, 20)});
  auto points = compute_daily_series(table, with_period(Period::all()));
  ASSERT_EQ(points.size(), 36525u);
  EXPECT_EQ(points.back().day, days_from_civil(2150, 6, 1));
  EXPECT_EQ(points.front().day, days_from_civil(2150, 6, 1) - 36524);
  EXPECT_EQ(points.back().failed, 1);
}

TEST(DailySeriesTest, RunsDatedOutsideTwoThousandToTwentyTwoHundredAreLeftOut) {
  // Stored by versions that accepted any date: 0000-01-01 and 9999-12-31 beside 2024-03-10.
  Timestamp year_zero = days_from_civil(0, 1, 1) * kDay;
  Timestamp year_9999 = days_from_civil(9999, 12, 31) * kDay;
  RunTable table = table_of({make_run(1, "success", year_zero, 10),
                             make_run(2, "success", kMidnight + kHour, 20),
                             make_run(3, "failure", year_9999, 30)});
  EXPECT_EQ(table.size(), 1u);
  MetricsReport report = compute_metrics(table, with_period(Period::all()));
  EXPECT_EQ(report.totals.total, 1);
  EXPECT_EQ(format_timestamp(report.end), "2024-03-10T01:00:01Z");
  EXPECT_EQ(compute_daily_series(table, with_period(Period::all())).size(), 1u);
}

TEST(DailySeriesTest, LastDaysHasOnePointPerDayFromTheStartDayToToday) {
  // now = 03-10 12:00, 3 days: from 03-07 12:00, so days 03-07 .. 03-10 (4 points).
  RunTable table = table_of({
      make_run(1, "success", kMidnight - 3 * kDay + 11 * kHour, 30),   // 03-07 11:00, too early
      make_run(2, "success", kMidnight - 3 * kDay + 13 * kHour, 100),  // 03-07 13:00
      make_run(3, "failure", kMidnight - kDay + 1 * kHour, 50),        // 03-09 01:00
      make_run(4, "success", kMidnight - kDay + 23 * kHour, 300),      // 03-09 23:00
      make_run(5, "cancelled", kMidnight + 11 * kHour, 20),            // 03-10 11:00
  });
  auto points = compute_daily_series(table, last_days(3));
  ASSERT_EQ(points.size(), 4u);
  std::int64_t today = kMidnight / kDay;
  EXPECT_EQ(points[0].day, today - 3);
  EXPECT_EQ(points[3].day, today);
  EXPECT_EQ(points[0].total, 1);
  EXPECT_EQ(points[0].success_rate, 100.0);
  EXPECT_EQ(points[0].duration_p50, 100);
  EXPECT_EQ(points[1].total, 0);  // 03-08: no runs
  EXPECT_EQ(points[1].success_rate, std::nullopt);
  EXPECT_EQ(points[1].duration_p50, std::nullopt);
  EXPECT_EQ(points[2].total, 2);
  EXPECT_EQ(points[2].success, 1);
  EXPECT_EQ(points[2].failed, 1);
  EXPECT_EQ(points[2].success_rate, 50.0);
  EXPECT_EQ(points[2].duration_p50, 50);   // rank ceil(1) of {50, 300}
  EXPECT_EQ(points[2].duration_p95, 300);  // rank ceil(1.9) = 2
  EXPECT_EQ(points[3].neutral, 1);
  EXPECT_EQ(points[3].success_rate, std::nullopt);
  EXPECT_EQ(points[3].duration_p95, 20);
}

TEST(DailySeriesTest, LastDaysOverNoRunsIsZeroFilled) {
  auto points = compute_daily_series(RunTable(), last_days(3));
  ASSERT_EQ(points.size(), 4u);
  for (const auto& p : points) EXPECT_EQ(p.total, 0);
}

TEST(DailySeriesTest, LastDaysWithAFilterNamingNothingIsZeroFilled) {
  // As for a range: now = 03-10 12:00, 3 days: 03-07 .. 03-10, 4 points without runs.
  Scope scope = last_days(3);
  scope.branch = "nowhere";
  RunTable table = table_of({make_run(1, "success", kNow - kHour, 60)});
  auto points = compute_daily_series(table, scope);
  ASSERT_EQ(points.size(), 4u);
  EXPECT_EQ(points[0].day, kMidnight / kDay - 3);
  for (const auto& p : points) EXPECT_EQ(p.total, 0);
}

TEST(DailySeriesTest, AllRunsFromTheFirstToTheLastRunsDay) {
  RunTable table = table_of({make_run(1, "success", kMidnight - 5 * kDay + kHour, 60),
                             make_run(2, "failure", kMidnight - 2 * kDay + 2 * kHour, 60),
                             make_run(3, "success", kMidnight - 2 * kDay + 3 * kHour, 60)});
  auto points = compute_daily_series(table, with_period(Period::all()));
  ASSERT_EQ(points.size(), 4u);  // 03-05, 03-06, 03-07, 03-08
  EXPECT_EQ(points[0].day, kMidnight / kDay - 5);
  EXPECT_EQ(points[0].total, 1);
  EXPECT_EQ(points[1].total + points[2].total, 0);
  EXPECT_EQ(points[3].total, 2);
  EXPECT_EQ(points[3].success_rate, 50.0);
}

TEST(DailySeriesTest, AllOverAnEmptyScopeIsEmpty) {
  EXPECT_TRUE(compute_daily_series(RunTable(), with_period(Period::all())).empty());
  Scope scope = with_period(Period::all());
  scope.branch = "nowhere";
  RunTable table = table_of({make_run(1, "success", kNow, 60)});
  EXPECT_TRUE(compute_daily_series(table, scope).empty());
}

TEST(DailySeriesTest, RangeEndsOnTheDayBeforeItsExclusiveEnd) {
  Timestamp from = kMidnight - 9 * kDay;  // 03-01
  Timestamp to = kMidnight - 7 * kDay;    // 03-03 00:00, excluded
  RunTable table = table_of({make_run(1, "success", from, 60), make_run(2, "success", to - 1, 60),
                             make_run(3, "success", to, 60)});
  auto points = compute_daily_series(table, with_period(Period::range(from, to)));
  ASSERT_EQ(points.size(), 2u);
  EXPECT_EQ(points[0].total, 1);
  EXPECT_EQ(points[1].total, 1);
}

TEST(DailySeriesTest, AppliesTheFilters) {
  RunRecord dev = make_run(2, "failure", kNow - kHour, 60);
  dev.head_branch = "dev";
  RunTable table = table_of({make_run(1, "success", kNow - 2 * kHour, 60), dev});
  Scope scope = last_days(1);
  scope.branch = "dev";
  auto points = compute_daily_series(table, scope);
  ASSERT_EQ(points.size(), 2u);  // 03-09 and 03-10
  EXPECT_EQ(points[1].total, 1);
  EXPECT_EQ(points[1].failed, 1);
  EXPECT_EQ(points[0].total, 0);
}

}  // namespace
}  // namespace cipette

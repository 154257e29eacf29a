// The metrics engine answers most queries from the table's indexes (running sums, duration
// ranks, precomputed incidents) and reads the rows in scope where a branch or event filter asks.
// These tests check both against a brute-force reference written here from docs/metrics.md's
// definitions, on random histories, and against each other.

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "cipette/core/engine/scope.h"
#include "cipette/core/metrics.h"
#include "support/run_fixtures.h"

namespace cipette {
namespace {

using testing::ci_run;
using testing::table_of;

constexpr Timestamp kDay = 86400;
constexpr Timestamp kNow = 1710072000;  // 2024-03-10T12:00:00Z

// --- A brute-force reference --------------------------------------------------------------------

std::string lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool is_success(const RunRecord& run) { return run.conclusion == "success"; }
bool is_failed(const RunRecord& run) {
  return run.conclusion == "failure" || run.conclusion == "timed_out" ||
         run.conclusion == "startup_failure";
}

// Every filter but the period.
bool passes_filters(const RunRecord& run, const Scope& scope) {
  if (run.status != "completed") return false;
  if (!scope.repository.empty() && lower(run.repository) != lower(scope.repository)) return false;
  std::string file = run.path.substr(run.path.rfind('/') + 1);
  if (!scope.workflow.empty() && run.workflow_name != scope.workflow && file != scope.workflow &&
      std::to_string(run.workflow_id) != scope.workflow) {
    return false;
  }
  if (!scope.branch.empty() && run.head_branch != scope.branch) return false;
  return scope.event.empty() || run.event == scope.event;
}

bool in_period(Timestamp created, const Scope& scope) {
  switch (scope.period.kind) {
    case Period::Kind::kDays:
      return created >= scope.now - scope.period.days * kDay;
    case Period::Kind::kRange:
      return created >= scope.period.from && created < scope.period.to;
    case Period::Kind::kAll:
      break;
  }
  return true;
}

// The value at 1-based rank ceil(p/100 n) of the sorted values, in integers only.
std::optional<std::int64_t> percentile(std::vector<std::int64_t> values, std::int64_t p) {
  if (values.empty()) return std::nullopt;
  std::sort(values.begin(), values.end());
  auto n = static_cast<std::int64_t>(values.size());
  std::int64_t rank = std::max<std::int64_t>(1, (p * n + 99) / 100);
  return values[static_cast<std::size_t>(rank - 1)];
}

// A run's attempts as (completed, conclusion) in attempt order: the known earlier ones (found),
// then the run itself. Unknown attempts (not found) are left out.
std::vector<std::pair<bool, std::string>> known_attempts(const RunRecord& run) {
  std::vector<std::pair<bool, std::string>> attempts;
  for (const AttemptRecord& a : run.earlier_attempts) {
    if (a.found) attempts.emplace_back(a.status == "completed", a.conclusion);
  }
  attempts.emplace_back(run.status == "completed", run.conclusion);
  return attempts;
}

bool conclusion_failed(const std::string& c) {
  return c == "failure" || c == "timed_out" || c == "startup_failure";
}

// docs/metrics.md, "Re-runs and flakiness": a completed attempt that failed, and a later
// completed one that succeeded.
bool reference_flaky(const RunRecord& run) {
  auto attempts = known_attempts(run);
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    for (std::size_t j = i + 1; j < attempts.size(); ++j) {
      if (attempts[i].first && conclusion_failed(attempts[i].second) && attempts[j].first &&
          attempts[j].second == "success") {
        return true;
      }
    }
  }
  return false;
}

struct Reference {
  std::int64_t total = 0, success = 0, failed = 0, neutral = 0, open = 0;
  std::int64_t reruns = 0, flaky = 0, first_success = 0, first_failed = 0, lost = 0;
  std::vector<std::int64_t> durations;
  std::vector<std::int64_t> ttrs;
  std::optional<Timestamp> first, last;

  void count(const RunRecord& run) {
    ++total;
    success += is_success(run);
    failed += is_failed(run);
    neutral += !is_success(run) && !is_failed(run);
    if (run.updated_at >= run.started()) durations.push_back(run.updated_at - run.started());
    first = std::min(first.value_or(run.created_at), run.created_at);
    last = std::max(last.value_or(run.created_at), run.created_at);
    reruns += run.run_attempt > 1;
    flaky += reference_flaky(run);
    std::optional<std::string> first_conclusion;
    if (run.run_attempt == 1) first_conclusion = run.conclusion;
    for (const AttemptRecord& a : run.earlier_attempts) {
      if (a.attempt == 1 && a.found && a.status == "completed") first_conclusion = a.conclusion;
      if (a.found && a.status == "completed" && a.run_started_at &&
          a.updated_at >= *a.run_started_at) {
        lost += a.updated_at - *a.run_started_at;
      }
    }
    first_success += first_conclusion == "success";
    first_failed += first_conclusion && conclusion_failed(*first_conclusion);
  }
  bool reported() const { return total > 0 || !ttrs.empty() || open > 0; }
};

using RowKey = std::pair<std::string, std::int64_t>;  // repository, workflow id

struct ReferenceReport {
  std::map<RowKey, Reference> rows;
  Reference totals;
};

// Walks one stream (runs of one repository, workflow and branch passing the filters).
void walk_stream(std::vector<const RunRecord*> stream, const Scope& scope, Reference& row,
                 Reference& totals) {
  std::sort(stream.begin(), stream.end(), [](const RunRecord* a, const RunRecord* b) {
    return std::tie(a->updated_at, a->id) < std::tie(b->updated_at, b->id);
  });
  const RunRecord* first_failure = nullptr;
  for (const RunRecord* run : stream) {
    if (is_failed(*run) && first_failure == nullptr) first_failure = run;
    if (is_success(*run) && first_failure != nullptr) {
      if (in_period(first_failure->created_at, scope)) {
        row.ttrs.push_back(run->updated_at - first_failure->updated_at);
        totals.ttrs.push_back(run->updated_at - first_failure->updated_at);
      }
      first_failure = nullptr;
    }
  }
  if (first_failure != nullptr && in_period(first_failure->created_at, scope)) {
    ++row.open;
    ++totals.open;
  }
}

ReferenceReport reference(const std::vector<RunRecord>& runs, const Scope& scope) {
  ReferenceReport report;
  std::map<std::tuple<std::string, std::int64_t, std::string>, std::vector<const RunRecord*>>
      streams;
  for (const RunRecord& run : runs) {
    if (!passes_filters(run, scope)) continue;
    streams[{run.repository, run.workflow_id, run.head_branch}].push_back(&run);
    if (!in_period(run.created_at, scope)) continue;
    report.rows[{run.repository, run.workflow_id}].count(run);
    report.totals.count(run);
  }
  for (const auto& [key, stream] : streams) {
    auto& row = report.rows[{std::get<0>(key), std::get<1>(key)}];
    walk_stream(stream, scope, row, report.totals);
  }
  std::erase_if(report.rows, [](const auto& entry) { return !entry.second.reported(); });
  return report;
}

std::optional<double> mean_of(const std::vector<std::int64_t>& values) {
  if (values.empty()) return std::nullopt;
  std::int64_t sum = 0;
  for (std::int64_t v : values) sum += v;
  return static_cast<double>(sum) / static_cast<double>(values.size());
}

void expect_matches(const Metrics& m, const Reference& r, const std::string& what) {
  SCOPED_TRACE(what);
  EXPECT_EQ(m.total, r.total);
  EXPECT_EQ(m.success, r.success);
  EXPECT_EQ(m.failed, r.failed);
  EXPECT_EQ(m.neutral, r.neutral);
  std::optional<double> rate;
  if (r.success + r.failed > 0) {
    rate = std::round(10000.0 * static_cast<double>(r.success) /
                      static_cast<double>(r.success + r.failed)) /
           100.0;
  }
  EXPECT_EQ(m.success_rate, rate);
  EXPECT_EQ(m.duration.count, static_cast<std::int64_t>(r.durations.size()));
  EXPECT_EQ(m.duration.mean, mean_of(r.durations));
  EXPECT_EQ(m.duration.p50, percentile(r.durations, 50));
  EXPECT_EQ(m.duration.p95, percentile(r.durations, 95));
  EXPECT_EQ(m.mttr.recovered, static_cast<std::int64_t>(r.ttrs.size()));
  EXPECT_EQ(m.mttr.open, r.open);
  EXPECT_EQ(m.mttr.mean, mean_of(r.ttrs));
  EXPECT_EQ(m.mttr.median, percentile(r.ttrs, 50));
  EXPECT_EQ(m.first_run, r.first);
  EXPECT_EQ(m.last_run, r.last);
  EXPECT_EQ(m.rerun_runs, r.reruns);
  EXPECT_EQ(m.flaky_runs, r.flaky);
  EXPECT_EQ(m.rerun_seconds_lost, r.lost);
  auto percent = [](std::int64_t part, std::int64_t whole) -> std::optional<double> {
    if (whole == 0) return std::nullopt;
    return std::round(10000.0 * static_cast<double>(part) / static_cast<double>(whole)) / 100.0;
  };
  EXPECT_EQ(m.rerun_rate, percent(r.reruns, r.total));
  EXPECT_EQ(m.flaky_rate, percent(r.flaky, r.total));
  EXPECT_EQ(m.first_attempt_success_rate,
            percent(r.first_success, r.first_success + r.first_failed));
}

void expect_matches_reference(const RunTable& table, const std::vector<RunRecord>& runs,
                              const Scope& scope, const std::string& what) {
  MetricsReport report = compute_metrics(table, scope);
  ReferenceReport expected = reference(runs, scope);
  expect_matches(report.totals, expected.totals, what + " totals");
  ASSERT_EQ(report.workflows.size(), expected.rows.size()) << what;
  for (const WorkflowMetrics& row : report.workflows) {
    auto found = expected.rows.find({row.repository, row.workflow_id});
    ASSERT_NE(found, expected.rows.end()) << what << " " << row.repository << " " << row.workflow;
    expect_matches(row.metrics, found->second, what + " " + row.repository + " " + row.workflow);
  }
}

std::int64_t floor_day(Timestamp t) { return t >= 0 ? t / kDay : -((-t + kDay - 1) / kDay); }

void expect_series_matches_reference(const RunTable& table, const std::vector<RunRecord>& runs,
                                     const Scope& scope, const std::string& what) {
  SCOPED_TRACE(what);
  std::int64_t first = 0, last = -1;
  if (scope.period.kind == Period::Kind::kDays) {
    first = floor_day(scope.now - scope.period.days * kDay);
    last = floor_day(scope.now);
  } else if (scope.period.kind == Period::Kind::kRange) {
    first = floor_day(scope.period.from);
    last = floor_day(scope.period.to - 1);
  } else {
    first = std::numeric_limits<std::int64_t>::max();
    last = std::numeric_limits<std::int64_t>::min();
    for (const RunRecord& run : runs) {
      if (!passes_filters(run, scope)) continue;
      first = std::min(first, floor_day(run.created_at));
      last = std::max(last, floor_day(run.created_at));
    }
  }
  std::map<std::int64_t, Reference> days;
  for (const RunRecord& run : runs) {
    if (passes_filters(run, scope) && in_period(run.created_at, scope)) {
      days[floor_day(run.created_at)].count(run);
    }
  }
  auto points = compute_daily_series(table, scope);
  if (last < first) {
    EXPECT_TRUE(points.empty());
    return;
  }
  ASSERT_EQ(static_cast<std::int64_t>(points.size()), last - first + 1);
  for (std::size_t i = 0; i < points.size(); ++i) {
    const DailyPoint& point = points[i];
    ASSERT_EQ(point.day, first + static_cast<std::int64_t>(i));
    const Reference& r = days[point.day];
    EXPECT_EQ(point.total, r.total) << "day " << point.day;
    EXPECT_EQ(point.success, r.success) << "day " << point.day;
    EXPECT_EQ(point.failed, r.failed) << "day " << point.day;
    EXPECT_EQ(point.neutral, r.neutral) << "day " << point.day;
    EXPECT_EQ(point.duration_p50, percentile(r.durations, 50)) << "day " << point.day;
    EXPECT_EQ(point.duration_p95, percentile(r.durations, 95)) << "day " << point.day;
  }
}

// --- Random histories ---------------------------------------------------------------------------

struct WorkflowSpec {
  const char* repository;
  std::int64_t id;
  const char* name;
  const char* path;
};

// Workflow id 10 exists in two repositories, and "CI" names two workflows.
constexpr WorkflowSpec kWorkflows[] = {
    {"octo/app", 10, "CI", ".github/workflows/ci.yml"},
    {"octo/app", 20, "Lint", ".github/workflows/lint.yml"},
    {"octo/lib", 10, "CI", ".github/workflows/ci.yml@main"},
    {"octo/lib", 30, "Release", ".github/workflows/release.yml"},
    {"acme/web", 40, "Deploy", ".github/workflows/deploy.yml"},
};

// `count` runs over the 12 days before kNow and a few hours after it, on coarse time steps so
// that creation and completion times tie, with every kind of conclusion, some runs not
// completed, some without run_started_at and some completing before they start.
std::vector<RunRecord> random_history(std::uint32_t seed, int count,
                                      std::vector<std::string> events) {
  std::mt19937 random(seed);
  auto pick = [&](int n) { return static_cast<int>(random() % static_cast<unsigned>(n)); };
  const std::vector<std::string> branches = {"main", "main", "main", "dev", "fix-1", ""};
  const std::vector<std::string> conclusions = {
      "success",   "success",         "success",   "success", "failure", "failure",
      "timed_out", "startup_failure", "cancelled", "skipped", "neutral", ""};
  std::vector<RunRecord> runs;
  for (int i = 0; i < count; ++i) {
    const WorkflowSpec& w = kWorkflows[pick(std::size(kWorkflows))];
    RunRecord run;
    run.id = 1000 + i;
    run.repository = w.repository;
    run.workflow_id = w.id;
    run.workflow_name = w.name;
    run.path = w.path;
    run.event = events[static_cast<std::size_t>(pick(static_cast<int>(events.size())))];
    run.status = pick(10) == 0 ? "in_progress" : "completed";
    run.conclusion = conclusions[static_cast<std::size_t>(pick(12))];
    run.head_branch = branches[static_cast<std::size_t>(pick(6))];
    run.created_at = kNow + 4 * 3600 - 1800 * pick(12 * 48);
    if (pick(5) != 0) run.run_started_at = run.created_at + 60 * pick(5);
    run.updated_at = run.started() + 600 * (pick(12) - 1);  // -600 .. 6000 s
    // One run in five re-run: up to three earlier attempts, some unknown (404), unfinished,
    // without a start or ending before it, and some not fetched at all.
    if (pick(5) == 0) {
      run.run_attempt = 2 + pick(3);
      for (int k = 1; k < run.run_attempt; ++k) {
        if (pick(6) == 0) continue;  // not fetched
        AttemptRecord a;
        a.run_id = run.id;
        a.attempt = k;
        a.found = pick(8) != 0;
        if (a.found) {
          a.status = pick(10) == 0 ? "in_progress" : "completed";
          a.conclusion = conclusions[static_cast<std::size_t>(pick(12))];
          if (pick(6) != 0) a.run_started_at = run.created_at + 600 * (k - 1);
          a.updated_at = a.run_started_at.value_or(run.created_at) + 300 * (pick(8) - 1);
        }
        run.earlier_attempts.push_back(a);
      }
    }
    runs.push_back(run);
  }
  return runs;
}

std::vector<Period> periods() {
  return {Period::last_days(1),
          Period::last_days(3),
          Period::last_days(10),
          Period::all(),
          Period::range(kNow - 5 * kDay + 3600, kNow - kDay),
          Period::range(kNow - 30 * kDay, kNow + 30 * kDay)};
}

// Filters as {repository, workflow, branch, event}.
std::vector<std::vector<std::string>> filters() {
  return {{"", "", "", ""},
          {"", "", "dev", ""},
          {"", "", "main", ""},
          {"", "", "", "push"},
          {"OCTO/app", "", "", ""},
          {"", "CI", "", ""},
          {"", "lint.yml", "", ""},
          {"", "30", "", ""},
          {"", "", "main", "push"},
          {"octo/lib", "", "", ""},
          {"octo/app", "CI", "fix-1", ""},
          {"", "", "", "schedule"},
          {"", "", "nowhere", ""}};
}

Scope scope_of(const Period& period, const std::vector<std::string>& filter) {
  Scope scope;
  scope.period = period;
  scope.now = kNow;
  scope.repository = filter[0];
  scope.workflow = filter[1];
  scope.branch = filter[2];
  scope.event = filter[3];
  return scope;
}

std::string describe(const Scope& scope) {
  return "period kind " + std::to_string(static_cast<int>(scope.period.kind)) + " days " +
         std::to_string(scope.period.days) + " repo '" + scope.repository + "' workflow '" +
         scope.workflow + "' branch '" + scope.branch + "' event '" + scope.event + "'";
}

// Calls check(table, runs, scope, label) for every period and filter, on a random history of
// `count` runs (push, pull_request and schedule) for each seed.
template <typename Check>
void for_each_scope_of_random_histories(std::initializer_list<std::uint32_t> seeds, int count,
                                        Check check) {
  for (std::uint32_t seed : seeds) {
    auto runs = random_history(seed, count, {"push", "pull_request", "schedule"});
    RunTable table = table_of(runs);
    for (const Period& period : periods()) {
      for (const auto& filter : filters()) {
        Scope scope = scope_of(period, filter);
        check(table, runs, scope, "seed " + std::to_string(seed) + " " + describe(scope));
      }
    }
  }
}

TEST(MetricsIndexTest, MatchesABruteForceReferenceOnRandomHistories) {
  for_each_scope_of_random_histories(
      {1u, 2u, 3u}, 700,
      [](const RunTable& table, const std::vector<RunRecord>& runs, const Scope& scope,
         const std::string& label) { expect_matches_reference(table, runs, scope, label); });
}

TEST(DailySeriesIndexTest, MatchesABruteForceReferenceOnRandomHistories) {
  for_each_scope_of_random_histories(
      {4u, 5u}, 700,
      [](const RunTable& table, const std::vector<RunRecord>& runs, const Scope& scope,
         const std::string& label) { expect_series_matches_reference(table, runs, scope, label); });
}

void expect_same(const Metrics& a, const Metrics& b) {
  EXPECT_EQ(a.total, b.total);
  EXPECT_EQ(a.success, b.success);
  EXPECT_EQ(a.failed, b.failed);
  EXPECT_EQ(a.neutral, b.neutral);
  EXPECT_EQ(a.success_rate, b.success_rate);
  EXPECT_EQ(a.duration.count, b.duration.count);
  EXPECT_EQ(a.duration.mean, b.duration.mean);
  EXPECT_EQ(a.duration.p50, b.duration.p50);
  EXPECT_EQ(a.duration.p95, b.duration.p95);
  EXPECT_EQ(a.throughput_per_day, b.throughput_per_day);
  EXPECT_EQ(a.mttr.recovered, b.mttr.recovered);
  EXPECT_EQ(a.mttr.open, b.mttr.open);
  EXPECT_EQ(a.mttr.mean, b.mttr.mean);
  EXPECT_EQ(a.mttr.median, b.mttr.median);
  EXPECT_EQ(a.first_run, b.first_run);
  EXPECT_EQ(a.last_run, b.last_run);
  EXPECT_EQ(a.rerun_runs, b.rerun_runs);
  EXPECT_EQ(a.rerun_rate, b.rerun_rate);
  EXPECT_EQ(a.flaky_runs, b.flaky_runs);
  EXPECT_EQ(a.flaky_rate, b.flaky_rate);
  EXPECT_EQ(a.first_attempt_success_rate, b.first_attempt_success_rate);
  EXPECT_EQ(a.rerun_seconds_lost, b.rerun_seconds_lost);
}

void expect_same(const MetricsReport& a, const MetricsReport& b) {
  EXPECT_EQ(a.start, b.start);
  EXPECT_EQ(a.end, b.end);
  EXPECT_EQ(a.period_days, b.period_days);
  expect_same(a.totals, b.totals);
  ASSERT_EQ(a.workflows.size(), b.workflows.size());
  for (std::size_t i = 0; i < a.workflows.size(); ++i) {
    EXPECT_EQ(a.workflows[i].repository, b.workflows[i].repository);
    EXPECT_EQ(a.workflows[i].workflow_id, b.workflows[i].workflow_id);
    expect_same(a.workflows[i].metrics, b.workflows[i].metrics);
  }
}

TEST(MetricsIndexTest, IndexWithoutEventFilterAgreesWithTheWalkOfAFilterOnTheOnlyEvent) {
  // Every run is a push: filtering by "push" changes nothing but makes the engine walk the
  // streams instead of reading the index.
  auto runs = random_history(6, 900, {"push"});
  RunTable table = table_of(runs);
  for (const Period& period : periods()) {
    for (const auto& filter : filters()) {
      if (!filter[3].empty()) continue;
      Scope indexed = scope_of(period, filter);
      Scope walked = indexed;
      walked.event = "push";
      SCOPED_TRACE(describe(indexed));
      expect_same(compute_metrics(table, indexed), compute_metrics(table, walked));
      auto a = compute_daily_series(table, indexed);
      auto b = compute_daily_series(table, walked);
      ASSERT_EQ(a.size(), b.size());
      for (std::size_t i = 0; i < a.size(); ++i) {
        EXPECT_EQ(a[i].day, b[i].day);
        EXPECT_EQ(a[i].total, b[i].total);
        EXPECT_EQ(a[i].neutral, b[i].neutral);
        EXPECT_EQ(a[i].success_rate, b[i].success_rate);
        EXPECT_EQ(a[i].duration_p50, b[i].duration_p50);
        EXPECT_EQ(a[i].duration_p95, b[i].duration_p95);
      }
    }
  }
}

TEST(MetricsIndexTest, TheIndexedAndTheScanningPlansAgreeOnRandomHistories) {
  // Every scope twice: from the indexes wherever they can answer, and from the rows alone.
  for_each_scope_of_random_histories(
      {8u, 9u}, 800,
      [](const RunTable& table, const std::vector<RunRecord>&, const Scope& scope,
         const std::string& label) {
        SCOPED_TRACE(label);
        expect_same(engine::compute_metrics(table, scope, engine::Plan::kIndexed),
                    engine::compute_metrics(table, scope, engine::Plan::kScan));
      });
}

TEST(MetricsIndexTest, IncrementalRefreshGivesTheMetricsOfAFreshBuild) {
  auto runs = random_history(7, 600, {"push", "pull_request"});
  std::vector<RunRecord> first(runs.begin(), runs.begin() + 400);
  RunTable base = table_of(first);
  // The refresh brings the other runs and new versions of some earlier ones.
  RunTableBuilder builder(base);
  for (std::size_t i = 400; i < runs.size(); ++i) builder.add(runs[i]);
  for (std::size_t i = 0; i < 400; i += 7) {
    runs[i].status = "completed";
    runs[i].conclusion = i % 2 ? "success" : "failure";
    runs[i].updated_at += 1200;
    builder.add(runs[i]);
  }
  RunTable refreshed = builder.build(2);
  for (const Period& period : periods()) {
    for (const auto& filter : filters()) {
      Scope scope = scope_of(period, filter);
      expect_matches_reference(refreshed, runs, scope, describe(scope));
    }
  }
}

TEST(MetricsIndexTest, DurationsBeyondThirtyOneBitsAreExact) {
  // Started 2000-01-01, completed 2.2e9 s later (2069): more than an int32 holds.
  RunTable table = table_of({ci_run(1, "success", 946'684'800, 2'200'000'000)});
  Scope scope;
  scope.period = Period::all();
  Metrics m = compute_metrics(table, scope).totals;
  EXPECT_EQ(m.duration.count, 1);
  EXPECT_EQ(m.duration.mean, 2.2e9);
  EXPECT_EQ(m.duration.p50, 2'200'000'000);
  EXPECT_EQ(m.duration.p95, 2'200'000'000);
}

TEST(MetricsIndexTest, DurationsBeyondThirtyTwoBitsAreExact) {
  // Started 2000-01-01, completed 5e9 s later (2158): more than the duration ranks hold, so
  // the engine ranks the durations of the rows instead.
  RunTable table = table_of(
      {ci_run(1, "success", 946'684'800, 5'000'000'000), ci_run(2, "success", 946'684'800, 100)});
  Scope scope;
  scope.period = Period::all();
  Metrics m = compute_metrics(table, scope).totals;
  EXPECT_EQ(m.duration.count, 2);
  EXPECT_EQ(m.duration.mean, 2'500'000'050.0);
  // Nearest rank of 2 values: p50 is the 1st (100), p95 the 2nd.
  EXPECT_EQ(m.duration.p50, 100);
  EXPECT_EQ(m.duration.p95, 5'000'000'000);
}

}  // namespace
}  // namespace cipette

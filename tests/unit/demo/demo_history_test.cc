#include "cipette/demo/demo_history.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

namespace cipette::demo {
namespace {

constexpr Timestamp kHour = 3600;
// Wednesday 2024-05-15T14:00:00Z.
const Timestamp end_time = days_from_civil(2024, 5, 15) * kSecondsPerDay + 14 * kHour;
constexpr Timestamp kSpan = 180 * kSecondsPerDay;

DemoOptions options(std::int64_t runs, std::uint64_t seed = 42) {
  DemoOptions o;
  o.seed = seed;
  o.runs = runs;
  o.end = end_time;
  return o;
}

std::vector<RunRecord> generate_all(const DemoOptions& o) {
  std::vector<RunRecord> runs;
  generate_history(o, [&](std::span<const RunRecord> batch) {
    runs.insert(runs.end(), batch.begin(), batch.end());
  });
  return runs;
}

// One medium history shared by the tests that only look at its properties.
const std::vector<RunRecord>& sample() {
  static const std::vector<RunRecord> runs = generate_all(options(60000));
  return runs;
}

std::int64_t count_runs(const DemoOptions& o) {
  std::int64_t n = 0;
  generate_history(
      o, [&](std::span<const RunRecord> batch) { n += static_cast<std::int64_t>(batch.size()); });
  return n;
}

TEST(DemoHistoryTest, SameOptionsGiveIdenticalRuns) {
  const auto first = generate_all(options(5000, 7));
  const auto second = generate_all(options(5000, 7));
  ASSERT_EQ(first.size(), 5000u);
  EXPECT_TRUE(first == second);
}

TEST(DemoHistoryTest, DifferentSeedsGiveDifferentRuns) {
  const auto a = generate_all(options(5000, 1));
  const auto b = generate_all(options(5000, 2));
  ASSERT_EQ(a.size(), b.size());
  std::size_t same_sha = 0;
  for (std::size_t i = 0; i < a.size(); ++i) same_sha += a[i].head_sha == b[i].head_sha;
  EXPECT_EQ(same_sha, 0u);
  EXPECT_FALSE(a == b);
}

TEST(DemoHistoryTest, GeneratesExactlyTheRequestedNumberOfRuns) {
  for (std::int64_t runs : {1LL, 7LL, 10000LL, 123457LL}) {
    EXPECT_EQ(count_runs(options(runs)), runs) << runs << " runs requested";
  }
  EXPECT_EQ(count_runs(options(0)), 0);
}

TEST(DemoHistoryTest, HandsOverBatchesOfAtMostTenThousandRuns) {
  std::vector<std::size_t> sizes;
  generate_history(options(123457),
                   [&](std::span<const RunRecord> batch) { sizes.push_back(batch.size()); });
  // 123,457 = 12 x 10,000 + 3,457.
  ASSERT_EQ(sizes.size(), 13u);
  for (std::size_t i = 0; i < 12; ++i) EXPECT_EQ(sizes[i], 10000u);
  EXPECT_EQ(sizes[12], 3457u);
}

TEST(DemoHistoryTest, RunIdsAreUniquePositiveAndGrowWithCreationTimeInARepository) {
  std::set<std::int64_t> ids;
  std::map<std::int64_t, std::pair<Timestamp, std::int64_t>> last_by_repository;
  for (const RunRecord& run : sample()) {
    ASSERT_GT(run.id, 0);
    ASSERT_TRUE(ids.insert(run.id).second) << "duplicate id " << run.id;
    auto [it, fresh] = last_by_repository.try_emplace(run.repository_id, run.created_at, run.id);
    if (fresh) continue;
    EXPECT_GE(run.created_at, it->second.first);
    EXPECT_GT(run.id, it->second.second);
    it->second = {run.created_at, run.id};
  }
}

TEST(DemoHistoryTest, EveryRunIsValidAndLooksLikeGitHubs) {
  for (const RunRecord& run : sample()) {
    ASSERT_TRUE(validate_run(run).has_value()) << validate_run(run).error().message;
    EXPECT_EQ(run.head_sha.size(), 40u);
    EXPECT_EQ(run.head_sha.find_first_not_of("0123456789abcdef"), std::string::npos);
    EXPECT_EQ(run.html_url,
              "https://github.com/" + run.repository + "/actions/runs/" + std::to_string(run.id));
    EXPECT_EQ(run.path.rfind(".github/workflows/", 0), 0u) << run.path;
    EXPECT_FALSE(run.actor.empty());
    EXPECT_FALSE(run.head_branch.empty());
    EXPECT_GT(run.run_number, 0);
  }
}

TEST(DemoHistoryTest, AllRunsAreCreatedWithinTheHistorySpanEndingAtEnd) {
  for (const RunRecord& run : sample()) {
    ASSERT_LE(run.created_at, end_time);
    ASSERT_GE(run.created_at, end_time - kSpan);
    ASSERT_LE(run.updated_at, end_time) << "run " << run.id << " updated in the future";
  }
}

TEST(DemoHistoryTest, CompletedRunsStartAfterCreationAndEndAfterStarting) {
  for (const RunRecord& run : sample()) {
    ASSERT_TRUE(run.run_started_at.has_value());
    EXPECT_GE(*run.run_started_at, run.created_at) << run.id;
    if (!run.completed()) continue;
    EXPECT_GE(run.updated_at, *run.run_started_at) << run.id;
    EXPECT_FALSE(run.conclusion.empty()) << run.id;
  }
}

TEST(DemoHistoryTest, OnlyAFewRecentRunsAreStillInFlightAtTheEnd) {
  // Little's law at the end hour of 60,000 runs (~40 an hour at 14:00 UTC on a Wednesday, a few
  // minutes each): some, but far fewer than one in a thousand.
  std::size_t in_flight = 0;
  for (const RunRecord& run : sample()) {
    if (run.completed()) continue;
    ++in_flight;
    EXPECT_TRUE(run.status == "in_progress" || run.status == "queued") << run.status;
    EXPECT_EQ(run.conclusion, "");
    if (run.run_attempt == 1) {
      EXPECT_GE(run.created_at, end_time - 12 * kHour);  // the longest attempt lasts ~6 h
    }
  }
  EXPECT_GT(in_flight, 0u);
  EXPECT_LT(in_flight, sample().size() / 1000);
}

TEST(DemoHistoryTest, ConclusionsCoverTheKindsGitHubReports) {
  std::map<std::string, std::size_t> conclusions;
  for (const RunRecord& run : sample()) ++conclusions[run.conclusion];
  for (const char* kind : {"success", "failure", "cancelled", "skipped", "timed_out"}) {
    EXPECT_GT(conclusions[kind], 0u) << kind;
  }
  // Targets: cancelled ~3%, skipped 2%, timed_out a small fraction of failures.
  const auto n = static_cast<double>(sample().size());
  EXPECT_NEAR(conclusions["cancelled"] / n, 0.03, 0.012);
  EXPECT_NEAR(conclusions["skipped"] / n, 0.02, 0.008);
  EXPECT_LT(conclusions["timed_out"], conclusions["failure"] / 5);
}

TEST(DemoHistoryTest, OverallSuccessRateIsThatOfAHealthyButImperfectOrganisation) {
  std::size_t success = 0, failed = 0;
  for (const RunRecord& run : sample()) {
    if (!run.completed()) continue;
    const Outcome outcome = classify_conclusion(run.conclusion);
    success += outcome == Outcome::kSuccess;
    failed += outcome == Outcome::kFailed;
  }
  const double rate = 100.0 * static_cast<double>(success) / static_cast<double>(success + failed);
  EXPECT_GT(rate, 75.0);
  EXPECT_LT(rate, 95.0);
}

// The first attempt of a run: its first earlier attempt, or the run itself.
struct FirstAttempt {
  std::string status;
  std::string conclusion;
  Timestamp updated = 0;
};

FirstAttempt first_attempt(const RunRecord& run) {
  if (run.earlier_attempts.empty()) return {run.status, run.conclusion, run.updated_at};
  const AttemptRecord& first = run.earlier_attempts.front();
  return {first.status, first.conclusion, first.updated_at};
}

// Attempt 2 of a re-run run: an earlier attempt or the run itself.
FirstAttempt second_attempt(const RunRecord& run) {
  if (run.run_attempt == 2) return {run.status, run.conclusion, *run.run_started_at};
  const AttemptRecord& second = run.earlier_attempts[1];
  return {second.status, second.conclusion, *second.run_started_at};  // updated: its start
}

TEST(DemoHistoryTest, ReRunsHoldTheirEarlierAttemptsInOrderEachStartedAfterThePreviousEnded) {
  std::size_t reruns = 0;
  for (const RunRecord& run : sample()) {
    ASSERT_EQ(run.earlier_attempts.size(), static_cast<std::size_t>(run.run_attempt - 1));
    if (run.run_attempt == 1) continue;
    ++reruns;
    EXPECT_LE(run.run_attempt, 3);
    Timestamp previous_end = run.created_at - 30;
    for (std::size_t k = 0; k < run.earlier_attempts.size(); ++k) {
      const AttemptRecord& attempt = run.earlier_attempts[k];
      EXPECT_EQ(attempt.run_id, run.id);
      EXPECT_EQ(attempt.attempt, static_cast<std::int64_t>(k + 1));
      EXPECT_TRUE(attempt.found);
      EXPECT_EQ(attempt.status, "completed") << run.id;  // only finished runs are re-run
      EXPECT_FALSE(attempt.conclusion.empty()) << run.id;
      ASSERT_TRUE(attempt.run_started_at.has_value());
      // A re-run is requested at least 30 s after the attempt before it ended.
      EXPECT_GE(*attempt.run_started_at, previous_end + 30) << run.id;
      EXPECT_GE(attempt.updated_at, *attempt.run_started_at) << run.id;
      previous_end = attempt.updated_at;
    }
    EXPECT_GE(*run.run_started_at, previous_end + 30) << run.id;
    // GitHub re-runs a run for 30 days after its first attempt.
    EXPECT_LT(*run.run_started_at - run.created_at, 30 * kSecondsPerDay) << run.id;
  }
  EXPECT_GT(reruns, 0u);
}

TEST(DemoHistoryTest, AFewPercentOfRunsAreReRunAsPlayAttemptsSays) {
  // By the first attempt's conclusion: failed runs are re-run 20% of the time, cancelled 10%,
  // successful 1%, others never (play_attempts). A re-run falls after `end` for runs of the
  // last days only (late re-runs, 10% of them, in the last 25 of 180 days): under 1% of
  // re-runs, which the tolerances allow for beyond four binomial standard deviations.
  std::map<std::string, std::pair<double, double>> by_first;  // kind -> (runs, re-run)
  std::size_t reruns = 0;
  for (const RunRecord& run : sample()) {
    const FirstAttempt first = first_attempt(run);
    if (first.status != "completed") continue;
    const Outcome outcome = classify_conclusion(first.conclusion);
    const std::string kind = outcome == Outcome::kFailed ? "failed" : first.conclusion;
    by_first[kind].first += 1;
    by_first[kind].second += run.run_attempt > 1;
    reruns += run.run_attempt > 1;
  }
  auto expect_share = [&](const std::string& kind, double p) {
    const auto [n, rerun] = by_first[kind];
    ASSERT_GT(n, 100) << kind;
    EXPECT_NEAR(rerun / n, p, 4 * std::sqrt(p * (1 - p) / n) + 0.01 * p) << kind;
  };
  expect_share("failed", 0.20);
  expect_share("cancelled", 0.10);
  expect_share("success", 0.01);
  EXPECT_EQ(by_first["skipped"].second, 0);
  EXPECT_EQ(by_first["action_required"].second, 0);
  // First attempts fail about 10% of the time and are cancelled about 3%: 0.2 x 0.10 + 0.1 x
  // 0.03 + 0.01 x 0.85 = 3.2% of runs are re-run. "A few percent": between 2% and 5%.
  const auto share = static_cast<double>(reruns) / static_cast<double>(sample().size());
  EXPECT_GT(share, 0.02);
  EXPECT_LT(share, 0.05);
}

TEST(DemoHistoryTest, FlakyRunsMostlyPassOnTheSecondAttempt) {
  // A failed run passes on attempt 2 with p (0.6 when flaky, 0.15 when broken) and on attempt 3
  // with (1 - p) x 0.25 x p; of the runs that failed then passed, attempt 2 is where they passed
  // in 1 / (1 + 0.25 (1 - p)): 0.91 for p = 0.6 and 0.82 for p = 0.15, whatever the mix.
  std::size_t flaky = 0, on_second = 0, failed_rerun = 0, failed_rerun_passed = 0;
  std::size_t second_failed = 0, third = 0;
  for (const RunRecord& run : sample()) {
    if (run.run_attempt == 1) continue;
    const FirstAttempt second = second_attempt(run);
    if (summarize_attempts(run).flaky) {
      ++flaky;
      on_second += second.conclusion == "success";
    }
    if (classify_conclusion(first_attempt(run).conclusion) == Outcome::kFailed &&
        second.status == "completed") {
      ++failed_rerun;
      failed_rerun_passed += second.conclusion == "success";
    }
    if (second.status == "completed" && second.conclusion == "failure") {
      ++second_failed;
      third += run.run_attempt == 3;
    }
  }
  ASSERT_GT(flaky, 100u);
  const auto n = static_cast<double>(flaky);
  EXPECT_GT(static_cast<double>(on_second) / n, 0.82 - 4 * std::sqrt(0.82 * 0.18 / n));
  // Re-runs of failures pass on attempt 2 between 15% (all broken) and 60% (all flaky).
  const auto passed = static_cast<double>(failed_rerun_passed) / failed_rerun;
  EXPECT_GT(passed, 0.15);
  EXPECT_LT(passed, 0.60);
  // A failed second attempt is re-run once more 25% of the time (attempt 3 is rare).
  const auto m = static_cast<double>(second_failed);
  EXPECT_NEAR(third / m, 0.25, 4 * std::sqrt(0.25 * 0.75 / m) + 0.01);
  EXPECT_LT(static_cast<double>(third) / static_cast<double>(sample().size()), 0.01);
}

TEST(DemoHistoryTest, SomeRunsAreReRunDaysLater) {
  // 10% of second attempts are requested 1 to 25 days after the first attempt ended (a normal
  // delay reaches a day with probability under 0.0001); those that would fall after `end` do
  // not happen: with 25 / 180 of the history (a little more, as the organisation grows) in the
  // last 25 days and about half of their late re-runs falling after `end`, ~8% of late
  // re-runs are lost, so the share is ~9.2%.
  std::size_t second = 0, late = 0;
  for (const RunRecord& run : sample()) {
    if (run.run_attempt == 1) continue;
    ++second;
    const Timestamp gap = second_attempt(run).updated - run.earlier_attempts[0].updated_at;
    EXPECT_LE(gap, 25 * kSecondsPerDay + 1200);  // plus at most 20 minutes in the queue
    late += gap >= kSecondsPerDay;
  }
  const auto n = static_cast<double>(second);
  EXPECT_NEAR(static_cast<double>(late) / n, 0.092, 4 * std::sqrt(0.092 * 0.908 / n) + 0.005);
}

TEST(DemoHistoryTest, WeekendsAreMuchQuieterThanWeekdays) {
  // Runs per calendar day of the week; 1970-01-01 (day 0) was a Thursday, so (day + 4) % 7 is
  // 0 for Sunday. Over 180 days each weekday occurs 25 or 26 times: compare per-day averages.
  std::map<std::int64_t, std::size_t> per_day;
  for (const RunRecord& run : sample()) ++per_day[day_index(run.created_at)];
  double weekend = 0, weekday = 0;
  int weekend_days = 0, weekdays = 0;
  for (const auto& [day, count] : per_day) {
    const std::int64_t dow = (day + 4) % 7;
    if (day == day_index(end_time) || day == day_index(end_time - kSpan)) continue;  // partial days
    if (dow == 0 || dow == 6) {
      weekend += static_cast<double>(count);
      ++weekend_days;
    } else {
      weekday += static_cast<double>(count);
      ++weekdays;
    }
  }
  ASSERT_GT(weekend_days, 40);
  ASSERT_GT(weekdays, 100);
  EXPECT_LT(weekend / weekend_days, 0.5 * (weekday / weekdays));
}

TEST(DemoHistoryTest, WorkingHoursAreBusierThanTheNight) {
  std::size_t working = 0, night = 0;  // 09:00-16:59 vs 00:00-05:59 UTC: 8 and 6 hours
  for (const RunRecord& run : sample()) {
    const Timestamp hour = (run.created_at % kSecondsPerDay) / 3600;
    working += hour >= 9 && hour < 17;
    night += hour < 6;
  }
  EXPECT_GT(working / 8, 4 * (night / 6));  // per hour
}

// Decided (success or failed) completed runs of each (workflow, main) stream, in completion
// order as docs/metrics.md's MTTR orders them: (workflow id, completion, run id, failed).
std::vector<std::tuple<std::int64_t, Timestamp, std::int64_t, bool>> main_streams(
    const std::vector<RunRecord>& runs) {
  std::vector<std::tuple<std::int64_t, Timestamp, std::int64_t, bool>> rows;
  for (const RunRecord& run : runs) {
    const Outcome outcome = classify_conclusion(run.conclusion);
    if (!run.completed() || run.head_branch != "main" || outcome == Outcome::kNeutral) continue;
    rows.emplace_back(run.workflow_id, run.updated_at, run.id, outcome == Outcome::kFailed);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

TEST(DemoHistoryTest, MainHasFailureStreaksThatRecoverAfterMinutesToDays) {
  const auto rows = main_streams(sample());
  std::size_t long_streaks = 0, quick = 0, slow = 0;
  std::size_t streak = 0;
  Timestamp first_failure = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& [workflow, completed, id, failed] = rows[i];
    if (i > 0 && std::get<0>(rows[i - 1]) != workflow) streak = 0;  // a new stream
    if (failed) {
      if (streak++ == 0) first_failure = completed;
      continue;
    }
    if (streak >= 3) ++long_streaks;
    if (streak > 0 && completed - first_failure < 3600) ++quick;
    if (streak > 0 && completed - first_failure > kSecondsPerDay) ++slow;
    streak = 0;
  }
  EXPECT_GT(long_streaks, 10u);  // three or more failures, then a success
  EXPECT_GT(quick, 0u);          // recovered within the hour
  EXPECT_GT(slow, 0u);           // red for more than a day
}

TEST(DemoHistoryTest, FailuresOnMainClusterLikeAMarkovChain) {
  // P(fail | previous failed) should be near 0.6, far above the unconditional failure rate.
  const auto rows = main_streams(sample());
  double after_failure = 0, failed_after_failure = 0, failures = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    failures += std::get<3>(rows[i]);
    if (std::get<0>(rows[i - 1]) != std::get<0>(rows[i]) || !std::get<3>(rows[i - 1])) continue;
    ++after_failure;
    failed_after_failure += std::get<3>(rows[i]);
  }
  const double p_stay = failed_after_failure / after_failure;
  EXPECT_GT(p_stay, 0.4);
  EXPECT_LT(p_stay, 0.8);
  EXPECT_GT(p_stay, 2 * failures / static_cast<double>(rows.size()));
}

TEST(DemoHistoryTest, DurationsFollowTheKindOfWorkflow) {
  // Medians of successful runs: Lint ~1 min, E2E tests ~20 min (times repository factors).
  std::map<std::string, std::vector<Timestamp>> durations;
  for (const RunRecord& run : sample()) {
    if (run.conclusion != "success") continue;
    durations[run.workflow_name].push_back(run.updated_at - *run.run_started_at);
  }
  auto median = [](std::vector<Timestamp> v) {
    std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
    return v[v.size() / 2];
  };
  ASSERT_FALSE(durations["Lint"].empty());
  ASSERT_FALSE(durations["CI"].empty());
  EXPECT_LT(median(durations["Lint"]), 3 * 60);
  EXPECT_GT(median(durations["CI"]), 3 * 60);
  EXPECT_LT(median(durations["CI"]), 15 * 60);
}

TEST(DemoHistoryTest, EventsBranchesAndActorsLookLikeARealOrganisation) {
  std::set<std::string> events, branch_kinds, actors;
  for (const RunRecord& run : sample()) {
    events.insert(run.event);
    branch_kinds.insert(run.head_branch.substr(0, run.head_branch.find('/')));
    actors.insert(run.actor);
    if (run.event == "schedule") {
      EXPECT_EQ(run.head_branch, "main");
    }
    if (run.event == "pull_request") {
      EXPECT_NE(run.head_branch, "main");
    }
  }
  for (const char* event : {"push", "pull_request", "schedule", "workflow_dispatch"}) {
    EXPECT_TRUE(events.count(event)) << event;
  }
  for (const char* kind : {"main", "feature", "fix", "dependabot"}) {
    EXPECT_TRUE(branch_kinds.count(kind)) << kind;
  }
  EXPECT_TRUE(actors.count("dependabot[bot]"));
  EXPECT_TRUE(actors.count("github-actions[bot]"));
  EXPECT_GT(actors.size(), 5u);
}

TEST(DemoHistoryTest, SmallHistoriesUseThreeRepositories) {
  // 10,000 / 50,000 rounds down to 0, clamped to 3: acme/api-gateway (7 workflows),
  // acme/web-frontend (6) and octo-labs/infra (6) = 19 workflows.
  std::set<std::string> repositories;
  std::set<std::int64_t> workflows;
  for (const RunRecord& run : generate_all(options(10000))) {
    repositories.insert(run.repository);
    workflows.insert(run.workflow_id);
  }
  EXPECT_EQ(repositories,
            (std::set<std::string>{"acme/api-gateway", "acme/web-frontend", "octo-labs/infra"}));
  EXPECT_EQ(workflows.size(), 19u);
}

TEST(DemoHistoryTest, AMillionRunsSpreadOverTwentyRepositoriesAndAboutAHundredWorkflows) {
  // 1,000,000 / 50,000 = 20 repositories: the whole catalogue, whose workflow lists hold
  // 7+6+7+5+5+5+5+3+6+5+4+4+4+6+3+5+4+4+5+6 = 99 workflows. Counted without keeping the runs.
  std::set<std::int64_t> repositories, workflows;
  std::set<std::string> names;
  std::int64_t total = 0;
  std::size_t largest_batch = 0;
  generate_history(options(1000000), [&](std::span<const RunRecord> batch) {
    total += static_cast<std::int64_t>(batch.size());
    largest_batch = std::max(largest_batch, batch.size());
    for (const RunRecord& run : batch) {
      repositories.insert(run.repository_id);
      workflows.insert(run.workflow_id);
      if (names.size() < 20) names.insert(run.repository);
    }
  });
  EXPECT_EQ(total, 1000000);
  EXPECT_EQ(largest_batch, 10000u);
  EXPECT_EQ(repositories.size(), 20u);
  EXPECT_EQ(workflows.size(), 99u);
  EXPECT_TRUE(names.count("octo-labs/infra"));
}

}  // namespace
}  // namespace cipette::demo

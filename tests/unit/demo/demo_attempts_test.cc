#include "cipette/demo/demo_attempts.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace cipette::demo {
namespace {

constexpr Timestamp kCreated = 1715781600;  // 2024-05-15T14:00:00Z
constexpr int kPlays = 200000;

AttemptInputs inputs(std::string_view first, bool broken = false) {
  AttemptInputs in;
  in.created = kCreated;
  in.end = kCreated + 90 * kSecondsPerDay;  // far enough for every re-run to happen
  in.first_conclusion = first;
  in.median_seconds = 300;
  in.broken = broken;
  return in;
}

// Counts over `kPlays` plays of one kind of run.
struct Tally {
  int plays = 0;
  int second = 0;          // runs with a second attempt
  int second_success = 0;  // ... that succeeded
  int second_failed = 0;   // ... that failed
  int third = 0;           // runs with a third attempt
  int third_success = 0;
  int late = 0;  // second attempts started a day or more after the first ended
};

Tally play_many(const AttemptInputs& in, std::uint64_t seed) {
  DemoRandom random(seed);
  Tally tally;
  PlayedAttempts played;
  for (int i = 0; i < kPlays; ++i) {
    play_attempts(random, in, played);
    ++tally.plays;
    if (played.count < 2) continue;
    const PlayedAttempt& second = played.attempts[1];
    ++tally.second;
    tally.second_success += second.conclusion == "success";
    tally.second_failed += second.conclusion == "failure";
    tally.late += second.started - played.attempts[0].updated >= kSecondsPerDay;
    if (played.count < 3) continue;
    ++tally.third;
    tally.third_success += played.attempts[2].conclusion == "success";
  }
  return tally;
}

double share(int part, int whole) { return static_cast<double>(part) / whole; }

// Four binomial standard deviations of a share p estimated from n draws.
double four_sd(double p, int n) { return 4 * std::sqrt(p * (1 - p) / n); }

TEST(DemoAttemptsTest, AFifthOfFailedRunsAreReRunAndFlakyOnesMostlyPassOnAttemptTwo) {
  const Tally t = play_many(inputs("failure"), 1);
  // play_attempts: 20% of failed runs are re-run; a flaky failure passes on re-run 60% of the
  // time; 25% of failed second attempts are re-run again, passing 60% of the time.
  EXPECT_NEAR(share(t.second, t.plays), 0.20, four_sd(0.20, t.plays));
  EXPECT_NEAR(share(t.second_success, t.second), 0.60, four_sd(0.60, t.second));
  EXPECT_EQ(t.second_success + t.second_failed, t.second);
  EXPECT_NEAR(share(t.third, t.second_failed), 0.25, four_sd(0.25, t.second_failed));
  EXPECT_NEAR(share(t.third_success, t.third), 0.60, four_sd(0.60, t.third));
}

TEST(DemoAttemptsTest, ABreakageRarelyPassesOnReRun) {
  const Tally t = play_many(inputs("timed_out", /*broken=*/true), 2);
  EXPECT_NEAR(share(t.second, t.plays), 0.20, four_sd(0.20, t.plays));  // timed_out is a failure
  EXPECT_NEAR(share(t.second_success, t.second), 0.15, four_sd(0.15, t.second));
}

TEST(DemoAttemptsTest, CancelledRunsAreSometimesAndSuccessfulOnesRarelyReRun) {
  const Tally cancelled = play_many(inputs("cancelled"), 3);
  EXPECT_NEAR(share(cancelled.second, cancelled.plays), 0.10, four_sd(0.10, cancelled.plays));
  EXPECT_NEAR(share(cancelled.second_success, cancelled.second), 0.90,
              four_sd(0.90, cancelled.second));
  const Tally success = play_many(inputs("success"), 4);
  EXPECT_NEAR(share(success.second, success.plays), 0.01, four_sd(0.01, success.plays));
  EXPECT_EQ(success.second_success, success.second);  // a passing run re-run passes again
  EXPECT_EQ(success.third, 0);
  for (const char* never : {"skipped", "action_required"}) {
    EXPECT_EQ(play_many(inputs(never), 5).second, 0) << never;
  }
}

TEST(DemoAttemptsTest, ATenthOfSecondAttemptsComeOneToTwentyFiveDaysLater) {
  DemoRandom random(6);
  const AttemptInputs in = inputs("failure");
  int second = 0, late = 0;
  PlayedAttempts played;
  for (int i = 0; i < kPlays; ++i) {
    play_attempts(random, in, played);
    if (played.count < 2) continue;
    ++second;
    // Requested at most 25 days after the first attempt ended (late re-runs; others at most 3
    // days), then up to 20 minutes in the queue.
    const Timestamp gap = played.attempts[1].started - played.attempts[0].updated;
    EXPECT_LE(gap, 25 * kSecondsPerDay + 1200);
    if (gap < kSecondsPerDay) continue;
    ++late;
    // Within GitHub's 30 days of the first attempt, whatever comes after.
    EXPECT_LT(played.latest().started - kCreated, 30 * kSecondsPerDay);
  }
  // A normal delay (log-normal around 15 minutes, sigma 1.2) reaches a day with probability
  // P(Z > ln(96) / 1.2 = 3.8) < 0.0001: the late share is the documented 10%.
  EXPECT_NEAR(share(late, second), 0.10, four_sd(0.10, second));
}

TEST(DemoAttemptsTest, AttemptsAreInOrderAndEachStartsAfterThePreviousEnded) {
  DemoRandom random(7);
  const AttemptInputs in = inputs("failure");
  PlayedAttempts played;
  for (int i = 0; i < 20000; ++i) {
    play_attempts(random, in, played);
    ASSERT_GE(played.count, 1u);
    ASSERT_LE(played.count, kMaxDemoAttempts);
    EXPECT_EQ(&played.latest(), &played.all().back());
    EXPECT_GE(played.attempts[0].started, kCreated);
    for (std::size_t k = 0; k < played.count; ++k) {
      const PlayedAttempt& attempt = played.attempts[k];
      EXPECT_EQ(attempt.attempt, static_cast<std::int64_t>(k + 1));
      EXPECT_EQ(attempt.status, "completed");  // `end` is 90 days away
      EXPECT_GE(attempt.updated, attempt.started);
      if (k > 0) {
        // A re-run is requested at least 30 s after the previous attempt ended.
        EXPECT_GE(attempt.started, played.attempts[k - 1].updated + 30);
      }
    }
  }
}

TEST(DemoAttemptsTest, NothingHappensAfterTheEnd) {
  // A run of ten hours (sigma 0.35: shorter than 20 minutes only 11.7 sd below the median)
  // created ten minutes before `end` cannot have finished, so it is never re-run either.
  DemoRandom random(8);
  AttemptInputs in = inputs("success");
  in.median_seconds = 36000;
  in.end = kCreated + 600;
  PlayedAttempts played;
  for (int i = 0; i < 1000; ++i) {
    play_attempts(random, in, played);
    ASSERT_EQ(played.count, 1u);
    const PlayedAttempt& only = played.latest();
    EXPECT_TRUE(only.status == "queued" || only.status == "in_progress") << only.status;
    EXPECT_EQ(only.conclusion, "");
    EXPECT_LE(only.updated, in.end);
  }
}

}  // namespace
}  // namespace cipette::demo

#include "cipette/github/rate_limit.h"

#include <gtest/gtest.h>

#include <limits>

namespace cipette::github {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr Timestamp kNow = 1'700'000'000;

RateLimit budget(std::int64_t remaining, Timestamp reset, std::int64_t limit = 5000) {
  RateLimit rate;
  rate.known = true;
  rate.limit = limit;
  rate.remaining = remaining;
  rate.used = limit - remaining;
  rate.reset = reset;
  rate.resource = "core";
  return rate;
}

ResponseFacts answer(int status, RateLimit rate = budget(4000, kNow + 600)) {
  ResponseFacts facts;
  facts.status = status;
  facts.rate = rate;
  return facts;
}

TEST(RateLimitTest, ParsesTheHeadersCaseInsensitively) {
  HttpHeaders headers;
  headers.add("X-RateLimit-Limit", "5000");
  headers.add("x-ratelimit-remaining", "4987");
  headers.add("X-RATELIMIT-USED", "13");
  headers.add("x-ratelimit-reset", "1700000600");
  headers.add("x-ratelimit-resource", "core");
  RateLimit rate = parse_rate_limit(headers);
  EXPECT_EQ(rate, budget(4987, 1'700'000'600));
}

TEST(RateLimitTest, UnknownWithoutARemainingHeader) {
  HttpHeaders headers;
  headers.add("x-ratelimit-limit", "5000");
  EXPECT_FALSE(parse_rate_limit(headers).known);
  headers.add("x-ratelimit-remaining", "lots");
  EXPECT_FALSE(parse_rate_limit(headers).known);
}

TEST(RateLimitTest, AcceptsSuccessNotModifiedAndRedirects) {
  for (int status : {200, 204, 304, 302}) {
    EXPECT_EQ(decide(answer(status), {}, kNow, {}, 0.5).action, Action::kAccept) << status;
  }
}

TEST(RateLimitTest, FailsAtOnceOnClientErrors) {
  for (int status : {400, 401, 404, 410, 422}) {
    Decision decision = decide(answer(status), {}, kNow, {}, 0.5);
    EXPECT_EQ(decision.action, Action::kFail) << status;
    EXPECT_EQ(decision.reason, "HTTP " + std::to_string(status));
  }
}

TEST(RateLimitTest, AForbiddenThatIsNoRateLimitFails) {
  EXPECT_EQ(decide(answer(403), {}, kNow, {}, 0.5).action, Action::kFail);
}

TEST(RateLimitTest, ServerErrorsBackOffExponentiallyWithJitter) {
  RetryPolicy policy;  // 1 s, doubling, jittered to 50..100%
  // random 0 gives half the wait, random near 1 nearly all of it: 1 s -> 500 ms, 2 s -> 1 s,
  // 4 s -> 2 s; 8 s * (0.5 + 0.5 * 0.5) = 6 s.
  EXPECT_EQ(decide(answer(500), {0, 0}, kNow, policy, 0.0).wait, milliseconds(500));
  EXPECT_EQ(decide(answer(502), {1, 0}, kNow, policy, 0.0).wait, milliseconds(1000));
  EXPECT_EQ(decide(answer(503), {2, 0}, kNow, policy, 0.0).wait, milliseconds(2000));
  EXPECT_EQ(decide(answer(500), {3, 0}, kNow, policy, 0.5).wait, milliseconds(6000));
  EXPECT_EQ(decide(answer(500), {0, 0}, kNow, policy, 0.0).action, Action::kRetry);
}

TEST(RateLimitTest, BackoffIsCapped) {
  RetryPolicy policy;
  policy.max_failure_retries = 100;
  // 1 s * 2^20 is far above the 60 s cap; with random 0 the wait is half the cap.
  EXPECT_EQ(decide(answer(500), {20, 0}, kNow, policy, 0.0).wait, milliseconds(30'000));
}

TEST(RateLimitTest, FailedExchangesRetryLikeServerErrors) {
  ResponseFacts timeout;  // status 0: no response
  Decision decision = decide(timeout, {}, kNow, {}, 0.0);
  EXPECT_EQ(decision.action, Action::kRetry);
  EXPECT_EQ(decision.reason, "no response");
}

TEST(RateLimitTest, GivesUpAfterTheRetryBound) {
  RetryPolicy policy;
  policy.max_failure_retries = 3;
  Decision decision = decide(answer(500), {3, 0}, kNow, policy, 0.0);
  EXPECT_EQ(decision.action, Action::kFail);
  EXPECT_EQ(decision.reason, "HTTP 500, gave up after 3 retries");
}

TEST(RateLimitTest, ServerErrorHonoursALongerRetryAfter) {
  ResponseFacts facts = answer(503);
  facts.retry_after = 30;
  EXPECT_EQ(decide(facts, {}, kNow, {}, 0.0).wait, seconds(30));
}

TEST(RateLimitTest, PrimaryLimitWaitsUntilTheReset) {
  // Reset 500 s away: wait 500 + 1 s so the request lands after the reset.
  Decision decision = decide(answer(403, budget(0, kNow + 500)), {}, kNow, {}, 0.5);
  EXPECT_EQ(decision.action, Action::kRetry);
  EXPECT_EQ(decision.wait, seconds(501));
  EXPECT_EQ(decision.reason, "primary rate limit exhausted");
  EXPECT_EQ(decide(answer(429, budget(0, kNow + 10)), {}, kNow, {}, 0.5).wait, seconds(11));
}

TEST(RateLimitTest, PrimaryLimitWithAPastResetRetriesSoon) {
  EXPECT_EQ(decide(answer(403, budget(0, kNow - 5)), {}, kNow, {}, 0.5).wait, seconds(1));
}

TEST(RateLimitTest, PrimaryLimitRefusesAnAbsurdlyDistantReset) {
  Decision decision = decide(answer(403, budget(0, kNow + 86'400)), {}, kNow, {}, 0.5);
  EXPECT_EQ(decision.action, Action::kFail);
  // 1700000000 + 86400 = 1700086400 = 2023-11-15T22:13:20Z; 86400 + 1 s = 24h 0m 1s.
  EXPECT_EQ(decision.reason,
            "GitHub asked to wait 24h 0m 1s (primary rate limit exhausted until "
            "2023-11-15T22:13:20Z), more than the 1h 5m 0s an hourly budget may take");
}

TEST(RateLimitTest, AnHourlyResetIsWaitedForEvenPastMaxWait) {
  // Reset 3,000 s away, beyond the default --max-wait of 600 s: wait 3,000 + 1 s.
  Decision decision = decide(answer(403, budget(0, kNow + 3'000)), {}, kNow, {}, 0.5);
  EXPECT_EQ(decision.action, Action::kRetry);
  EXPECT_EQ(decision.wait, seconds(3'001));
  EXPECT_EQ(decide_reserve(budget(1, kNow + 3'000), kNow, {}).wait, seconds(3'001));
  // A longer --max-wait raises that bound too: 2 h 0 m 1 s is within 3 h.
  RetryPolicy patient;
  patient.max_wait = seconds(3 * 3600);
  EXPECT_EQ(decide(answer(403, budget(0, kNow + 7'200)), {}, kNow, patient, 0.5).wait,
            seconds(7'201));
}

TEST(RateLimitTest, SecondaryLimitHonoursRetryAfter) {
  ResponseFacts facts = answer(403);
  facts.retry_after = 7;
  Decision decision = decide(facts, {}, kNow, {}, 0.5);
  EXPECT_EQ(decision.action, Action::kRetry);
  EXPECT_EQ(decision.wait, seconds(7));
  EXPECT_EQ(decision.reason, "secondary rate limit");
}

TEST(RateLimitTest, SecondaryLimitWithoutRetryAfterWaitsAMinuteThenDoubles) {
  ResponseFacts facts = answer(403);
  facts.says_rate_limit = true;
  EXPECT_EQ(decide(facts, {0, 0}, kNow, {}, 0.5).wait, seconds(60));
  EXPECT_EQ(decide(facts, {0, 1}, kNow, {}, 0.5).wait, seconds(120));
  EXPECT_EQ(decide(facts, {0, 2}, kNow, {}, 0.5).wait, seconds(240));
  // A 429 is a rate limit even when its body does not say so.
  EXPECT_EQ(decide(answer(429), {0, 0}, kNow, {}, 0.5).wait, seconds(60));
}

TEST(RateLimitTest, SecondaryLimitGivesUpAfterTheBound) {
  RetryPolicy policy;
  policy.max_limit_retries = 2;
  Decision decision = decide(answer(429), {0, 2}, kNow, policy, 0.5);
  EXPECT_EQ(decision.action, Action::kFail);
  EXPECT_EQ(decision.reason, "secondary rate limit (HTTP 429), gave up after 2 retries");
}

TEST(RateLimitTest, RateLimitAndFailureRetriesAreCountedApart) {
  RetryPolicy policy;
  policy.max_failure_retries = 1;
  // One failure retry used up does not stop a rate-limit retry.
  EXPECT_EQ(decide(answer(429), {1, 0}, kNow, policy, 0.5).action, Action::kRetry);
}

TEST(RateLimitTest, ReserveWaitsOnlyWhenUnderTheReserve) {
  RetryPolicy policy;  // reserve 50
  EXPECT_EQ(decide_reserve(budget(50, kNow + 100), kNow, policy).action, Action::kAccept);
  Decision under = decide_reserve(budget(49, kNow + 100), kNow, policy);
  EXPECT_EQ(under.action, Action::kRetry);
  EXPECT_EQ(under.wait, seconds(101));
  EXPECT_EQ(decide_reserve(budget(0, kNow + 100), kNow, policy).wait, seconds(101));
}

TEST(RateLimitTest, ReserveIsAtMostATenthOfTheLimit) {
  // Limit 60: the reserve is min(50, 6) = 6, so 6 left needs no wait, 5 does.
  EXPECT_EQ(decide_reserve(budget(6, kNow + 100, 60), kNow, {}).action, Action::kAccept);
  EXPECT_EQ(decide_reserve(budget(5, kNow + 100, 60), kNow, {}).wait, seconds(101));
}

TEST(RateLimitTest, ReserveNeverWaitsForAPastResetOrAnUnknownBudget) {
  EXPECT_EQ(decide_reserve(budget(1, kNow), kNow, {}).action, Action::kAccept);
  EXPECT_EQ(decide_reserve(RateLimit{}, kNow, {}).action, Action::kAccept);
}

TEST(RateLimitTest, ReserveRefusesAWaitLongerThanMaxWait) {
  Decision decision = decide_reserve(budget(1, kNow + 86'400), kNow, {});
  EXPECT_EQ(decision.action, Action::kFail);
  EXPECT_EQ(decision.reason,
            "GitHub asked to wait 24h 0m 1s (rate-limit reserve: 1 of 5000 requests left until "
            "2023-11-15T22:13:20Z), more than the 1h 5m 0s an hourly budget may take");
}

// --- The one rule for every wait: at most RetryPolicy::max_wait (default 600 s) -------------

TEST(RateLimitTest, AHugeRetryAfterOnA429FailsNamingTheWait) {
  ResponseFacts facts = answer(429);
  facts.retry_after = 999'999'999;  // 277777 h (999997200 s) + 46 min (2760 s) + 39 s
  Decision decision = decide(facts, {}, kNow, {}, 0.5);
  EXPECT_EQ(decision.action, Action::kFail);
  EXPECT_EQ(decision.reason,
            "GitHub asked to wait 277777h 46m 39s (Retry-After), more than --max-wait 10m 0s");
}

TEST(RateLimitTest, AHugeRetryAfterOnA503FailsNamingTheWait) {
  ResponseFacts facts = answer(503);
  facts.retry_after = 999'999'999;
  Decision decision = decide(facts, {}, kNow, {}, 0.5);
  EXPECT_EQ(decision.action, Action::kFail);
  EXPECT_EQ(decision.reason,
            "GitHub asked to wait 277777h 46m 39s (Retry-After), more than --max-wait 10m 0s");
}

TEST(RateLimitTest, ARetryAfterOfExactlyMaxWaitIsWaited) {
  RetryPolicy policy;
  policy.max_wait = seconds(30);
  ResponseFacts facts = answer(429);
  facts.retry_after = 30;
  EXPECT_EQ(decide(facts, {}, kNow, policy, 0.5).action, Action::kRetry);
  facts.retry_after = 31;
  EXPECT_EQ(decide(facts, {}, kNow, policy, 0.5).reason,
            "GitHub asked to wait 31s (Retry-After), more than --max-wait 30s");
}

TEST(RateLimitTest, TheLargestRetryAfterDoesNotOverflow) {
  ResponseFacts facts = answer(429);
  facts.retry_after = std::numeric_limits<std::int64_t>::max();
  EXPECT_EQ(decide(facts, {}, kNow, {}, 0.5).action, Action::kFail);
  ResponseFacts reset = answer(403, budget(0, std::numeric_limits<std::int64_t>::max()));
  EXPECT_EQ(decide(reset, {}, kNow, {}, 0.5).action, Action::kFail);
  ResponseFacts past = answer(403, budget(0, std::numeric_limits<std::int64_t>::min()));
  EXPECT_EQ(decide(past, {}, kNow, {}, 0.5).wait, seconds(1));
}

TEST(RateLimitTest, ASecondaryLimitDoublingPastMaxWaitFails) {
  // 60 s doubled four times is 960 s = 16 min, over 600 s; three times, 480 s, is not.
  ResponseFacts facts = answer(403);
  facts.says_rate_limit = true;
  EXPECT_EQ(decide(facts, {0, 3}, kNow, {}, 0.5).wait, seconds(480));
  Decision decision = decide(facts, {0, 4}, kNow, {}, 0.5);
  EXPECT_EQ(decision.action, Action::kFail);
  EXPECT_EQ(decision.reason,
            "would wait 16m 0s (secondary rate limit, retry 5), more than --max-wait 10m 0s");
}

TEST(RateLimitTest, ABackoffLongerThanMaxWaitFails) {
  RetryPolicy policy;
  policy.max_wait = seconds(10);
  // 1 s doubled four times is 16 s; jittered with random 0 it is 8 s, with 0.5 it is 12 s.
  EXPECT_EQ(decide(answer(500), {4, 0}, kNow, policy, 0.0).wait, seconds(8));
  Decision decision = decide(answer(500), {4, 0}, kNow, policy, 0.5);
  EXPECT_EQ(decision.action, Action::kFail);
  EXPECT_EQ(decision.reason, "would wait 12s (backoff after HTTP 500), more than --max-wait 10s");
}

TEST(RateLimitTest, MaxWaitZeroWaitsOnlyForTheHourlyReset) {
  RetryPolicy policy;
  policy.max_wait = seconds(0);
  EXPECT_EQ(decide(answer(502), {}, kNow, policy, 0.0).action, Action::kFail);
  ResponseFacts asked = answer(429);
  asked.retry_after = 1;
  EXPECT_EQ(decide(asked, {}, kNow, policy, 0.5).action, Action::kFail);
  EXPECT_EQ(decide(answer(403, budget(0, kNow + 10)), {}, kNow, policy, 0.5).wait, seconds(11));
  EXPECT_EQ(decide_reserve(budget(1, kNow + 10), kNow, policy).wait, seconds(11));
}

TEST(RateLimitTest, RecognisesRateLimitMessages) {
  EXPECT_TRUE(mentions_rate_limit(
      R"({"message":"You have exceeded a secondary rate limit. Please wait a few minutes."})"));
  EXPECT_TRUE(mentions_rate_limit(R"({"message":"API rate limit exceeded for user ID 1."})"));
  EXPECT_FALSE(mentions_rate_limit(R"({"message":"Resource not accessible by integration"})"));
}

TEST(RateLimitTest, ParsesNumericRetryAfterOnly) {
  HttpHeaders headers;
  EXPECT_EQ(parse_retry_after(headers), std::nullopt);
  headers.add("Retry-After", "120");
  EXPECT_EQ(parse_retry_after(headers), 120);
  HttpHeaders date;
  date.add("retry-after", "Wed, 21 Oct 2015 07:28:00 GMT");
  EXPECT_EQ(parse_retry_after(date), std::nullopt);
}

}  // namespace
}  // namespace cipette::github

#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "cipette/core/time.h"
#include "cipette/github/http_transport.h"

namespace cipette::github {

// The primary rate-limit budget as the x-ratelimit-* headers of a response report it.
struct RateLimit {
  bool known = false;          // false when the response carried no x-ratelimit-remaining
  std::int64_t limit = 0;      // x-ratelimit-limit
  std::int64_t remaining = 0;  // x-ratelimit-remaining
  std::int64_t used = 0;       // x-ratelimit-used
  Timestamp reset = 0;         // x-ratelimit-reset: when the budget refills (UTC seconds)
  std::string resource;        // x-ratelimit-resource: "core"

  friend bool operator==(const RateLimit&, const RateLimit&) = default;
};

// Reads the x-ratelimit-* fields; `known` stays false when remaining is absent or malformed
// (GitHub Enterprise Server with rate limits disabled sends none).
RateLimit parse_rate_limit(const HttpHeaders& headers);

// How hard the client tries, and how long it waits, as GitHub's best practices describe.
struct RetryPolicy {
  // 5xx answers and failed exchanges (timeouts, resets): retried this many times, after
  // failure_backoff, doubling up to max_backoff, each wait jittered to 50-100% of its value.
  int max_failure_retries = 5;
  std::chrono::milliseconds failure_backoff{1'000};
  std::chrono::milliseconds max_backoff{60'000};
  // 403/429 rate limits (primary or secondary): retried this many times. Without retry-after
  // a secondary limit waits secondary_wait, doubling with each retry.
  int max_limit_retries = 5;
  std::chrono::milliseconds secondary_wait{60'000};
  // Requests kept in hand: when a response leaves fewer than this (or a tenth of the limit,
  // whichever is smaller), the next request waits until the budget resets.
  std::int64_t reserve = 50;
  // The longest wait of any kind: retry-after, a secondary limit, backoff. A request that
  // would wait longer fails at once instead, naming the wait (a hostile or broken Retry-After,
  // a day-long limit). `cipette collect --max-wait`.
  std::chrono::seconds max_wait{600};
  // The reset of the hourly budget (an exhausted primary limit, or the reserve) is waited for
  // up to this long even when max_wait is shorter: GitHub's window is an hour, and a large
  // collection runs through several of them. A reset further away (a wrong clock) fails.
  static constexpr std::chrono::seconds kHourlyResetWait{3'900};
};

// What a response (or a failed exchange) told about retrying.
struct ResponseFacts {
  int status = 0;  // 0: no response arrived (timeout, connection failure, cut-short body)
  RateLimit rate;
  std::optional<std::int64_t> retry_after;  // seconds, from a numeric retry-after header
  bool says_rate_limit = false;  // the body mentions a rate limit ("secondary rate limit")
};

// Retries made so far for one request, by kind.
struct RetryCount {
  int failures = 0;  // 5xx and failed exchanges
  int limits = 0;    // 403/429 rate limits
};

enum class Action { kAccept, kRetry, kFail };

struct Decision {
  Action action = Action::kAccept;
  std::chrono::milliseconds wait{0};  // before retrying
  std::string reason;                 // for kRetry and kFail: why, in a few words
};

// What to do with a response: accept 2xx and 304 (and redirects, which the caller handles);
// retry 5xx and failed exchanges with jittered exponential backoff; retry 403/429 rate limits
// (remaining 0: until reset; retry-after: that long; otherwise secondary_wait doubling); fail
// on other statuses (401, 404, 422, a 403 that is no rate limit), when retries run out, and
// when the wait would be longer than policy.max_wait ("GitHub asked to wait 2h 0m 0s
// (Retry-After), more than --max-wait 10m 0s").
// `now` is the current time, `random` a number in [0, 1) for the jitter. Pure.
Decision decide(const ResponseFacts& facts, const RetryCount& count, Timestamp now,
                const RetryPolicy& policy, double random);

// Whether to wait before the next request so that the budget never drops under the reserve:
// kAccept (no wait) unless `last` is known, has fewer than the reserve left and resets in the
// future; then kRetry with the wait until the reset, or kFail when that is longer than
// policy.max_wait. Pure.
Decision decide_reserve(const RateLimit& last, Timestamp now, const RetryPolicy& policy);

// Whether a response is a 403/429 rate limit, primary (remaining 0) or secondary (429, a
// retry-after, or a body that says so), rather than a refusal.
bool is_rate_limit(const ResponseFacts& facts);

// Reads a retry-after header given in seconds; nullopt when absent or not a number.
std::optional<std::int64_t> parse_retry_after(const HttpHeaders& headers);

// Whether a response body speaks of a rate limit (GitHub's secondary-limit messages do).
bool mentions_rate_limit(std::string_view body);

}  // namespace cipette::github

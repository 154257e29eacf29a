#include "cipette/github/rate_limit.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <limits>

#include "cipette/core/format.h"

namespace cipette::github {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::optional<std::int64_t> parse_int(std::optional<std::string_view> text) {
  if (!text || text->empty()) return std::nullopt;
  std::int64_t value = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), value);
  if (ec != std::errc() || end != text->data() + text->size()) return std::nullopt;
  return value;
}

// base * 2^n, at most `cap`.
milliseconds doubled(milliseconds base, int n, milliseconds cap) {
  milliseconds wait = base;
  for (int i = 0; i < n && wait < cap; ++i) wait *= 2;
  return std::min(wait, cap);
}

// "equal jitter": half the wait fixed, half random, so concurrent clients spread out.
milliseconds jittered(milliseconds wait, double random) {
  auto half = wait.count() / 2;
  return milliseconds(half + static_cast<std::int64_t>(static_cast<double>(half) * random));
}

// `count` seconds, saturating: a hostile retry-after or reset must not overflow milliseconds.
milliseconds seconds_of(std::int64_t count) {
  constexpr std::int64_t kMost = std::numeric_limits<std::int64_t>::max() / 1000;
  return seconds(std::clamp<std::int64_t>(count, 0, kMost));
}

// Seconds from `now` until `reset` plus one (so that a request lands after the reset), at least
// one; without overflow whatever `reset` is.
milliseconds until_after(Timestamp reset, Timestamp now) {
  return seconds_of(reset > now ? reset - now + 1 : 1);
}

Decision give_up(std::string reason) {
  return Decision{Action::kFail, milliseconds(0), std::move(reason)};
}

// Who asks for a wait and why, for the message when it is too long: GitHub asked for it
// (Retry-After, a reset time) or the client chose it (backoff, secondary limit).
struct WaitCause {
  bool asked_by_github = false;
  std::string what;           // "Retry-After", "backoff after HTTP 502"
  bool hourly_reset = false;  // the primary budget's reset (x-ratelimit-reset)
};

// The one rule for every wait: retry after `wait`, unless it is longer than policy.max_wait
// (for the reset of the hourly budget, than RetryPolicy::kHourlyResetWait if that is longer);
// then fail at once, naming the wait.
Decision retry(milliseconds wait, std::string reason, const WaitCause& cause,
               const RetryPolicy& policy) {
  seconds limit = cause.hourly_reset ? std::max(policy.max_wait, RetryPolicy::kHourlyResetWait)
                                     : policy.max_wait;
  if (wait <= limit) return Decision{Action::kRetry, wait, std::move(reason)};
  auto in_seconds = [](auto duration) { return std::chrono::duration<double>(duration).count(); };
  std::string most =
      cause.hourly_reset && limit > policy.max_wait
          ? "the " + format_duration(in_seconds(limit)) + " an hourly budget may take"
          : "--max-wait " + format_duration(in_seconds(limit));
  return give_up(fmt::format("{} {} ({}), more than {}",
                             cause.asked_by_github ? "GitHub asked to wait" : "would wait",
                             format_duration(in_seconds(wait)), cause.what, most));
}

WaitCause retry_after_cause() { return WaitCause{true, "Retry-After"}; }

std::string describe_status(int status) {
  return status == 0 ? std::string("no response") : fmt::format("HTTP {}", status);
}

Decision decide_failure(const ResponseFacts& facts, const RetryCount& count,
                        const RetryPolicy& policy, double random) {
  std::string what = describe_status(facts.status);
  if (count.failures >= policy.max_failure_retries) {
    return give_up(fmt::format("{}, gave up after {} retries", what, count.failures));
  }
  milliseconds wait =
      jittered(doubled(policy.failure_backoff, count.failures, policy.max_backoff), random);
  if (facts.retry_after && seconds_of(*facts.retry_after) > wait) {
    return retry(seconds_of(*facts.retry_after), what, retry_after_cause(), policy);
  }
  return retry(wait, what, WaitCause{false, "backoff after " + what}, policy);
}

Decision decide_limit(const ResponseFacts& facts, const RetryCount& count, Timestamp now,
                      const RetryPolicy& policy) {
  if (!is_rate_limit(facts)) return give_up(describe_status(facts.status));
  bool primary = facts.rate.known && facts.rate.remaining == 0;
  std::string what = primary ? "primary rate limit exhausted" : "secondary rate limit";
  if (count.limits >= policy.max_limit_retries) {
    return give_up(
        fmt::format("{} (HTTP {}), gave up after {} retries", what, facts.status, count.limits));
  }
  if (facts.retry_after) {
    milliseconds wait = std::max<milliseconds>(seconds_of(*facts.retry_after), seconds(1));
    return retry(wait, what, retry_after_cause(), policy);
  }
  if (primary) {
    WaitCause cause{true, fmt::format("{} until {}", what, format_timestamp(facts.rate.reset)),
                    true};
    return retry(until_after(facts.rate.reset, now), what, cause, policy);
  }
  milliseconds cap = std::max(policy.secondary_wait * 32, policy.secondary_wait);
  return retry(doubled(policy.secondary_wait, count.limits, cap), what,
               WaitCause{false, fmt::format("{}, retry {}", what, count.limits + 1)}, policy);
}

}  // namespace

bool is_rate_limit(const ResponseFacts& facts) {
  if (facts.status != 403 && facts.status != 429) return false;
  bool primary = facts.rate.known && facts.rate.remaining == 0;
  return primary || facts.status == 429 || facts.retry_after || facts.says_rate_limit;
}

RateLimit parse_rate_limit(const HttpHeaders& headers) {
  RateLimit rate;
  auto remaining = parse_int(headers.find("x-ratelimit-remaining"));
  if (!remaining) return rate;
  rate.known = true;
  rate.remaining = *remaining;
  rate.limit = parse_int(headers.find("x-ratelimit-limit")).value_or(0);
  rate.used = parse_int(headers.find("x-ratelimit-used")).value_or(0);
  rate.reset = parse_int(headers.find("x-ratelimit-reset")).value_or(0);
  rate.resource = std::string(headers.find("x-ratelimit-resource").value_or(""));
  return rate;
}

std::optional<std::int64_t> parse_retry_after(const HttpHeaders& headers) {
  auto value = parse_int(headers.find("retry-after"));
  if (value && *value < 0) return std::nullopt;
  return value;
}

bool mentions_rate_limit(std::string_view body) {
  std::string text(body.substr(0, 4096));
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text.find("rate limit") != std::string::npos;
}

Decision decide(const ResponseFacts& facts, const RetryCount& count, Timestamp now,
                const RetryPolicy& policy, double random) {
  int status = facts.status;
  if (status == 0 || status >= 500) return decide_failure(facts, count, policy, random);
  if (status == 403 || status == 429) return decide_limit(facts, count, now, policy);
  if (status >= 200 && status < 400) return Decision{};
  return give_up(describe_status(status));
}

Decision decide_reserve(const RateLimit& last, Timestamp now, const RetryPolicy& policy) {
  if (!last.known) return Decision{};
  std::int64_t reserve = std::min(policy.reserve, last.limit / 10);
  if (last.remaining >= reserve || last.reset <= now) return Decision{};
  std::string left = fmt::format("{} of {} requests left", last.remaining, last.limit);
  std::string reset = format_timestamp(last.reset);
  WaitCause cause{true, fmt::format("rate-limit reserve: {} until {}", left, reset), true};
  return retry(until_after(last.reset, now),
               fmt::format("rate-limit reserve ({}, reset at {})", left, reset), cause, policy);
}

}  // namespace cipette::github

#include "cipette/demo/demo_attempts.h"

#include <algorithm>
#include <cmath>

namespace cipette::demo {
namespace {

constexpr double kDurationSigma = 0.35;
// The share of second attempts requested days later, and how many days (GitHub allows re-runs
// for 30 days after the first attempt).
constexpr double kLateRerun = 0.10;
constexpr Timestamp kLateRerunMinDays = 1;
constexpr Timestamp kLateRerunMaxDays = 25;

Timestamp whole_seconds(double seconds) {
  return static_cast<Timestamp>(std::floor(std::max(0.0, seconds) + 0.5));
}

bool never_starts(std::string_view conclusion) {
  return conclusion == "action_required" || conclusion == "startup_failure";
}

bool is_failed(std::string_view conclusion) {
  return conclusion == "failure" || conclusion == "timed_out" || conclusion == "startup_failure";
}

// Seconds between queueing and the first job picking the run up: usually seconds, in busy
// moments minutes.
Timestamp queue_delay(DemoRandom& random, std::string_view conclusion) {
  if (never_starts(conclusion)) return 0;
  return std::min<Timestamp>(whole_seconds(random.log_normal(6, 1.0)), 1200);
}

Timestamp attempt_duration(DemoRandom& random, std::string_view conclusion, double median) {
  if (never_starts(conclusion)) return 0;
  if (conclusion == "skipped") return random.between(0, 2);
  if (conclusion == "timed_out") {
    // timeout-minutes: four times the usual duration, at least ten minutes.
    return 60 * static_cast<Timestamp>(std::ceil(std::max(4 * median, 600.0) / 60));
  }
  double seconds = random.log_normal(median, kDurationSigma);
  if (conclusion == "failure") seconds *= 0.2 + 0.8 * random.uniform();  // a step fails early
  if (conclusion == "cancelled") seconds *= 0.05 + 0.6 * random.uniform();
  return std::max<Timestamp>(1, whole_seconds(seconds));
}

// The conclusion of re-run number `attempt` of a run whose previous attempt ended `previous`,
// or "" when nobody re-runs it.
std::string_view rerun_conclusion(DemoRandom& random, std::string_view previous, int attempt,
                                  bool broken) {
  if (is_failed(previous)) {
    if (!random.chance(attempt == 2 ? 0.20 : 0.25)) return "";
    return random.chance(broken ? 0.15 : 0.6) ? "success" : "failure";
  }
  if (attempt != 2) return "";
  if (previous == "cancelled" && random.chance(0.10)) {
    return random.chance(0.9) ? "success" : "failure";
  }
  if (previous == "success" && random.chance(0.01)) return "success";
  return "";
}

// Requested at `requested`, how the attempt stands at `end`: the next attempt of `played`.
void play_one(DemoRandom& random, Timestamp requested, std::string_view conclusion,
              const AttemptInputs& in, PlayedAttempts& played) {
  const Timestamp started = requested + queue_delay(random, conclusion);
  const Timestamp finished = started + attempt_duration(random, conclusion, in.median_seconds);
  PlayedAttempt& attempt = played.attempts[played.count];
  attempt.attempt = static_cast<std::int64_t>(++played.count);
  if (started > in.end) {
    attempt = {attempt.attempt, "queued", "", requested, requested};
  } else if (finished > in.end) {
    attempt = {attempt.attempt, "in_progress", "", started, started};
  } else {
    attempt = {attempt.attempt, "completed", conclusion, started, finished};
  }
}

}  // namespace

double failure_probability(double rate, bool stream_failing) {
  if (rate >= kStayFailing) return rate;
  if (stream_failing) return kStayFailing;
  return (1 - kStayFailing) * rate / (1 - rate);
}

std::string_view draw_first_conclusion(DemoRandom& random, const OutcomeInputs& in) {
  if (in.from_fork && in.pull_request && random.chance(0.35)) return "action_required";
  if (random.chance(0.02)) return "skipped";
  if (random.chance(in.pull_request ? 0.045 : 0.02)) return "cancelled";
  if (!random.chance(failure_probability(in.failure_rate, in.stream_failing))) return "success";
  const double kind = random.uniform();
  if (kind < 0.05) return "timed_out";
  if (kind < 0.065) return "startup_failure";
  return "failure";
}

// Seconds from the end of attempt `attempt - 1` until someone clicks "Re-run".
Timestamp rerun_delay(DemoRandom& random, int attempt) {
  if (attempt == 2 && random.chance(kLateRerun)) {
    return random.between(kLateRerunMinDays * kSecondsPerDay, kLateRerunMaxDays * kSecondsPerDay);
  }
  // Someone notices: half a minute to hours later, at most three days.
  return std::clamp<Timestamp>(whole_seconds(random.log_normal(900, 1.2)), 30, 3 * kSecondsPerDay);
}

void play_attempts(DemoRandom& random, const AttemptInputs& in, PlayedAttempts& played) {
  played.count = 0;
  play_one(random, in.created, in.first_conclusion, in, played);
  while (played.count < kMaxDemoAttempts && played.latest().status == "completed") {
    const PlayedAttempt& previous = played.latest();
    const auto attempt = static_cast<int>(previous.attempt) + 1;
    const std::string_view next = rerun_conclusion(random, previous.conclusion, attempt, in.broken);
    if (next.empty()) break;
    const Timestamp requested = previous.updated + rerun_delay(random, attempt);
    if (requested > in.end) break;
    play_one(random, requested, next, in, played);
  }
}

}  // namespace cipette::demo

#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "cipette/core/time.h"
#include "cipette/demo/demo_random.h"

// How one synthetic run turns out: its first conclusion, its re-runs and its time stamps.
namespace cipette::demo {

// Long-run probability that a failed run is followed by another failure in the same
// (workflow, branch) stream: incidents last 1 / (1 - 0.6) = 2.5 runs on average.
inline constexpr double kStayFailing = 0.6;

// Probability that the next decided run of a stream fails, given its stationary failure rate
// `rate` and whether its last decided run failed. A two-state Markov chain: a failed stream
// stays failed with kStayFailing; a green one turns red with q = (1 - kStayFailing) rate /
// (1 - rate), which keeps the long-run share of failures at `rate` (q / (1 - kStayFailing + q)
// = rate). Rates of kStayFailing or more (scripted outages) apply regardless of the state.
double failure_probability(double rate, bool stream_failing);

struct OutcomeInputs {
  double failure_rate = 0;  // stationary rate of the run's stream
  bool stream_failing = false;
  bool pull_request = false;
  bool from_fork = false;  // a pull request from a fork of a public repository
};

// The first attempt's conclusion: "action_required" (35% of fork pull requests), "skipped" (2%),
// "cancelled" (4.5% of pull requests, superseded by a newer push; 2% otherwise), else the
// Markov draw: "success", or a failure of which 5% are "timed_out" and 1.5% "startup_failure".
std::string_view draw_first_conclusion(DemoRandom& random, const OutcomeInputs& in);

struct AttemptInputs {
  Timestamp created = 0;
  Timestamp end = 0;  // nothing happens after this instant
  std::string_view first_conclusion;
  double median_seconds = 0;  // of a successful attempt
  bool broken = false;        // the failure is a real breakage: re-runs rarely help
};

// GitHub allows more; the demo's runs have at most this many attempts.
inline constexpr std::size_t kMaxDemoAttempts = 3;

// One attempt of a run as GitHub shows it at `end` (GET .../runs/{id}/attempts/{attempt}).
struct PlayedAttempt {
  std::int64_t attempt;
  std::string_view status;      // "completed", "in_progress" or "queued"
  std::string_view conclusion;  // "" unless completed
  Timestamp started;            // run_started_at
  Timestamp updated;            // updated_at
};

// Every attempt of a run, in attempt order (1, 2, ...): the last is the run's latest, whose
// fields the run shows; each earlier one is completed and the next started after it ended.
// Held inline and filled in place, attempts[0, count) only: playing a run (a million times for
// a big demo) allocates, constructs and clears nothing.
struct PlayedAttempts {
  std::array<PlayedAttempt, kMaxDemoAttempts> attempts;
  std::size_t count = 0;

  std::span<const PlayedAttempt> all() const { return {attempts.data(), count}; }
  const PlayedAttempt& latest() const { return attempts[count - 1]; }
};

// Plays the attempts of a run created at `created`: the first ends with `first_conclusion`;
// failed ones are re-run (20%, then 25% of failed second attempts; flaky failures pass on
// re-run 60% of the time, breakages 15%), as are 10% of cancelled and 1% of successful runs.
// A re-run is requested minutes to hours after the previous attempt completed (log-normal
// around 15 minutes, 30 s to 3 days), except that 10% of second attempts come 1 to 25 days
// later (someone re-runs an old pull request's checks or a release: GitHub allows it for 30
// days). Each attempt waits a few seconds to minutes in the queue, then runs for a log-normal
// duration (sigma 0.35 around `median_seconds`), shorter for failures and cancellations, the
// timeout for timed_out, zero for runs that never started. Attempts requested after `end` do
// not happen; an attempt not finished by `end` is reported "queued" or "in_progress".
// Replaces what `played` held.
void play_attempts(DemoRandom& random, const AttemptInputs& in, PlayedAttempts& played);

}  // namespace cipette::demo

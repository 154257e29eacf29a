#pragma once
// Earlier attempts for the web tests' runs (docs/metrics.md, "Re-runs and flakiness").
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "cipette/core/run.h"

namespace cipette::web::fixtures {

// Attempt `number` of run `run_id`: completed with `conclusion`, started `started` and taking
// `duration` seconds.
inline AttemptRecord completed_attempt(std::int64_t run_id, std::int64_t number,
                                       std::string conclusion, Timestamp started,
                                       Timestamp duration) {
  AttemptRecord a;
  a.run_id = run_id;
  a.attempt = number;
  a.status = "completed";
  a.conclusion = std::move(conclusion);
  a.run_started_at = started;
  a.updated_at = started + duration;
  return a;
}

// Attempt `number` of run `run_id` as GitHub's 404 leaves it: nothing known.
inline AttemptRecord unknown_attempt(std::int64_t run_id, std::int64_t number) {
  AttemptRecord a;
  a.run_id = run_id;
  a.attempt = number;
  a.found = false;
  return a;
}

// `run` as its attempt `run_attempt`, started at `started` and taking `duration` seconds,
// after the `earlier` attempts.
inline RunRecord rerun(RunRecord run, std::int64_t run_attempt, Timestamp started,
                       Timestamp duration, std::vector<AttemptRecord> earlier) {
  run.run_attempt = run_attempt;
  run.run_started_at = started;
  run.updated_at = started + duration;
  run.earlier_attempts = std::move(earlier);
  return run;
}

}  // namespace cipette::web::fixtures

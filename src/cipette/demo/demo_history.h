#pragma once

#include <cstdint>
#include <functional>
#include <span>

#include "cipette/core/run.h"
#include "cipette/core/time.h"

namespace cipette::demo {

struct DemoOptions {
  std::uint64_t seed = 42;
  std::int64_t runs = 20000;  // completed and in-flight runs to generate in all (>= 1)
  Timestamp end = 0;          // the newest run is created shortly before this time
};

// Generates a realistic synthetic history, deterministic for the same options: several
// repositories (about 20 at 1,000,000 runs), each with a few workflows (about 100 in all at that
// size), several branches, months of runs with a weekday rhythm, failure streaks and recoveries,
// re-runs, cancelled and skipped runs, log-normal durations, and a few runs still in progress at
// `end`. A re-run run holds its latest attempt's fields and its earlier attempts in
// earlier_attempts (all found and completed, in attempt order; see play_attempts for how often
// and when runs are re-run). Calls `sink` with batches of runs (at most 10,000 each) in no
// particular order; every run id is unique. Uses constant memory in `runs`, apart from the batch.
void generate_history(const DemoOptions& options,
                      const std::function<void(std::span<const RunRecord>)>& sink);

}  // namespace cipette::demo

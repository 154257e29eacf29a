#pragma once

// Shared by the store benchmarks: the demo history with or without its earlier attempts, and
// scan_runs over a whole store, counting what it visits.

#include <benchmark/benchmark.h>

#include <cstdint>
#include <iterator>
#include <span>
#include <stdexcept>
#include <vector>

#include "cipette/core/run_store.h"

namespace cipette::bench {

// `batch` of the demo history without the re-runs' earlier attempts (the demo writes every
// attempt), for the figures of a store that holds none.
inline std::vector<RunRecord> without_earlier_attempts(std::span<const RunRecord> batch) {
  std::vector<RunRecord> runs(batch.begin(), batch.end());
  for (RunRecord& run : runs) run.earlier_attempts.clear();
  return runs;
}

// Scans every run of `store` once per iteration (no run table built) and reports the runs, the
// runs with earlier attempts and the earlier attempts visited as counters.
inline void scan_and_count(benchmark::State& state, RunReader& store) {
  std::int64_t runs = 0;
  std::int64_t earlier = 0;
  std::int64_t reruns = 0;
  for (auto _ : state) {
    runs = earlier = reruns = 0;
    auto last = store.scan_runs(0, [&](const RunRecord& run) {
      ++runs;
      earlier += std::ssize(run.earlier_attempts);
      reruns += run.earlier_attempts.empty() ? 0 : 1;
      return ScanStep::kContinue;
    });
    if (!last) throw std::runtime_error(last.error().message);
  }
  state.SetItemsProcessed(state.iterations() * runs);
  state.counters["runs"] = static_cast<double>(runs);
  state.counters["runs_with_attempts"] = static_cast<double>(reruns);
  state.counters["earlier_attempts"] = static_cast<double>(earlier);
}

}  // namespace cipette::bench

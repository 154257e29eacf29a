// The metrics engine over the demo history: building the in-memory run table and computing the
// full per-workflow report (every metric, MTTR and p95 included) for 90 days and for all time,
// at 10k, 100k and 1M runs, with a branch or an event filter, and the daily series. See
// docs/performance.md for figures and how to run.
#include <benchmark/benchmark.h>

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cipette/core/metrics.h"
#include "cipette/core/run_table.h"
#include "cipette/demo/demo_history.h"

namespace {

using namespace cipette;

constexpr Timestamp kEnd = 1719748800;  // 2024-06-30T12:00:00Z

// One table per size, built once and shared by the benchmarks.
const RunTable& demo_table(std::int64_t runs) {
  static std::map<std::int64_t, std::unique_ptr<RunTable>> tables;
  auto& table = tables[runs];
  if (!table) {
    RunTableBuilder builder;
    demo::generate_history({42, runs, kEnd}, [&](std::span<const RunRecord> batch) {
      for (const RunRecord& run : batch) builder.add(run);
    });
    table = std::make_unique<RunTable>(builder.build(1));
  }
  return *table;
}

void compute(benchmark::State& state, Period period, std::string branch = "",
             std::string event = "") {
  const RunTable& table = demo_table(state.range(0));
  Scope scope;
  scope.period = period;
  scope.now = kEnd;
  scope.branch = std::move(branch);
  scope.event = std::move(event);
  std::size_t rows = 0;
  for (auto _ : state) {
    MetricsReport report = compute_metrics(table, scope);
    rows = report.workflows.size();
    benchmark::DoNotOptimize(report);
  }
  state.counters["workflows"] = static_cast<double>(rows);
  state.counters["table_MB"] = static_cast<double>(table.memory_bytes()) / 1e6;
  state.counters["bytes_per_run"] =
      static_cast<double>(table.memory_bytes()) / static_cast<double>(table.size());
}

void BM_MetricsLast90Days(benchmark::State& state) { compute(state, Period::last_days(90)); }
void BM_MetricsAllTime(benchmark::State& state) { compute(state, Period::all()); }
// A branch filter still reads the period index; an event filter walks every stream instead.
void BM_MetricsLast90DaysOnMain(benchmark::State& state) {
  compute(state, Period::last_days(90), "main");
}
void BM_MetricsLast90DaysOfPushes(benchmark::State& state) {
  compute(state, Period::last_days(90), "", "push");
}

void daily_series(benchmark::State& state, Period period) {
  const RunTable& table = demo_table(state.range(0));
  Scope scope;
  scope.period = period;
  scope.now = kEnd;
  for (auto _ : state) benchmark::DoNotOptimize(compute_daily_series(table, scope));
}

void BM_DailySeriesLast90Days(benchmark::State& state) {
  daily_series(state, Period::last_days(90));
}
void BM_DailySeriesAllTime(benchmark::State& state) { daily_series(state, Period::all()); }

void BM_BuildTable(benchmark::State& state) {
  std::vector<RunRecord> runs;
  demo::generate_history({42, state.range(0), kEnd}, [&](std::span<const RunRecord> batch) {
    runs.insert(runs.end(), batch.begin(), batch.end());
  });
  for (auto _ : state) {
    RunTableBuilder builder;
    for (const RunRecord& run : runs) builder.add(run);
    benchmark::DoNotOptimize(builder.build(1));
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// An incremental refresh without the store: 1,000 changed runs (every 1,000th run of the
// history, completed a minute later with the opposite outcome) merged into the 1M-run table.
void BM_MergeChangedRuns(benchmark::State& state) {
  const RunTable& base = demo_table(state.range(0));
  std::vector<RunRecord> changed;
  std::int64_t index = 0;
  demo::generate_history({42, state.range(0), kEnd}, [&](std::span<const RunRecord> batch) {
    for (const RunRecord& run : batch) {
      if (index++ % 1000 != 0) continue;
      RunRecord update = run;
      update.updated_at += 60;
      update.conclusion = run.conclusion == "success" ? "failure" : "success";
      update.status = "completed";
      changed.push_back(std::move(update));
    }
  });
  for (auto _ : state) {
    RunTableBuilder builder(base);
    for (const RunRecord& run : changed) builder.add(run);
    benchmark::DoNotOptimize(builder.build(2));
  }
  state.counters["changed"] = static_cast<double>(changed.size());
}

}  // namespace

BENCHMARK(BM_MetricsLast90Days)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MetricsAllTime)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MetricsLast90DaysOnMain)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_MetricsLast90DaysOfPushes)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DailySeriesLast90Days)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DailySeriesAllTime)->Arg(1'000'000)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_BuildTable)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_MergeChangedRuns)->Arg(1'000'000)->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();

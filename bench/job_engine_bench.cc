// The engine's job table over the demo history with six jobs a run (the demo has no jobs yet:
// they are made up here from each run, deterministically): building the table, and the job and
// runner metrics for 90 days and for all time. See docs/decisions.md, "Jobs in the engine".
#include <benchmark/benchmark.h>

#include <array>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cipette/core/job_metrics.h"
#include "cipette/core/job_table.h"
#include "cipette/core/run_table.h"
#include "cipette/demo/demo_history.h"

namespace {

using namespace cipette;

constexpr Timestamp kEnd = 1719748800;  // 2024-06-30T12:00:00Z
constexpr int kJobsPerRun = 6;

// A small, fixed mix of values from a run id and a job index.
std::uint64_t mix(std::int64_t run_id, int k) {
  auto x = static_cast<std::uint64_t>(run_id) * 0x9E3779B97F4A7C15ULL + static_cast<unsigned>(k);
  x ^= x >> 31;
  x *= 0xBF58476D1CE4E5B9ULL;
  return x ^ (x >> 29);
}

// Job k of `run`: a build, a lint, three matrix legs of a test and a docs job; mostly on
// GitHub-hosted labels, one in ten on self-hosted runners.
JobRecord job_of(const RunRecord& run, int k, std::int64_t id) {
  static const std::array<const char*, kJobsPerRun> names = {"build",
                                                             "lint",
                                                             "test (ubuntu-latest, 3.12)",
                                                             "test (ubuntu-latest, 3.11)",
                                                             "test (windows-latest, 3.12)",
                                                             "docs"};
  std::uint64_t r = mix(run.id, k);
  JobRecord job;
  job.id = id;
  job.run_id = run.id;
  job.run_attempt = run.run_attempt;
  job.name = names[static_cast<std::size_t>(k)];
  job.status = run.status;
  job.conclusion = r % 10 == 0 ? run.conclusion : "success";
  job.created_at = run.started();
  job.started_at = *job.created_at + static_cast<Timestamp>(r % 120);
  if (run.completed()) {
    job.completed_at = *job.started_at + static_cast<Timestamp>((r >> 8) % 900);
  }
  bool self_hosted = (r >> 20) % 10 == 0;
  if (self_hosted) {
    job.labels = {"self-hosted", "linux", "x64"};
    job.runner_group_name = "self-hosted";
  } else {
    job.labels = {k == 4 ? "windows-latest" : "ubuntu-latest"};
    job.runner_group_name = "GitHub Actions";
  }
  job.waited = k == 5 && (r >> 24) % 50 == 0;
  return job;
}

struct Tables {
  std::unique_ptr<RunTable> runs;
  std::unique_ptr<JobTable> jobs;
};

// One pair of tables per size, built once and shared by the benchmarks.
const Tables& demo_tables(std::int64_t runs) {
  static std::map<std::int64_t, Tables> tables;
  Tables& t = tables[runs];
  if (!t.runs) {
    RunTableBuilder run_builder;
    JobTableBuilder job_builder;
    std::int64_t id = 1;
    demo::generate_history({42, runs, kEnd}, [&](std::span<const RunRecord> batch) {
      for (const RunRecord& run : batch) {
        run_builder.add(run);
        for (int k = 0; k < kJobsPerRun; ++k) job_builder.add(job_of(run, k, id++));
      }
    });
    t.runs = std::make_unique<RunTable>(run_builder.build(1));
    t.jobs = std::make_unique<JobTable>(job_builder.build(*t.runs, 1));
  }
  return t;
}

template <typename Compute>
void compute(benchmark::State& state, Period period, Compute compute_rows) {
  const Tables& t = demo_tables(state.range(0));
  Scope scope;
  scope.period = period;
  scope.now = kEnd;
  std::size_t rows = 0;
  std::int64_t executions = 0;
  for (auto _ : state) {
    auto out = compute_rows(*t.runs, *t.jobs, scope);
    rows = out.size();
    executions = 0;
    for (const auto& row : out) executions += row.executions;
    benchmark::DoNotOptimize(out);
  }
  state.counters["rows"] = static_cast<double>(rows);
  state.counters["jobs_in_scope"] = static_cast<double>(executions);
  state.counters["jobs_MB"] = static_cast<double>(t.jobs->memory_bytes()) / 1e6;
  state.counters["bytes_per_job"] =
      static_cast<double>(t.jobs->memory_bytes()) / static_cast<double>(t.jobs->size());
}

void BM_JobMetricsLast90Days(benchmark::State& state) {
  compute(state, Period::last_days(90), compute_job_metrics);
}
void BM_RunnerMetricsLast90Days(benchmark::State& state) {
  compute(state, Period::last_days(90), compute_runner_metrics);
}
// The runners view (/api/v1/runners): the runner rows, the totals and the daily queue times.
void BM_RunnerReportLast90Days(benchmark::State& state) {
  const Tables& t = demo_tables(state.range(0));
  Scope scope;
  scope.period = Period::last_days(90);
  scope.now = kEnd;
  std::size_t days = 0;
  for (auto _ : state) {
    RunnerReport report = compute_runner_report(*t.runs, *t.jobs, scope);
    days = report.days.size();
    benchmark::DoNotOptimize(report);
  }
  state.counters["days"] = static_cast<double>(days);
}
void BM_JobMetricsAllTime(benchmark::State& state) {
  compute(state, Period::all(), compute_job_metrics);
}
void BM_RunnerMetricsAllTime(benchmark::State& state) {
  compute(state, Period::all(), compute_runner_metrics);
}

// An incremental job build: the jobs of 1,000 runs (every 1,000th) changed, merged into the
// table and mapped to the run table's rows again.
void BM_MergeChangedJobs(benchmark::State& state) {
  const Tables& t = demo_tables(state.range(0));
  std::vector<JobRecord> changed;
  std::int64_t id = 1;
  std::int64_t index = 0;
  demo::generate_history({42, state.range(0), kEnd}, [&](std::span<const RunRecord> batch) {
    for (const RunRecord& run : batch) {
      for (int k = 0; k < kJobsPerRun; ++k, ++id) {
        if (index % 1000 != 0) continue;
        JobRecord job = job_of(run, k, id);
        job.conclusion = job.conclusion == "success" ? "failure" : "success";
        changed.push_back(std::move(job));
      }
      ++index;
    }
  });
  for (auto _ : state) {
    JobTableBuilder builder(*t.jobs);
    for (const JobRecord& job : changed) builder.add(job);
    benchmark::DoNotOptimize(builder.build(*t.runs, 2));
  }
  state.counters["changed"] = static_cast<double>(changed.size());
}

}  // namespace

// Real time: a query of this many jobs counts on two cores (docs/decisions.md, "Jobs in the
// engine"), and CPU time would only count the calling thread.
BENCHMARK(BM_JobMetricsLast90Days)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RunnerMetricsLast90Days)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RunnerReportLast90Days)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_JobMetricsAllTime)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_RunnerMetricsAllTime)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_MergeChangedJobs)->Arg(1'000'000)->Unit(benchmark::kMillisecond)->Iterations(3);

BENCHMARK_MAIN();

// The SQLite job writer (docs/decisions.md, "Jobs in the store"): 200,000 new jobs of 20,000
// stored demo runs, in batches of 10,000 (one transaction each), with 0, 5 and 10 steps a
// job; and the same jobs written again unchanged (equal versions: rows and steps compared).
// Each iteration writes into a fresh database under $TMPDIR, set up outside the timing. See
// docs/performance.md, "Jobs, first figures".
#include <benchmark/benchmark.h>

#include <filesystem>
#include <stdexcept>
#include <string>
#include <vector>

#include "cipette/demo/demo_history.h"
#include "cipette/storage/sqlite_store.h"
#include "store_histories.h"

namespace {

using namespace cipette;

constexpr Timestamp kEnd = 1719748800;  // 2024-06-30T12:00:00Z
constexpr std::int64_t kRuns = 20'000;
constexpr int kJobsPerRun = 10;
constexpr std::size_t kBatch = 10'000;

std::string bench_path() {
  return (std::filesystem::temp_directory_path() / "cipette-bench-jobs.db").string();
}

void remove_database(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

// A fresh database holding the runs of a 20,000-run demo history (latest attempts only).
std::unique_ptr<storage::SqliteStore> fresh_store(std::vector<RunRecord>& runs) {
  std::string path = bench_path();
  remove_database(path);
  auto store = storage::SqliteStore::open(path);
  if (!store) throw std::runtime_error(store.error().message);
  runs.clear();
  demo::generate_history({42, kRuns, kEnd}, [&](std::span<const RunRecord> batch) {
    auto written = (*store)->upsert_runs(bench::without_earlier_attempts(batch));
    if (!written) throw std::runtime_error(written.error().message);
    runs.insert(runs.end(), batch.begin(), batch.end());
  });
  return std::move(*store);
}

// Ten jobs of each run, completed, as GitHub lists them: a matrix leg name, one label, a
// runner, and `steps` steps of a few seconds each.
std::vector<JobRecord> jobs_of(const std::vector<RunRecord>& runs, int steps) {
  std::vector<JobRecord> jobs;
  jobs.reserve(runs.size() * kJobsPerRun);
  for (const RunRecord& run : runs) {
    for (int k = 0; k < kJobsPerRun; ++k) {
      JobRecord& job = jobs.emplace_back();
      job.id = run.id * 16 + k;
      job.run_id = run.id;
      job.run_attempt = run.run_attempt;
      job.name = "test (ubuntu-latest, 3." + std::to_string(8 + k) + ")";
      job.status = "completed";
      job.conclusion = "success";
      job.created_at = run.started();
      job.started_at = run.started() + 5 + k;
      job.completed_at = *job.started_at + 60 + 10 * steps;
      job.labels = {"ubuntu-latest"};
      job.runner_name = "GitHub Actions " + std::to_string(k + 2);
      job.runner_group_name = "GitHub Actions";
      job.html_url = run.html_url + "/job/" + std::to_string(job.id);
      for (int s = 1; s <= steps; ++s) {
        Timestamp begin = *job.started_at + 10 * (s - 1);
        job.steps.push_back(StepRecord{s, s == 1 ? "Set up job" : "Run step " + std::to_string(s),
                                       "completed", "success", begin, begin + 10});
      }
    }
  }
  return jobs;
}

void write_all(storage::SqliteStore& store, const std::vector<JobRecord>& jobs) {
  for (std::size_t at = 0; at < jobs.size(); at += kBatch) {
    std::span<const JobRecord> batch(jobs.data() + at, std::min(kBatch, jobs.size() - at));
    auto written = store.upsert_jobs(batch);
    if (!written) throw std::runtime_error(written.error().message);
  }
}

void BM_WriteNewJobs(benchmark::State& state) {
  std::vector<RunRecord> runs;
  std::vector<JobRecord> jobs;
  for (auto _ : state) {
    state.PauseTiming();
    auto store = fresh_store(runs);
    if (jobs.empty()) jobs = jobs_of(runs, static_cast<int>(state.range(0)));
    state.ResumeTiming();
    write_all(*store, jobs);
  }
  remove_database(bench_path());
  state.SetItemsProcessed(state.iterations() * std::ssize(jobs));
}

void BM_RewriteUnchangedJobs(benchmark::State& state) {
  std::vector<RunRecord> runs;
  std::vector<JobRecord> jobs;
  for (auto _ : state) {
    state.PauseTiming();
    auto store = fresh_store(runs);
    if (jobs.empty()) jobs = jobs_of(runs, static_cast<int>(state.range(0)));
    write_all(*store, jobs);
    state.ResumeTiming();
    write_all(*store, jobs);
  }
  remove_database(bench_path());
  state.SetItemsProcessed(state.iterations() * std::ssize(jobs));
}

BENCHMARK(BM_WriteNewJobs)->Arg(0)->Arg(5)->Arg(10)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_RewriteUnchangedJobs)->Arg(5)->Unit(benchmark::kMillisecond)->Iterations(3);

}  // namespace

BENCHMARK_MAIN();

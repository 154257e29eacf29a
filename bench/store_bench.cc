// The SQLite store with the demo history: bulk upserts, loading the whole run table (the
// dashboard's start-up) at 10k, 100k and 1M runs, and the scan alone at 1M runs with and
// without the re-runs' earlier attempts. Databases are written once into
// $TMPDIR/cipette-bench-<N>.db and reused. See docs/performance.md.
#include <benchmark/benchmark.h>

#include <filesystem>
#include <iterator>
#include <string>
#include <vector>

#include "cipette/core/run_table.h"
#include "cipette/demo/demo_history.h"
#include "cipette/storage/sqlite_store.h"
#include "store_histories.h"

namespace {

using namespace cipette;

constexpr Timestamp kEnd = 1719748800;  // 2024-06-30T12:00:00Z

std::string bench_path(std::int64_t runs, const char* kind) {
  return (std::filesystem::temp_directory_path() /
          ("cipette-bench-" + std::string(kind) + std::to_string(runs) + ".db"))
      .string();
}

void remove_database(const std::string& path) {
  for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(path + suffix);
}

std::unique_ptr<storage::SqliteStore> open_or_die(const std::string& path) {
  auto store = storage::SqliteStore::open(path);
  if (!store) throw std::runtime_error(store.error().message);
  return std::move(*store);
}

// Writes the demo history into a fresh database file, with the re-runs' earlier attempts when
// `attempts` is set.
void write_demo(const std::string& path, std::int64_t runs, bool attempts = false) {
  remove_database(path);
  auto store = open_or_die(path);
  demo::generate_history({42, runs, kEnd}, [&](std::span<const RunRecord> batch) {
    auto written = attempts ? store->upsert_runs(batch)
                            : store->upsert_runs(bench::without_earlier_attempts(batch));
    if (!written) throw std::runtime_error("upsert failed: " + written.error().message);
  });
}

void BM_UpsertDemoHistory(benchmark::State& state) {
  std::string path = bench_path(state.range(0), "upsert-");
  for (auto _ : state) write_demo(path, state.range(0));
  remove_database(path);
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

void BM_LoadRunTable(benchmark::State& state) {
  std::string path = bench_path(state.range(0), "load-");
  if (!std::filesystem::exists(path)) write_demo(path, state.range(0));
  auto store = open_or_die(path);
  std::size_t bytes = 0;
  for (auto _ : state) {
    auto table = load_run_table(*store);
    if (!table) throw std::runtime_error(table.error().message);
    bytes = (*table)->memory_bytes();
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
  state.counters["table_MB"] = static_cast<double>(bytes) / 1e6;
}

// scan_runs over the whole store alone (no run table built): range(1) = 1 with the re-runs'
// earlier attempts stored, 0 without. Counts the runs and the earlier attempts visited.
void BM_ScanRuns(benchmark::State& state) {
  bool attempts = state.range(1) != 0;
  std::string path = bench_path(state.range(0), attempts ? "scan-attempts-" : "scan-");
  if (!std::filesystem::exists(path)) write_demo(path, state.range(0), attempts);
  auto store = open_or_die(path);
  bench::scan_and_count(state, *store);
}

}  // namespace

BENCHMARK(BM_UpsertDemoHistory)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1);
BENCHMARK(BM_LoadRunTable)
    ->Arg(10'000)
    ->Arg(100'000)
    ->Arg(1'000'000)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(3);
BENCHMARK(BM_ScanRuns)
    ->Args({1'000'000, 0})
    ->Args({1'000'000, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(5);

BENCHMARK_MAIN();

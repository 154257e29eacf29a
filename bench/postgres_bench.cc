// The PostgreSQL store with the demo history, on the server CIPETTE_TEST_POSTGRES_URL names
// (skipped with a message without it): bulk loading 1,000,000 runs in the generator's batches
// of 10,000 (without, then with the re-runs' earlier attempts), scanning them all, loading the
// whole run table (the dashboard's start-up), and incremental refreshes after 1,000 runs
// changed (the first after start-up, and the ones after it). Everything lives in the schema
// cipette_bench, created afresh by the bulk load and dropped at the end. See
// docs/performance.md.
#include <benchmark/benchmark.h>
#include <libpq-fe.h>

#include <cstdlib>
#include <iterator>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "cipette/core/run_table.h"
#include "cipette/demo/demo_history.h"
#include "cipette/storage/postgres_store.h"
#include "store_histories.h"

namespace {

using namespace cipette;

constexpr Timestamp kEnd = 1719748800;  // 2024-06-30T12:00:00Z
constexpr std::int64_t kRuns = 1'000'000;
constexpr const char* kSchema = "cipette_bench";

const char* server_url() {
  const char* url = std::getenv("CIPETTE_TEST_POSTGRES_URL");
  return url != nullptr && *url != '\0' ? url : nullptr;
}

constexpr const char* kNoServer =
    "skipped: set CIPETTE_TEST_POSTGRES_URL=postgresql://user:password@host:port/database";

// Runs `sql` (our own constant text) on the server, outside the bench schema.
void admin(const std::string& sql) {
  std::unique_ptr<PGconn, decltype(&PQfinish)> conn(PQconnectdb(server_url()), &PQfinish);
  if (PQstatus(conn.get()) != CONNECTION_OK) throw std::runtime_error(PQerrorMessage(conn.get()));
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  std::unique_ptr<PGresult, decltype(&PQclear)> result(PQexec(conn.get(), sql.c_str()), &PQclear);
  if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    throw std::runtime_error(sql + ": " + PQresultErrorMessage(result.get()));
  }
}

std::string bench_url() {
  std::string url = server_url();
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" +
         kSchema;
}

std::unique_ptr<storage::PostgresStore> open_or_die() {
  auto store = storage::PostgresStore::open(bench_url());
  if (!store) throw std::runtime_error(store.error().message);
  return std::move(*store);
}

// range(0) runs of the demo history into a fresh schema; range(1) = 1 stores the re-runs'
// earlier attempts with them.
void BM_PostgresBulkLoad(benchmark::State& state) {
  if (server_url() == nullptr) return state.SkipWithError(kNoServer);
  bool attempts = state.range(1) != 0;
  for (auto _ : state) {
    state.PauseTiming();
    admin(std::string("DROP SCHEMA IF EXISTS ") + kSchema + " CASCADE");
    admin(std::string("CREATE SCHEMA ") + kSchema);
    auto store = open_or_die();
    state.ResumeTiming();
    demo::generate_history({42, state.range(0), kEnd}, [&](std::span<const RunRecord> batch) {
      auto stats = attempts ? store->upsert_runs(batch)
                            : store->upsert_runs(bench::without_earlier_attempts(batch));
      if (!stats) throw std::runtime_error(stats.error().message);
    });
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}

// scan_runs over the whole store alone (no run table built), on what the bulk load before it
// left. Counts the runs and the earlier attempts visited.
void BM_PostgresScanRuns(benchmark::State& state) {
  if (server_url() == nullptr) return state.SkipWithError(kNoServer);
  auto store = open_or_die();
  bench::scan_and_count(state, *store);
}

void BM_PostgresLoadRunTable(benchmark::State& state) {
  if (server_url() == nullptr) return state.SkipWithError(kNoServer);
  auto store = open_or_die();
  std::size_t rows = 0;
  for (auto _ : state) {
    auto table = load_run_table(*store);
    if (!table) throw std::runtime_error(table.error().message);
    rows = (*table)->size();
  }
  state.SetItemsProcessed(state.iterations() * static_cast<std::int64_t>(rows));
  state.counters["runs"] = static_cast<double>(rows);
}

// Every 1,000th run of the store, to change in the incremental refresh.
std::vector<RunRecord> sample_runs(RunReader& store) {
  std::vector<RunRecord> sample;
  std::int64_t seen = 0;
  auto scanned = store.scan_runs(0, [&](const RunRecord& run) {
    if (++seen % 1000 == 0) sample.push_back(run);
    return ScanStep::kContinue;
  });
  if (!scanned) throw std::runtime_error(scanned.error().message);
  return sample;
}

// Gives 1,000 runs of the store a newer version (the caller does not time it).
void change_runs(RunWriter& store, std::vector<RunRecord>& changed) {
  for (RunRecord& run : changed) ++run.updated_at;
  if (auto stats = store.upsert_runs(changed); !stats || stats->updated != 1000) {
    throw std::runtime_error("changing 1,000 runs failed");
  }
}

// The table of the whole store, as the dashboard loads it at start-up (not timed).
std::shared_ptr<const RunTable> load_whole(RunReader& store) {
  auto loaded = load_run_table(store);
  if (!loaded) throw std::runtime_error(loaded.error().message);
  return *loaded;
}

// Each iteration: 1,000 runs get a newer version (not timed), then the table is refreshed from
// the previous one (timed): the scan of the changed runs plus the merge into a copy of the
// table, up to the moment the new table could be published. The previous table is then freed
// (not timed), as the server frees a snapshot once no request reads it. `first`: time only the
// first refresh after start-up; otherwise one untimed refresh comes first, and the iterations
// time the refreshes that follow.
// BM_PostgresScanChanged times the scan alone.
void refresh_after_changes(benchmark::State& state, bool merge, bool first) {
  if (server_url() == nullptr) return state.SkipWithError(kNoServer);
  auto store = open_or_die();
  std::shared_ptr<const RunTable> table = load_whole(*store);
  std::vector<RunRecord> changed = sample_runs(*store);
  if (!first) {
    change_runs(*store, changed);
    table = *load_run_table(*store, table.get());
  }
  std::size_t seen = 0;
  for (auto _ : state) {
    state.PauseTiming();
    change_runs(*store, changed);
    state.ResumeTiming();
    if (merge) {
      auto refreshed = load_run_table(*store, table.get());
      if (!refreshed) throw std::runtime_error(refreshed.error().message);
      state.PauseTiming();
      table = std::move(*refreshed);  // frees the previous table
      state.ResumeTiming();
      seen = 1000;
    } else {
      seen = 0;
      auto last = store->scan_runs(table->watermark(), [&](const RunRecord&) {
        ++seen;
        return ScanStep::kContinue;
      });
      if (!last) throw std::runtime_error(last.error().message);
      state.PauseTiming();
      table = *load_run_table(*store, table.get());  // move the watermark on, untimed
      state.ResumeTiming();
    }
  }
  state.counters["changed_runs"] = static_cast<double>(seen);
}

void BM_PostgresFirstRefresh(benchmark::State& state) { refresh_after_changes(state, true, true); }
void BM_PostgresIncrementalRefresh(benchmark::State& state) {
  refresh_after_changes(state, true, false);
}
void BM_PostgresScanChanged(benchmark::State& state) { refresh_after_changes(state, false, false); }

void BM_PostgresDropBenchSchema(benchmark::State& state) {
  if (server_url() == nullptr) return state.SkipWithError(kNoServer);
  for (auto _ : state) admin(std::string("DROP SCHEMA IF EXISTS ") + kSchema + " CASCADE");
}

}  // namespace

// Wall time: most of the work happens in the server, not in this process. The scan runs twice:
// on the history without earlier attempts, then on the same history with them (the second
// bulk load), which the benchmarks after it use.
BENCHMARK(BM_PostgresBulkLoad)
    ->Args({kRuns, 0})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK(BM_PostgresScanRuns)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();
BENCHMARK(BM_PostgresBulkLoad)
    ->Args({kRuns, 1})
    ->Unit(benchmark::kMillisecond)
    ->Iterations(1)
    ->UseRealTime();
BENCHMARK(BM_PostgresScanRuns)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();
BENCHMARK(BM_PostgresLoadRunTable)->Unit(benchmark::kMillisecond)->Iterations(3)->UseRealTime();
BENCHMARK(BM_PostgresFirstRefresh)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();
BENCHMARK(BM_PostgresIncrementalRefresh)
    ->Unit(benchmark::kMillisecond)
    ->Iterations(10)
    ->UseRealTime();
BENCHMARK(BM_PostgresScanChanged)->Unit(benchmark::kMillisecond)->Iterations(5)->UseRealTime();
BENCHMARK(BM_PostgresDropBenchSchema)->Unit(benchmark::kMillisecond)->Iterations(1);

BENCHMARK_MAIN();

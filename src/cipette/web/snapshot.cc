#include "cipette/web/snapshot.h"

#include <fmt/format.h>

#include <cstdio>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "cipette/core/time.h"

namespace cipette::web {

Snapshot::Snapshot() : Snapshot(std::make_shared<const RunTable>()) {}

Snapshot::Snapshot(std::shared_ptr<const RunTable> table)
    : state_(std::make_shared<const SnapshotState>(SnapshotState{std::move(table), 0, now_utc()})) {
}

std::shared_ptr<const SnapshotState> Snapshot::current() const { return state_.load(); }

void Snapshot::publish(const std::shared_ptr<const RunTable>& table,
                       const std::shared_ptr<const JobTable>& jobs) {
  // Publishers are serialised by their callers (one refresher), but a compare-exchange loop
  // keeps generations strictly increasing even if they were not.
  auto expected = state_.load();
  while (true) {
    auto next = std::make_shared<const SnapshotState>(
        SnapshotState{table, expected->generation + 1, now_utc(), jobs});
    if (state_.compare_exchange_weak(expected, next)) return;
  }
}

namespace {

// Building a table allocates far more than the table keeps (rows read from the store, sort
// buffers); glibc keeps the freed pages unless asked, which would double the server's resident
// memory after every refresh.
void release_free_memory() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace

SnapshotRefresher::SnapshotRefresher(Snapshot& snapshot, StoreOpener open_store,
                                     std::chrono::milliseconds interval)
    : snapshot_(snapshot), open_store_(std::move(open_store)), interval_(interval) {}

SnapshotRefresher::~SnapshotRefresher() { stop(); }

Result<bool> SnapshotRefresher::refresh() {
  std::lock_guard lock(refresh_mutex_);
  auto changed = load_and_publish();
  // Only now are the unpublished table, the old one and the build buffers all gone.
  release_free_memory();
  return changed;
}

Result<bool> SnapshotRefresher::load_and_publish() {
  // A connection per refresh, closed right after: the store's page cache (up to 64 MB for
  // SQLite) would otherwise stay allocated between refreshes.
  auto opened = open_store_();
  if (!opened) return Error{"refreshing the run table: " + opened.error().message};
  StoreReader store = std::move(*opened);
  auto base = snapshot_.current();
  bool first = base->generation == 0 && base->table->size() == 0;
  if (first && store.jobs != nullptr) return load_all_and_publish(store);
  auto loaded = load_run_table(*store.runs, first ? nullptr : base->table.get());
  if (!loaded) return Error{"refreshing the run table: " + loaded.error().message};
  bool runs_changed = first || (*loaded)->watermark() != base->table->watermark();
  std::shared_ptr<const RunTable> table = runs_changed ? *loaded : base->table;

  std::shared_ptr<const JobTable> jobs = base->jobs;
  if (store.jobs != nullptr) {
    // The job table is laid out in the run table's row order, so a new run table needs a new
    // job table even when no job changed; otherwise a probe for one changed job saves the
    // rebuild (hundreds of milliseconds at millions of jobs) on every quiet refresh.
    bool jobs_changed = runs_changed;
    if (!jobs_changed) {
      auto probe = store.jobs->scan_jobs(base->jobs->watermark(),
                                         [](const JobRecord&) { return ScanStep::kStop; });
      if (!probe) return Error{"refreshing the job table: " + probe.error().message};
      jobs_changed = *probe != base->jobs->watermark();
    }
    if (jobs_changed) {
      auto loaded_jobs = load_job_table(*store.jobs, *table, base->jobs.get());
      if (!loaded_jobs) return Error{"refreshing the job table: " + loaded_jobs.error().message};
      jobs = *loaded_jobs;
    }
  }
  if (!runs_changed && jobs == base->jobs) return false;
  snapshot_.publish(table, jobs);
  return true;
}

Result<bool> SnapshotRefresher::load_all_and_publish(StoreReader& store) {
  // The jobs are read on a connection of their own while the run table loads on `store`'s,
  // which then reads the jobs left (load_tables).
  auto second = open_store_();
  if (!second) return Error{"loading the tables: " + second.error().message};
  if (second->jobs == nullptr) return Error{"loading the tables: the store reads no jobs"};
  auto loaded = load_tables(*store.runs, *store.jobs, *second->jobs);
  if (!loaded) return Error{"loading the tables: " + loaded.error().message};
  snapshot_.publish(loaded->runs, loaded->jobs);
  return true;
}

void SnapshotRefresher::start() {
  stopping_ = false;
  worker_ = std::thread([this] { run_worker(); });
}

void SnapshotRefresher::stop() {
  {
    std::lock_guard lock(stop_mutex_);
    stopping_ = true;
  }
  stop_signal_.notify_all();
  if (worker_.joinable()) worker_.join();
}

void SnapshotRefresher::run_worker() {
  std::unique_lock lock(stop_mutex_);
  while (!stop_signal_.wait_for(lock, interval_, [this] { return stopping_; })) {
    lock.unlock();
    auto refreshed = refresh();
    if (!refreshed) {
      fmt::print(stderr, "cipette: warning: {} (keeping the previous data)\n",
                 refreshed.error().message);
    } else if (*refreshed) {
      auto state = snapshot_.current();
      fmt::print(stderr, "cipette: refreshed the tables: {} runs, {} jobs (generation {})\n",
                 state->table->size(), state->jobs->size(), state->generation);
    }
    lock.lock();
  }
}

}  // namespace cipette::web

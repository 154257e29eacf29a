#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "cipette/core/job_store.h"
#include "cipette/core/job_table.h"
#include "cipette/core/result.h"
#include "cipette/core/run_store.h"
#include "cipette/core/run_table.h"

namespace cipette::web {

// One connection to the store as the server reads it: the runs, and the same connection's
// job part (null when the store keeps no jobs: the job table then stays empty).
struct StoreReader {
  std::unique_ptr<RunReader> runs;
  JobReader* jobs = nullptr;
};

// Opens a new connection to the configured store (called at start and by the refresh worker).
using StoreOpener = std::function<Result<StoreReader>()>;

// One published version of the run table and the job table built for it. `generation` grows by
// one with every state published, so that anything derived from it (cached responses) can tell
// it is stale.
struct SnapshotState {
  std::shared_ptr<const RunTable> table;
  std::uint64_t generation = 0;
  Timestamp loaded_at = 0;  // when the state was published (UTC seconds)
  // Never null; built for `table` (an empty table answers every job query with nothing).
  std::shared_ptr<const JobTable> jobs = std::make_shared<const JobTable>();
};

// The tables the server answers from, swapped atomically: readers take a consistent
// (table, jobs, generation) state without waiting on the writer. Thread-safe.
class Snapshot {
 public:
  // Starts with empty tables, generation 0.
  Snapshot();
  explicit Snapshot(std::shared_ptr<const RunTable> table);

  // The current state; never null, its tables never null.
  std::shared_ptr<const SnapshotState> current() const;

  // Publishes `table` and `jobs` (built for it) as the next generation. REQUIRES: neither is
  // null.
  void publish(const std::shared_ptr<const RunTable>& table,
               const std::shared_ptr<const JobTable>& jobs = std::make_shared<const JobTable>());

 private:
  std::atomic<std::shared_ptr<const SnapshotState>> state_;
};

// Keeps a Snapshot up to date from a store: load() reads every run and job once; the worker
// started by start() then merges the runs and jobs changed since the last load every `interval`,
// and publishes a new state only when something changed. Each refresh opens its own store
// connection and closes it when done. Errors of the worker are logged to stderr and retried at the
// next interval; readers keep the last good table.
class SnapshotRefresher {
 public:
  SnapshotRefresher(Snapshot& snapshot, StoreOpener open_store, std::chrono::milliseconds interval);
  ~SnapshotRefresher();  // stops the worker
  SnapshotRefresher(const SnapshotRefresher&) = delete;
  SnapshotRefresher& operator=(const SnapshotRefresher&) = delete;

  // Loads the changes since the published state (all runs and jobs the first time) and
  // publishes the result if anything changed. Returns whether a new state was published; fails
  // when the store cannot be opened or read (the published state is left as it was).
  Result<bool> refresh();

  // Starts the background worker. REQUIRES: not started.
  void start();
  // Stops and joins the worker; returns at once if it is not running.
  void stop();

 private:
  void run_worker();
  Result<bool> load_and_publish();  // REQUIRES: refresh_mutex_ held
  // The first load: both tables at once (load_tables), the jobs on a second connection.
  Result<bool> load_all_and_publish(StoreReader& store);  // REQUIRES: as above

  Snapshot& snapshot_;
  StoreOpener open_store_;
  std::chrono::milliseconds interval_;
  std::mutex refresh_mutex_;  // one refresh at a time

  std::mutex stop_mutex_;
  std::condition_variable stop_signal_;
  bool stopping_ = false;
  std::thread worker_;
};

}  // namespace cipette::web

#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>

#include "cipette/core/result.h"
#include "cipette/core/run_store.h"
#include "cipette/core/run_table.h"

namespace cipette::web {

// Opens a new connection to the configured store (called at start and by the refresh worker).
using StoreOpener = std::function<Result<std::unique_ptr<RunReader>>()>;

// One published version of the run table. `generation` grows by one with every table
// published, so that anything derived from a table (cached responses) can tell it is stale.
struct SnapshotState {
  std::shared_ptr<const RunTable> table;
  std::uint64_t generation = 0;
  Timestamp loaded_at = 0;  // when the table was published (UTC seconds)
};

// The run table the server answers from, swapped atomically: readers take a consistent
// (table, generation) pair without waiting on the writer. Thread-safe.
class Snapshot {
 public:
  // Starts with an empty table, generation 0.
  Snapshot();
  explicit Snapshot(std::shared_ptr<const RunTable> table);

  // The current state; never null, its table never null.
  std::shared_ptr<const SnapshotState> current() const;

  // Publishes `table` as the next generation. REQUIRES: table != nullptr.
  void publish(const std::shared_ptr<const RunTable>& table);

 private:
  std::atomic<std::shared_ptr<const SnapshotState>> state_;
};

// Keeps a Snapshot up to date from a store: load() reads every run once; the worker started by
// start() then merges the runs changed since the last load every `interval`, and publishes a
// new table only when something changed. Each refresh opens its own store connection and closes
// it when done. Errors of the worker are logged to stderr and retried at the next interval;
// readers keep the last good table.
class SnapshotRefresher {
 public:
  SnapshotRefresher(Snapshot& snapshot, StoreOpener open_store, std::chrono::milliseconds interval);
  ~SnapshotRefresher();  // stops the worker
  SnapshotRefresher(const SnapshotRefresher&) = delete;
  SnapshotRefresher& operator=(const SnapshotRefresher&) = delete;

  // Loads the changes since the published table (all runs the first time) and publishes the
  // result if anything changed. Returns whether a new table was published; fails when the store
  // cannot be opened or read (the published table is left as it was).
  Result<bool> refresh();

  // Starts the background worker. REQUIRES: not started.
  void start();
  // Stops and joins the worker; returns at once if it is not running.
  void stop();

 private:
  void run_worker();
  Result<bool> load_and_publish();  // REQUIRES: refresh_mutex_ held

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

#pragma once

#include <cstddef>
#include <functional>
#include <mutex>
#include <vector>

#include "cipette/core/job_store.h"
#include "cipette/core/result.h"
#include "cipette/web/snapshot.h"

namespace cipette::web {

// A few store connections for the requests that read the store itself (a run's jobs and steps:
// steps never enter the snapshot, docs/decisions.md "Jobs in the store"), so that a request
// does not pay for a connection (a PostgreSQL connect takes milliseconds) and the store is not
// asked for more than `keep` at a time when idle. Thread-safe.
class StorePool {
 public:
  explicit StorePool(StoreOpener open, std::size_t keep = 4);

  // Calls `use` with the job part of a connection (nullptr when the store holds no jobs): one
  // kept idle, else a new one. A connection is kept for the next call unless `use` failed (it
  // may be broken: it is closed, and the next call opens a fresh one). Fails when no
  // connection can be opened, or with what `use` returned.
  Status with_jobs(const std::function<Status(JobReader*)>& use);

  // Connections kept idle now (for tests).
  std::size_t idle() const;

 private:
  Result<StoreReader> take();

  StoreOpener open_;
  std::size_t keep_;
  mutable std::mutex mutex_;
  std::vector<StoreReader> idle_;  // REQUIRES: mutex_ held
};

}  // namespace cipette::web

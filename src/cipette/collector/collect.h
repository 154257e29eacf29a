#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "cipette/collector/leases.h"
#include "cipette/collector/progress.h"
#include "cipette/collector/repository_sync.h"
#include "cipette/core/result.h"
#include "cipette/core/run_store.h"
#include "cipette/github/client.h"
#include "cipette/github/http_transport.h"

namespace cipette::collector {

// Opens a new connection to the configured store; each worker thread opens its own (and uses
// its SyncStateStore and LeaseStore parts).
using StoreOpener = std::function<Result<std::unique_ptr<RunStore>>()>;
// Makes the HTTP transport of one worker thread (kept for all its requests, so connections
// are reused).
using TransportFactory = std::function<Result<std::unique_ptr<github::HttpTransport>>()>;

// Repositories synced at once at most: far under GitHub's limit of 100 concurrent requests.
inline constexpr int kMaxConcurrency = 16;

struct CollectOptions {
  std::vector<std::string> repositories;   // "owner/name"
  std::vector<std::string> organisations;  // every repository of each is added
  int concurrency = 4;                     // 1..kMaxConcurrency
  github::ClientOptions client;
  // Time and waiting for the clients; empty members are the real ones, with waits shown as a
  // countdown through the ProgressSink.
  github::ClientHooks hooks;
  SyncOptions sync;
  LeaseOptions lease;
};

struct CollectReport {
  std::vector<RepositoryReport>
      repositories;                 // named ones first, in order, then the organisations'
  std::vector<std::string> errors;  // failures outside any one repository (an organisation)
  std::int64_t requests = 0;
  github::RateLimit rate;  // the budget as the latest response reported it
  // Jobs collected: the runs of every repository still lacking their jobs, and when they will
  // be fetched at the current budget (job_backlog_eta, at the requests per run measured).
  std::optional<std::int64_t> jobs_wanted;
  std::optional<std::chrono::seconds> jobs_eta;
  bool ok() const;  // no error, and every repository done
};

// Lists the organisations' repositories, then syncs every repository (each once, names
// compared case-insensitively) with `concurrency` worker threads, each with its own transport,
// client and store connection. A repository that fails does not stop the others.
// Each repository is synced under its lease (leases.h). One held by another collector is put
// aside and looked at again once the others are done: when that collector has released it
// since, it counts as done (RepositoryReport::synced_by); when its lease lapsed, this
// collector takes it over and syncs it.
CollectReport collect(const CollectOptions& options, const StoreOpener& open_store,
                      const TransportFactory& make_transport, ProgressSink& progress);

// The summary printed at the end: totals, then one line per repository, then other errors.
std::string describe_summary(const CollectReport& report);

}  // namespace cipette::collector

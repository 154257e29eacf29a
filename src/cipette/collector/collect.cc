#include "cipette/collector/collect.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <mutex>
#include <set>
#include <thread>

#include "cipette/core/text.h"
#include "cipette/github/endpoints.h"
#include "cipette/github/listing_pages.h"

namespace cipette::collector {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

// Waits in slices of at most a second, telling `progress` how long is left.
void countdown(ProgressSink& progress, const std::string& repository,
               const github::WaitNotice& notice) {
  auto end = std::chrono::steady_clock::now() + notice.duration;
  for (;;) {
    auto left = std::chrono::duration_cast<milliseconds>(end - std::chrono::steady_clock::now());
    if (left.count() <= 0) return;
    progress.waiting(repository, std::chrono::ceil<seconds>(left), notice.reason);
    std::this_thread::sleep_for(std::min<milliseconds>(left, seconds(1)));
  }
}

// A repository found held by another collector, to look at again later.
struct Deferred {
  std::size_t index = 0;     // in Shared::names
  Timestamp first_seen = 0;  // the database's clock when it was first found held
  std::string holder;
};

// What the worker threads share.
struct Shared {
  std::vector<std::string> names;
  std::vector<RepositoryReport> reports;  // by index of names
  std::atomic<std::size_t> next{0};
  std::string holder;                   // this collector's lease holder id
  std::unique_ptr<LeaseKeeper> keeper;  // null when it could not open its store
  std::mutex mutex;                     // guards what follows
  std::vector<std::string> setup_errors;
  std::vector<Deferred> deferred;
  std::int64_t requests = 0;
  github::RateLimit rate;
};

void add_client_stats(Shared& shared, const github::ClientStats& stats) {
  std::lock_guard lock(shared.mutex);
  shared.requests += stats.requests;
  if (stats.rate.known) shared.rate = stats.rate;
}

// A client on a fresh transport; `current` names the repository its waits are shown for.
struct WorkerClient {
  std::unique_ptr<github::HttpTransport> transport;
  std::optional<github::Client> client;
};

Result<WorkerClient> make_client(const CollectOptions& options,
                                 const TransportFactory& make_transport, ProgressSink& progress,
                                 const std::string& current) {
  WorkerClient made;
  auto transport = make_transport();
  if (!transport) return transport.error();
  made.transport = std::move(*transport);
  github::ClientHooks hooks = options.hooks;
  if (!hooks.wait) {
    hooks.wait = [&progress, &current](const github::WaitNotice& notice) {
      countdown(progress, current, notice);
    };
  }
  auto client = github::Client::create(options.client, *made.transport, std::move(hooks));
  if (!client) return client.error();
  made.client.emplace(std::move(*client));
  return made;
}

// One worker thread's tools.
struct Worker {
  const CollectOptions& options;
  ProgressSink& progress;
  Shared& shared;
  github::Client& client;
  RunStore& store;  // runs, attempts, sync states and leases: the worker's own connection
  LeaseStore& leases;
};

RepositoryReport failed_report(const std::string& name, std::string error) {
  RepositoryReport report;
  report.repository = name;
  report.error = std::move(error);
  return report;
}

// Syncs `name`, whose lease this collector holds, then releases the lease.
RepositoryReport sync_leased(Worker& worker, const std::string& name) {
  Shared& shared = worker.shared;
  if (shared.keeper) shared.keeper->hold(name);
  RepositoryReport report =
      sync_repository(worker.client, worker.store, name, worker.options.sync, worker.progress);
  if (shared.keeper) shared.keeper->drop(name);
  if (auto released = worker.leases.release_lease(name, shared.holder); !released) {
    report.warnings.push_back("could not release the lease: " + released.error().message);
  }
  return report;
}

// Syncs repository `index` when its lease is free; otherwise puts it aside (and returns
// nullopt).
std::optional<RepositoryReport> sync_or_defer(Worker& worker, std::size_t index) {
  const std::string& name = worker.shared.names[index];
  auto lease = worker.leases.acquire_lease(name, worker.shared.holder, worker.options.lease.ttl);
  if (!lease) return failed_report(name, lease.error().message);
  if (!lease->acquired && holder_is_dead_local_process(lease->holder)) {
    // Killed on this machine (Ctrl-C, kill -9): no need to wait for its lease to lapse.
    worker.progress.note(
        name, fmt::format("taking over from {}: that process is not running", lease->holder));
    (void)worker.leases.release_lease(name, lease->holder);
    lease = worker.leases.acquire_lease(name, worker.shared.holder, worker.options.lease.ttl);
    if (!lease) return failed_report(name, lease.error().message);
  }
  if (lease->acquired) return sync_leased(worker, name);
  worker.progress.note(name,
                       fmt::format("being synced by {}; will look again later", lease->holder));
  std::lock_guard lock(worker.shared.mutex);
  worker.shared.deferred.push_back({index, lease->now, lease->holder});
  return std::nullopt;
}

// Waits for the other collector holding `deferred` to release it (then it is done) or for
// its lease to lapse (then this collector takes it over).
RepositoryReport wait_for_lease(Worker& worker, Deferred deferred) {
  const std::string& name = worker.shared.names[deferred.index];
  for (;;) {
    auto lease = worker.leases.acquire_lease(name, worker.shared.holder, worker.options.lease.ttl);
    if (!lease) return failed_report(name, lease.error().message);
    if (lease->acquired && lease->released_at >= deferred.first_seen) {
      (void)worker.leases.release_lease(name, worker.shared.holder);
      RepositoryReport report;
      report.repository = name;
      report.done = true;
      report.synced_by = deferred.holder;
      return report;
    }
    if (lease->acquired) {
      worker.progress.note(name,
                           fmt::format("taking over from {}: its lease lapsed", deferred.holder));
      return sync_leased(worker, name);
    }
    deferred.holder = lease->holder;
    auto left = std::chrono::seconds(std::max<Timestamp>(lease->expires_at - lease->now, 1));
    worker.progress.waiting(name, left, fmt::format("being synced by {}", lease->holder));
    std::this_thread::sleep_for(std::min<milliseconds>(left, worker.options.lease.poll));
  }
}

std::optional<Deferred> next_deferred(Shared& shared) {
  std::lock_guard lock(shared.mutex);
  if (shared.deferred.empty()) return std::nullopt;
  Deferred deferred = std::move(shared.deferred.front());
  shared.deferred.erase(shared.deferred.begin());
  return deferred;
}

void run_worker(const CollectOptions& options, const StoreOpener& open_store,
                const TransportFactory& make_transport, ProgressSink& progress, Shared& shared) {
  std::string current;
  auto made = make_client(options, make_transport, progress, current);
  auto store = open_store();
  if (!made || !store) {
    std::lock_guard lock(shared.mutex);
    shared.setup_errors.push_back(!made ? made.error().message : store.error().message);
    return;
  }
  Worker worker{options, progress, shared, *made->client, **store, **store};
  for (std::size_t i = shared.next++; i < shared.names.size(); i = shared.next++) {
    current = shared.names[i];
    if (auto report = sync_or_defer(worker, i)) {
      progress.finished(*report);
      shared.reports[i] = std::move(*report);
    }
  }
  // Only workers still in the loop above add to the list, and each empties it after.
  while (auto deferred = next_deferred(shared)) {
    current = shared.names[deferred->index];
    RepositoryReport report = wait_for_lease(worker, std::move(*deferred));
    progress.finished(report);
    shared.reports[deferred->index] = std::move(report);
  }
  add_client_stats(shared, made->client->stats());
}

// Every repository of `organisation`, page after page.
Result<std::vector<std::string>> list_organisation(github::Client& client,
                                                   const std::string& organisation) {
  std::vector<std::string> names;
  std::string next = github::organisation_repositories_path(organisation, github::kMaxPerPage);
  github::ListingPages pages(github::kMaxPerPage, std::nullopt);  // no total_count to go by
  for (;;) {
    auto page = client.get(next);
    if (!page)
      return fail("listing the repositories of ", organisation, ": ", page.error().message);
    auto parsed = github::parse_repository_names(page->body, page->url);
    if (!parsed) return parsed.error();
    names.insert(names.end(), parsed->begin(), parsed->end());
    if (page->next_url.empty()) return names;
    pages.add(page->url, std::nullopt);
    if (auto follow = pages.follow(page->next_url); !follow) {
      return fail("listing the repositories of ", organisation, ": GET ", page->url, ": ",
                  follow.error().message);
    }
    next = std::move(page->next_url);
  }
}

// The repositories named, then those of the organisations, each once.
std::vector<std::string> repositories_to_sync(const CollectOptions& options,
                                              const TransportFactory& make_transport,
                                              ProgressSink& progress, CollectReport& report) {
  std::vector<std::string> names;
  std::set<std::string> seen;
  auto add = [&](const std::string& name) {
    if (seen.insert(ascii_lower(name)).second) names.push_back(name);
  };
  for (const std::string& name : options.repositories) add(name);
  if (options.organisations.empty()) return names;
  std::string current = "organisations";
  auto made = make_client(options, make_transport, progress, current);
  if (!made) {
    report.errors.push_back(made.error().message);
    return names;
  }
  for (const std::string& organisation : options.organisations) {
    auto listed = list_organisation(*made->client, organisation);
    if (!listed) {
      report.errors.push_back(listed.error().message);
      continue;
    }
    progress.note(organisation, fmt::format("{} repositories", listed->size()));
    for (const std::string& name : *listed) add(name);
  }
  report.requests += made->client->stats().requests;
  if (made->client->stats().rate.known) report.rate = made->client->stats().rate;
  return names;
}

// The job backlog left by every repository, and its ETA at the requests per run measured in
// this collect (one when none were fetched).
void add_job_backlog(const CollectOptions& options, CollectReport& report) {
  std::int64_t wanted = 0, requests = 0, runs = 0;
  for (const RepositoryReport& r : report.repositories) {
    if (!r.jobs_wanted) return;  // unknown for a repository that failed: no total
    wanted += *r.jobs_wanted;
    requests += r.job_requests;
    runs += r.job_runs;
  }
  report.jobs_wanted = wanted;
  double per_run = runs > 0 ? static_cast<double>(requests) / static_cast<double>(runs) : 1.0;
  Timestamp now = options.sync.now ? options.sync.now() : now_utc();
  report.jobs_eta = job_backlog_eta(wanted, per_run, report.rate,
                                    jobs_reserve(options.sync.jobs, report.rate.limit), now);
}

}  // namespace

bool CollectReport::ok() const {
  return errors.empty() && std::all_of(repositories.begin(), repositories.end(),
                                       [](const RepositoryReport& r) { return r.done; });
}

CollectReport collect(const CollectOptions& options, const StoreOpener& open_store,
                      const TransportFactory& make_transport, ProgressSink& progress) {
  CollectReport report;
  Shared shared;
  shared.names = repositories_to_sync(options, make_transport, progress, report);
  shared.reports.resize(shared.names.size());
  shared.holder = options.lease.holder.empty() ? make_holder_id() : options.lease.holder;
  if (!shared.names.empty()) {
    if (auto keeper_store = open_store()) {
      shared.keeper = std::make_unique<LeaseKeeper>(std::move(*keeper_store), shared.holder,
                                                    options.lease.ttl, progress);
    }  // else every worker fails to open its store too, and says why
  }
  int workers = std::clamp<int>(options.concurrency, 1, kMaxConcurrency);
  workers = std::min<int>(workers, static_cast<int>(shared.names.size()));
  std::vector<std::thread> threads;
  threads.reserve(static_cast<std::size_t>(std::max(workers, 0)));
  for (int i = 0; i < workers; ++i) {
    threads.emplace_back(run_worker, std::cref(options), std::cref(open_store),
                         std::cref(make_transport), std::ref(progress), std::ref(shared));
  }
  for (std::thread& thread : threads) thread.join();
  shared.keeper.reset();
  for (std::size_t i = 0; i < shared.names.size(); ++i) {
    RepositoryReport& r = shared.reports[i];
    if (r.repository.empty()) {  // no worker could start
      r.repository = shared.names[i];
      r.error = "not synced: " + (shared.setup_errors.empty() ? std::string("no worker")
                                                              : shared.setup_errors.front());
    }
  }
  report.repositories = std::move(shared.reports);
  report.requests += shared.requests;
  if (shared.rate.known) report.rate = shared.rate;
  if (options.sync.jobs.enabled) add_job_backlog(options, report);
  return report;
}

std::string describe_summary(const CollectReport& report) {
  std::int64_t inserted = 0, updated = 0, reruns = 0, failed = 0;
  for (const RepositoryReport& r : report.repositories) {
    inserted += r.inserted;
    updated += r.updated;
    reruns += r.reruns;
    failed += r.done ? 0 : 1;
  }
  std::string text = fmt::format("collected {} repositories ({} failed): {} runs new, {} updated",
                                 report.repositories.size(), failed, inserted, updated);
  if (reruns > 0) text += fmt::format(" ({} re-run)", reruns);
  text += fmt::format(", {} requests", report.requests);
  if (report.rate.known) {
    text += fmt::format("; {} of {} requests left until {}", report.rate.remaining,
                        report.rate.limit, format_timestamp(report.rate.reset));
  }
  text += '\n';
  if (report.jobs_wanted)
    text += "  " + describe_job_backlog(*report.jobs_wanted, report.jobs_eta) + '\n';
  for (const RepositoryReport& r : report.repositories) {
    text += "  " + describe_report(r) + '\n';
    for (const std::string& warning : r.warnings) text += "    warning: " + warning + '\n';
  }
  for (const std::string& error : report.errors) text += "  error: " + error + '\n';
  return text;
}

}  // namespace cipette::collector

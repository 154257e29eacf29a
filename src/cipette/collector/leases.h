#pragma once

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <thread>

#include "cipette/collector/progress.h"
#include "cipette/core/run_store.h"

namespace cipette::collector {

// How several collectors on one database share the work (core/run_store.h, LeaseStore): a
// collector syncs a repository only while it holds the repository's lease, renews the leases it
// holds every ttl / 3, and releases each when its sync ends. A collector killed mid-sync stops
// renewing, so its leases lapse after at most `ttl` and another collector takes them over.
struct LeaseOptions {
  std::string holder;  // who this collector is; empty: make_holder_id()
  std::chrono::seconds ttl{60};
  // How often a repository held by another collector is looked at again, at most.
  std::chrono::milliseconds poll{1000};
};

// "host:pid:random" — unique per process, and readable in a message about who holds what.
std::string make_holder_id();

// True when `holder` (an id from make_holder_id) names this machine and a process that is no
// longer running: a collector killed here (Ctrl-C, kill -9) whose lease need not be waited
// out. Any other id, or one that does not parse, is taken to be alive.
bool holder_is_dead_local_process(std::string_view holder);

// Renews, from its own thread and its own store connection, every lease held through it.
// Renewal failures are reported as notes; the sync goes on (a lost lease means another
// collector may sync the same repository too, which the upsert rules make harmless).
class LeaseKeeper {
 public:
  LeaseKeeper(std::unique_ptr<LeaseStore> store, std::string holder, std::chrono::seconds ttl,
              ProgressSink& progress);
  ~LeaseKeeper();  // stops renewing (does not release: the syncs release their leases)
  LeaseKeeper(const LeaseKeeper&) = delete;
  LeaseKeeper& operator=(const LeaseKeeper&) = delete;

  void hold(const std::string& repository);  // renew this one from now on
  void drop(const std::string& repository);  // stop renewing it

 private:
  void run();
  void renew_all();

  std::unique_ptr<LeaseStore> store_;
  std::string holder_;
  std::chrono::seconds ttl_;
  ProgressSink& progress_;
  std::mutex mutex_;  // guards what follows
  std::condition_variable wake_;
  std::set<std::string> held_;
  bool stop_ = false;
  std::thread thread_;  // last: starts after everything above is built
};

}  // namespace cipette::collector

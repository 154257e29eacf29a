#pragma once

// Shared by the collector's tests: a fake GitHub server in this process, a database in a
// temporary directory, and collect() between them with the real libcurl transport. Clients
// never really wait: waits are recorded (and shortened to a few milliseconds).

#include <gtest/gtest.h>

#include <algorithm>
#include <mutex>
#include <thread>

#include "cipette/collector/collect.h"
#include "cipette/storage/sqlite_store.h"
#include "fake_github/fake_github.h"
#include "support/test_support.h"

namespace cipette::collector::testing {

inline constexpr std::string_view kToken = "fake-token-5ecret";

class FakeHarness {
 public:
  explicit FakeHarness(fake_github::FakeGitHubOptions options = {}) {
    options.token = std::string(kToken);
    fake_ = std::make_unique<fake_github::FakeGitHub>(options);
    auto port = fake_->start();
    EXPECT_TRUE(port.has_value()) << port.error().message;
  }

  fake_github::FakeGitHub& fake() { return *fake_; }

  // Waits last this long at most (tests of a rate-limit reset wait for the real reset).
  std::chrono::milliseconds real_wait_cap{0};
  std::string database() const { return dir_.file("c.db"); }

  CollectOptions options(std::vector<std::string> repositories) {
    CollectOptions options;
    options.repositories = std::move(repositories);
    options.client.api_url = fake_->base_url();
    options.client.token = std::string(kToken);
    options.hooks.wait = [this](const github::WaitNotice& notice) {
      {
        std::lock_guard lock(mutex_);
        waits_.push_back(notice);
      }
      std::this_thread::sleep_for(std::min(notice.duration, real_wait_cap));
    };
    return options;
  }

  CollectReport collect(const CollectOptions& options) {
    SilentProgress progress;
    return collect(options, progress);
  }

  CollectReport collect(const CollectOptions& options, ProgressSink& progress) {
    StoreOpener open_store = [path = database()]() -> Result<std::unique_ptr<RunStore>> {
      auto store = storage::SqliteStore::open(path);
      if (!store) return store.error();
      return std::unique_ptr<RunStore>(std::move(*store));
    };
    TransportFactory make_transport = []() -> Result<std::unique_ptr<github::HttpTransport>> {
      github::CurlTransportOptions transport;
      // Long enough for a loaded machine (a response cut off by it is retried without the
      // one-shot fault a test injected); FaultsTest.ATimeoutIsRetried delays past it.
      transport.total_timeout = std::chrono::milliseconds(4000);
      auto made = github::CurlTransport::create(transport);
      if (!made) return made.error();
      return std::unique_ptr<github::HttpTransport>(std::move(*made));
    };
    return collector::collect(options, open_store, make_transport, progress);
  }

  CollectReport collect(std::vector<std::string> repositories) {
    return collect(options(std::move(repositories)));
  }

  // The runs in the database, by id.
  std::vector<RunRecord> stored_runs() {
    auto store = storage::SqliteStore::open(database());
    EXPECT_TRUE(store.has_value()) << store.error().message;
    std::vector<RunRecord> runs;
    auto scanned = (*store)->scan_runs(0, [&](const RunRecord& run) {
      runs.push_back(run);
      return ScanStep::kContinue;
    });
    EXPECT_TRUE(scanned.has_value()) << scanned.error().message;
    std::sort(runs.begin(), runs.end(), [](auto& a, auto& b) { return a.id < b.id; });
    return runs;
  }

  // The fake's runs of `repositories` (all when empty), by id, with their earlier attempts: what
  // a collector that read everything stores.
  std::vector<RunRecord> served_runs(const std::vector<std::string>& repositories = {}) {
    std::vector<RunRecord> runs;
    for (const std::string& name : repositories.empty() ? fake_->repositories() : repositories) {
      auto some = fake_->runs_with_attempts(name);
      runs.insert(runs.end(), some.begin(), some.end());
    }
    std::sort(runs.begin(), runs.end(), [](auto& a, auto& b) { return a.id < b.id; });
    return runs;
  }

  std::optional<SyncState> state(const std::string& repository) {
    auto store = storage::SqliteStore::open(database());
    auto state = (*store)->load_sync_state(repository);
    EXPECT_TRUE(state.has_value()) << state.error().message;
    return state ? *state : std::nullopt;
  }

  std::vector<github::WaitNotice> waits() {
    std::lock_guard lock(mutex_);
    return waits_;
  }

  // Requests the fake received for `repository`'s runs.
  std::size_t requests_for(std::string_view repository) {
    std::string prefix = "/repos/" + std::string(repository) + "/";
    auto log = fake_->requests();
    return static_cast<std::size_t>(std::count_if(log.begin(), log.end(), [&](const auto& r) {
      return r.target.find(prefix) != std::string::npos;
    }));
  }

 private:
  cipette::testing::TempDir dir_;
  std::unique_ptr<fake_github::FakeGitHub> fake_;
  std::mutex mutex_;
  std::vector<github::WaitNotice> waits_;
};

// A generated history without re-runs, so that the tests counting requests count listings only
// (re-runs and their attempts: reruns_test.cc).
inline fake_github::RunGeneration generated(std::int64_t count, std::int64_t in_progress = 1,
                                            double rerun_share = 0) {
  fake_github::RunGeneration generation;
  generation.count = count;
  generation.in_progress = in_progress;
  generation.rerun_share = rerun_share;
  return generation;
}

// The first report of `repository`.
inline const RepositoryReport& report_of(const CollectReport& report, std::string_view repository) {
  for (const RepositoryReport& r : report.repositories) {
    if (r.repository == repository) return r;
  }
  ADD_FAILURE() << "no report for " << repository;
  static RepositoryReport none;
  return none;
}

}  // namespace cipette::collector::testing

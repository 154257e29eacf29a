// Several collectors on one database: leases decide who syncs a repository (leases.h).
#include "cipette/collector/leases.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <condition_variable>
#include <future>

#include "fake_harness.h"

namespace cipette::collector {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using testing::FakeHarness;
using testing::generated;
using testing::report_of;

// Records notes, and lets a test wait for one.
class RecordingProgress final : public ProgressSink {
 public:
  void update(const SyncStatus&) override {}
  void waiting(std::string_view, seconds, std::string_view) override {}
  void finished(const RepositoryReport&) override {}
  void note(std::string_view repository, std::string_view message) override {
    std::lock_guard lock(mutex_);
    notes_.push_back(std::string(repository) + ": " + std::string(message));
    changed_.notify_all();
  }
  // True once a note containing `text` arrived (waits up to 30 s).
  bool wait_for_note(std::string_view text) {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, seconds(30), [&] { return has_note_locked(text); });
  }
  bool has_note(std::string_view text) {
    std::lock_guard lock(mutex_);
    return has_note_locked(text);
  }

 private:
  bool has_note_locked(std::string_view text) const {
    return std::any_of(notes_.begin(), notes_.end(), [&](const std::string& note) {
      return note.find(text) != std::string::npos;
    });
  }
  std::mutex mutex_;
  std::condition_variable changed_;
  std::vector<std::string> notes_;
};

std::unique_ptr<storage::SqliteStore> open_store(const std::string& path) {
  auto store = storage::SqliteStore::open(path);
  EXPECT_TRUE(store.has_value()) << store.error().message;
  return store ? std::move(*store) : nullptr;
}

TEST(CollectLeaseTest, ARepositoryAnotherCollectorHoldsIsLeftToItWhenItReleasesIt) {
  FakeHarness harness;
  harness.fake().add_generated_runs("acme/one", generated(30));
  harness.fake().add_generated_runs("acme/two", generated(20));
  auto other = open_store(harness.database());
  auto taken = other->acquire_lease("acme/two", "elsewhere:7:beef", seconds(60));
  ASSERT_TRUE(taken.has_value()) << taken.error().message;
  ASSERT_TRUE(taken->acquired);

  CollectOptions options = harness.options({"acme/one", "acme/two"});
  options.lease.poll = milliseconds(50);
  RecordingProgress progress;
  auto running = std::async(std::launch::async, [&] { return harness.collect(options, progress); });
  ASSERT_TRUE(progress.wait_for_note("being synced by elsewhere:7:beef"));
  // While the other holds it, this collector must still be waiting.
  EXPECT_EQ(running.wait_for(milliseconds(200)), std::future_status::timeout);
  ASSERT_TRUE(other->release_lease("acme/two", "elsewhere:7:beef").has_value());
  CollectReport report = running.get();

  EXPECT_TRUE(report.ok()) << describe_summary(report);
  EXPECT_EQ(report_of(report, "acme/two").synced_by, "elsewhere:7:beef");
  EXPECT_EQ(report_of(report, "acme/one").synced_by, "");
  EXPECT_EQ(harness.requests_for("acme/two"), 0u);
  // Only acme/one's runs were read: acme/two was the other collector's to read.
  EXPECT_EQ(harness.stored_runs(), harness.served_runs({"acme/one"}));
  EXPECT_NE(
      describe_summary(report).find("acme/two: synced by another collector (elsewhere:7:beef)"),
      std::string::npos)
      << describe_summary(report);
}

TEST(CollectLeaseTest, TheLapsedLeaseOfACrashedCollectorIsTakenOver) {
  FakeHarness harness;
  harness.fake().add_generated_runs("acme/one", generated(25));
  // A collector took the lease for one second and then died: it never renews nor releases.
  auto crashed = open_store(harness.database());
  ASSERT_TRUE(crashed->acquire_lease("acme/one", "crashed:1:dead", seconds(1))->acquired);

  CollectOptions options = harness.options({"acme/one"});
  options.lease.poll = milliseconds(50);
  RecordingProgress progress;
  CollectReport report = harness.collect(options, progress);

  EXPECT_TRUE(report.ok()) << describe_summary(report);
  EXPECT_EQ(report_of(report, "acme/one").synced_by, "");
  EXPECT_EQ(report_of(report, "acme/one").inserted, 25);
  EXPECT_TRUE(progress.has_note("taking over from crashed:1:dead"));
  EXPECT_EQ(harness.stored_runs(), harness.served_runs());
  // The collector released it when done: anyone may take it now.
  EXPECT_TRUE(crashed->acquire_lease("acme/one", "next:2:abcd", seconds(60))->acquired);
}

TEST(CollectLeaseTest, TwoCollectorsOnOneDatabaseStoreWhatOneWouldAndReleaseEverything) {
  fake_github::FakeGitHubOptions fake_options;
  fake_options.latency = milliseconds(5);
  FakeHarness harness(fake_options);
  std::vector<std::string> names;
  for (int i = 0; i < 6; ++i) {
    names.push_back(fmt::format("acme/repo{}", i));
    harness.fake().add_generated_runs(names.back(), generated(150 + 50 * i));
  }
  CollectOptions first = harness.options(names);
  first.lease.holder = "first:1:0001";
  first.lease.poll = milliseconds(20);
  first.concurrency = 2;
  CollectOptions second = first;
  second.lease.holder = "second:2:0002";
  auto a = std::async(std::launch::async, [&] { return harness.collect(first); });
  auto b = std::async(std::launch::async, [&] { return harness.collect(second); });
  CollectReport report_a = a.get(), report_b = b.get();

  EXPECT_TRUE(report_a.ok()) << describe_summary(report_a);
  EXPECT_TRUE(report_b.ok()) << describe_summary(report_b);
  EXPECT_EQ(harness.stored_runs(), harness.served_runs());
  for (const std::string& name : names) {
    // A repository is either synced by a collector itself or left to the other one.
    const std::string& by_a = report_of(report_a, name).synced_by;
    const std::string& by_b = report_of(report_b, name).synced_by;
    EXPECT_TRUE(by_a.empty() || by_a == "second:2:0002") << name << ": " << by_a;
    EXPECT_TRUE(by_b.empty() || by_b == "first:1:0001") << name << ": " << by_b;
    EXPECT_FALSE(!by_a.empty() && !by_b.empty()) << name << " was synced by neither";
    // Every lease was released.
    auto store = open_store(harness.database());
    EXPECT_TRUE(store->acquire_lease(name, "third:3:0003", seconds(60))->acquired) << name;
  }
}

TEST(LeaseKeeperTest, RenewsWhatItHoldsUntilDropped) {
  cipette::testing::TempDir dir;
  std::string path = dir.file("leases.db");
  auto mine = open_store(path);
  // Leases count whole seconds: a ttl of 2 s lasts 1 to 2 s, and renewals every 2/3 s keep it.
  ASSERT_TRUE(mine->acquire_lease("acme/one", "keeper:1:0001", seconds(2))->acquired);
  SilentProgress progress;
  auto other = open_store(path);
  {
    LeaseKeeper keeper(open_store(path), "keeper:1:0001", seconds(2), progress);
    keeper.hold("acme/one");
    // 2.5 times the ttl: without renewals the lease would have lapsed.
    std::this_thread::sleep_for(milliseconds(5000));
    auto refused = other->acquire_lease("acme/one", "other:2:0002", seconds(60));
    ASSERT_TRUE(refused.has_value()) << refused.error().message;
    EXPECT_FALSE(refused->acquired);
    EXPECT_EQ(refused->holder, "keeper:1:0001");
    keeper.drop("acme/one");
  }
  // Dropped and no longer renewed: it lapses within the ttl (2 s; 3.5 s leaves a margin).
  std::this_thread::sleep_for(milliseconds(3500));
  EXPECT_TRUE(other->acquire_lease("acme/one", "other:2:0002", seconds(60))->acquired);
}

TEST(LeaseKeeperTest, HolderIdsNameTheHostAndProcessAndDiffer) {
  std::string one = make_holder_id(), two = make_holder_id();
  EXPECT_NE(one.find(fmt::format(":{}:", static_cast<long>(getpid()))), std::string::npos) << one;
  // Two ids of one process differ by their random part (equal with chance 2^-32).
  EXPECT_NE(one, two);
}

TEST(LeaseKeeperTest, OnlyAnExitedProcessOfThisMachineCountsAsDead) {
  // A child that exits at once: its pid is free (and not reused this quickly on Linux, which
  // hands out pids in increasing order).
  pid_t child = fork();
  if (child == 0) _exit(0);
  ASSERT_GT(child, 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  std::string mine = make_holder_id();
  std::string host = mine.substr(0, mine.rfind(':', mine.rfind(':') - 1));
  EXPECT_TRUE(holder_is_dead_local_process(fmt::format("{}:{}:0000abcd", host, child)));
  // Alive: this process, and pid 1.
  EXPECT_FALSE(holder_is_dead_local_process(mine));
  EXPECT_FALSE(holder_is_dead_local_process(fmt::format("{}:1:0000abcd", host)));
  // Another machine's, whatever its pid; and ids that do not parse.
  EXPECT_FALSE(holder_is_dead_local_process(fmt::format("not-{}:{}:0000abcd", host, child)));
  EXPECT_FALSE(holder_is_dead_local_process("garbage"));
  EXPECT_FALSE(holder_is_dead_local_process(fmt::format("{}:12x:0000abcd", host)));
}

}  // namespace
}  // namespace cipette::collector

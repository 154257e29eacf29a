#include "cipette/web/snapshot.h"

#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <mutex>
#include <thread>

#include "cipette/core/time.h"
#include "support/job_fixtures.h"
#include "support/run_fixtures.h"

namespace cipette::web {
namespace {

const Timestamp kDay0 = days_from_civil(2024, 3, 1) * kSecondsPerDay;

// A successful run of octo/app's CI, created `id` seconds after kDay0, taking 60 s.
RunRecord run(std::int64_t id) { return testing::listed_ci_run(id, "success", kDay0 + id, 60); }

// An in-memory store: the change log is the order of upserts. Shared between the "connections"
// the opener hands out, as a database would be.
struct MemoryDatabase {
  std::mutex mutex;
  std::vector<std::pair<ChangeSeq, RunRecord>> log;
  std::atomic<int> opens = 0;
  std::atomic<bool> broken = false;
  // The job part, for the openers that hand it out; its change log is the order of `jobs`.
  testing::MemoryJobReader job_log;
};

class MemoryStore : public RunReader {
 public:
  explicit MemoryStore(MemoryDatabase& db) : db_(db) {}
  Result<ChangeSeq> scan_runs(ChangeSeq since,
                              const std::function<ScanStep(const RunRecord&)>& visit) override {
    if (db_.broken) return Error{"database is locked"};
    std::lock_guard lock(db_.mutex);
    ChangeSeq last = since;
    for (const auto& [seq, r] : db_.log) {
      if (seq <= since) continue;
      last = seq;
      if (visit(r) == ScanStep::kStop) break;
    }
    return last;
  }
  std::string describe() const override { return "memory"; }

 private:
  MemoryDatabase& db_;
};

// Connections to `db`; with `jobs`, their job part reads db.job_log.
StoreOpener opener(MemoryDatabase& db, bool jobs = false) {
  return [&db, jobs]() -> Result<StoreReader> {
    ++db.opens;
    return StoreReader{std::make_unique<MemoryStore>(db), jobs ? &db.job_log : nullptr};
  };
}

void add(MemoryDatabase& db, std::int64_t id) {
  std::lock_guard lock(db.mutex);
  db.log.emplace_back(db.log.size() + 1, run(id));
}

TEST(SnapshotTest, PublishingBumpsTheGeneration) {
  Snapshot snapshot;
  auto before = snapshot.current();
  EXPECT_EQ(before->generation, 0u);
  EXPECT_EQ(before->table->size(), 0u);
  snapshot.publish(std::make_shared<const RunTable>());
  EXPECT_EQ(snapshot.current()->generation, 1u);
  // A reader keeps the state it took.
  EXPECT_EQ(before->generation, 0u);
}

TEST(SnapshotTest, RefreshLoadsEverythingThenOnlyChanges) {
  MemoryDatabase db;
  add(db, 1);
  add(db, 2);
  Snapshot snapshot;
  SnapshotRefresher refresher(snapshot, opener(db), std::chrono::hours(1));
  auto first = refresher.refresh();
  ASSERT_TRUE(first) << first.error().message;
  EXPECT_TRUE(*first);
  EXPECT_EQ(snapshot.current()->table->size(), 2u);
  EXPECT_EQ(snapshot.current()->generation, 1u);
  // Nothing changed: no new generation, so cached responses stay valid.
  auto unchanged = refresher.refresh();
  ASSERT_TRUE(unchanged);
  EXPECT_FALSE(*unchanged);
  EXPECT_EQ(snapshot.current()->generation, 1u);
  add(db, 3);
  auto changed = refresher.refresh();
  ASSERT_TRUE(changed);
  EXPECT_TRUE(*changed);
  EXPECT_EQ(snapshot.current()->table->size(), 3u);
  EXPECT_EQ(snapshot.current()->generation, 2u);
  EXPECT_EQ(db.opens, 3);  // a connection per refresh, none kept in between
}

TEST(SnapshotTest, AFailedRefreshKeepsTheLastGoodTable) {
  MemoryDatabase db;
  add(db, 1);
  Snapshot snapshot;
  SnapshotRefresher refresher(snapshot, opener(db), std::chrono::hours(1));
  ASSERT_TRUE(refresher.refresh());
  db.broken = true;
  add(db, 2);
  auto failed = refresher.refresh();
  ASSERT_FALSE(failed);
  EXPECT_NE(failed.error().message.find("database is locked"), std::string::npos);
  EXPECT_EQ(snapshot.current()->table->size(), 1u);
  db.broken = false;
  ASSERT_TRUE(refresher.refresh());
  EXPECT_EQ(snapshot.current()->table->size(), 2u);
}

TEST(SnapshotTest, AStoreThatCannotBeOpenedFailsTheRefresh) {
  Snapshot snapshot;
  SnapshotRefresher refresher(
      snapshot, [] { return Result<StoreReader>(Error{"no such file"}); }, std::chrono::hours(1));
  auto result = refresher.refresh();
  ASSERT_FALSE(result);
  EXPECT_NE(result.error().message.find("no such file"), std::string::npos);
}

TEST(SnapshotTest, TheWorkerPicksUpRunsAddedWhileItRuns) {
  MemoryDatabase db;
  add(db, 1);
  Snapshot snapshot;
  SnapshotRefresher refresher(snapshot, opener(db), std::chrono::milliseconds(10));
  ASSERT_TRUE(refresher.refresh());
  refresher.start();
  add(db, 2);
  // Wait (bounded) for the worker's next pass.
  for (int i = 0; i < 500 && snapshot.current()->table->size() < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  refresher.stop();
  EXPECT_EQ(snapshot.current()->table->size(), 2u);
}

// A job of run `run_id` (testing::ci_job: 10 s queued, 60 s running).
JobRecord job(std::int64_t id, std::int64_t run_id) {
  return testing::ci_job(id, run_id, 1, "build", "success", kDay0 + run_id, 10, 60);
}

TEST(SnapshotTest, TheJobTableIsLoadedBesideTheRunTableAndFollowsIt) {
  MemoryDatabase db;
  add(db, 1);
  add(db, 2);
  db.job_log.jobs = {job(11, 1), job(12, 1), job(21, 2)};
  Snapshot snapshot;
  SnapshotRefresher refresher(snapshot, opener(db, true), std::chrono::hours(1));
  ASSERT_TRUE(refresher.refresh());
  auto first = snapshot.current();
  EXPECT_EQ(first->jobs->size(), 3u);
  EXPECT_EQ(first->jobs->run_rows(), 2u);  // built for this run table
  EXPECT_EQ(first->jobs->watermark(), 3);

  // Nothing changed: the same state, no new generation.
  auto unchanged = refresher.refresh();
  ASSERT_TRUE(unchanged);
  EXPECT_FALSE(*unchanged);
  EXPECT_EQ(snapshot.current(), first);

  // A job alone changed: a new generation with the same run table and the new job.
  db.job_log.jobs.push_back(job(22, 2));
  auto jobs_only = refresher.refresh();
  ASSERT_TRUE(jobs_only);
  EXPECT_TRUE(*jobs_only);
  auto second = snapshot.current();
  EXPECT_EQ(second->generation, first->generation + 1);
  EXPECT_EQ(second->table, first->table);
  EXPECT_EQ(second->jobs->size(), 4u);
  EXPECT_EQ(first->jobs->size(), 3u);  // a reader keeps the state it took

  // A run alone changed: the job table is built again for the new run table.
  add(db, 3);
  ASSERT_TRUE(refresher.refresh());
  auto third = snapshot.current();
  EXPECT_EQ(third->table->size(), 3u);
  EXPECT_EQ(third->jobs->run_rows(), 3u);
  EXPECT_EQ(third->jobs->size(), 4u);
}

TEST(SnapshotTest, AStoreWithoutJobsLeavesTheJobTableEmpty) {
  MemoryDatabase db;
  add(db, 1);
  db.job_log.jobs = {job(11, 1)};
  Snapshot snapshot;
  SnapshotRefresher refresher(snapshot, opener(db, false), std::chrono::hours(1));
  ASSERT_TRUE(refresher.refresh());
  EXPECT_EQ(snapshot.current()->table->size(), 1u);
  EXPECT_EQ(snapshot.current()->jobs->size(), 0u);
}

}  // namespace
}  // namespace cipette::web

// The SyncStateStore port on SQLite: what the collector's crash safety rests on.
#include <gtest/gtest.h>

#include "cipette/storage/sqlite_store.h"
#include "support/run_fixtures.h"
#include "support/test_support.h"

namespace cipette {
namespace {

using storage::SqliteStore;

RunRecord run(std::int64_t id, std::string status = "completed") {
  RunRecord r;
  r.id = id;
  r.repository_id = 7;
  r.repository = "octo/repo";
  r.workflow_id = 1;
  r.workflow_name = "CI";
  r.path = ".github/workflows/ci.yml";
  r.run_number = id;
  r.event = "push";
  r.status = std::move(status);
  r.conclusion = r.status == "completed" ? "success" : "";
  r.head_branch = "main";
  r.head_sha = "abc";
  r.created_at = 1'700'000'000 + id;
  r.updated_at = r.created_at + 60;
  return r;
}

// Every field set, with two pending runs: 11 (its ETag known, on the head page) and 12.
SyncState full_state() {
  return testing::backlog_sync_state("octo/repo", {PendingRun{11, 1'700'000'011, "W/\"e11\"", true},
                                                   PendingRun{12, 1'700'000'012, "", false}});
}

std::unique_ptr<SqliteStore> open(const std::string& path) {
  auto store = SqliteStore::open(path);
  EXPECT_TRUE(store.has_value()) << store.error().message;
  return std::move(*store);
}

TEST(SyncStateStoreTest, NoStateBeforeTheFirstSync) {
  testing::TempDir dir;
  auto state = open(dir.file("c.db"))->load_sync_state("octo/repo");
  ASSERT_TRUE(state.has_value()) << state.error().message;
  EXPECT_FALSE(state->has_value());
}

TEST(SyncStateStoreTest, CommitWritesRunsAndStateTogether) {
  testing::TempDir dir;
  auto store = open(dir.file("c.db"));
  std::vector<RunRecord> runs = {run(1), run(2), run(11, "in_progress")};
  auto stats = store->commit_sync("octo/repo", runs, full_state());
  ASSERT_TRUE(stats.has_value()) << stats.error().message;
  EXPECT_EQ(stats->inserted, 3);
  EXPECT_EQ(*store->count_runs(), 3);
  // Read back through another connection, by another spelling of the name.
  auto state = open(dir.file("c.db"))->load_sync_state("Octo/Repo");
  ASSERT_TRUE(state.has_value()) << state.error().message;
  ASSERT_TRUE(state->has_value());
  EXPECT_EQ(**state, full_state());
}

TEST(SyncStateStoreTest, CommitReplacesTheWholeState) {
  testing::TempDir dir;
  auto store = open(dir.file("c.db"));
  ASSERT_TRUE(store->commit_sync("octo/repo", {}, full_state()).has_value());
  SyncState later;
  later.floor = 5;
  later.head_from = 6;
  later.pending = {PendingRun{12, 1'700'000'012, "W/\"e12\"", false}};
  ASSERT_TRUE(store->commit_sync("octo/repo", {}, later).has_value());
  auto state = store->load_sync_state("octo/repo");
  ASSERT_TRUE(state.has_value() && state->has_value());
  EXPECT_EQ(**state, later);  // no cursor, no gap, no ETag, one pending run
}

TEST(SyncStateStoreTest, StatesOfRepositoriesAreApart) {
  testing::TempDir dir;
  auto store = open(dir.file("c.db"));
  ASSERT_TRUE(store->commit_sync("octo/one", {}, full_state()).has_value());
  SyncState other;
  other.head_from = 42;
  ASSERT_TRUE(store->commit_sync("octo/two", {}, other).has_value());
  EXPECT_EQ(**store->load_sync_state("octo/one"), full_state());
  EXPECT_EQ(**store->load_sync_state("octo/two"), other);
}

TEST(SyncStateStoreTest, AnInvalidRunWritesNeitherRunsNorState) {
  testing::TempDir dir;
  auto store = open(dir.file("c.db"));
  RunRecord bad = run(3);
  bad.repository = "not a repository";
  bad.repository_id = 0;
  std::vector<RunRecord> runs = {run(1), bad};
  EXPECT_FALSE(store->commit_sync("octo/repo", runs, full_state()).has_value());
  EXPECT_EQ(*store->count_runs(), 0);
  EXPECT_FALSE(store->load_sync_state("octo/repo")->has_value());
}

TEST(SyncStateStoreTest, ANewDatabaseHasTheLatestSchemaWithSyncStateAndLeases) {
  testing::TempDir dir;
  auto store = open(dir.file("c.db"));
  // Version 2 added the sync tables, version 3 the collectors' leases, version 4 the attempts,
  // the run version and the rescan pages, version 5 the jobs, their steps and fetch records.
  EXPECT_EQ(SqliteStore::latest_schema_version(), 5);
  EXPECT_EQ(*store->schema_version(), 5);
}

}  // namespace
}  // namespace cipette

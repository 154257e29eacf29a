// SQLite-specific behaviour of the collector leases (schema version 3) and of
// sync_repositories: the SQL table, two connections racing on one file, and upgrading a
// version 2 database. The backend-agnostic rules are in the store contract suite.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "cipette/core/time.h"
#include "cipette/storage/sqlite_store.h"
#include "old_schema.h"
#include "store_contract.h"
#include "support/test_support.h"

namespace cipette::storage {
namespace {

using cipette::testing::TempDir;
using contract::make_run;
using std::chrono::seconds;

std::unique_ptr<SqliteStore> open_store(const std::string& path) {
  auto store = SqliteStore::open(path);
  EXPECT_TRUE(store) << store.error().message;
  return store ? std::move(*store) : nullptr;
}

LeaseState acquire(RunStore& store, std::string_view repository, std::string_view holder,
                   seconds ttl) {
  auto state = store.acquire_lease(repository, holder, ttl);
  EXPECT_TRUE(state) << state.error().message;
  return state ? *state : LeaseState{};
}

TEST(SqliteLeasesTest, AFreeRepositoryIsAcquiredUntilNowPlusTheTtl) {
  auto store = open_store(":memory:");
  Timestamp before = now_utc();
  LeaseState state = acquire(*store, "octo/app", "collector-1", seconds(60));
  Timestamp after = now_utc();

  EXPECT_TRUE(state.acquired);
  EXPECT_EQ(state.holder, "collector-1");
  EXPECT_GE(state.now, before);
  EXPECT_LE(state.now, after);
  EXPECT_EQ(state.expires_at, state.now + 60);
  EXPECT_EQ(state.released_at, 0);  // never released
}

TEST(SqliteLeasesTest, AnotherHolderIsRefusedAndToldWhoHoldsItUntilWhen) {
  auto store = open_store(":memory:");
  LeaseState first = acquire(*store, "octo/app", "collector-1", seconds(60));
  ASSERT_TRUE(first.acquired);

  // The name is compared case-insensitively: Octo/App is the same repository.
  LeaseState second = acquire(*store, "Octo/App", "collector-2", seconds(60));
  EXPECT_FALSE(second.acquired);
  EXPECT_EQ(second.holder, "collector-1");
  EXPECT_EQ(second.expires_at, first.expires_at);
  EXPECT_EQ(second.released_at, 0);

  // Another repository is independent.
  EXPECT_TRUE(acquire(*store, "octo/other", "collector-2", seconds(60)).acquired);
}

TEST(SqliteLeasesTest, TheHolderRenewsItsLease) {
  auto store = open_store(":memory:");
  LeaseState first = acquire(*store, "octo/app", "collector-1", seconds(60));
  LeaseState renewed = acquire(*store, "octo/app", "collector-1", seconds(600));
  EXPECT_TRUE(renewed.acquired);
  EXPECT_EQ(renewed.holder, "collector-1");
  // now + 600, and now did not go backwards: at least 540 s later than the first expiry.
  EXPECT_EQ(renewed.expires_at, renewed.now + 600);
  EXPECT_GE(renewed.expires_at, first.expires_at + 540);
}

TEST(SqliteLeasesTest, ReleasingFreesTheLeaseAndRecordsWhen) {
  auto store = open_store(":memory:");
  ASSERT_TRUE(acquire(*store, "octo/app", "collector-1", seconds(60)).acquired);
  Timestamp before = now_utc();
  ASSERT_TRUE(store->release_lease("OCTO/app", "collector-1"));
  Timestamp after = now_utc();

  LeaseState next = acquire(*store, "octo/app", "collector-2", seconds(60));
  EXPECT_TRUE(next.acquired);
  EXPECT_EQ(next.holder, "collector-2");
  EXPECT_GE(next.released_at, before);
  EXPECT_LE(next.released_at, after);
}

TEST(SqliteLeasesTest, ReleasingALeaseHeldByAnotherChangesNothing) {
  auto store = open_store(":memory:");
  LeaseState held = acquire(*store, "octo/app", "collector-1", seconds(60));
  ASSERT_TRUE(store->release_lease("octo/app", "collector-2"));
  ASSERT_TRUE(store->release_lease("octo/never-leased", "collector-2"));

  LeaseState refused = acquire(*store, "octo/app", "collector-2", seconds(60));
  EXPECT_FALSE(refused.acquired);
  EXPECT_EQ(refused.holder, "collector-1");
  EXPECT_EQ(refused.expires_at, held.expires_at);
  EXPECT_EQ(refused.released_at, 0);
}

TEST(SqliteLeasesTest, ALeaseLapsesAfterItsTtlSoACrashedHolderLosesIt) {
  auto store = open_store(":memory:");
  LeaseState crashed = acquire(*store, "octo/app", "collector-1", seconds(1));
  ASSERT_TRUE(crashed.acquired);
  // expires_at = t0 + 1; after sleeping 2 s now >= t0 + 2 > expires_at.
  std::this_thread::sleep_for(seconds(2));

  LeaseState taken = acquire(*store, "octo/app", "collector-2", seconds(60));
  EXPECT_TRUE(taken.acquired);
  EXPECT_EQ(taken.holder, "collector-2");
  EXPECT_GE(taken.now, crashed.expires_at + 1);
  EXPECT_EQ(taken.expires_at, taken.now + 60);
  EXPECT_EQ(taken.released_at, 0);  // the crashed holder never released it
  // The old holder, back, must not release the new holder's lease.
  ASSERT_TRUE(store->release_lease("octo/app", "collector-1"));
  EXPECT_FALSE(acquire(*store, "octo/app", "collector-1", seconds(60)).acquired);
}

TEST(SqliteLeasesTest, AnEmptyHolderOrANegativeTtlIsRefused) {
  auto store = open_store(":memory:");
  auto empty = store->acquire_lease("octo/app", "", seconds(60));
  ASSERT_FALSE(empty);
  EXPECT_EQ(empty.error().message, "taking the lease on octo/app in :memory:: the holder is empty");
  auto negative = store->acquire_lease("octo/app", "collector-1", seconds(-1));
  ASSERT_FALSE(negative);
  EXPECT_EQ(negative.error().message,
            "taking the lease on octo/app in :memory:: the ttl is negative");
}

TEST(SqliteLeasesTest, OfTwoConnectionsRacingForEachRepositoryExactlyOneWins) {
  TempDir dir;
  std::string path = dir.file("leases.db");
  auto first = open_store(path);
  auto second = open_store(path);
  ASSERT_TRUE(first && second);
  constexpr int kRepositories = 200;
  std::vector<LeaseState> results[2];
  std::atomic<int> ready = 0;
  auto race = [&](int i, RunStore* store) {
    ++ready;
    while (ready < 2) {
    }
    std::string holder = "collector-" + std::to_string(i);
    for (int r = 0; r < kRepositories; ++r) {
      auto state = store->acquire_lease("octo/repo" + std::to_string(r), holder, seconds(60));
      results[i].push_back(state ? *state : LeaseState{.holder = state.error().message});
    }
  };
  std::thread one(race, 0, first.get());
  std::thread two(race, 1, second.get());
  one.join();
  two.join();

  ASSERT_EQ(results[0].size(), static_cast<std::size_t>(kRepositories));
  ASSERT_EQ(results[1].size(), static_cast<std::size_t>(kRepositories));
  for (int r = 0; r < kRepositories; ++r) {
    const LeaseState& a = results[0][r];
    const LeaseState& b = results[1][r];
    EXPECT_EQ(int{a.acquired} + int{b.acquired}, 1) << "repo" << r;
    // Both saw the same winner.
    EXPECT_EQ(a.holder, b.holder) << "repo" << r;
    EXPECT_EQ(a.holder, a.acquired ? "collector-0" : "collector-1") << "repo" << r;
  }
}

TEST(SqliteLeasesTest, SyncRepositoriesListsSavedStatesInTheirSpellingSortedIgnoringCase) {
  auto store = open_store(":memory:");
  EXPECT_EQ(*store->sync_repositories(), std::vector<std::string>{});
  for (const char* name : {"octo/Zeta", "beta/two", "Alpha/one"}) {
    ASSERT_TRUE(store->commit_sync(name, {}, SyncState{}));
  }
  // Saving again under another case keeps the first spelling; a lease is not a sync state.
  ASSERT_TRUE(store->commit_sync("OCTO/zeta", {}, SyncState{}));
  ASSERT_TRUE(store->acquire_lease("gamma/leased", "collector-1", seconds(60)));

  // Case-insensitively: alpha < beta < octo.
  EXPECT_EQ(*store->sync_repositories(),
            (std::vector<std::string>{"Alpha/one", "beta/two", "octo/Zeta"}));
}

TEST(SqliteLeasesTest, AVersionTwoDatabaseUpgradesToTheLatestKeepingRunsAndSyncStates) {
  TempDir dir;
  std::string path = dir.file("v2.db");
  SyncState state;
  state.floor = 1'690'000'000;
  state.cursor = 1'700'000'100;  // 2023-11-14T22:15:00Z
  state.etag = "W/\"abc\"";
  state.pending = {PendingRun{3, 1'700'000'003, "", true}};
  // Version 2 has the sync tables but no sync_leases (version 3) and no runs.version (4).
  testing::create_sqlite_at_version(
      path, 2,
      std::string("INSERT INTO repositories (id, full_name) VALUES (10, 'octo/app');"
                  "INSERT INTO workflows (id, repository_id, name, path) VALUES "
                  "(20, 10, 'CI', '.github/workflows/ci.yml');"
                  "WITH RECURSIVE n (i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3) "
                  "INSERT INTO runs (") +
          testing::kRunColumnsBeforeVersion4 +
          ") SELECT i, i, 10, 20, i, 1, 1700000000, NULL, 1700000300, 'completed', 'success', "
          "'push', 'main', 'abc', 'octocat', 'CI', '.github/workflows/ci.yml', 'u' FROM n;"
          "UPDATE change_log_head SET last_seq = 3;"
          "INSERT INTO sync_state (repository, cursor, etag, updated_at, floor, head_from) VALUES "
          "('octo/app', '2023-11-14T22:15:00Z', 'W/\"abc\"', 0, 1690000000, 0);"
          "INSERT INTO sync_pending (repository, run_id, created_at, on_head_page) VALUES "
          "('octo/app', 3, 1700000003, 1);");
  auto read_only = SqliteStore::open(path, SqliteStore::Mode::kReadOnly);
  ASSERT_FALSE(read_only);
  EXPECT_NE(read_only.error().message.find("schema version 2, older than this program's 5"),
            std::string::npos)
      << read_only.error().message;

  auto store = open_store(path);
  ASSERT_TRUE(store);
  EXPECT_EQ(SqliteStore::latest_schema_version(), 5);
  EXPECT_EQ(*store->schema_version(), 5);
  EXPECT_EQ(*store->count_runs(), 3);
  auto loaded = store->load_sync_state("octo/app");
  ASSERT_TRUE(loaded && loaded->has_value());
  EXPECT_EQ(**loaded, state);
  EXPECT_TRUE(acquire(*store, "octo/app", "collector-1", seconds(60)).acquired);
}

}  // namespace
}  // namespace cipette::storage

// The storage contract, part 2: the collector's bookkeeping through every RunStore backend —
// sync states saved with their runs, the list of synced repositories, and leases.

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "cipette/core/time.h"
#include "store_contract.h"
#include "support/run_fixtures.h"

namespace cipette::storage::contract {
namespace {

using namespace std::chrono_literals;

template <typename Backend>
class StoreSyncContractTest : public StoreContractTest<Backend> {};
TYPED_TEST_SUITE(StoreSyncContractTest, Backends, BackendNames);

SyncState sample_state() {
  return cipette::testing::backlog_sync_state(
      "octo/app", {{7, 1'699'900'000, "\"e7\"", true}, {9, 1'699'950'000, "", false}});
}

TYPED_TEST(StoreSyncContractTest, AnUnknownRepositoryHasNoSyncState) {
  auto state = this->store_->load_sync_state("octo/app");
  ASSERT_TRUE(state) << state.error().message;
  EXPECT_FALSE(state->has_value());
  auto names = this->store_->sync_repositories();
  ASSERT_TRUE(names) << names.error().message;
  EXPECT_TRUE(names->empty());
}

TYPED_TEST(StoreSyncContractTest, CommitSyncWritesRunsAndStateTogether) {
  std::vector<RunRecord> runs = {make_run(1), make_run(2)};
  auto stats = this->store_->commit_sync("octo/app", runs, sample_state());
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(*stats, (UpsertStats{2, 0, 0}));
  EXPECT_EQ(*this->store_->count_runs(), 2);

  auto other = this->open();                         // what another process reads
  auto loaded = other->load_sync_state("OCTO/APP");  // names compare case-insensitively
  ASSERT_TRUE(loaded) << loaded.error().message;
  ASSERT_TRUE(loaded->has_value());
  EXPECT_EQ(**loaded, sample_state());
}

TYPED_TEST(StoreSyncContractTest, ASecondCommitReplacesTheStateAndItsPendingRuns) {
  ASSERT_TRUE(this->store_->commit_sync("octo/app", {}, sample_state()));
  SyncState next;
  next.floor = 1'690'000'000;
  next.cursor = 1'700'100'000;
  next.head_from = 1'700'000'000;
  next.pending = {{11, 1'700'050'000, "\"e11\"", false}};
  // An empty batch still saves the state; the pending runs 7 and 9 are gone.
  auto stats = this->store_->commit_sync("Octo/App", {}, next);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(*stats, (UpsertStats{0, 0, 0}));
  auto loaded = this->store_->load_sync_state("octo/app");
  ASSERT_TRUE(loaded && loaded->has_value());
  EXPECT_EQ(**loaded, next);
  EXPECT_FALSE((*loaded)->gap_top.has_value());
  EXPECT_EQ((*loaded)->etag, "");
}

TYPED_TEST(StoreSyncContractTest, ACommitWithAnInvalidRunWritesNeitherRunsNorState) {
  RunRecord invalid = make_run(2);
  invalid.status = "";
  auto stats = this->store_->commit_sync("octo/app", std::vector<RunRecord>{make_run(1), invalid},
                                         sample_state());
  ASSERT_FALSE(stats);
  EXPECT_EQ(*this->store_->count_runs(), 0);
  auto loaded = this->store_->load_sync_state("octo/app");
  ASSERT_TRUE(loaded);
  EXPECT_FALSE(loaded->has_value());
}

TYPED_TEST(StoreSyncContractTest, CommitSyncFollowsTheUpsertRules) {
  RunRecord newer = make_run(1, 1'700'000'900);
  ASSERT_TRUE(this->store_->upsert_runs(std::vector<RunRecord>{newer}));
  // An older version of run 1 is ignored, run 2 is new.
  auto stats = this->store_->commit_sync(
      "octo/app", std::vector<RunRecord>{make_run(1), make_run(2)}, sample_state());
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(*stats, (UpsertStats{1, 0, 1}));
  EXPECT_EQ(scan_store(*this->store_).runs.at(0), newer);
}

TYPED_TEST(StoreSyncContractTest, SyncRepositoriesListsNamesAsSavedSortedIgnoringCase) {
  for (const char* name : {"zeta/one", "Alpha/Two", "beta/three", "alpha/one"}) {
    ASSERT_TRUE(this->store_->commit_sync(name, {}, SyncState{}));
  }
  ASSERT_TRUE(this->store_->commit_sync("ZETA/ONE", {}, SyncState{}));  // the same as zeta/one
  auto names = this->store_->sync_repositories();
  ASSERT_TRUE(names) << names.error().message;
  // Lower-cased: alpha/one < alpha/two < beta/three < zeta/one.
  EXPECT_EQ(*names, (std::vector<std::string>{"alpha/one", "Alpha/Two", "beta/three", "zeta/one"}));
}

// ---------------------------------------------------------------------------------------------
// Leases. Times are the database's clock; the tests compare them with one another, and with
// this machine's clock only loosely (the server runs here too).

TYPED_TEST(StoreSyncContractTest, AFreeLeaseIsAcquiredUntilNowPlusTheTtl) {
  auto lease = this->store_->acquire_lease("octo/app", "collector-a", 60s);
  ASSERT_TRUE(lease) << lease.error().message;
  EXPECT_TRUE(lease->acquired);
  EXPECT_EQ(lease->holder, "collector-a");
  EXPECT_EQ(lease->expires_at, lease->now + 60);
  EXPECT_EQ(lease->released_at, 0);
  EXPECT_LE(std::abs(lease->now - now_utc()), 60);
}

TYPED_TEST(StoreSyncContractTest, ASecondHolderIsToldWhoHoldsTheLeaseUntilWhen) {
  auto first = this->store_->acquire_lease("octo/app", "collector-a", 60s);
  ASSERT_TRUE(first && first->acquired);
  auto other = this->open();
  auto second = other->acquire_lease("Octo/App", "collector-b", 60s);  // any case
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(second->acquired);
  EXPECT_EQ(second->holder, "collector-a");
  EXPECT_EQ(second->expires_at, first->expires_at);
  EXPECT_GE(second->now, first->now);
}

TYPED_TEST(StoreSyncContractTest, TheHolderRenewsItsLease) {
  auto first = this->store_->acquire_lease("octo/app", "collector-a", 60s);
  ASSERT_TRUE(first && first->acquired);
  auto renewed = this->store_->acquire_lease("octo/app", "collector-a", 120s);
  ASSERT_TRUE(renewed) << renewed.error().message;
  EXPECT_TRUE(renewed->acquired);
  EXPECT_EQ(renewed->expires_at, renewed->now + 120);
  EXPECT_GT(renewed->expires_at, first->expires_at);  // at least now + 120 > now + 60
}

TYPED_TEST(StoreSyncContractTest, AReleasedLeaseRecordsWhenAndAnotherHolderTakesIt) {
  auto first = this->store_->acquire_lease("octo/app", "collector-a", 60s);
  ASSERT_TRUE(first && first->acquired);
  ASSERT_TRUE(this->store_->release_lease("octo/app", "collector-a"));
  auto other = this->open();
  auto second = other->acquire_lease("octo/app", "collector-b", 60s);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_TRUE(second->acquired);
  EXPECT_EQ(second->holder, "collector-b");
  // Released after the first acquisition and no later than the second.
  EXPECT_GE(second->released_at, first->now);
  EXPECT_LE(second->released_at, second->now);
}

TYPED_TEST(StoreSyncContractTest, AReleaseByANonHolderDoesNothing) {
  ASSERT_TRUE(this->store_->acquire_lease("octo/app", "collector-a", 60s));
  ASSERT_TRUE(this->store_->release_lease("octo/app", "collector-b"));
  ASSERT_TRUE(this->store_->release_lease("octo/other", "collector-b"));  // never leased
  auto second = this->store_->acquire_lease("octo/app", "collector-b", 60s);
  ASSERT_TRUE(second) << second.error().message;
  EXPECT_FALSE(second->acquired);
  EXPECT_EQ(second->holder, "collector-a");
  EXPECT_EQ(second->released_at, 0);
}

TYPED_TEST(StoreSyncContractTest, ALeaseLapsesAfterItsTtl) {
  auto first = this->store_->acquire_lease("octo/app", "crashed", 1s);
  ASSERT_TRUE(first && first->acquired);
  auto early = this->store_->acquire_lease("octo/app", "collector-b", 60s);
  ASSERT_TRUE(early) << early.error().message;
  // Refused while the claim runs; taken only if the clock has already reached its end.
  EXPECT_TRUE(!early->acquired || early->now >= first->expires_at);
  // Not a performance assertion: waiting past the ttl is what makes the lease lapse.
  std::this_thread::sleep_for(2100ms);
  auto later = this->store_->acquire_lease("octo/app", "collector-b", 60s);
  ASSERT_TRUE(later) << later.error().message;
  EXPECT_TRUE(later->acquired);
  EXPECT_EQ(later->holder, "collector-b");
  EXPECT_GE(later->now, first->expires_at);
}

TYPED_TEST(StoreSyncContractTest, LeasesOfDifferentRepositoriesAreIndependent) {
  auto a = this->store_->acquire_lease("octo/app", "collector-a", 60s);
  auto b = this->store_->acquire_lease("octo/lib", "collector-b", 60s);
  ASSERT_TRUE(a && b);
  EXPECT_TRUE(a->acquired);
  EXPECT_TRUE(b->acquired);
}

TYPED_TEST(StoreSyncContractTest, AnEmptyHolderIsRefused) {
  auto lease = this->store_->acquire_lease("octo/app", "", 60s);
  ASSERT_FALSE(lease);
  EXPECT_NE(lease.error().message.find("the holder is empty"), std::string::npos)
      << lease.error().message;
}

TYPED_TEST(StoreSyncContractTest, OfHoldersRacingForALeaseExactlyOneAcquiresIt) {
  constexpr int kHolders = 4;
  for (int round = 0; round < 5; ++round) {
    std::string repository = "octo/race" + std::to_string(round);
    std::vector<std::unique_ptr<RunStore>> stores;
    for (int i = 0; i < kHolders; ++i) stores.push_back(this->open());
    std::atomic<int> ready = 0;
    std::vector<LeaseState> results(kHolders);
    std::vector<std::thread> threads;
    for (int i = 0; i < kHolders; ++i) {
      threads.emplace_back([&, i] {
        ++ready;
        while (ready < kHolders) {
        }
        auto lease = stores[i]->acquire_lease(repository, "holder-" + std::to_string(i), 60s);
        EXPECT_TRUE(lease) << lease.error().message;
        if (lease) results[i] = *lease;
      });
    }
    for (std::thread& thread : threads) thread.join();
    int acquired = 0;
    std::string winner;
    for (const LeaseState& result : results) {
      if (result.acquired) {
        ++acquired;
        winner = result.holder;
      }
    }
    EXPECT_EQ(acquired, 1) << repository;
    for (const LeaseState& result : results) EXPECT_EQ(result.holder, winner) << repository;
  }
}

}  // namespace
}  // namespace cipette::storage::contract

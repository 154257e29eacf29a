// The storage contract, part 1: writing and reading runs through every RunStore backend — the
// upsert rules, change sequences, round trips, repository ids, and readers and writers
// running side by side. Expected values are worked out by hand in the comments.

#include "store_contract.h"

#include <atomic>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace cipette::storage::contract {
namespace {

template <typename Backend>
class StoreRunsContractTest : public StoreContractTest<Backend> {};
TYPED_TEST_SUITE(StoreRunsContractTest, Backends, BackendNames);

TYPED_TEST(StoreRunsContractTest, WritingTheSameBatchTwiceChangesNothingTheSecondTime) {
  std::vector<RunRecord> batch = {make_run(1), make_run(2), make_run(3)};
  EXPECT_EQ(this->upsert(batch), (UpsertStats{3, 0, 0}));
  Scan first = this->scan();
  // Three inserts get change_seq 1, 2, 3.
  EXPECT_EQ(first.last, 3);

  EXPECT_EQ(this->upsert(batch), (UpsertStats{0, 0, 3}));
  Scan again = this->scan(first.last);
  EXPECT_TRUE(again.runs.empty());
  EXPECT_EQ(again.last, first.last);
  EXPECT_EQ(this->scan().last, 3);  // change_seq did not advance
  EXPECT_EQ(*this->store_->count_runs(), 3);
}

TYPED_TEST(StoreRunsContractTest, ANewerUpdatedAtReplacesTheStoredRun) {
  ASSERT_EQ(this->upsert({make_run(1)}), (UpsertStats{1, 0, 0}));
  RunRecord newer = make_run(1, 1'700'000'900);
  newer.conclusion = "failure";
  newer.head_branch = "release";
  newer.run_started_at.reset();

  EXPECT_EQ(this->upsert({newer}), (UpsertStats{0, 1, 0}));
  Scan all = this->scan();
  ASSERT_EQ(all.runs.size(), 1U);
  EXPECT_EQ(all.runs[0], newer);
  EXPECT_EQ(all.last, 2);  // insert = 1, update = 2
}

TYPED_TEST(StoreRunsContractTest, AnOlderVersionNeverOverwritesANewerOne) {
  RunRecord newer = make_run(1, 1'700'000'900);
  newer.conclusion = "failure";
  ASSERT_EQ(this->upsert({newer}), (UpsertStats{1, 0, 0}));

  // The same attempt, completed, updated earlier. (A later attempt would replace it, whatever
  // its updated_at: store_contract_attempts_test.cc.)
  RunRecord older = make_run(1, 1'700'000'300);
  EXPECT_EQ(this->upsert({older}), (UpsertStats{0, 0, 1}));
  Scan all = this->scan();
  ASSERT_EQ(all.runs.size(), 1U);
  EXPECT_EQ(all.runs[0], newer);
  EXPECT_EQ(all.last, 1);
}

TYPED_TEST(StoreRunsContractTest, AtEqualUpdatedAtTheLargerAttemptWins) {
  RunRecord second = make_run(1);
  second.run_attempt = 2;
  second.conclusion = "failure";
  ASSERT_EQ(this->upsert({second}), (UpsertStats{1, 0, 0, 1}));  // a re-run

  RunRecord first = make_run(1);  // same updated_at, attempt 1
  EXPECT_EQ(this->upsert({first}), (UpsertStats{0, 0, 1}));
  EXPECT_EQ(this->scan().runs.at(0), second);

  RunRecord third = make_run(1);
  third.run_attempt = 3;
  EXPECT_EQ(this->upsert({third}), (UpsertStats{0, 1, 0, 1}));
  EXPECT_EQ(this->scan().runs.at(0), third);
}

TYPED_TEST(StoreRunsContractTest, AtEqualUpdatedAndAttemptADifferentRowReplacesTheStoredOne) {
  ASSERT_EQ(this->upsert({make_run(1)}), (UpsertStats{1, 0, 0}));
  RunRecord corrected = make_run(1);
  corrected.actor = "hubot";
  EXPECT_EQ(this->upsert({corrected}), (UpsertStats{0, 1, 0}));
  EXPECT_EQ(this->scan().runs.at(0).actor, "hubot");
  // A missing start time differs from a present one, in both directions.
  RunRecord unstarted = corrected;
  unstarted.run_started_at.reset();
  EXPECT_EQ(this->upsert({unstarted}), (UpsertStats{0, 1, 0}));
  EXPECT_EQ(this->upsert({corrected}), (UpsertStats{0, 1, 0}));
  EXPECT_EQ(this->scan().last, 4);  // insert 1, then updates 2, 3, 4
}

TYPED_TEST(StoreRunsContractTest, ABatchWithAnInvalidRunWritesNothing) {
  ASSERT_EQ(this->upsert({make_run(1)}), (UpsertStats{1, 0, 0}));
  RunRecord changed = make_run(1, 1'700'000'900);
  RunRecord fresh = make_run(2);
  fresh.workflow_id = 99;
  RunRecord invalid = make_run(3);
  invalid.repository = "no-slash";

  auto stats = this->store_->upsert_runs(std::vector<RunRecord>{changed, fresh, invalid});
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().message,
            "run 3: field \"repository\" must be owner/name, got \"no-slash\"");
  Scan all = this->scan();
  ASSERT_EQ(all.runs.size(), 1U);
  EXPECT_EQ(all.runs[0], make_run(1));
  EXPECT_EQ(all.last, 1);
  EXPECT_EQ(this->value("SELECT count(*) FROM workflows"), "1");  // workflow 99 not written
}

TYPED_TEST(StoreRunsContractTest, ScanningSinceAWatermarkReturnsExactlyTheChangedRunsInOrder) {
  ASSERT_EQ(this->upsert({make_run(1), make_run(2), make_run(3), make_run(4), make_run(5)}),
            (UpsertStats{5, 0, 0}));
  ChangeSeq watermark = this->scan().last;
  ASSERT_EQ(watermark, 5);  // one change per inserted run

  RunRecord changed = make_run(2, 1'700'000'900);
  EXPECT_EQ(this->upsert({make_run(6), make_run(4), changed}), (UpsertStats{1, 1, 1}));
  Scan since = this->scan(watermark);
  // Run 6 is written first (seq 6), run 4 is identical (no seq), run 2 is updated (seq 7).
  EXPECT_EQ(ids(since), (std::vector<std::int64_t>{6, 2}));
  EXPECT_EQ(since.last, 7);
  EXPECT_EQ(since.runs[1], changed);
  EXPECT_TRUE(this->scan(since.last).runs.empty());
  EXPECT_EQ(this->scan(since.last).last, 7);
}

TYPED_TEST(StoreRunsContractTest, ARunGivenTwiceInOneBatchIsAppliedInOrder) {
  RunRecord later = make_run(1, 1'700'000'900);
  later.conclusion = "failure";
  // Insert, then the newer version replaces it, then the older one is ignored.
  EXPECT_EQ(this->upsert({make_run(1), later, make_run(1)}), (UpsertStats{1, 1, 1}));
  EXPECT_EQ(this->scan().runs.at(0), later);
  EXPECT_EQ(*this->store_->count_runs(), 1);
}

TYPED_TEST(StoreRunsContractTest, RepeatedIdsAmongOthersAreEachAppliedInBatchOrder) {
  RunRecord one_v2 = make_run(1, 1'700'000'400);
  one_v2.conclusion = "failure";
  RunRecord one_v3 = make_run(1, 1'700'000'500);
  one_v3.conclusion = "cancelled";
  RunRecord two_v2 = make_run(2, 1'700'000'400);
  two_v2.actor = "hubot";
  // 1 inserted, 2 inserted, 1 updated, 3 inserted, 1 updated, 2 updated, 3 identical.
  EXPECT_EQ(
      this->upsert({make_run(1), make_run(2), one_v2, make_run(3), one_v3, two_v2, make_run(3)}),
      (UpsertStats{3, 3, 1}));
  Scan all = this->scan();
  ASSERT_EQ(all.runs.size(), 3U);
  std::map<std::int64_t, RunRecord> by_id;
  for (const RunRecord& run : all.runs) by_id[run.id] = run;
  ASSERT_EQ(by_id.size(), 3U);
  EXPECT_EQ(by_id[1], one_v3);
  EXPECT_EQ(by_id[2], two_v2);
  EXPECT_EQ(by_id[3], make_run(3));
  // Six changes were numbered; the scan reports the largest.
  EXPECT_EQ(all.last, 6);
}

TYPED_TEST(StoreRunsContractTest, EveryFieldSurvivesARoundTripIncludingNullsAndHostileText) {
  RunRecord hostile = make_run(9'000'000'001, 1'800'000'000);
  hostile.repository_id = 123'456'789'012;
  hostile.repository = "Org-1/re.po_2";
  hostile.workflow_id = 987'654'321'098;
  hostile.workflow_name = "<script>alert('x')</script> \"quoted\" 'single' \\ 🚀 Größe\ttab\nline";
  hostile.path = ".github/workflows/ci.yml@refs/heads/main";
  hostile.run_number = 4242;
  hostile.run_attempt = 7;
  hostile.event = "pull_request_target";
  hostile.status = "in_progress";
  hostile.conclusion = "";  // GitHub's null
  hostile.head_branch = "feature/🙂'; DROP TABLE runs; --";
  hostile.actor = "";
  hostile.created_at = -86'400;  // before 1970 still round-trips
  hostile.run_started_at.reset();
  hostile.html_url = "https://example.test/?a=1&b=<2>\\N";
  RunRecord extremes = make_run(2);
  extremes.run_number = std::numeric_limits<std::int64_t>::max();
  extremes.updated_at = std::numeric_limits<std::int64_t>::max();
  extremes.created_at = std::numeric_limits<std::int64_t>::min();

  ASSERT_EQ(this->upsert({hostile, extremes}), (UpsertStats{2, 0, 0, 1}));  // attempt 7: a re-run
  Scan all = this->scan();
  ASSERT_EQ(all.runs.size(), 2U);
  EXPECT_EQ(all.runs[0], hostile);
  EXPECT_EQ(all.runs[1], extremes);
  const std::string null_or_value = " IS NULL THEN 'NULL' ELSE 'value' END FROM runs WHERE id = ";
  EXPECT_EQ(this->value("SELECT CASE WHEN conclusion" + null_or_value + "9000000001"), "NULL");
  EXPECT_EQ(this->value("SELECT CASE WHEN run_started_at" + null_or_value + "9000000001"), "NULL");
  EXPECT_EQ(this->value("SELECT count(*) FROM runs"), "2");  // the table is still there
}

TYPED_TEST(StoreRunsContractTest, WorkflowsTakeNameAndPathFromTheNewestRun) {
  RunRecord renamed = make_run(2, 1'700'000'900);
  renamed.workflow_name = "Build";
  renamed.path = ".github/workflows/build.yml";
  ASSERT_TRUE(this->store_->upsert_runs(std::vector<RunRecord>{renamed, make_run(1)}));
  EXPECT_EQ(this->value("SELECT name || ' ' || path FROM workflows WHERE id = 20"),
            "Build .github/workflows/build.yml");

  RunRecord old_import = make_run(3, 1'600'000'000);
  ASSERT_TRUE(this->store_->upsert_runs(std::vector<RunRecord>{old_import}));
  EXPECT_EQ(this->value("SELECT name FROM workflows WHERE id = 20"), "Build");
  // Each run keeps the workflow name it was written with.
  EXPECT_EQ(this->value("SELECT workflow_name FROM runs WHERE id = 1"), "CI");

  // Equally new: the later run of the batch wins.
  RunRecord first = make_run(4, 1'700'000'950);
  first.workflow_name = "First";
  RunRecord second = make_run(5, 1'700'000'950);
  second.workflow_name = "Second";
  ASSERT_TRUE(this->store_->upsert_runs(std::vector<RunRecord>{first, second}));
  EXPECT_EQ(this->value("SELECT name FROM workflows WHERE id = 20"), "Second");
}

TYPED_TEST(StoreRunsContractTest, ARunWithoutRepositoryIdJoinsTheRepositoryOfTheSameName) {
  ASSERT_TRUE(this->store_->upsert_runs(std::vector<RunRecord>{make_run(1)}));  // octo/app = 10
  RunRecord unknown = make_run(2);
  unknown.repository_id = 0;
  unknown.repository = "OCTO/App";  // names compare case-insensitively
  ASSERT_EQ(this->upsert({unknown}), (UpsertStats{1, 0, 0}));
  Scan all = this->scan();
  ASSERT_EQ(all.runs.size(), 2U);
  EXPECT_EQ(all.runs[1].repository_id, 10);
  EXPECT_EQ(all.runs[1].repository, "octo/app");
}

TYPED_TEST(StoreRunsContractTest, UnknownRepositoriesGetSyntheticIdsUntilTheRealOneArrives) {
  RunRecord a = make_run(1);
  a.repository_id = 0;
  a.repository = "team/alpha";
  RunRecord b = make_run(2);
  b.repository_id = 0;
  b.repository = "team/beta";
  b.workflow_id = 21;
  RunRecord a_again = make_run(3);
  a_again.repository_id = 0;
  a_again.repository = "team/alpha";
  ASSERT_EQ(this->upsert({a, b, a_again}), (UpsertStats{3, 0, 0}));
  Scan all = this->scan();
  // First unknown name seen gets -1, the next -2.
  ASSERT_EQ(all.runs.size(), 3U);
  EXPECT_EQ(all.runs[0].repository_id, -1);
  EXPECT_EQ(all.runs[1].repository_id, -2);
  EXPECT_EQ(all.runs[2].repository_id, -1);
  ChangeSeq watermark = all.last;

  RunRecord known = make_run(4);
  known.repository_id = 555;
  known.repository = "team/alpha";
  ASSERT_EQ(this->upsert({known}), (UpsertStats{1, 0, 0}));
  Scan since = this->scan(watermark);
  // Runs 1 and 3 now report id 555, so they count as changed, as does the new run 4.
  ASSERT_EQ(since.runs.size(), 3U);
  for (const RunRecord& run : since.runs) {
    EXPECT_EQ(run.repository_id, 555) << run.id;
    EXPECT_EQ(run.repository, "team/alpha") << run.id;
  }
  // Touched in id order after 3: run 1 = 4, run 3 = 5; then run 4 is inserted as 6.
  EXPECT_EQ(ids(since), (std::vector<std::int64_t>{1, 3, 4}));
  EXPECT_EQ(since.last, 6);
  EXPECT_EQ(this->value("SELECT count(*) FROM repositories WHERE id < 0"), "1");  // beta only
}

TYPED_TEST(StoreRunsContractTest, ASyntheticRepositoryMergesIntoAKnownIdStoredUnderAnotherName) {
  RunRecord old_name = make_run(1, 1'700'000'100);
  old_name.repository_id = 555;
  old_name.repository = "team/old-alpha";
  RunRecord unknown = make_run(2, 1'700'000'200);
  unknown.repository_id = 0;
  unknown.repository = "team/alpha";
  ASSERT_EQ(this->upsert({old_name, unknown}), (UpsertStats{2, 0, 0}));
  ASSERT_EQ(this->scan().runs.at(1).repository_id, -1);
  ChangeSeq watermark = this->scan().last;  // 2

  RunRecord known = make_run(3, 1'700'000'300);
  known.repository_id = 555;
  known.repository = "team/alpha";  // 555 was renamed to the name -1 stood for
  ASSERT_EQ(this->upsert({known}), (UpsertStats{1, 0, 0}));
  Scan since = this->scan(watermark);
  // Merging -1 into 555 touches runs 1 and 2 (seq 3, 4); the rename of 555 touches them
  // again (5, 6); run 3 is inserted as 7.
  EXPECT_EQ(ids(since), (std::vector<std::int64_t>{1, 2, 3}));
  EXPECT_EQ(since.last, 7);
  for (const RunRecord& run : since.runs) {
    EXPECT_EQ(run.repository_id, 555) << run.id;
    EXPECT_EQ(run.repository, "team/alpha") << run.id;
  }
  EXPECT_EQ(this->value("SELECT count(*) FROM repositories"), "1");
}

TYPED_TEST(StoreRunsContractTest, ARenamedRepositoryShowsItsNewNameOnAllItsRuns) {
  ASSERT_TRUE(this->store_->upsert_runs(std::vector<RunRecord>{make_run(1)}));
  ChangeSeq watermark = this->scan().last;
  RunRecord renamed = make_run(2, 1'700'000'900);
  renamed.repository = "octo/renamed";
  ASSERT_EQ(this->upsert({renamed}), (UpsertStats{1, 0, 0}));
  Scan since = this->scan(watermark);
  EXPECT_EQ(ids(since), (std::vector<std::int64_t>{1, 2}));
  for (const RunRecord& run : since.runs) EXPECT_EQ(run.repository, "octo/renamed");

  RunRecord old_import = make_run(3, 1'600'000'000);  // still says octo/app
  ASSERT_EQ(this->upsert({old_import}), (UpsertStats{1, 0, 0}));
  EXPECT_EQ(this->scan().runs.back().repository, "octo/renamed");
}

TYPED_TEST(StoreRunsContractTest, ANameTakenByAnotherRepositoryGoesToTheOneSeenMostRecently) {
  ASSERT_TRUE(this->store_->upsert_runs(std::vector<RunRecord>{make_run(1)}));  // 10 = octo/app
  RunRecord newcomer = make_run(2, 1'700'000'900);
  newcomer.repository_id = 11;  // octo/app was renamed away and a new octo/app created
  newcomer.workflow_id = 21;
  ASSERT_EQ(this->upsert({newcomer}), (UpsertStats{1, 0, 0}));
  Scan all = this->scan();
  ASSERT_EQ(all.runs.size(), 2U);
  EXPECT_EQ(all.runs[0].repository, "octo/app#10");
  EXPECT_EQ(all.runs[1].repository, "octo/app");

  RunRecord stale = make_run(3, 1'600'000'000);  // an old run of 10 still calling itself octo/app
  ASSERT_EQ(this->upsert({stale}), (UpsertStats{1, 0, 0}));
  EXPECT_EQ(this->scan().runs.back().repository, "octo/app#10");
}

TYPED_TEST(StoreRunsContractTest, AnEmptyBatchWritesNothing) {
  EXPECT_EQ(this->upsert({}), (UpsertStats{0, 0, 0}));
  EXPECT_EQ(this->scan().last, 0);
  EXPECT_EQ(*this->store_->count_runs(), 0);
}

TYPED_TEST(StoreRunsContractTest, ALargeBatchCountsEveryRunExactly) {
  std::vector<RunRecord> first;
  for (int i = 1; i <= 10'000; ++i) first.push_back(make_run(i));
  EXPECT_EQ(this->upsert(first), (UpsertStats{10'000, 0, 0}));
  // Every third run newer (3, 6, ..., 9999: 3,333 runs), every other run unchanged, and
  // 2,000 new ones.
  std::vector<RunRecord> second;
  for (int i = 1; i <= 10'000; ++i)
    second.push_back(make_run(i, i % 3 == 0 ? 1'700'000'999 : 1'700'000'300));
  for (int i = 10'001; i <= 12'000; ++i) second.push_back(make_run(i));
  EXPECT_EQ(this->upsert(second), (UpsertStats{2'000, 3'333, 6'667}));
  Scan since = this->scan(10'000);
  EXPECT_EQ(since.runs.size(), 5'333U);
  EXPECT_EQ(since.last, 15'333);  // 10,000 + 3,333 + 2,000 changes
  EXPECT_EQ(*this->store_->count_runs(), 12'000);
}

TYPED_TEST(StoreRunsContractTest, AConcurrentReaderSeesAWholeBatchOrNone) {
  constexpr int kBefore = 100;
  constexpr int kBatch = 20'000;
  std::vector<RunRecord> first;
  for (int i = 1; i <= kBefore; ++i) first.push_back(make_run(i));
  ASSERT_EQ(this->upsert(first), (UpsertStats{kBefore, 0, 0}));
  std::vector<RunRecord> big;
  for (int i = 1; i <= kBatch; ++i) big.push_back(make_run(kBefore + i));

  auto reader = this->open();
  ASSERT_TRUE(reader);
  std::atomic<bool> written = false;
  std::thread writer([&] {
    auto stats = this->store_->upsert_runs(big);
    EXPECT_TRUE(stats) << stats.error().message;
    written = true;
  });
  std::vector<std::size_t> seen;
  while (!written) seen.push_back(scan_store(*reader, 0).runs.size());
  writer.join();
  seen.push_back(scan_store(*reader, 0).runs.size());

  for (std::size_t count : seen) {
    EXPECT_TRUE(count == kBefore || count == kBefore + kBatch) << count;
  }
  EXPECT_EQ(seen.back(), static_cast<std::size_t>(kBefore + kBatch));
}

// A visitor may stop a scan: it visits exactly the runs before the stop, returns the change
// sequence of the last one (the largest it visited), from which the next scan resumes, and
// leaves the store usable.
TYPED_TEST(StoreRunsContractTest, AScanStoppedAfterKRunsVisitsKAndResumesFromItsWatermark) {
  constexpr std::int64_t kRuns = 3'000;
  std::vector<RunRecord> runs;
  for (std::int64_t id = 1; id <= kRuns; ++id) runs.push_back(make_run(id));
  ASSERT_EQ(this->upsert(runs), (UpsertStats{kRuns, 0, 0}));  // change_seq = id
  for (std::int64_t k : {std::int64_t{1}, std::int64_t{7}, kRuns}) {
    std::vector<std::int64_t> visited;
    auto last = this->store_->scan_runs(0, [&](const RunRecord& run) {
      visited.push_back(run.id);
      return std::ssize(visited) == k ? ScanStep::kStop : ScanStep::kContinue;
    });
    ASSERT_TRUE(last) << last.error().message;
    ASSERT_EQ(std::ssize(visited), k);
    EXPECT_EQ(visited.back(), k);
    EXPECT_EQ(*last, k);
    Scan rest = this->scan(*last);
    EXPECT_EQ(std::ssize(rest.runs), kRuns - k) << k;
    EXPECT_EQ(rest.last, kRuns) << k;
  }
  // Stopped at the first run after a watermark: that run's sequence.
  auto last = this->store_->scan_runs(10, [](const RunRecord&) { return ScanStep::kStop; });
  ASSERT_TRUE(last) << last.error().message;
  EXPECT_EQ(*last, 11);
  // The same store still writes, counts and reads.
  EXPECT_EQ(this->upsert({make_run(kRuns + 1)}), (UpsertStats{1, 0, 0}));
  EXPECT_EQ(*this->store_->count_runs(), kRuns + 1);
  EXPECT_EQ(ids(this->scan(kRuns)), (std::vector<std::int64_t>{kRuns + 1}));
}

// "Changed since" stays exact with several writers: a reader that follows its watermark sees
// every run exactly once, none skipped because a writer committed a smaller sequence late.
TYPED_TEST(StoreRunsContractTest, AReaderFollowingItsWatermarkMissesNothingFromConcurrentWriters) {
  constexpr int kWriters = 3;
  constexpr int kBatches = 20;
  constexpr int kBatchSize = 50;
  std::vector<std::unique_ptr<RunStore>> writers;
  for (int w = 0; w < kWriters; ++w) writers.push_back(this->open());
  auto reader = this->open();
  ASSERT_TRUE(reader);
  std::atomic<int> running = kWriters;
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int b = 0; b < kBatches; ++b) {
        std::vector<RunRecord> batch;
        for (int i = 0; i < kBatchSize; ++i) {
          batch.push_back(make_run(1 + i + kBatchSize * (b + kBatches * w)));
        }
        auto stats = writers[w]->upsert_runs(batch);
        EXPECT_TRUE(stats) << stats.error().message;
      }
      --running;
    });
  }
  std::multiset<std::int64_t> seen;
  ChangeSeq watermark = 0;
  auto follow = [&] {
    auto last = reader->scan_runs(watermark, [&](const RunRecord& run) {
      seen.insert(run.id);
      return ScanStep::kContinue;
    });
    ASSERT_TRUE(last) << last.error().message;
    watermark = *last;
  };
  while (running > 0) follow();
  for (std::thread& thread : threads) thread.join();
  follow();
  // 3 writers x 20 batches x 50 runs = 3,000 distinct ids 1..3000, each seen once.
  EXPECT_EQ(seen.size(), 3'000U);
  for (std::int64_t id = 1; id <= 3'000; ++id) EXPECT_EQ(seen.count(id), 1U) << id;
}

}  // namespace
}  // namespace cipette::storage::contract

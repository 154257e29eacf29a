// The storage contract, part 3: re-runs through every RunStore backend — the forward-only
// version rule (core/run.h, run_version) in any arrival order, the reruns counter, earlier
// attempts written, scanned and found missing, and the rescan pages of the sync state. Expected
// values are worked out by hand in the comments.

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "store_contract.h"
#include "support/run_fixtures.h"

namespace cipette::storage::contract {
namespace {

template <typename Backend>
class StoreAttemptsContractTest : public StoreContractTest<Backend> {
 protected:
  UpsertStats upsert_attempts(const std::vector<AttemptRecord>& attempts) {
    auto stats = this->store_->upsert_attempts(attempts);
    EXPECT_TRUE(stats) << stats.error().message;
    return stats ? *stats : UpsertStats{-1, -1, -1, -1};
  }

  std::vector<AttemptKey> missing(std::string_view repository, std::size_t limit) {
    auto keys = this->store_->missing_attempts(repository, limit);
    EXPECT_TRUE(keys) << keys.error().message;
    return keys ? *keys : std::vector<AttemptKey>{};
  }
};
TYPED_TEST_SUITE(StoreAttemptsContractTest, Backends, BackendNames);

// Run `id` at `attempt` with `status` ("completed" ones concluded `conclusion`).
RunRecord run_at(std::int64_t id, std::int64_t attempt, const std::string& status,
                 Timestamp updated_at, const std::string& conclusion = "success") {
  RunRecord run = make_run(id, updated_at);
  run.run_attempt = attempt;
  run.status = status;
  run.conclusion = status == "completed" ? conclusion : "";
  return run;
}

// A completed earlier attempt of run `run_id`, started at 1'700'000'010.
AttemptRecord attempt_of(std::int64_t run_id, std::int64_t attempt,
                         const std::string& conclusion = "failure",
                         Timestamp updated_at = 1'700'000'100) {
  AttemptRecord record;
  record.run_id = run_id;
  record.attempt = attempt;
  record.status = "completed";
  record.conclusion = conclusion;
  record.run_started_at = 1'700'000'010;
  record.updated_at = updated_at;
  return record;
}

// An attempt GitHub answered 404 for: nothing else is known.
AttemptRecord not_found(std::int64_t run_id, std::int64_t attempt) {
  AttemptRecord record;
  record.run_id = run_id;
  record.attempt = attempt;
  record.found = false;
  return record;
}

// Five versions of one run, in the order the rule ranks them (worked out by hand):
//   0: attempt 1 in progress, updated at 200;
//   1: attempt 1 completed, updated at 100: completed beats unfinished, even when older;
//   2: attempt 1 completed, updated at 300: then the later updated_at;
//   3: attempt 2 queued, updated at 50: a higher attempt beats everything of attempt 1;
//   4: attempt 2 completed, updated at 400.
// Each has its own actor, so that the stored row tells which version it is.
std::array<RunRecord, 5> ranked_versions(std::int64_t id) {
  std::array<RunRecord, 5> versions = {
      run_at(id, 1, "in_progress", 1'700'000'200), run_at(id, 1, "completed", 1'700'000'100),
      run_at(id, 1, "completed", 1'700'000'300), run_at(id, 2, "queued", 1'700'000'050),
      run_at(id, 2, "completed", 1'700'000'400)};
  versions[1].conclusion = "failure";
  versions[2].conclusion = "failure";
  for (std::size_t k = 0; k < versions.size(); ++k) versions[k].actor = "v" + std::to_string(k);
  return versions;
}

// Every order of the five ranks (5! = 120).
std::vector<std::array<int, 5>> all_orders() {
  std::array<int, 5> order = {0, 1, 2, 3, 4};
  std::vector<std::array<int, 5>> orders;
  do {
    orders.push_back(order);
  } while (std::next_permutation(order.begin(), order.end()));
  return orders;
}

// Run p + 1 receives the five versions in the p-th order, one batch per step (step k writes the
// k-th version of every run): after each step every run holds the greatest version it has
// received, whatever came before.
TYPED_TEST(StoreAttemptsContractTest, VersionsMoveForwardWhateverOrderTheyArriveIn) {
  auto orders = all_orders();
  ASSERT_EQ(orders.size(), 120U);
  std::vector<int> best(orders.size(), -1);
  for (std::size_t step = 0; step < 5; ++step) {
    std::vector<RunRecord> batch;
    UpsertStats expected;
    for (std::size_t p = 0; p < orders.size(); ++p) {
      int rank = orders[p][step];
      batch.push_back(ranked_versions(static_cast<std::int64_t>(p) + 1)[rank]);
      if (best[p] == -1) {
        ++expected.inserted;
        expected.reruns += rank >= 3 ? 1 : 0;  // first stored at attempt 2
      } else if (rank > best[p]) {
        ++expected.updated;
        expected.reruns += rank >= 3 && best[p] < 3 ? 1 : 0;  // attempt 1 -> 2
      } else {
        ++expected.unchanged;
      }
      best[p] = std::max(best[p], rank);
    }
    ASSERT_EQ(this->upsert(batch), expected) << "step " << step;
    for (const RunRecord& run : this->scan().runs) {
      std::size_t p = static_cast<std::size_t>(run.id) - 1;
      ASSERT_EQ(run, ranked_versions(run.id)[best[p]]) << "step " << step << ", run " << run.id;
    }
  }
  for (int rank : best) EXPECT_EQ(rank, 4);
}

// The same orders within one batch: repeated run ids apply in batch order.
TYPED_TEST(StoreAttemptsContractTest, VersionsMoveForwardWithinOneBatchInAnyOrder) {
  auto orders = all_orders();
  std::vector<RunRecord> batch;
  UpsertStats expected;
  for (std::size_t p = 0; p < orders.size(); ++p) {
    int best = -1;
    for (int rank : orders[p]) {
      batch.push_back(ranked_versions(static_cast<std::int64_t>(p) + 1)[rank]);
      if (best == -1) {
        ++expected.inserted;
        expected.reruns += rank >= 3 ? 1 : 0;
      } else if (rank > best) {
        ++expected.updated;
        expected.reruns += rank >= 3 && best < 3 ? 1 : 0;
      } else {
        ++expected.unchanged;
      }
      best = std::max(best, rank);
    }
  }
  EXPECT_EQ(this->upsert(batch), expected);
  Scan all = this->scan();
  ASSERT_EQ(all.runs.size(), 120U);
  for (const RunRecord& run : all.runs) EXPECT_EQ(run, ranked_versions(run.id)[4]) << run.id;
}

TYPED_TEST(StoreAttemptsContractTest, AListedRunAtALowerAttemptThanStoredIsIgnored) {
  RunRecord second = run_at(1, 2, "completed", 1'700'000'300);
  ASSERT_EQ(this->upsert({second}), (UpsertStats{1, 0, 0, 1}));
  // The listing still shows attempt 1, updated later: it never replaces attempt 2.
  RunRecord first = run_at(1, 1, "completed", 1'700'000'900, "failure");
  EXPECT_EQ(this->upsert({first}), (UpsertStats{0, 0, 1, 0}));
  EXPECT_EQ(this->scan().runs.at(0), second);
}

TYPED_TEST(StoreAttemptsContractTest, AnUnfinishedLaterAttemptReplacesACompletedEarlierOne) {
  ASSERT_EQ(this->upsert({run_at(1, 1, "completed", 1'700'000'900, "failure")}),
            (UpsertStats{1, 0, 0, 0}));
  RunRecord rerun = run_at(1, 2, "queued", 1'700'000'300);  // older updated_at, later attempt
  EXPECT_EQ(this->upsert({rerun}), (UpsertStats{0, 1, 0, 1}));
  EXPECT_EQ(this->scan().runs.at(0), rerun);
}

TYPED_TEST(StoreAttemptsContractTest, ACompletedVersionReplacesAnUnfinishedOneOfTheSameAttempt) {
  RunRecord running = run_at(1, 2, "in_progress", 1'700'000'500);
  RunRecord running_too = run_at(2, 2, "in_progress", 1'700'000'500);
  ASSERT_EQ(this->upsert({running, running_too}), (UpsertStats{2, 0, 0, 2}));
  RunRecord done_same_time = run_at(1, 2, "completed", 1'700'000'500);
  RunRecord done_earlier = run_at(2, 2, "completed", 1'700'000'400);  // a lagging clock
  // Same attempt: updated, not re-runs.
  EXPECT_EQ(this->upsert({done_same_time, done_earlier}), (UpsertStats{0, 2, 0, 0}));
  // ... and the unfinished version, arriving late, does not undo it.
  EXPECT_EQ(this->upsert({running, running_too}), (UpsertStats{0, 0, 2, 0}));
  Scan all = this->scan();
  ASSERT_EQ(all.runs.size(), 2U);
  EXPECT_EQ(all.runs[0], done_same_time);
  EXPECT_EQ(all.runs[1], done_earlier);
}

TYPED_TEST(StoreAttemptsContractTest, RerunsCountRunsWrittenAtALaterAttemptThanStored) {
  // Run 1 new at attempt 1 (no), run 2 new at attempt 2 (yes).
  EXPECT_EQ(this->upsert({run_at(1, 1, "completed", 1'700'000'100),
                          run_at(2, 2, "completed", 1'700'000'100)}),
            (UpsertStats{2, 0, 0, 1}));
  // Run 1 to attempt 2 (yes), run 2 later at attempt 2 (no), run 3 new at attempt 3 (yes).
  EXPECT_EQ(
      this->upsert({run_at(1, 2, "queued", 1'700'000'200), run_at(2, 2, "completed", 1'700'000'200),
                    run_at(3, 3, "completed", 1'700'000'200)}),
      (UpsertStats{1, 2, 0, 2}));
  // A version that is not written counts nothing: run 1 at attempt 1 is older than attempt 2.
  EXPECT_EQ(this->upsert({run_at(1, 1, "completed", 1'700'000'900)}), (UpsertStats{0, 0, 1, 0}));
  // commit_sync counts them the same way: run 1 to attempt 3.
  auto stats =
      this->store_->commit_sync("octo/app", std::vector<RunRecord>{run_at(1, 3, "queued", 1)}, {});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(*stats, (UpsertStats{0, 1, 0, 1}));
}

TYPED_TEST(StoreAttemptsContractTest, AttemptsMoveForwardAndANotFoundOneNeverReplacesAFoundOne) {
  ASSERT_EQ(this->upsert({run_at(1, 3, "completed", 1'700'000'900)}), (UpsertStats{1, 0, 0, 1}));
  AttemptRecord first = attempt_of(1, 1, "failure", 1'700'000'100);
  AttemptRecord second = attempt_of(1, 2, "", 1'700'000'150);
  second.status = "in_progress";
  EXPECT_EQ(this->upsert_attempts({first, second}), (UpsertStats{2, 0, 0, 0}));
  EXPECT_EQ(this->upsert_attempts({first, second}), (UpsertStats{0, 0, 2, 0}));  // identical

  AttemptRecord second_done = attempt_of(1, 2, "failure", 1'700'000'140);  // completed, older
  EXPECT_EQ(this->upsert_attempts({second_done}), (UpsertStats{0, 1, 0, 0}));
  EXPECT_EQ(this->upsert_attempts({second}), (UpsertStats{0, 0, 1, 0}));  // unfinished: ignored
  AttemptRecord first_later = attempt_of(1, 1, "failure", 1'700'000'120);
  EXPECT_EQ(this->upsert_attempts({first_later}), (UpsertStats{0, 1, 0, 0}));
  EXPECT_EQ(this->upsert_attempts({first}), (UpsertStats{0, 0, 1, 0}));  // older: ignored
  AttemptRecord first_corrected = first_later;  // equal version, another conclusion
  first_corrected.conclusion = "timed_out";
  EXPECT_EQ(this->upsert_attempts({first_corrected}), (UpsertStats{0, 1, 0, 0}));
  // GitHub no longer finds them (retention): what is stored stays.
  EXPECT_EQ(this->upsert_attempts({not_found(1, 1), not_found(1, 2)}), (UpsertStats{0, 0, 2, 0}));

  Scan all = this->scan();
  ASSERT_EQ(all.runs.size(), 1U);
  EXPECT_EQ(all.runs[0].earlier_attempts,
            (std::vector<AttemptRecord>{first_corrected, second_done}));
}

TYPED_TEST(StoreAttemptsContractTest, ANotFoundAttemptIsStoredUntilAFoundOneReplacesIt) {
  ASSERT_TRUE(this->store_->upsert_runs(std::vector<RunRecord>{run_at(1, 2, "completed", 900)}));
  EXPECT_EQ(this->upsert_attempts({not_found(1, 1)}), (UpsertStats{1, 0, 0, 0}));
  EXPECT_EQ(this->scan().runs.at(0).earlier_attempts, std::vector<AttemptRecord>{not_found(1, 1)});
  EXPECT_EQ(this->upsert_attempts({not_found(1, 1)}), (UpsertStats{0, 0, 1, 0}));
  AttemptRecord found = attempt_of(1, 1);
  EXPECT_EQ(this->upsert_attempts({found}), (UpsertStats{0, 1, 0, 0}));
  EXPECT_EQ(this->scan().runs.at(0).earlier_attempts, std::vector<AttemptRecord>{found});
}

TYPED_TEST(StoreAttemptsContractTest, WritingAnAttemptGivesItsRunANewChangeSequence) {
  ASSERT_EQ(this->upsert({run_at(1, 3, "completed", 900), run_at(2, 2, "completed", 900),
                          run_at(3, 1, "completed", 900)}),
            (UpsertStats{3, 0, 0, 2}));
  ChangeSeq watermark = this->scan().last;
  ASSERT_EQ(watermark, 3);

  AttemptRecord two_first = attempt_of(2, 1);
  EXPECT_EQ(this->upsert_attempts({two_first}), (UpsertStats{1, 0, 0, 0}));
  Scan since = this->scan(watermark);
  // Run 2 moves to seq 4 and comes back with its attempt.
  EXPECT_EQ(ids(since), std::vector<std::int64_t>{2});
  EXPECT_EQ(since.last, 4);
  EXPECT_EQ(since.runs.at(0).earlier_attempts, std::vector<AttemptRecord>{two_first});

  // Identical: no new sequence. Two attempts of run 1 in one batch: one new sequence (5).
  EXPECT_EQ(this->upsert_attempts({two_first}), (UpsertStats{0, 0, 1, 0}));
  EXPECT_TRUE(this->scan(4).runs.empty());
  EXPECT_EQ(this->upsert_attempts({attempt_of(1, 2), attempt_of(1, 1)}), (UpsertStats{2, 0, 0, 0}));
  since = this->scan(4);
  EXPECT_EQ(ids(since), std::vector<std::int64_t>{1});
  EXPECT_EQ(since.last, 5);
  // Attempts in attempt order, whatever order they were written in.
  EXPECT_EQ(since.runs.at(0).earlier_attempts,
            (std::vector<AttemptRecord>{attempt_of(1, 1), attempt_of(1, 2)}));
  EXPECT_EQ(this->scan().runs.size(), 3U);
}

TYPED_TEST(StoreAttemptsContractTest, AttemptsOfARunNotStoredAreRefusedAndNothingIsWritten) {
  ASSERT_TRUE(this->store_->upsert_runs(std::vector<RunRecord>{run_at(1, 2, "completed", 900)}));
  auto stats = this->store_->upsert_attempts(
      std::vector<AttemptRecord>{attempt_of(1, 1), attempt_of(99, 2), attempt_of(98, 1)});
  ASSERT_FALSE(stats);
  const std::string& message = stats.error().message;
  EXPECT_NE(message.find("writing attempt 2 of run 99 to "), std::string::npos) << message;
  EXPECT_NE(message.find(": run 99 is not stored"), std::string::npos) << message;
  EXPECT_EQ(this->value("SELECT count(*) FROM attempts"), "0");  // not even run 1's
  EXPECT_EQ(this->scan().last, 1);
  EXPECT_TRUE(this->scan().runs.at(0).earlier_attempts.empty());
}

TYPED_TEST(StoreAttemptsContractTest, AnInvalidAttemptIsRefusedNamingItAndNothingIsWritten) {
  ASSERT_TRUE(this->store_->upsert_runs(std::vector<RunRecord>{run_at(1, 2, "completed", 900)}));
  AttemptRecord zeroth = attempt_of(1, 0);
  auto stats = this->store_->upsert_attempts(std::vector<AttemptRecord>{attempt_of(1, 1), zeroth});
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().message,
            "run 1 attempt 0: field \"run_attempt\" must be between 1 and 65535");
  AttemptRecord statusless = attempt_of(1, 1);
  statusless.status = "";
  stats = this->store_->upsert_attempts(std::vector<AttemptRecord>{statusless});
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().message, "run 1 attempt 1: field \"status\" is missing");
  EXPECT_EQ(this->value("SELECT count(*) FROM attempts"), "0");
}

TYPED_TEST(StoreAttemptsContractTest, UpsertRunsWritesEarlierAttemptsEvenWhenTheRunIsUnchanged) {
  RunRecord run = run_at(1, 3, "completed", 900);
  ASSERT_EQ(this->upsert({run}), (UpsertStats{1, 0, 0, 1}));
  RunRecord with_attempts = run;
  with_attempts.earlier_attempts = {attempt_of(1, 1), not_found(1, 2)};
  // The run row is identical: unchanged, yet its attempts are written and it moves to seq 2.
  EXPECT_EQ(this->upsert({with_attempts}), (UpsertStats{0, 0, 1, 0}));
  Scan since = this->scan(1);
  EXPECT_EQ(since.last, 2);
  ASSERT_EQ(since.runs.size(), 1U);
  EXPECT_EQ(since.runs[0], with_attempts);
  // A new run with its attempts: one change (seq 3), not two.
  RunRecord fresh = run_at(2, 2, "completed", 900);
  fresh.earlier_attempts = {attempt_of(2, 1, "success")};
  EXPECT_EQ(this->upsert({fresh}), (UpsertStats{1, 0, 0, 1}));
  since = this->scan(2);
  EXPECT_EQ(since.last, 3);
  ASSERT_EQ(since.runs.size(), 1U);
  EXPECT_EQ(since.runs[0], fresh);
  // An older run version with its attempts: the row stays, the attempts still move forward.
  RunRecord stale = run_at(1, 2, "completed", 800);
  stale.earlier_attempts = {attempt_of(1, 1, "failure", 1'700'000'200)};
  EXPECT_EQ(this->upsert({stale}), (UpsertStats{0, 0, 1, 0}));
  since = this->scan(3);
  ASSERT_EQ(since.runs.size(), 1U);
  EXPECT_EQ(since.runs[0].run_attempt, 3);
  EXPECT_EQ(since.runs[0].earlier_attempts,
            (std::vector<AttemptRecord>{stale.earlier_attempts[0], not_found(1, 2)}));
  // commit_sync writes them too.
  RunRecord synced = run_at(3, 2, "completed", 900);
  synced.earlier_attempts = {attempt_of(3, 1)};
  ASSERT_TRUE(this->store_->commit_sync("octo/app", std::vector<RunRecord>{synced}, {}));
  EXPECT_EQ(this->scan().runs.back(), synced);
}

TYPED_TEST(StoreAttemptsContractTest, ARunWithAnInvalidEarlierAttemptIsRefusedWithTheBatch) {
  RunRecord run = run_at(1, 2, "completed", 900);
  run.earlier_attempts = {attempt_of(1, 2)};  // not below run_attempt
  auto stats = this->store_->upsert_runs(std::vector<RunRecord>{make_run(2), run});
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().message,
            "run 1: field \"earlier_attempts\" holds attempt 2, not below run_attempt 2");
  EXPECT_EQ(*this->store_->count_runs(), 0);
}

TYPED_TEST(StoreAttemptsContractTest, AScanLeavesOutAttemptsAtOrAboveTheRunAttempt) {
  RunRecord rerun = run_at(1, 2, "completed", 900);
  rerun.earlier_attempts = {attempt_of(1, 1)};
  RunRecord plain = run_at(2, 1, "completed", 900);
  RunRecord unfetched = run_at(3, 3, "completed", 900);
  ASSERT_TRUE(this->store_->upsert_runs(std::vector<RunRecord>{rerun, plain, unfetched}));
  // Attempts 2 and 3 of run 1 (fetched while a re-run started, say) are not earlier ones.
  ASSERT_EQ(this->upsert_attempts({attempt_of(1, 3), attempt_of(1, 2)}), (UpsertStats{2, 0, 0, 0}));
  RunRecord later = run_at(4, 2, "completed", 900);  // scanned right after run 1
  ASSERT_TRUE(this->store_->upsert_runs(std::vector<RunRecord>{later}));
  Scan all = this->scan();
  // Change order: run 2 (2), run 3 (3), run 1 (4, moved by its attempts), run 4 (5).
  ASSERT_EQ(ids(all), (std::vector<std::int64_t>{2, 3, 1, 4}));
  EXPECT_TRUE(all.runs[0].earlier_attempts.empty());
  EXPECT_TRUE(all.runs[1].earlier_attempts.empty());
  EXPECT_EQ(all.runs[2], rerun);
  // The record is reused between runs: run 4 does not inherit run 1's attempts.
  EXPECT_EQ(all.runs[3], later);
  EXPECT_TRUE(all.runs[3].earlier_attempts.empty());
}

TYPED_TEST(StoreAttemptsContractTest, HostileTextInAttemptsRoundTrips) {
  RunRecord run = run_at(1, 5, "completed", 900);
  AttemptRecord braces = attempt_of(1, 1, "{a,b}\",\"NULL\\\"}");
  braces.status = "in_progress\"},{\\";
  AttemptRecord null_word = attempt_of(1, 2, "NULL");
  null_word.run_started_at.reset();
  AttemptRecord unicode = attempt_of(1, 3, "🚀 Größe\ttab\nline '; DROP TABLE attempts; --");
  AttemptRecord null_conclusion = attempt_of(1, 4, "");
  null_conclusion.status = "queued";
  null_conclusion.updated_at = -86'400;
  run.earlier_attempts = {braces, null_word, unicode, null_conclusion};
  ASSERT_EQ(this->upsert({run}), (UpsertStats{1, 0, 0, 1}));
  Scan all = this->scan();
  ASSERT_EQ(all.runs.size(), 1U);
  EXPECT_EQ(all.runs[0], run);
  EXPECT_EQ(this->value("SELECT count(*) FROM attempts WHERE conclusion IS NULL"), "1");
  EXPECT_EQ(this->value("SELECT count(*) FROM attempts WHERE run_started_at IS NULL"), "1");
}

// Runs of octo/app (created_at below 1'700'000'000 + the offset given), worked out by hand:
//   10: attempt 3, created +1000, nothing stored      -> missing 1, 2
//   11: attempt 4, created +2000, attempt 2 stored    -> missing 1, 3
//   12: attempt 2, created +2000 (same time, higher id: before 11) -> missing 1
//   13: attempt 2, created +3000, attempt 1 stored as not found   -> none
//   14: attempt 1, created +4000                      -> none (never re-run)
// and run 15 of another repository, at attempt 3, which is never listed.
// Newest first: 13, 12, 11, 10.
TYPED_TEST(StoreAttemptsContractTest, MissingAttemptsAreTheGapsOfTheNewestRunsInOrder) {
  auto created = [](std::int64_t id, std::int64_t attempt, Timestamp offset) {
    RunRecord run = run_at(id, attempt, "completed", 1'700'010'000);
    run.created_at = 1'700'000'000 + offset;
    return run;
  };
  RunRecord eleven = created(11, 4, 2000);
  eleven.earlier_attempts = {attempt_of(11, 2)};
  RunRecord thirteen = created(13, 2, 3000);
  thirteen.earlier_attempts = {not_found(13, 1)};
  RunRecord other = created(15, 3, 5000);
  other.repository_id = 77;
  other.repository = "octo/other";
  other.workflow_id = 21;
  ASSERT_TRUE(this->store_->upsert_runs(std::vector<RunRecord>{
      created(10, 3, 1000), eleven, created(12, 2, 2000), thirteen, created(14, 1, 4000), other}));

  std::vector<AttemptKey> all = {{12, 1}, {11, 1}, {11, 3}, {10, 1}, {10, 2}};
  EXPECT_EQ(this->missing("octo/app", 100), all);
  EXPECT_EQ(this->missing("OCTO/App", 100), all);  // names compare case-insensitively
  EXPECT_EQ(this->missing("octo/app", 3), (std::vector<AttemptKey>{{12, 1}, {11, 1}, {11, 3}}));
  EXPECT_EQ(this->missing("octo/app", 2), (std::vector<AttemptKey>{{12, 1}, {11, 1}}));
  EXPECT_TRUE(this->missing("octo/app", 0).empty());
  EXPECT_EQ(this->missing("octo/other", 100), (std::vector<AttemptKey>{{15, 1}, {15, 2}}));
  EXPECT_TRUE(this->missing("octo/nothing", 100).empty());

  // Stored, found or not, they are no longer missing.
  ASSERT_EQ(this->upsert_attempts({attempt_of(12, 1), not_found(11, 1), attempt_of(10, 2)}),
            (UpsertStats{3, 0, 0, 0}));
  EXPECT_EQ(this->missing("octo/app", 100), (std::vector<AttemptKey>{{11, 3}, {10, 1}}));
}

TYPED_TEST(StoreAttemptsContractTest, RescanPagesRoundTripWithTheSyncStateInTheirOrder) {
  SyncState state =
      cipette::testing::backlog_sync_state("octo/app", {{7, 1'699'900'000, "", true}});
  // Not in URL order: the order read must survive.
  const std::string base = "https://api.github.com/repos/octo/app/actions/runs?per_page=100";
  state.rescan = {{base + "&created=2024-05-02&page=2", "W/\"2\""},
                  {base + "&created=2024-05-01", ""},
                  {base + "&created=2024-05-02", "\"quoted, {braced}\""}};
  ASSERT_TRUE(this->store_->commit_sync("octo/app", {}, state));
  SyncState other_state;
  other_state.rescan = {{base + "&other", "\"o\""}};
  ASSERT_TRUE(this->store_->commit_sync("octo/lib", {}, other_state));

  auto other = this->open();
  auto loaded = other->load_sync_state("Octo/App");
  ASSERT_TRUE(loaded && loaded->has_value());
  EXPECT_EQ(**loaded, state);

  // The next commit replaces the pages; octo/lib keeps its own.
  SyncState next = state;
  next.rescan = {state.rescan[2]};
  ASSERT_TRUE(this->store_->commit_sync("OCTO/APP", {}, next));
  loaded = this->store_->load_sync_state("octo/app");
  ASSERT_TRUE(loaded && loaded->has_value());
  EXPECT_EQ((*loaded)->rescan, next.rescan);
  loaded = this->store_->load_sync_state("octo/lib");
  ASSERT_TRUE(loaded && loaded->has_value());
  EXPECT_EQ(**loaded, other_state);
  // No pages at all.
  next.rescan.clear();
  ASSERT_TRUE(this->store_->commit_sync("octo/app", {}, next));
  loaded = this->store_->load_sync_state("octo/app");
  ASSERT_TRUE(loaded && loaded->has_value());
  EXPECT_EQ(**loaded, next);
}

}  // namespace
}  // namespace cipette::storage::contract

// Writing and reading runs through the SQLite store: the upsert rules, change sequences,
// round trips, repository ids, and a reader running beside a writer.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "cipette/storage/sqlite_store.h"
#include "support/test_support.h"

namespace cipette::storage {
namespace {

using cipette::testing::TempDir;

RunRecord make_run(std::int64_t id, Timestamp updated_at = 1'700'000'300) {
  RunRecord run;
  run.id = id;
  run.repository_id = 10;
  run.repository = "octo/app";
  run.workflow_id = 20;
  run.workflow_name = "CI";
  run.path = ".github/workflows/ci.yml";
  run.run_number = id;
  run.event = "push";
  run.status = "completed";
  run.conclusion = "success";
  run.head_branch = "main";
  run.head_sha = "0123456789abcdef0123456789abcdef01234567";
  run.actor = "octocat";
  run.created_at = 1'700'000'000;
  run.run_started_at = 1'700'000'010;
  run.updated_at = updated_at;
  run.html_url = "https://github.com/octo/app/actions/runs/" + std::to_string(id);
  return run;
}

struct Scan {
  std::vector<RunRecord> runs;
  ChangeSeq last = 0;
};

class SqliteUpsertTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = SqliteStore::open(path_);
    ASSERT_TRUE(opened) << opened.error().message;
    store_ = std::move(*opened);
  }

  UpsertStats upsert(const std::vector<RunRecord>& runs) {
    auto stats = store_->upsert_runs(runs);
    EXPECT_TRUE(stats) << stats.error().message;
    return stats ? *stats : UpsertStats{-1, -1, -1};
  }

  Scan scan(ChangeSeq since = 0) { return scan_store(*store_, since); }

  static Scan scan_store(SqliteStore& store, ChangeSeq since) {
    Scan result;
    auto last = store.scan_runs(since, [&](const RunRecord& run) { result.runs.push_back(run); });
    EXPECT_TRUE(last) << last.error().message;
    result.last = last ? *last : -1;
    return result;
  }

  static std::vector<std::int64_t> ids(const Scan& scan) {
    std::vector<std::int64_t> out;
    for (const RunRecord& run : scan.runs) out.push_back(run.id);
    return out;
  }

  // The first column of the first row of `sql`, read through a separate connection.
  std::string raw_value(const std::string& sql) {
    sqlite3* db = nullptr;
    sqlite3_open(path_.c_str(), &db);
    sqlite3_stmt* stmt = nullptr;
    std::string value = "<none>";
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
        sqlite3_step(stmt) == SQLITE_ROW) {
      const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
      value = text ? text : "NULL";
    }
    sqlite3_finalize(stmt);
    sqlite3_close(db);
    return value;
  }

  TempDir dir_;
  std::string path_ = dir_.file("cipette.db");
  std::unique_ptr<SqliteStore> store_;
};

TEST_F(SqliteUpsertTest, WritingTheSameBatchTwiceChangesNothingTheSecondTime) {
  std::vector<RunRecord> batch = {make_run(1), make_run(2), make_run(3)};
  EXPECT_EQ(upsert(batch), (UpsertStats{3, 0, 0}));
  Scan first = scan();
  // Three inserts get change_seq 1, 2, 3.
  EXPECT_EQ(first.last, 3);

  EXPECT_EQ(upsert(batch), (UpsertStats{0, 0, 3}));
  Scan again = scan(first.last);
  EXPECT_TRUE(again.runs.empty());
  EXPECT_EQ(again.last, first.last);
  EXPECT_EQ(scan().last, 3);  // change_seq did not advance
  EXPECT_EQ(*store_->count_runs(), 3);
}

TEST_F(SqliteUpsertTest, ANewerUpdatedAtReplacesTheStoredRun) {
  ASSERT_EQ(upsert({make_run(1)}), (UpsertStats{1, 0, 0}));
  RunRecord newer = make_run(1, 1'700'000'900);
  newer.conclusion = "failure";
  newer.head_branch = "release";
  newer.run_started_at.reset();

  EXPECT_EQ(upsert({newer}), (UpsertStats{0, 1, 0}));
  Scan all = scan();
  ASSERT_EQ(all.runs.size(), 1U);
  EXPECT_EQ(all.runs[0], newer);
  EXPECT_EQ(all.last, 2);  // insert = 1, update = 2
}

TEST_F(SqliteUpsertTest, AnOlderVersionNeverOverwritesANewerOne) {
  RunRecord newer = make_run(1, 1'700'000'900);
  newer.conclusion = "failure";
  ASSERT_EQ(upsert({newer}), (UpsertStats{1, 0, 0}));

  RunRecord older = make_run(1, 1'700'000'300);
  older.run_attempt = 3;  // even a later attempt: updated_at decides first
  EXPECT_EQ(upsert({older}), (UpsertStats{0, 0, 1}));
  Scan all = scan();
  ASSERT_EQ(all.runs.size(), 1U);
  EXPECT_EQ(all.runs[0], newer);
  EXPECT_EQ(all.last, 1);
}

TEST_F(SqliteUpsertTest, AtEqualUpdatedAtTheLargerAttemptWins) {
  RunRecord second = make_run(1);
  second.run_attempt = 2;
  second.conclusion = "failure";
  ASSERT_EQ(upsert({second}), (UpsertStats{1, 0, 0}));

  RunRecord first = make_run(1);  // same updated_at, attempt 1
  EXPECT_EQ(upsert({first}), (UpsertStats{0, 0, 1}));
  EXPECT_EQ(scan().runs.at(0), second);

  RunRecord third = make_run(1);
  third.run_attempt = 3;
  EXPECT_EQ(upsert({third}), (UpsertStats{0, 1, 0}));
  EXPECT_EQ(scan().runs.at(0), third);
}

TEST_F(SqliteUpsertTest, AtEqualUpdatedAndAttemptADifferentRowReplacesTheStoredOne) {
  ASSERT_EQ(upsert({make_run(1)}), (UpsertStats{1, 0, 0}));
  RunRecord corrected = make_run(1);
  corrected.actor = "hubot";
  EXPECT_EQ(upsert({corrected}), (UpsertStats{0, 1, 0}));
  EXPECT_EQ(scan().runs.at(0).actor, "hubot");
}

TEST_F(SqliteUpsertTest, ABatchWithAnInvalidRunWritesNothing) {
  ASSERT_EQ(upsert({make_run(1)}), (UpsertStats{1, 0, 0}));
  RunRecord changed = make_run(1, 1'700'000'900);
  RunRecord fresh = make_run(2);
  fresh.workflow_id = 99;
  RunRecord invalid = make_run(3);
  invalid.repository = "no-slash";

  auto stats = store_->upsert_runs(std::vector<RunRecord>{changed, fresh, invalid});
  ASSERT_FALSE(stats);
  EXPECT_EQ(stats.error().message,
            "run 3: field \"repository\" must be owner/name, got \"no-slash\"");
  Scan all = scan();
  ASSERT_EQ(all.runs.size(), 1U);
  EXPECT_EQ(all.runs[0], make_run(1));
  EXPECT_EQ(all.last, 1);
  EXPECT_EQ(raw_value("SELECT count(*) FROM workflows"), "1");  // workflow 99 not written
}

TEST_F(SqliteUpsertTest, ScanningSinceAWatermarkReturnsExactlyTheChangedRunsInChangeOrder) {
  ASSERT_EQ(upsert({make_run(1), make_run(2), make_run(3), make_run(4), make_run(5)}),
            (UpsertStats{5, 0, 0}));
  ChangeSeq watermark = scan().last;
  ASSERT_EQ(watermark, 5);  // one change per inserted run

  RunRecord changed = make_run(2, 1'700'000'900);
  EXPECT_EQ(upsert({make_run(6), make_run(4), changed}), (UpsertStats{1, 1, 1}));
  Scan since = scan(watermark);
  // Run 6 is written first (seq 6), run 4 is identical (no seq), run 2 is updated (seq 7).
  EXPECT_EQ(ids(since), (std::vector<std::int64_t>{6, 2}));
  EXPECT_EQ(since.last, 7);
  EXPECT_EQ(since.runs[1], changed);
  EXPECT_TRUE(scan(since.last).runs.empty());
  EXPECT_EQ(scan(since.last).last, 7);
}

TEST_F(SqliteUpsertTest, ARunGivenTwiceInOneBatchIsAppliedInOrder) {
  RunRecord later = make_run(1, 1'700'000'900);
  later.conclusion = "failure";
  EXPECT_EQ(upsert({make_run(1), later, make_run(1)}), (UpsertStats{1, 1, 1}));
  EXPECT_EQ(scan().runs.at(0), later);
}

TEST_F(SqliteUpsertTest, EveryFieldSurvivesARoundTripIncludingNullsAndHostileText) {
  RunRecord hostile = make_run(9'000'000'001, 1'800'000'000);
  hostile.repository_id = 123'456'789'012;
  hostile.repository = "Org-1/re.po_2";
  hostile.workflow_id = 987'654'321'098;
  hostile.workflow_name = "<script>alert('x')</script> \"quoted\" 'single' \\ 🚀 Größe";
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
  hostile.html_url = "https://example.test/?a=1&b=<2>";
  RunRecord plain = make_run(2);
  plain.head_branch = std::string("nul\0inside", 10);

  ASSERT_EQ(upsert({hostile, plain}), (UpsertStats{2, 0, 0}));
  Scan all = scan();
  ASSERT_EQ(all.runs.size(), 2U);
  EXPECT_EQ(all.runs[0], hostile);
  EXPECT_EQ(all.runs[1], plain);
  EXPECT_FALSE(all.runs[0].run_started_at.has_value());
  EXPECT_EQ(raw_value("SELECT quote(conclusion) FROM runs WHERE id = 9000000001"), "NULL");
  EXPECT_EQ(raw_value("SELECT quote(run_started_at) FROM runs WHERE id = 9000000001"), "NULL");
  EXPECT_EQ(raw_value("SELECT count(*) FROM runs"), "2");  // the table is still there
}

TEST_F(SqliteUpsertTest, WorkflowsTakeNameAndPathFromTheNewestRun) {
  RunRecord renamed = make_run(2, 1'700'000'900);
  renamed.workflow_name = "Build";
  renamed.path = ".github/workflows/build.yml";
  ASSERT_TRUE(store_->upsert_runs(std::vector<RunRecord>{renamed, make_run(1)}));
  EXPECT_EQ(raw_value("SELECT name || ' ' || path FROM workflows WHERE id = 20"),
            "Build .github/workflows/build.yml");

  RunRecord old_import = make_run(3, 1'600'000'000);
  ASSERT_TRUE(store_->upsert_runs(std::vector<RunRecord>{old_import}));
  EXPECT_EQ(raw_value("SELECT name FROM workflows WHERE id = 20"), "Build");
  // Each run keeps the workflow name it was written with.
  EXPECT_EQ(raw_value("SELECT workflow_name FROM runs WHERE id = 1"), "CI");
}

TEST_F(SqliteUpsertTest, ARunWithoutRepositoryIdJoinsTheRepositoryOfTheSameName) {
  ASSERT_TRUE(store_->upsert_runs(std::vector<RunRecord>{make_run(1)}));  // octo/app is 10
  RunRecord unknown = make_run(2);
  unknown.repository_id = 0;
  unknown.repository = "OCTO/App";  // names compare case-insensitively
  ASSERT_EQ(upsert({unknown}), (UpsertStats{1, 0, 0}));
  Scan all = scan();
  ASSERT_EQ(all.runs.size(), 2U);
  EXPECT_EQ(all.runs[1].repository_id, 10);
  EXPECT_EQ(all.runs[1].repository, "octo/app");
}

TEST_F(SqliteUpsertTest, UnknownRepositoriesGetSyntheticIdsUntilTheRealOneArrives) {
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
  ASSERT_EQ(upsert({a, b, a_again}), (UpsertStats{3, 0, 0}));
  Scan all = scan();
  // First unknown name seen gets -1, the next -2.
  ASSERT_EQ(all.runs.size(), 3U);
  EXPECT_EQ(all.runs[0].repository_id, -1);
  EXPECT_EQ(all.runs[1].repository_id, -2);
  EXPECT_EQ(all.runs[2].repository_id, -1);
  ChangeSeq watermark = all.last;

  RunRecord known = make_run(4);
  known.repository_id = 555;
  known.repository = "team/alpha";
  ASSERT_EQ(upsert({known}), (UpsertStats{1, 0, 0}));
  Scan since = scan(watermark);
  // Runs 1 and 3 now report id 555, so they count as changed, as does the new run 4.
  ASSERT_EQ(since.runs.size(), 3U);
  for (const RunRecord& run : since.runs) {
    EXPECT_EQ(run.repository_id, 555) << run.id;
    EXPECT_EQ(run.repository, "team/alpha") << run.id;
  }
  EXPECT_EQ(raw_value("SELECT count(*) FROM repositories WHERE id < 0"), "1");  // beta only
}

TEST_F(SqliteUpsertTest, ARenamedRepositoryShowsItsNewNameOnAllItsRuns) {
  ASSERT_TRUE(store_->upsert_runs(std::vector<RunRecord>{make_run(1)}));
  ChangeSeq watermark = scan().last;
  RunRecord renamed = make_run(2, 1'700'000'900);
  renamed.repository = "octo/renamed";
  ASSERT_EQ(upsert({renamed}), (UpsertStats{1, 0, 0}));
  Scan since = scan(watermark);
  EXPECT_EQ(ids(since), (std::vector<std::int64_t>{1, 2}));
  for (const RunRecord& run : since.runs) EXPECT_EQ(run.repository, "octo/renamed");

  RunRecord old_import = make_run(3, 1'600'000'000);  // still says octo/app
  ASSERT_EQ(upsert({old_import}), (UpsertStats{1, 0, 0}));
  EXPECT_EQ(scan().runs.back().repository, "octo/renamed");
}

TEST_F(SqliteUpsertTest, ANameTakenByAnotherRepositoryGoesToTheOneSeenMostRecently) {
  ASSERT_TRUE(store_->upsert_runs(std::vector<RunRecord>{make_run(1)}));  // 10 = octo/app
  RunRecord newcomer = make_run(2, 1'700'000'900);
  newcomer.repository_id = 11;  // octo/app was renamed away and a new octo/app created
  newcomer.workflow_id = 21;
  ASSERT_EQ(upsert({newcomer}), (UpsertStats{1, 0, 0}));
  Scan all = scan();
  ASSERT_EQ(all.runs.size(), 2U);
  EXPECT_EQ(all.runs[0].repository, "octo/app#10");
  EXPECT_EQ(all.runs[1].repository, "octo/app");
}

TEST_F(SqliteUpsertTest, AnEmptyBatchWritesNothing) {
  EXPECT_EQ(upsert({}), (UpsertStats{0, 0, 0}));
  EXPECT_EQ(scan().last, 0);
}

TEST_F(SqliteUpsertTest, AConcurrentReaderSeesAWholeBatchOrNone) {
  constexpr int kBefore = 100;
  constexpr int kBatch = 20'000;
  std::vector<RunRecord> first;
  for (int i = 1; i <= kBefore; ++i) first.push_back(make_run(i));
  ASSERT_EQ(upsert(first), (UpsertStats{kBefore, 0, 0}));
  std::vector<RunRecord> big;
  for (int i = 1; i <= kBatch; ++i) big.push_back(make_run(kBefore + i));

  auto reader = SqliteStore::open(path_);
  ASSERT_TRUE(reader) << reader.error().message;
  std::atomic<bool> written = false;
  std::thread writer([&] {
    auto stats = store_->upsert_runs(big);
    EXPECT_TRUE(stats) << stats.error().message;
    written = true;
  });
  std::vector<std::size_t> seen;
  while (!written) seen.push_back(scan_store(**reader, 0).runs.size());
  writer.join();
  seen.push_back(scan_store(**reader, 0).runs.size());

  for (std::size_t count : seen) {
    EXPECT_TRUE(count == kBefore || count == kBefore + kBatch) << count;
  }
  EXPECT_EQ(seen.back(), static_cast<std::size_t>(kBefore + kBatch));
}

}  // namespace
}  // namespace cipette::storage

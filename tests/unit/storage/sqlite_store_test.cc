// Opening SQLite stores: migrations, reopening, concurrent first opens, and the errors for
// files that are not usable.

#include "cipette/storage/sqlite_store.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "old_schema.h"
#include "store_contract.h"
#include "support/test_support.h"

namespace cipette::storage {
namespace {

using cipette::testing::TempDir;
using cipette::testing::write_file;
using contract::make_run;

// Runs SQL on a database file through a separate raw connection, returning the first column
// of each row as text (NULL as "NULL").
std::vector<std::string> raw_query(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  std::vector<std::string> rows;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK)
      << sqlite3_errmsg(db);
  while (stmt != nullptr && sqlite3_step(stmt) == SQLITE_ROW) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    rows.emplace_back(text ? text : "NULL");
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return rows;
}

TEST(SqliteStoreTest, OpeningAMissingFileCreatesItsDirectoryAndTheLatestSchema) {
  TempDir dir;
  std::string path = dir.file("nested/deeper/cipette.db");
  auto store = SqliteStore::open(path);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_TRUE(std::filesystem::is_regular_file(path));

  auto version = (*store)->schema_version();
  ASSERT_TRUE(version) << version.error().message;
  EXPECT_EQ(*version, SqliteStore::latest_schema_version());
  EXPECT_GE(SqliteStore::latest_schema_version(), 1);

  auto tables = raw_query(path, "SELECT name FROM sqlite_master WHERE type = 'table'");
  std::set<std::string> names(tables.begin(), tables.end());
  for (const char* table : {"repositories", "workflows", "runs", "sync_state"}) {
    EXPECT_TRUE(names.count(table)) << table;
  }
  // Runs are keyed by a unique run id (the upsert key).
  EXPECT_EQ(raw_query(path, "SELECT count(*) FROM pragma_index_list('runs') WHERE \"unique\""),
            std::vector<std::string>{"1"});
  EXPECT_EQ(raw_query(path, "PRAGMA journal_mode"), std::vector<std::string>{"wal"});
  auto count = (*store)->count_runs();
  ASSERT_TRUE(count);
  EXPECT_EQ(*count, 0);
}

TEST(SqliteStoreTest, ReopeningAnUpToDateDatabaseKeepsSchemaAndData) {
  TempDir dir;
  std::string path = dir.file("cipette.db");
  {
    auto store = SqliteStore::open(path);
    ASSERT_TRUE(store) << store.error().message;
    std::vector<RunRecord> runs = {make_run(1), make_run(2)};
    ASSERT_TRUE((*store)->upsert_runs(runs));
  }
  auto schema_before = raw_query(path, "SELECT sql FROM sqlite_master ORDER BY name");
  auto store = SqliteStore::open(path);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(raw_query(path, "SELECT sql FROM sqlite_master ORDER BY name"), schema_before);
  EXPECT_EQ(*(*store)->schema_version(), SqliteStore::latest_schema_version());
  EXPECT_EQ(*(*store)->count_runs(), 2);
  EXPECT_EQ((*store)->describe(), "sqlite:" + path);
}

TEST(SqliteStoreTest, TwoStoresOpeningAFreshFileTogetherBothSucceed) {
  TempDir dir;
  // Several rounds, since a race may not show up every time.
  for (int round = 0; round < 10; ++round) {
    std::string path = dir.file("fresh" + std::to_string(round) + ".db");
    std::atomic<int> ready = 0;
    std::string errors[2];
    int versions[2] = {0, 0};
    auto open_one = [&](int i) {
      ++ready;
      while (ready < 2) {
      }
      auto store = SqliteStore::open(path);
      if (!store) {
        errors[i] = store.error().message;
        return;
      }
      auto version = (*store)->schema_version();
      versions[i] = version ? *version : -1;
    };
    std::thread first(open_one, 0);
    std::thread second(open_one, 1);
    first.join();
    second.join();
    EXPECT_EQ(errors[0], "");
    EXPECT_EQ(errors[1], "");
    EXPECT_EQ(versions[0], SqliteStore::latest_schema_version());
    EXPECT_EQ(versions[1], SqliteStore::latest_schema_version());
    // Migrated once: one runs table, one change counter row.
    EXPECT_EQ(raw_query(path, "SELECT count(*) FROM sqlite_master WHERE name = 'runs'"),
              std::vector<std::string>{"1"});
    EXPECT_EQ(raw_query(path, "SELECT count(*) FROM change_log_head"),
              std::vector<std::string>{"1"});
  }
}

TEST(SqliteStoreTest, AFileOfGarbageIsReportedAsNotACipetteDatabase) {
  TempDir dir;
  std::string path = dir.file("garbage.db");
  std::string garbage;
  for (int i = 0; i < 512; ++i) garbage += "not a database, just bytes ";
  write_file(path, garbage);

  auto store = SqliteStore::open(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().message, path + " is not a CIPette database (file is not a database)");
  EXPECT_EQ(cipette::testing::read_file(path), garbage);  // left untouched
}

TEST(SqliteStoreTest, ADatabaseWithCorruptPagesFailsWithAMessageInsteadOfCrashing) {
  TempDir dir;
  std::string path = dir.file("damaged.db");
  {
    auto store = SqliteStore::open(path);
    ASSERT_TRUE(store);
    std::vector<RunRecord> runs;
    for (int i = 1; i <= 500; ++i) runs.push_back(make_run(i));
    ASSERT_TRUE((*store)->upsert_runs(runs));
  }  // closing checkpoints the WAL into the file
  std::string bytes = cipette::testing::read_file(path);
  ASSERT_GT(bytes.size(), 8192U);
  // Keep page 1 (header and schema), overwrite every page after it.
  for (std::size_t i = 4096; i < bytes.size(); ++i) bytes[i] = static_cast<char>(i * 131 % 251);
  write_file(path, bytes);

  auto store = SqliteStore::open(path);
  std::string message;
  if (!store) {
    message = store.error().message;
  } else {
    auto scanned = (*store)->scan_runs(0, [](const RunRecord&) { return ScanStep::kContinue; });
    ASSERT_FALSE(scanned);
    message = scanned.error().message;
  }
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("malformed"), std::string::npos) << message;
}

TEST(SqliteStoreTest, ASqliteDatabaseOfAnotherProgramIsRefused) {
  TempDir dir;
  std::string path = dir.file("other.db");
  raw_query(path, "CREATE TABLE workflow_runs (id INTEGER PRIMARY KEY)");

  auto store = SqliteStore::open(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().message,
            path + " is not a CIPette database (it holds tables but no CIPette schema version)");
}

TEST(SqliteStoreTest, APathUnderARegularFileFailsNamingThePath) {
  TempDir dir;
  write_file(dir.file("plain-file"), "x");
  std::string path = dir.file("plain-file/cipette.db");

  auto store = SqliteStore::open(path);
  ASSERT_FALSE(store);
  EXPECT_NE(store.error().message.find("opening database " + path + ": "), std::string::npos)
      << store.error().message;
}

TEST(SqliteStoreTest, ADirectoryInPlaceOfTheFileFailsNamingThePath) {
  TempDir dir;
  std::string path = dir.file("is-a-dir.db");
  std::filesystem::create_directory(path);

  auto store = SqliteStore::open(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().message, "opening database " + path + ": unable to open database file");
}

TEST(SqliteStoreTest, ASchemaNewerThanThisProgramIsRefused) {
  TempDir dir;
  std::string path = dir.file("future.db");
  ASSERT_TRUE(SqliteStore::open(path));
  int future = SqliteStore::latest_schema_version() + 5;
  raw_query(path, "PRAGMA user_version = " + std::to_string(future));

  auto store = SqliteStore::open(path);
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().message,
            fmt::format("{} has schema version {}, newer than this program knows ({}); upgrade "
                        "CIPette to open it",
                        path, future, SqliteStore::latest_schema_version()));
  auto read_only = SqliteStore::open(path, SqliteStore::Mode::kReadOnly);
  ASSERT_FALSE(read_only);
  EXPECT_NE(read_only.error().message.find("newer"), std::string::npos);
}

TEST(SqliteStoreTest, ReadOnlyModeReadsButNeitherCreatesNorMigrates) {
  TempDir dir;
  std::string missing = dir.file("missing/cipette.db");
  auto absent = SqliteStore::open(missing, SqliteStore::Mode::kReadOnly);
  ASSERT_FALSE(absent);
  EXPECT_EQ(absent.error().message,
            "opening database " + missing + ": unable to open database file");
  EXPECT_FALSE(std::filesystem::exists(dir.file("missing")));

  std::string empty = dir.file("empty.db");
  write_file(empty, "");
  auto unmigrated = SqliteStore::open(empty, SqliteStore::Mode::kReadOnly);
  ASSERT_FALSE(unmigrated);
  EXPECT_NE(unmigrated.error().message.find("older than this program"), std::string::npos);

  std::string path = dir.file("cipette.db");
  {
    auto writer = SqliteStore::open(path);
    ASSERT_TRUE(writer);
    std::vector<RunRecord> runs = {make_run(7)};
    ASSERT_TRUE((*writer)->upsert_runs(runs));
  }
  auto reader = SqliteStore::open(path, SqliteStore::Mode::kReadOnly);
  ASSERT_TRUE(reader) << reader.error().message;
  EXPECT_EQ(*(*reader)->count_runs(), 1);
  std::vector<RunRecord> runs = {make_run(8)};
  auto written = (*reader)->upsert_runs(runs);
  ASSERT_FALSE(written);
  EXPECT_EQ(written.error().message,
            "writing runs to " + path + ": the database was opened read-only");
}

// Four runs as version 3 stored them (no runs.version), worked out by hand:
//   101: attempt 1, completed, updated at +300
//   102: attempt 2, in progress, updated at +400
//   103: attempt 3, completed, updated at +200
//   104: attempt 1, queued, updated at +100
// By the rule (core/run.h): 104 < 101 (completed beats unfinished) < 102 < 103 (attempts).
TEST(SqliteStoreTest, MigratingFromVersion3GivesEveryRunItsVersionAndLosesNothing) {
  TempDir dir;
  std::string path = dir.file("v3.db");
  testing::create_sqlite_at_version(
      path, 3,
      std::string("INSERT INTO repositories (id, full_name, seen_at) VALUES (10, 'octo/app', 5);"
                  "INSERT INTO workflows (id, repository_id, name, path) VALUES "
                  "(20, 10, 'CI', '.github/workflows/ci.yml');"
                  "INSERT INTO runs (") +
          testing::kRunColumnsBeforeVersion4 +
          ") VALUES "
          "(1, 101, 10, 20, 1, 1, 1700000000, 1700000010, 1700000300, 'completed', 'success', "
          "'push', 'main', 'sha1', 'octocat', 'CI', '.github/workflows/ci.yml', 'u101'),"
          "(2, 102, 10, 20, 2, 2, 1700000000, NULL, 1700000400, 'in_progress', NULL, "
          "'push', 'main', 'sha2', '', 'CI', '.github/workflows/ci.yml', 'u102'),"
          "(3, 103, 10, 20, 3, 3, 1700000000, 1700000020, 1700000200, 'completed', 'failure', "
          "'pull_request', 'feature/x', 'sha3', 'hubot', 'CI', '.github/workflows/ci.yml', 'u103'),"
          "(4, 104, 10, 20, 4, 1, 1700000000, NULL, 1700000100, 'queued', NULL, "
          "'push', 'main', 'sha4', 'octocat', 'CI', '.github/workflows/ci.yml', 'u104');"
          "UPDATE change_log_head SET last_seq = 4;");

  auto store = SqliteStore::open(path);
  ASSERT_TRUE(store) << store.error().message;
  EXPECT_EQ(*(*store)->schema_version(), 5);
  EXPECT_EQ(raw_query(path, "SELECT id FROM runs ORDER BY version"),
            (std::vector<std::string>{"104", "101", "102", "103"}));
  EXPECT_EQ(raw_query(path, "SELECT version FROM runs ORDER BY id"),
            (std::vector<std::string>{
                std::to_string(run_version(1, "completed", 1'700'000'300)),
                std::to_string(run_version(2, "in_progress", 1'700'000'400)),
                std::to_string(run_version(3, "completed", 1'700'000'200)),
                std::to_string(run_version(1, "queued", 1'700'000'100)),
            }));
  // Nothing lost or moved: the same rows in the same change order.
  contract::Scan all = contract::scan_store(**store);
  EXPECT_EQ(contract::ids(all), (std::vector<std::int64_t>{101, 102, 103, 104}));
  EXPECT_EQ(all.last, 4);
  ASSERT_EQ(all.runs.size(), 4U);
  RunRecord expected = make_run(102, 1'700'000'400);
  expected.run_number = 2;
  expected.run_attempt = 2;
  expected.status = "in_progress";
  expected.conclusion = "";
  expected.run_started_at.reset();
  expected.head_sha = "sha2";
  expected.actor = "";
  expected.html_url = "u102";
  EXPECT_EQ(all.runs[1], expected);
  EXPECT_EQ(all.runs[2].head_branch, "feature/x");
  EXPECT_EQ(all.runs[2].conclusion, "failure");
  EXPECT_EQ(all.runs[2].run_started_at, 1'700'000'020);
  for (const char* table : {"attempts", "sync_rescan"}) {
    EXPECT_EQ(raw_query(path, fmt::format("SELECT count(*) FROM {}", table)),
              std::vector<std::string>{"0"})
        << table;
  }
  // The migrated rows follow the new rule: run 102 completes with an older updated_at.
  RunRecord completed = expected;
  completed.status = "completed";
  completed.conclusion = "success";
  completed.updated_at = 1'700'000'390;
  auto stats = (*store)->upsert_runs(std::vector<RunRecord>{completed});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(*stats, (UpsertStats{0, 1, 0, 0}));
}

TEST(SqliteStoreTest, AnInMemoryDatabaseWorksForTests) {
  auto store = SqliteStore::open(":memory:");
  ASSERT_TRUE(store) << store.error().message;
  std::vector<RunRecord> runs = {make_run(1), make_run(2)};
  auto stats = (*store)->upsert_runs(runs);
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(*stats, (UpsertStats{2, 0, 0}));
  EXPECT_EQ(*(*store)->count_runs(), 2);
  EXPECT_EQ((*store)->describe(), "sqlite::memory:");
}

TEST(SqliteStoreTest, AnEmptyPathIsRefused) {
  auto store = SqliteStore::open("");
  ASSERT_FALSE(store);
  EXPECT_EQ(store.error().message, "opening database: the path is empty");
}

}  // namespace
}  // namespace cipette::storage

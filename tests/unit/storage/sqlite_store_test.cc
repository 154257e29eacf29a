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

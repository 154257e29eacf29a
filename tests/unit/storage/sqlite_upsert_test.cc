// Writing and reading runs through the SQLite store, where SQLite differs from the other
// backends: text holding NUL bytes survives. The upsert rules, change sequences, repository
// ids and concurrency are checked on every backend in store_contract_test.cc.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>
#include <vector>

#include "cipette/storage/sqlite_store.h"
#include "store_contract.h"
#include "support/test_support.h"

namespace cipette::storage {
namespace {

using cipette::testing::TempDir;
using contract::make_run;

TEST(SqliteUpsertTest, TextWithANulByteAndNullsRoundTrip) {
  TempDir dir;
  std::string path = dir.file("cipette.db");
  auto store = SqliteStore::open(path);
  ASSERT_TRUE(store) << store.error().message;
  RunRecord plain = make_run(2);
  plain.head_branch = std::string("nul\0inside", 10);
  plain.conclusion = "";
  plain.run_started_at.reset();
  auto stats = (*store)->upsert_runs(std::vector<RunRecord>{plain});
  ASSERT_TRUE(stats) << stats.error().message;
  EXPECT_EQ(*stats, (UpsertStats{1, 0, 0}));

  contract::Scan all = contract::scan_store(**store);
  ASSERT_EQ(all.runs.size(), 1U);
  EXPECT_EQ(all.runs[0], plain);
  EXPECT_EQ(all.runs[0].head_branch.size(), 10U);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT quote(conclusion), quote(run_started_at) FROM runs", -1,
                               &stmt, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_step(stmt), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)), "NULL");
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 1)), "NULL");
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

}  // namespace
}  // namespace cipette::storage

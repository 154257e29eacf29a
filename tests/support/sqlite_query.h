#pragma once

// Plain SQL on a SQLite database file, for tests that check what CIPette stored independently
// of CIPette's own code. Header-only: only tests that link SQLite include it.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdint>
#include <string>

namespace cipette::testing {

// The first column of the first row of `query` on the file `path`, opened read-only; -1 when
// there is no row. Failing to open the file or to prepare the query is a test failure.
inline std::int64_t sql_int(const std::string& path, const std::string& query) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, query.c_str(), -1, &statement, nullptr), SQLITE_OK) << query;
  std::int64_t value = -1;
  if (sqlite3_step(statement) == SQLITE_ROW) value = sqlite3_column_int64(statement, 0);
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

}  // namespace cipette::testing

#pragma once

// Databases as an earlier version of CIPette left them, for the migration tests: the schema of
// an earlier version (the shipped migrations, applied only that far) plus rows written with
// plain SQL in that schema.

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <string>

#include "cipette/storage/migrations.h"
#include "cipette/storage/sqlite_handle.h"

namespace cipette::storage::testing {

// Creates the SQLite database `path` at schema `version` and runs `rows_sql` in it.
inline void create_sqlite_at_version(const std::string& path, int version,
                                     const std::string& rows_sql) {
  sqlite3* raw = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
  DatabasePtr db(raw);
  auto migrated = migrate(db.get(), path, version);
  ASSERT_TRUE(migrated) << migrated.error().message;
  auto written = exec(db.get(), rows_sql, "writing the old rows");
  ASSERT_TRUE(written) << written.error().message;
}

// Columns of runs in schemas 1 to 3 (before runs.version), for INSERTs of old rows.
inline constexpr const char* kRunColumnsBeforeVersion4 =
    "change_seq, id, repository_id, workflow_id, run_number, run_attempt, created_at, "
    "run_started_at, updated_at, status, conclusion, event, head_branch, head_sha, actor, "
    "workflow_name, path, html_url";

}  // namespace cipette::storage::testing

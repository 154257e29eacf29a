#pragma once

#include <sqlite3.h>

#include <string_view>

#include "cipette/core/result.h"

namespace cipette::storage {

// The number of schema migrations this program knows, i.e. the PRAGMA user_version of an
// up-to-date database.
int schema_migration_count();

// Brings the database at `path` (open as `db`) to the latest schema. Each pending migration
// runs in its own BEGIN IMMEDIATE transaction that re-reads user_version under the write lock,
// so two processes opening a fresh file together apply each migration exactly once.
// Fails, naming `path`, when the database has a newer schema than this program knows, when it
// holds tables but no CIPette schema version (another program's database), or on any SQLite
// error; a failed migration leaves the database at the previous version.
Status migrate(sqlite3* db, std::string_view path);

// migrate() up to schema version `target` only (at most schema_migration_count()): for tests
// that need a database as an earlier version of the program left it.
Status migrate(sqlite3* db, std::string_view path, int target);

// Checks without writing that the database is at the latest schema (for read-only opens).
Status check_schema_current(sqlite3* db, std::string_view path);

}  // namespace cipette::storage

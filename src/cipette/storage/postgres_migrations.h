#pragma once

#include "cipette/core/result.h"
#include "cipette/storage/postgres_connection.h"

namespace cipette::storage {

// The number of PostgreSQL schema migrations this program knows: the same versions as the
// SQLite schema's (migrations.cc), 1 to 4.
int postgres_schema_migration_count();

// Brings the schema to the latest version. Everything lives in the connection's current
// schema (the first existing schema of its search_path, so a URL with
// options=-csearch_path%3Dname isolates one installation); the version is the largest in
// its schema_migrations table. Pending migrations run in one transaction that first takes
// a transaction-level advisory lock and re-reads the version under it, so several processes
// starting together apply each migration exactly once. Fails, naming the database, when the
// schema is newer than this program knows, when the current schema holds tables named like
// CIPette's but no schema_migrations table (another program's), when no schema of the
// search_path exists, or on any server error; a failed migration changes nothing.
Status migrate_postgres(PgConnection& connection);

// migrate_postgres() up to schema version `target` only (at most
// postgres_schema_migration_count()): for tests that need a schema as an earlier version of the
// program left it.
Status migrate_postgres(PgConnection& connection, int target);

// The schema version of the connection's current schema (0 when it has none).
Result<int> postgres_schema_version(PgConnection& connection);

}  // namespace cipette::storage

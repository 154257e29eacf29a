#include "cipette/storage/postgres_migrations.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <string_view>

namespace cipette::storage {
namespace {

// The schema history, the same tables and meaning as SQLite's (migrations.cc explains each
// column); only the spelling differs. Append new migrations; never edit one that has shipped.
// Migration i (0-based) takes the schema from version i to i + 1.
//
// Differences from SQLite: names that SQLite compares with COLLATE NOCASE have a unique index
// on lower(name) instead; runs.change_seq is the primary key (its index serves "changed
// since" and the full load in change order) and runs.id has its own unique index. runs has
// no foreign keys: their checks (two triggers per row) cost as much as the insert itself in a
// bulk load, and the writer (postgres_run_writer.h) stores a batch's repositories and
// workflows before its runs, in the same transaction, so every id a run holds exists.
constexpr std::string_view kMigration1 = R"sql(
CREATE TABLE repositories (
  id bigint PRIMARY KEY,
  full_name text NOT NULL,
  seen_at bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX repositories_full_name ON repositories (lower(full_name));
CREATE TABLE workflows (
  id bigint PRIMARY KEY,
  repository_id bigint NOT NULL REFERENCES repositories (id) ON UPDATE CASCADE,
  name text NOT NULL,
  path text NOT NULL,
  seen_at bigint NOT NULL DEFAULT 0
);
CREATE INDEX workflows_repository_id ON workflows (repository_id);
CREATE TABLE runs (
  change_seq bigint PRIMARY KEY,
  id bigint NOT NULL UNIQUE,
  repository_id bigint NOT NULL,
  workflow_id bigint NOT NULL,
  run_number bigint NOT NULL,
  run_attempt bigint NOT NULL,
  created_at bigint NOT NULL,
  run_started_at bigint,
  updated_at bigint NOT NULL,
  status text NOT NULL,
  conclusion text,
  event text NOT NULL,
  head_branch text NOT NULL,
  head_sha text NOT NULL,
  actor text NOT NULL,
  workflow_name text NOT NULL,
  path text NOT NULL,
  html_url text NOT NULL
);
CREATE TABLE change_log_head (
  id integer PRIMARY KEY CHECK (id = 1),
  last_seq bigint NOT NULL
);
INSERT INTO change_log_head (id, last_seq) VALUES (1, 0);
CREATE TABLE sync_state (
  repository text NOT NULL,
  cursor text,
  etag text,
  updated_at bigint
);
CREATE UNIQUE INDEX sync_state_repository ON sync_state (lower(repository));
)sql";

// Version 2: the collector's full sync state, as in SQLite's version 2.
constexpr std::string_view kMigration2 = R"sql(
ALTER TABLE sync_state ADD COLUMN floor bigint NOT NULL DEFAULT 0,
  ADD COLUMN gap_top bigint, ADD COLUMN gap_from bigint,
  ADD COLUMN head_from bigint NOT NULL DEFAULT 0, ADD COLUMN etag_url text;
CREATE TABLE sync_pending (
  repository text NOT NULL,
  run_id bigint NOT NULL,
  created_at bigint NOT NULL,
  etag text,
  on_head_page integer NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX sync_pending_key ON sync_pending (lower(repository), run_id);
)sql";

// Version 3: collector leases (core/run_store.h, LeaseState), one row per repository ever
// leased, as in SQLite's version 3. holder is '' when nobody holds it; times are UTC seconds
// of the database's clock, 0 for never.
constexpr std::string_view kMigration3 = R"sql(
CREATE TABLE sync_leases (
  repository text NOT NULL,
  holder text NOT NULL DEFAULT '',
  expires_at bigint NOT NULL DEFAULT 0,
  released_at bigint NOT NULL DEFAULT 0
);
CREATE UNIQUE INDEX sync_leases_repository ON sync_leases (lower(repository));
)sql";

constexpr std::array<std::string_view, 3> kMigrations = {kMigration1, kMigration2, kMigration3};

// The version table: one row per migration applied.
constexpr std::string_view kCreateVersionTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql";

// The tables a CIPette schema holds; one of them without schema_migrations means the schema
// belongs to another program.
constexpr std::string_view kOurTables =
    "{repositories,workflows,runs,change_log_head,sync_state,sync_pending,sync_leases}";

// First argument of the two-key advisory lock: "CIPT", so that it does not collide with
// other programs' locks; the second is a hash of the schema name.
constexpr std::int32_t kMigrationLockKey = 0x43495054;

constexpr std::string_view kReadVersion = R"sql(
SELECT current_schema(),
  EXISTS (SELECT 1 FROM pg_catalog.pg_tables
          WHERE schemaname = current_schema() AND tablename = 'schema_migrations'))sql";

struct SchemaInfo {
  std::string schema;
  int version = 0;
};

Result<SchemaInfo> read_schema_info(PgConnection& connection) {
  std::string doing = fmt::format("reading the schema version of {}", connection.describe());
  auto found = connection.exec(kReadVersion, doing);
  if (!found) return found.error();
  if (pg_is_null(found->get(), 0, 0)) {
    return fail(doing,
                ": no schema of the search_path exists (create it, or fix the "
                "search_path in the options of DATABASE_URL)");
  }
  SchemaInfo info{std::string(pg_text(found->get(), 0, 0)), 0};
  if (pg_text(found->get(), 0, 1) != "t") return info;
  auto version = connection.exec("SELECT coalesce(max(version), 0) FROM schema_migrations", doing);
  if (!version) return version.error();
  info.version = static_cast<int>(pg_int(version->get(), 0, 0));
  return info;
}

Status check_not_newer(const PgConnection& connection, const SchemaInfo& info) {
  if (info.version <= postgres_schema_migration_count()) return {};
  return fail(fmt::format(
      "{} (schema \"{}\") has schema version {}, newer than this program knows ({}); upgrade "
      "CIPette to open it",
      connection.describe(), info.schema, info.version, postgres_schema_migration_count()));
}

// A schema at version 0 must not hold tables named like ours: they are another program's.
Status check_is_ours(PgConnection& connection, const SchemaInfo& info) {
  std::string doing = fmt::format("reading the tables of {}", connection.describe());
  auto tables = connection.exec(
      "SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema() "
      "AND tablename = ANY ($1::text[]) ORDER BY tablename",
      PgParams().add(kOurTables), doing);
  if (!tables) return tables.error();
  if (PQntuples(tables->get()) == 0) return {};
  return fail(fmt::format(
      "{} is not a CIPette database (schema \"{}\" holds a table \"{}\" but no CIPette schema "
      "version)",
      connection.describe(), info.schema, pg_text(tables->get(), 0, 0)));
}

// Applies the pending migrations. REQUIRES: inside the migration transaction, holding the lock.
Status apply_pending(PgConnection& connection) {
  auto info = read_schema_info(connection);
  if (!info) return info.error();
  if (auto newer = check_not_newer(connection, *info); !newer) return newer;
  if (info->version == 0) {
    if (auto ours = check_is_ours(connection, *info); !ours) return ours;
  }
  std::string doing = fmt::format("migrating {}", connection.describe());
  if (auto created = connection.exec(kCreateVersionTable, doing); !created) return created.error();
  for (int version = info->version; version < postgres_schema_migration_count(); ++version) {
    std::string step = fmt::format("{} to schema version {}", doing, version + 1);
    auto script = std::string(kMigrations[static_cast<std::size_t>(version)]);
    if (auto done = connection.exec_script(script, step); !done) return done;
    auto recorded = connection.exec("INSERT INTO schema_migrations (version) VALUES ($1)",
                                    PgParams().add(std::int64_t{version + 1}), step);
    if (!recorded) return recorded.error();
  }
  return {};
}

}  // namespace

int postgres_schema_migration_count() { return static_cast<int>(kMigrations.size()); }

Status migrate_postgres(PgConnection& connection) {
  // Cheap check first, without the lock: an up-to-date schema (the usual case) costs one query.
  auto info = read_schema_info(connection);
  if (!info) return info.error();
  if (auto newer = check_not_newer(connection, *info); !newer) return newer;
  if (info->version == postgres_schema_migration_count()) return {};
  std::string doing = fmt::format("migrating {}", connection.describe());
  PgTransaction transaction(connection);
  if (auto begun = transaction.begin("BEGIN", doing); !begun) return begun;
  auto locked = connection.exec("SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))",
                                PgParams().add(std::int64_t{kMigrationLockKey}), doing);
  if (!locked) return locked.error();
  if (auto applied = apply_pending(connection); !applied) return applied;
  return transaction.commit(doing);
}

Result<int> postgres_schema_version(PgConnection& connection) {
  auto info = read_schema_info(connection);
  if (!info) return info.error();
  return info->version;
}

}  // namespace cipette::storage

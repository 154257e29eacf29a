#include "cipette/storage/postgres_migrations.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>
#include <limits>
#include <string_view>
#include <vector>

#include "cipette/core/run.h"

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

// Version 4: re-runs, as in SQLite's version 4 (migrations.cc explains each part). runs.version
// is filled from the C++ rule by backfill_run_versions after the script, and has no default
// afterwards, so that a writer can never leave it out. attempts.attempt is an integer (at most
// kMaxRunAttempt); the columns are ordered for alignment (the 8-byte ones first).
constexpr std::string_view kMigration4 = R"sql(
ALTER TABLE runs ADD COLUMN version bigint NOT NULL DEFAULT 0;
CREATE TABLE attempts (
  run_id bigint NOT NULL,
  version bigint NOT NULL,
  updated_at bigint NOT NULL,
  run_started_at bigint,
  attempt integer NOT NULL,
  found boolean NOT NULL,
  status text NOT NULL,
  conclusion text,
  PRIMARY KEY (run_id, attempt)
);
CREATE INDEX runs_reruns ON runs (repository_id) WHERE run_attempt > 1;
CREATE TABLE sync_rescan (
  repository text NOT NULL,
  position integer NOT NULL,
  url text NOT NULL,
  etag text
);
CREATE UNIQUE INDEX sync_rescan_key ON sync_rescan (lower(repository), position);
)sql";

// Runs read and written back per statement by backfill_run_versions.
constexpr int kBackfillBatch = 10'000;

constexpr std::string_view kReadVersionInputs = R"sql(
SELECT id, run_attempt, status, updated_at FROM runs WHERE id > $1 ORDER BY id LIMIT $2)sql";

constexpr std::string_view kWriteVersions = R"sql(
UPDATE runs SET version = v.version
FROM unnest($1::bigint[], $2::bigint[]) AS v (id, version) WHERE runs.id = v.id)sql";

// Fills runs.version of every stored run with RunRecord::version(), in batches in id order.
// REQUIRES: inside the migration transaction, after kMigration4's script.
Status backfill_run_versions(PgConnection& connection, std::string_view doing) {
  std::int64_t after = std::numeric_limits<std::int64_t>::min();
  for (;;) {
    auto rows = connection.exec(kReadVersionInputs,
                                PgParams().add(after).add(std::int64_t{kBackfillBatch}), doing);
    if (!rows) return rows.error();
    const PGresult* result = rows->get();
    int count = PQntuples(result);
    if (count == 0) break;
    std::vector<std::int64_t> ids, versions;
    ids.reserve(static_cast<std::size_t>(count));
    versions.reserve(static_cast<std::size_t>(count));
    RunRecord run;
    for (int row = 0; row < count; ++row) {
      run.run_attempt = pg_int(result, row, 1);
      run.status = pg_text(result, row, 2);
      run.updated_at = pg_int(result, row, 3);
      ids.push_back(pg_int(result, row, 0));
      versions.push_back(run.version());
    }
    after = ids.back();
    auto written = connection.exec(
        kWriteVersions, PgParams().add(pg_int_array(ids)).add(pg_int_array(versions)), doing);
    if (!written) return written.error();
  }
  auto required = connection.exec("ALTER TABLE runs ALTER COLUMN version DROP DEFAULT", doing);
  if (!required) return required.error();
  return {};
}

// Version 5: job executions, as in SQLite's version 5 (migrations.cc explains each part;
// labels use the same text encoding, job_labels.h). waited and found are booleans; steps
// and run_jobs are keyed as in SQLite. jobs.change_seq has a unique index (the scans'
// order), jobs.run_id an index (jobs_of_run).
constexpr std::string_view kMigration5 = R"sql(
CREATE TABLE jobs (
  id bigint PRIMARY KEY,
  change_seq bigint NOT NULL,
  run_id bigint NOT NULL,
  run_attempt bigint NOT NULL,
  version bigint NOT NULL,
  created_at bigint,
  started_at bigint,
  completed_at bigint,
  waited boolean NOT NULL,
  status text NOT NULL,
  conclusion text,
  name text NOT NULL,
  labels text NOT NULL,
  runner_name text NOT NULL,
  runner_group_name text NOT NULL,
  html_url text NOT NULL
);
CREATE UNIQUE INDEX jobs_change_seq ON jobs (change_seq);
CREATE INDEX jobs_run_id ON jobs (run_id);
CREATE TABLE steps (
  job_id bigint NOT NULL,
  number bigint NOT NULL,
  started_at bigint,
  completed_at bigint,
  name text NOT NULL,
  status text NOT NULL,
  conclusion text,
  PRIMARY KEY (job_id, number)
);
CREATE TABLE run_jobs (
  run_id bigint PRIMARY KEY,
  run_attempt bigint NOT NULL,
  found boolean NOT NULL
);
CREATE TABLE job_change_head (
  id integer PRIMARY KEY CHECK (id = 1),
  last_seq bigint NOT NULL
);
INSERT INTO job_change_head (id, last_seq) VALUES (1, 0);
CREATE INDEX runs_completed ON runs (repository_id, created_at, id, run_attempt, status)
  WHERE status = 'completed';
)sql";

struct PgMigration {
  std::string_view script;
  // Runs after the script, in the same transaction: what SQL alone must not do (the version
  // rule lives in C++ only).
  Status (*then)(PgConnection& connection, std::string_view doing) = nullptr;
};

constexpr std::array<PgMigration, 5> kMigrations = {
    PgMigration{kMigration1}, PgMigration{kMigration2}, PgMigration{kMigration3},
    PgMigration{kMigration4, backfill_run_versions}, PgMigration{kMigration5}};

// The version table: one row per migration applied.
constexpr std::string_view kCreateVersionTable = R"sql(
CREATE TABLE IF NOT EXISTS schema_migrations (
  version integer PRIMARY KEY,
  applied_at timestamptz NOT NULL DEFAULT now()
))sql";

// The tables a CIPette schema holds; one of them without schema_migrations means the schema
// belongs to another program.
constexpr std::string_view kOurTables =
    "{repositories,workflows,runs,change_log_head,sync_state,sync_pending,sync_leases,attempts,"
    "sync_rescan,jobs,steps,run_jobs,job_change_head}";

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

// Applies the pending migrations up to `target`. REQUIRES: inside the migration transaction,
// holding the lock.
Status apply_pending(PgConnection& connection, int target) {
  auto info = read_schema_info(connection);
  if (!info) return info.error();
  if (auto newer = check_not_newer(connection, *info); !newer) return newer;
  if (info->version == 0) {
    if (auto ours = check_is_ours(connection, *info); !ours) return ours;
  }
  std::string doing = fmt::format("migrating {}", connection.describe());
  if (auto created = connection.exec(kCreateVersionTable, doing); !created) return created.error();
  for (int version = info->version; version < target; ++version) {
    std::string step = fmt::format("{} to schema version {}", doing, version + 1);
    const PgMigration& migration = kMigrations[static_cast<std::size_t>(version)];
    if (auto done = connection.exec_script(std::string(migration.script), step); !done) {
      return done;
    }
    if (migration.then != nullptr) {
      if (auto done = migration.then(connection, step); !done) return done;
    }
    auto recorded = connection.exec("INSERT INTO schema_migrations (version) VALUES ($1)",
                                    PgParams().add(std::int64_t{version + 1}), step);
    if (!recorded) return recorded.error();
  }
  return {};
}

}  // namespace

int postgres_schema_migration_count() { return static_cast<int>(kMigrations.size()); }

Status migrate_postgres(PgConnection& connection) {
  return migrate_postgres(connection, postgres_schema_migration_count());
}

Status migrate_postgres(PgConnection& connection, int target) {
  // Cheap check first, without the lock: an up-to-date schema (the usual case) costs one query.
  auto info = read_schema_info(connection);
  if (!info) return info.error();
  if (auto newer = check_not_newer(connection, *info); !newer) return newer;
  if (info->version >= target) return {};
  std::string doing = fmt::format("migrating {}", connection.describe());
  PgTransaction transaction(connection);
  if (auto begun = transaction.begin("BEGIN", doing); !begun) return begun;
  auto locked = connection.exec("SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))",
                                PgParams().add(std::int64_t{kMigrationLockKey}), doing);
  if (!locked) return locked.error();
  if (auto applied = apply_pending(connection, target); !applied) return applied;
  return transaction.commit(doing);
}

Result<int> postgres_schema_version(PgConnection& connection) {
  auto info = read_schema_info(connection);
  if (!info) return info.error();
  return info->version;
}

}  // namespace cipette::storage

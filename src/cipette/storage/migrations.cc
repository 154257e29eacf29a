#include "cipette/storage/migrations.h"

#include <fmt/format.h>

#include <array>
#include <cstdint>

#include "cipette/core/run.h"
#include "cipette/storage/sqlite_handle.h"

namespace cipette::storage {
namespace {

// The schema history. Append new migrations; never edit one that has shipped. Migration i
// (0-based) takes the database from user_version i to i + 1.
//
// Version 1:
// - repositories: id is GitHub's repository id, or a negative synthetic id for a repository
//   whose id was never known (runs written with repository_id 0). seen_at is the newest
//   updated_at of a run that named it, so an old import never renames it back.
// - workflows: id is GitHub's workflow id; name and path from the newest run seen (seen_at).
// - runs: one row per run id (UNIQUE, the upsert key) with the fields of its latest attempt.
//   The rowid is change_seq (see change_log_head), not the run id: the table is stored in
//   change order, so "changed since" and a full load read it sequentially (a run id rowid
//   made a 1,000,000-run load in change order twice as slow, hopping between pages), and
//   new runs are appended. An updated run moves to the end with its new change_seq.
//   Integers come first and the long strings last, so reading a row walks its record forward.
//   Times are unix seconds; conclusion and run_started_at are NULL when absent.
//   There is deliberately no index on runs.repository_id: it would slow every insert, and it
//   is only needed when a repository is renamed or its synthetic id is replaced (rare, and
//   then a full scan is acceptable).
// - change_log_head: one row holding the largest change_seq ever assigned.
// - sync_state: the collector's per-repository position (cursor, ETag) for incremental sync.
constexpr std::string_view kMigration1 = R"sql(
CREATE TABLE repositories (
  id INTEGER PRIMARY KEY,
  full_name TEXT NOT NULL UNIQUE COLLATE NOCASE,
  seen_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE workflows (
  id INTEGER PRIMARY KEY,
  repository_id INTEGER NOT NULL REFERENCES repositories (id) ON UPDATE CASCADE,
  name TEXT NOT NULL,
  path TEXT NOT NULL,
  seen_at INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX workflows_repository_id ON workflows (repository_id);
CREATE TABLE runs (
  change_seq INTEGER PRIMARY KEY,
  id INTEGER NOT NULL UNIQUE,
  repository_id INTEGER NOT NULL REFERENCES repositories (id) ON UPDATE CASCADE,
  workflow_id INTEGER NOT NULL REFERENCES workflows (id),
  run_number INTEGER NOT NULL,
  run_attempt INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  run_started_at INTEGER,
  updated_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  conclusion TEXT,
  event TEXT NOT NULL,
  head_branch TEXT NOT NULL,
  head_sha TEXT NOT NULL,
  actor TEXT NOT NULL,
  workflow_name TEXT NOT NULL,
  path TEXT NOT NULL,
  html_url TEXT NOT NULL
);
CREATE TABLE change_log_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_seq INTEGER NOT NULL
);
INSERT INTO change_log_head (id, last_seq) VALUES (1, 0);
CREATE TABLE sync_state (
  repository TEXT PRIMARY KEY COLLATE NOCASE,
  cursor TEXT,
  etag TEXT,
  updated_at INTEGER
);
)sql";

// Version 2: the collector's full sync state (core/run_store.h, SyncState). sync_state.cursor
// (from version 1) holds the cursor as an ISO 8601 time stamp; the new columns hold UTC
// seconds. sync_pending lists the runs seen unfinished, to look at again.
constexpr std::string_view kMigration2 = R"sql(
ALTER TABLE sync_state ADD COLUMN floor INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN gap_top INTEGER;
ALTER TABLE sync_state ADD COLUMN gap_from INTEGER;
ALTER TABLE sync_state ADD COLUMN head_from INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_state ADD COLUMN etag_url TEXT;
CREATE TABLE sync_pending (
  repository TEXT NOT NULL COLLATE NOCASE,
  run_id INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  etag TEXT,
  on_head_page INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (repository, run_id)
) WITHOUT ROWID;
)sql";

// Version 3: collector leases (core/run_store.h, LeaseState), one row per repository ever
// leased. holder is "" when nobody holds it; times are UTC seconds, 0 for never.
constexpr std::string_view kMigration3 = R"sql(
CREATE TABLE sync_leases (
  repository TEXT PRIMARY KEY COLLATE NOCASE,
  holder TEXT NOT NULL DEFAULT '',
  expires_at INTEGER NOT NULL DEFAULT 0,
  released_at INTEGER NOT NULL DEFAULT 0
);
)sql";

// Version 4: re-runs (core/run.h, AttemptRecord; docs/decisions.md, "Attempts in the store").
// - runs.version: RunRecord::version() of the stored row, the key of the forward-only rule
//   (run_version), which the writer compares in SQL. Existing rows get it from the C++ rule
//   itself, through the temporary function cipette_run_version (see kMigrations).
// - attempts: the earlier attempts of runs, by (run id, attempt), clustered so that one run's
//   attempts are one range. found is 0 for an attempt GitHub did not find (status '' and
//   version 0 then); conclusion and run_started_at are NULL when absent. No foreign key: the
//   writer checks that the run is stored, and runs are never deleted.
// - runs_reruns: the runs of a repository that can have earlier attempts (run_attempt > 1),
//   for missing_attempts; partial, so that it holds a few percent of the runs.
// - sync_rescan: the pages of the collector's rescan windows (SyncState::rescan), in order.
constexpr std::string_view kMigration4 = R"sql(
ALTER TABLE runs ADD COLUMN version INTEGER NOT NULL DEFAULT 0;
UPDATE runs SET version = cipette_run_version(run_attempt, status, updated_at);
CREATE TABLE attempts (
  run_id INTEGER NOT NULL,
  attempt INTEGER NOT NULL,
  version INTEGER NOT NULL,
  found INTEGER NOT NULL,
  run_started_at INTEGER,
  updated_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  conclusion TEXT,
  PRIMARY KEY (run_id, attempt)
) WITHOUT ROWID;
CREATE INDEX runs_reruns ON runs (repository_id) WHERE run_attempt > 1;
CREATE TABLE sync_rescan (
  repository TEXT NOT NULL COLLATE NOCASE,
  position INTEGER NOT NULL,
  url TEXT NOT NULL,
  etag TEXT,
  PRIMARY KEY (repository, position)
) WITHOUT ROWID;
)sql";

// Version 5: job executions (core/job.h; docs/decisions.md, "Jobs in the store").
// - jobs: one row per GitHub job id (a re-run's jobs have new ids), the fields of its latest
//   version. version is JobRecord::version() (the forward-only rule, compared by the writer
//   as runs.version); change_seq is the jobs' own change log (job_change_head), apart from
//   the runs'. labels is the `runs-on` list (job_labels.h): each label followed by a
//   newline, a backslash or newline inside a label written as backslash-backslash or
//   backslash-n, so any label survives and [] ('') differs from [""] (one newline).
//   waited is 0/1, sticky. Times are unix seconds, NULL when absent.
// - steps: a job's steps by (job id, number), clustered so that one job's steps are one range;
//   replaced with their job.
// - run_jobs: the runs whose jobs were fetched, at which attempt, found or not (a 404): the
//   durable backlog of runs_wanting_jobs is the completed runs without a row at their attempt.
// - runs_completed: the completed runs of a repository by created_at, covering what
//   runs_wanting_jobs reads (status too: without it SQLite reads each run's row to check the
//   status the index is partial on), so that it walks one repository's range newest first.
constexpr std::string_view kMigration5 = R"sql(
CREATE TABLE jobs (
  id INTEGER PRIMARY KEY,
  change_seq INTEGER NOT NULL,
  run_id INTEGER NOT NULL,
  run_attempt INTEGER NOT NULL,
  version INTEGER NOT NULL,
  created_at INTEGER,
  started_at INTEGER,
  completed_at INTEGER,
  waited INTEGER NOT NULL,
  status TEXT NOT NULL,
  conclusion TEXT,
  name TEXT NOT NULL,
  labels TEXT NOT NULL,
  runner_name TEXT NOT NULL,
  runner_group_name TEXT NOT NULL,
  html_url TEXT NOT NULL
);
CREATE UNIQUE INDEX jobs_change_seq ON jobs (change_seq);
CREATE INDEX jobs_run_id ON jobs (run_id);
CREATE TABLE steps (
  job_id INTEGER NOT NULL,
  number INTEGER NOT NULL,
  started_at INTEGER,
  completed_at INTEGER,
  name TEXT NOT NULL,
  status TEXT NOT NULL,
  conclusion TEXT,
  PRIMARY KEY (job_id, number)
) WITHOUT ROWID;
CREATE TABLE run_jobs (
  run_id INTEGER PRIMARY KEY,
  run_attempt INTEGER NOT NULL,
  found INTEGER NOT NULL
);
CREATE TABLE job_change_head (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  last_seq INTEGER NOT NULL
);
INSERT INTO job_change_head (id, last_seq) VALUES (1, 0);
CREATE INDEX runs_completed ON runs (repository_id, created_at, id, run_attempt, status)
  WHERE status = 'completed';
)sql";

struct Migration {
  std::string_view script;
  // The script calls cipette_run_version(run_attempt, status, updated_at): RunRecord::version()
  // of a row, registered on the connection for the script's duration only (it is not part of
  // the schema, so other connections never need it).
  bool uses_run_version = false;
};

constexpr std::array<Migration, 5> kMigrations = {
    Migration{kMigration1}, Migration{kMigration2}, Migration{kMigration3},
    Migration{kMigration4, true}, Migration{kMigration5}};

// cipette_run_version(run_attempt, status, updated_at): the version rule of core/run.h, so that
// a migration fills runs.version exactly as the writer computes it.
void sql_run_version(sqlite3_context* context, int /*argc*/, sqlite3_value** argv) {
  RunRecord run;
  run.run_attempt = sqlite3_value_int64(argv[0]);
  const auto* status = reinterpret_cast<const char*>(sqlite3_value_text(argv[1]));
  run.status.assign(status == nullptr ? "" : status,
                    static_cast<std::size_t>(sqlite3_value_bytes(argv[1])));
  run.updated_at = sqlite3_value_int64(argv[2]);
  sqlite3_result_int64(context, run.version());
}

Status set_run_version_function(sqlite3* db, bool on, std::string_view doing) {
  int rc = sqlite3_create_function_v2(
      db, "cipette_run_version", 3, SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_DIRECTONLY, nullptr,
      on ? sql_run_version : nullptr, nullptr, nullptr, nullptr);
  if (rc == SQLITE_OK) return {};
  return sqlite_error(db, doing);
}

// Runs a migration's script, with the functions it calls registered meanwhile.
Status run_script(sqlite3* db, const Migration& migration, std::string_view doing) {
  if (!migration.uses_run_version) return exec(db, std::string(migration.script), doing);
  if (auto on = set_run_version_function(db, true, doing); !on) return on;
  Status done = exec(db, std::string(migration.script), doing);
  Status off = set_run_version_function(db, false, doing);
  return done ? off : done;
}

Result<std::int64_t> read_user_version(sqlite3* db, std::string_view path) {
  return query_int(db, "PRAGMA user_version", fmt::format("reading schema version of {}", path));
}

Status check_not_newer(std::int64_t version, std::string_view path) {
  if (version <= schema_migration_count()) return {};
  return fail(fmt::format(
      "{} has schema version {}, newer than this program knows ({}); upgrade CIPette to open it",
      path, version, schema_migration_count()));
}

// A database at version 0 must be empty: tables without our version are another program's.
Status check_is_ours(sqlite3* db, std::string_view path) {
  auto tables = query_int(db, "SELECT count(*) FROM sqlite_master",
                          fmt::format("reading the tables of {}", path));
  if (!tables) return tables.error();
  if (*tables == 0) return {};
  return fail(fmt::format(
      "{} is not a CIPette database (it holds tables but no CIPette schema version)", path));
}

// Applies migration `version` (0-based) unless another connection already did.
// REQUIRES: a BEGIN IMMEDIATE transaction is open.
Status apply_pending(sqlite3* db, std::string_view path, std::int64_t version) {
  if (version == 0) {
    if (auto ours = check_is_ours(db, path); !ours) return ours;
  }
  std::string doing = fmt::format("migrating {} to schema version {}", path, version + 1);
  const Migration& migration = kMigrations[static_cast<std::size_t>(version)];
  if (auto done = run_script(db, migration, doing); !done) return done;
  // A pragma takes no bound parameters; the version is our own integer, not data.
  return exec(db, fmt::format("PRAGMA user_version = {}", version + 1), doing);
}

// One migration step in its own transaction. Sets `done` when the schema is at `target`.
Status migrate_step(sqlite3* db, std::string_view path, int target, bool& done) {
  std::string doing = fmt::format("migrating {}", path);
  if (auto begun = exec(db, "BEGIN IMMEDIATE", doing); !begun) return begun;
  auto version = read_user_version(db, path);
  Status status = version ? check_not_newer(*version, path) : Status(version.error());
  if (status && *version < target) {
    status = apply_pending(db, path, *version);
  } else if (status) {
    done = true;
  }
  if (!status) {
    (void)exec(db, "ROLLBACK", doing);
    return status;
  }
  return exec(db, "COMMIT", doing);
}

}  // namespace

int schema_migration_count() { return static_cast<int>(kMigrations.size()); }

Status migrate(sqlite3* db, std::string_view path) {
  return migrate(db, path, schema_migration_count());
}

Status migrate(sqlite3* db, std::string_view path, int target) {
  // Cheap check first, without taking the write lock: an up-to-date database (the usual case)
  // opens even while another connection holds a long write transaction.
  auto version = read_user_version(db, path);
  if (!version) return version.error();
  if (auto newer = check_not_newer(*version, path); !newer) return newer;
  bool done = *version >= target;
  while (!done) {
    if (auto step = migrate_step(db, path, target, done); !step) return step;
  }
  return {};
}

Status check_schema_current(sqlite3* db, std::string_view path) {
  auto version = read_user_version(db, path);
  if (!version) return version.error();
  if (auto newer = check_not_newer(*version, path); !newer) return newer;
  if (*version == schema_migration_count()) return {};
  if (*version == 0) {
    if (auto ours = check_is_ours(db, path); !ours) return ours;
  }
  return fail(fmt::format(
      "{} has schema version {}, older than this program's {}; open it once read-write to "
      "migrate it",
      path, *version, schema_migration_count()));
}

}  // namespace cipette::storage

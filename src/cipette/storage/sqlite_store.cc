#include "cipette/storage/sqlite_store.h"

#include <fmt/format.h>

#include <chrono>
#include <filesystem>
#include <system_error>
#include <thread>
#include <unordered_map>

#include "cipette/storage/migrations.h"
#include "cipette/storage/run_writer.h"
#include "cipette/storage/sqlite_attempts.h"
#include "cipette/storage/sqlite_handle.h"
#include "cipette/storage/sqlite_jobs.h"
#include "cipette/storage/sqlite_leases.h"
#include "cipette/storage/sync_state_table.h"

namespace cipette::storage {
namespace {

// How long a statement waits for another connection's lock before failing with "database is
// locked". Writers hold the lock for one batch (10,000 runs, a fraction of a second).
constexpr int kBusyTimeoutMs = 5000;

// Page cache per connection, in KiB. Batches of runs whose ids are not in order insert into
// the run id index at scattered places; a bigger cache keeps that index in memory (it takes
// about 22 MiB at 1,000,000 runs).
constexpr int kCacheSizeKib = 64 * 1024;

// Page cache while scan_runs or scan_job_ranges reads, in KiB: a scan reads each page once, so
// a big cache would only hold what was read (69 MB of the dashboard's start-up peak at
// 1,000,000 runs, and as much again on each connection reading the jobs).
constexpr int kScanCacheSizeKib = 2 * 1024;

// No memory map: reads use a read() per page. A map of the whole file made a full load of
// 1,000,000 runs ~20% faster (1.5 instead of 1.8-1.9 s) but counted the 258 MB file in the
// process's resident memory while it read: 429 MB at the peak instead of 246 MB for
// `cipette metrics`, and the dashboard's start-up peak over its 300 MB budget.
constexpr std::int64_t kMmapSizeBytes = 0;

// The columns of runs in table order (integers first), as scan_runs reads them.
constexpr std::string_view kScanRuns = R"sql(
SELECT id, change_seq, repository_id, workflow_id, run_number, run_attempt, created_at,
  run_started_at, updated_at, status, conclusion, event, head_branch, head_sha, actor,
  workflow_name, path, html_url
FROM runs WHERE change_seq > ?1 ORDER BY change_seq)sql";

// The stored earlier attempts of one run, below its run_attempt, in attempt order: one range of
// the attempts table's key. Asked only for runs with run_attempt > 1, which alone can have any.
constexpr std::string_view kScanAttempts = R"sql(
SELECT attempt, found, run_started_at, updated_at, status, conclusion
FROM attempts WHERE run_id = ?1 AND attempt < ?2 ORDER BY attempt)sql";

bool is_special_name(const std::string& path) {
  return path == ":memory:" || path.starts_with("file:");
}

Status make_parent_directory(const std::string& path) {
  if (is_special_name(path)) return {};
  std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return {};
  std::error_code error;
  std::filesystem::create_directories(parent, error);
  if (!error && !std::filesystem::is_directory(parent, error)) {
    error = std::make_error_code(std::errc::not_a_directory);
  }
  if (!error) return {};
  return fail(fmt::format("opening database {}: cannot create directory {}: {}", path,
                          parent.string(), error.message()));
}

Result<DatabasePtr> open_database(const std::string& path, SqliteStore::Mode mode) {
  int flags = SQLITE_OPEN_NOMUTEX |
              (mode == SqliteStore::Mode::kReadWrite ? SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE
                                                     : SQLITE_OPEN_READONLY);
  if (path.starts_with("file:")) flags |= SQLITE_OPEN_URI;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  DatabasePtr db(raw);  // owns the handle even when opening failed
  std::string doing = fmt::format("opening database {}", path);
  if (rc != SQLITE_OK) return sqlite_error(db.get(), doing);
  // SQLite silently falls back to read-only when the file is not writable.
  if (mode == SqliteStore::Mode::kReadWrite && sqlite3_db_readonly(db.get(), "main") == 1) {
    return fail(fmt::format("{}: the file is read-only", doing));
  }
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMs);
  return db;
}

// Reading the schema fails on a file that is not a SQLite database, cheaply (one page).
Status check_is_database(sqlite3* db, const std::string& path) {
  auto tables = query_int(db, "SELECT count(*) FROM sqlite_master", "");
  if (tables) return {};
  int code = sqlite3_errcode(db);
  if (code == SQLITE_NOTADB || code == SQLITE_CORRUPT) {
    return fail(fmt::format("{} is not a CIPette database ({})", path, sqlite3_errmsg(db)));
  }
  return fail(fmt::format("opening database {}: {}", path, sqlite3_errmsg(db)));
}

// Switches a read-write connection to WAL, which lets readers keep reading their snapshot
// while one writer writes. The switch needs an exclusive lock, and SQLite reports "database is
// locked" at once, without its busy handler, when another connection is switching the same
// fresh file at the same moment; so retry for as long as the busy timeout.
Status enable_wal(sqlite3* db, const std::string& path) {
  std::string doing = fmt::format("configuring database {}", path);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    auto enabled = exec(db, "PRAGMA journal_mode = WAL", doing);
    int code = sqlite3_errcode(db);
    bool busy = code == SQLITE_BUSY || code == SQLITE_LOCKED;
    if (enabled || !busy || std::chrono::steady_clock::now() > deadline) return enabled;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Status configure(sqlite3* db, const std::string& path, SqliteStore::Mode mode) {
  if (mode == SqliteStore::Mode::kReadWrite) {
    if (auto wal = enable_wal(db, path); !wal) return wal;
  }
  return exec(db,
              fmt::format("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; "
                          "PRAGMA cache_size = -{}; PRAGMA mmap_size = {};",
                          kCacheSizeKib, kMmapSizeBytes),
              fmt::format("configuring database {}", path));
}

void read_run(sqlite3_stmt* stmt, RunRecord& run, ChangeSeq& seq) {
  run.id = column_int(stmt, 0);
  seq = column_int(stmt, 1);
  run.repository_id = column_int(stmt, 2);
  run.workflow_id = column_int(stmt, 3);
  run.run_number = column_int(stmt, 4);
  run.run_attempt = column_int(stmt, 5);
  run.created_at = column_int(stmt, 6);
  run.run_started_at = column_optional_int(stmt, 7);
  run.updated_at = column_int(stmt, 8);
  column_text(stmt, 9, run.status);
  column_text(stmt, 10, run.conclusion);
  column_text(stmt, 11, run.event);
  column_text(stmt, 12, run.head_branch);
  column_text(stmt, 13, run.head_sha);
  column_text(stmt, 14, run.actor);
  column_text(stmt, 15, run.workflow_name);
  column_text(stmt, 16, run.path);
  column_text(stmt, 17, run.html_url);
}

// Replaces run.earlier_attempts by the stored ones. REQUIRES: inside the scan's read
// transaction; `stmt` is kScanAttempts.
Status read_attempts(sqlite3* db, sqlite3_stmt* stmt, std::string_view doing, RunRecord& run) {
  run.earlier_attempts.clear();
  if (run.run_attempt <= 1) return {};
  StatementReset reset(stmt);
  bind_int(stmt, 1, run.id);
  bind_int(stmt, 2, run.run_attempt);
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    AttemptRecord& attempt = run.earlier_attempts.emplace_back();
    attempt.run_id = run.id;
    attempt.attempt = column_int(stmt, 0);
    attempt.found = column_int(stmt, 1) != 0;
    attempt.run_started_at = column_optional_int(stmt, 2);
    attempt.updated_at = column_int(stmt, 3);
    column_text(stmt, 4, attempt.status);
    column_text(stmt, 5, attempt.conclusion);
  }
  if (rc != SQLITE_DONE) return sqlite_error(db, doing);
  return {};
}

// Loads id -> full_name of every repository. REQUIRES: inside the scan's read transaction.
Status read_repository_names(sqlite3* db, sqlite3_stmt* stmt, std::string_view doing,
                             std::unordered_map<std::int64_t, std::string>& names) {
  StatementReset reset(stmt);
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    column_text(stmt, 1, names[column_int(stmt, 0)]);
  }
  if (rc != SQLITE_DONE) return sqlite_error(db, doing);
  return {};
}

// A small page cache for a scan (kScanCacheSizeKib) from shrink() until it goes out of scope,
// whichever way the scan ends; then the usual size again, and the memory it held given back.
class ScanCache {
 public:
  explicit ScanCache(sqlite3* db) : db_(db) {}
  ScanCache(const ScanCache&) = delete;
  ScanCache& operator=(const ScanCache&) = delete;
  ~ScanCache() {
    sqlite3_exec(db_, fmt::format("PRAGMA cache_size = -{}", kCacheSizeKib).c_str(), nullptr,
                 nullptr, nullptr);
    sqlite3_db_release_memory(db_);
  }
  Status shrink(const std::string& doing) {
    return exec(db_, fmt::format("PRAGMA cache_size = -{}", kScanCacheSizeKib), doing);
  }

 private:
  sqlite3* db_;
};

}  // namespace

struct SqliteStore::Connection {
  Connection(DatabasePtr database, std::string database_path)
      : db(std::move(database)),
        path(std::move(database_path)),
        writer(db.get(), path),
        sync_states(db.get(), path),
        leases(db.get(), path),
        jobs(db.get(), path) {}

  DatabasePtr db;  // first member: destroyed last, after the statements below
  std::string path;
  storage::RunWriter writer;  // not the port it implements, cipette::RunWriter
  SyncStateTable sync_states;
  SqliteLeases leases;
  SqliteJobs jobs;
  StatementPtr scan_runs;
  StatementPtr scan_attempts;
  StatementPtr read_repositories;
};

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::string& path, Mode mode) {
  if (path.empty()) return fail("opening database: the path is empty");
  if (mode == Mode::kReadWrite) {
    if (auto made = make_parent_directory(path); !made) return made.error();
  }
  auto db = open_database(path, mode);
  if (!db) return db.error();
  if (auto checked = check_is_database(db->get(), path); !checked) return checked.error();
  if (auto configured = configure(db->get(), path, mode); !configured) {
    return configured.error();
  }
  Status schema =
      mode == Mode::kReadWrite ? migrate(db->get(), path) : check_schema_current(db->get(), path);
  if (!schema) return schema.error();
  auto connection = std::make_unique<Connection>(std::move(*db), path);
  // The constructor is private, so std::make_unique cannot reach it.
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(connection)));
}

SqliteStore::SqliteStore(std::unique_ptr<Connection> connection)
    : connection_(std::move(connection)) {}

SqliteStore::~SqliteStore() = default;

Result<UpsertStats> SqliteStore::upsert_runs(std::span<const RunRecord> runs) {
  return connection_->writer.upsert(runs);
}

Status SqliteStore::prepare_scan() {
  Connection& c = *connection_;
  if (c.scan_runs) return {};
  std::string doing = fmt::format("preparing to read runs from {}", c.path);
  auto names = prepare(c.db.get(), "SELECT id, full_name FROM repositories", doing);
  if (!names) return names.error();
  auto attempts = prepare(c.db.get(), kScanAttempts, doing);
  if (!attempts) return attempts.error();
  auto runs = prepare(c.db.get(), kScanRuns, doing);
  if (!runs) return runs.error();
  c.read_repositories = std::move(*names);
  c.scan_attempts = std::move(*attempts);
  c.scan_runs = std::move(*runs);  // last: its presence marks the set as prepared
  return {};
}

Result<UpsertStats> SqliteStore::upsert_attempts(std::span<const AttemptRecord> attempts) {
  return connection_->writer.upsert_attempts(attempts);
}

Result<ChangeSeq> SqliteStore::scan_runs(ChangeSeq since,
                                         const std::function<ScanStep(const RunRecord&)>& visit) {
  if (auto prepared = prepare_scan(); !prepared) return prepared.error();
  Connection& c = *connection_;
  std::string doing = fmt::format("reading runs from {}", c.path);
  ScanCache cache(c.db.get());
  if (auto small = cache.shrink(doing); !small) return small.error();
  // One read transaction: the repository names and the runs come from the same snapshot, and
  // a concurrent writer's batch is seen entirely or not at all.
  Transaction transaction(c.db.get());
  if (auto begun = transaction.begin("BEGIN", doing); !begun) return begun.error();
  std::unordered_map<std::int64_t, std::string> names;
  if (auto read = read_repository_names(c.db.get(), c.read_repositories.get(), doing, names);
      !read) {
    return read.error();
  }
  sqlite3_stmt* stmt = c.scan_runs.get();
  StatementReset reset(stmt);
  bind_int(stmt, 1, since);
  RunRecord run;
  ChangeSeq last = since;
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    read_run(stmt, run, last);
    auto name = names.find(run.repository_id);
    run.repository.assign(name == names.end() ? std::string_view() : name->second);
    if (auto read = read_attempts(c.db.get(), c.scan_attempts.get(), doing, run); !read) {
      return read.error();
    }
    if (visit(run) == ScanStep::kStop) {
      sqlite3_reset(stmt);  // the rest stays unread; the statement is done before the commit
      rc = SQLITE_DONE;
      break;
    }
  }
  if (rc != SQLITE_DONE) return sqlite_error(c.db.get(), doing);
  if (auto committed = transaction.commit(doing); !committed) return committed.error();
  return last;
}

Result<std::int64_t> SqliteStore::count_runs() {
  return query_int(connection_->db.get(), "SELECT count(*) FROM runs",
                   fmt::format("counting runs in {}", connection_->path));
}

Result<std::optional<SyncState>> SqliteStore::load_sync_state(std::string_view repository) {
  return connection_->sync_states.load(repository);
}

Result<UpsertStats> SqliteStore::commit_sync(std::string_view repository,
                                             std::span<const RunRecord> runs,
                                             const SyncState& state) {
  return connection_->writer.upsert(
      runs, [&] { return connection_->sync_states.save(repository, state); });
}

Result<std::vector<AttemptKey>> SqliteStore::missing_attempts(std::string_view repository,
                                                              std::size_t limit) {
  return find_missing_attempts(connection_->db.get(), connection_->path, repository, limit);
}

Result<std::vector<std::string>> SqliteStore::sync_repositories() {
  return connection_->sync_states.repositories();
}

Result<LeaseState> SqliteStore::acquire_lease(std::string_view repository, std::string_view holder,
                                              std::chrono::seconds ttl) {
  return connection_->leases.acquire(repository, holder, ttl);
}

Status SqliteStore::release_lease(std::string_view repository, std::string_view holder) {
  return connection_->leases.release(repository, holder);
}

Result<ChangeSeq> SqliteStore::scan_jobs(ChangeSeq since,
                                         const std::function<ScanStep(const JobRecord&)>& visit) {
  return connection_->jobs.scan(since, visit);
}

Result<ChangeSeq> SqliteStore::scan_all_jobs(
    const std::function<ScanStep(const JobRecord&)>& visit) {
  return connection_->jobs.scan_all(visit);
}

Result<std::optional<JobIdRange>> SqliteStore::job_id_span() { return connection_->jobs.id_span(); }

Result<ChangeSeq> SqliteStore::scan_job_ranges(
    const std::function<std::optional<JobIdRange>()>& next_range,
    const std::function<void(const JobRecord&)>& visit) {
  ScanCache cache(connection_->db.get());
  if (auto small = cache.shrink("reading jobs from " + connection_->path); !small) {
    return small.error();
  }
  return connection_->jobs.scan_ranges(next_range, visit);
}

Result<std::vector<JobRecord>> SqliteStore::jobs_of_run(std::int64_t run_id) {
  return connection_->jobs.jobs_of_run(run_id);
}

Status SqliteStore::scan_steps(std::span<const std::int64_t> job_ids,
                               const std::function<void(std::int64_t, const StepRecord&)>& visit) {
  return connection_->jobs.scan_steps(job_ids, visit);
}

Result<JobUpsertStats> SqliteStore::upsert_jobs(std::span<const JobRecord> jobs) {
  return connection_->jobs.upsert(jobs);
}

Result<JobUpsertStats> SqliteStore::commit_run_jobs(std::span<const RunJobs> fetched) {
  return connection_->jobs.commit_run_jobs(fetched);
}

Result<std::vector<JobsWanted>> SqliteStore::runs_wanting_jobs(std::string_view repository,
                                                               Timestamp since, std::size_t limit) {
  return connection_->jobs.runs_wanting_jobs(repository, since, limit);
}

Result<std::int64_t> SqliteStore::count_runs_wanting_jobs(std::string_view repository,
                                                          Timestamp since) {
  return connection_->jobs.count_runs_wanting_jobs(repository, since);
}

Result<std::vector<RunJobs>> SqliteStore::read_job_fetches(std::int64_t after_run_id,
                                                           std::size_t limit) {
  return connection_->jobs.read_fetches(after_run_id, limit);
}

std::string SqliteStore::describe() const { return "sqlite:" + connection_->path; }

int SqliteStore::latest_schema_version() { return schema_migration_count(); }

Result<int> SqliteStore::schema_version() {
  auto version = query_int(connection_->db.get(), "PRAGMA user_version",
                           fmt::format("reading schema version of {}", connection_->path));
  if (!version) return version.error();
  return static_cast<int>(*version);
}

}  // namespace cipette::storage

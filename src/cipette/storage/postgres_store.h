#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/core/run_store.h"

namespace cipette::storage {

class PgConnection;
class PgRunWriter;

// The PostgreSQL adapter of the RunStore port, for several collectors and dashboards on one
// shared database. It behaves as SqliteStore does for every port method (sqlite_store.h: the
// upsert rules, repository ids, renames and merges, change order); the differences are
// stated below. One object is one connection: use it from one thread at a time; open several
// objects for concurrent readers and writers, in one process or many.
//
// Schema: versioned by postgres_migrations.h, in the connection's current schema (the first
// existing schema of its search_path; a URL's options=-csearch_path%3Dname picks one).
//
// Change order: a write transaction first locks the one row of change_log_head, so writers
// take turns and hand out change sequences in commit order: a reader that has seen sequence
// n has seen every change numbered below n ("changed since" is exact with concurrent
// writers). Sequences may have gaps.
//
// Text: PostgreSQL text cannot hold NUL bytes or invalid UTF-8; a batch holding such a run
// fails without writing anything, naming the run and the field.
//
// Lost connections: every call first replaces a connection known to be lost. A call that
// fails because the connection was lost (libpq reports it closed, or the server ended the
// session: a FATAL error, SQLSTATE class 08 or 57P01 admin_shutdown and the like) is retried
// on a new connection, up to three times, when that is safe: upsert_runs, commit_sync
// and upsert_attempts (idempotent under the upsert rules: if an earlier COMMIT did reach the
// server, the retry finds identical rows and counts them as unchanged), acquire_lease and
// release_lease (a renewal or a no-op the second time), and the reads; scan_runs only when `visit`
// has not been called yet (otherwise the caller would see runs twice; it fails, and the next call
// reconnects).
class PostgresStore final : public RunStore {
 public:
  // Connects to `conninfo` (a postgresql:// or postgres:// URL, or libpq key=value pairs; PG*
  // environment variables fill in what is missing) and applies pending migrations. Fails with
  // one line naming host, port and database and never the password, e.g.
  //   cannot connect to PostgreSQL at 127.0.0.1:5999 database "cipette": connection refused
  // or when the schema is another program's or newer than this program knows.
  static Result<std::unique_ptr<PostgresStore>> open(const std::string& conninfo);

  ~PostgresStore() override;
  PostgresStore(const PostgresStore&) = delete;
  PostgresStore& operator=(const PostgresStore&) = delete;

  // See RunWriter::upsert_runs and PgRunWriter (postgres_run_writer.h): one transaction, the
  // runs sent with one binary COPY and applied with one INSERT ... ON CONFLICT per batch.
  Result<UpsertStats> upsert_runs(std::span<const RunRecord> runs) override;
  // See RunWriter::upsert_attempts and PgRunWriter: one transaction, one statement per batch
  // (per round of repeated keys), retried on a lost connection as upsert_runs.
  Result<UpsertStats> upsert_attempts(std::span<const AttemptRecord> attempts) override;
  // See RunReader::scan_runs. Reads one snapshot (a REPEATABLE READ READ ONLY transaction):
  // a batch committed concurrently is seen entirely or not at all. The runs stream from one
  // binary COPY in change order, never buffered whole; when `visit` stops the scan, the
  // server is asked to cancel the COPY and the connection stays open. `visit` must not use
  // this object; if it throws, the connection is closed (the next call opens a new one) and
  // the exception propagates.
  Result<ChangeSeq> scan_runs(ChangeSeq since,
                              const std::function<ScanStep(const RunRecord&)>& visit) override;
  Result<std::int64_t> count_runs() override;
  // "postgresql://user@host:port/database" (never the password).
  std::string describe() const override;
  // See SyncStateStore, LeaseStore and postgres_sync_state.h.
  Result<std::optional<SyncState>> load_sync_state(std::string_view repository) override;
  Result<UpsertStats> commit_sync(std::string_view repository, std::span<const RunRecord> runs,
                                  const SyncState& state) override;
  Result<std::vector<AttemptKey>> missing_attempts(std::string_view repository,
                                                   std::size_t limit) override;
  Result<std::vector<std::string>> sync_repositories() override;
  // The clock is the database server's, so collectors on machines whose clocks disagree agree.
  Result<LeaseState> acquire_lease(std::string_view repository, std::string_view holder,
                                   std::chrono::seconds ttl) override;
  Status release_lease(std::string_view repository, std::string_view holder) override;

  // See JobStore (core/job_store.h) and postgres_jobs.h. Writes and reads are retried on a
  // lost connection as upsert_runs and the reads are; scan_jobs as scan_runs (only before
  // `visit` was called).
  Result<ChangeSeq> scan_jobs(ChangeSeq since,
                              const std::function<ScanStep(const JobRecord&)>& visit) override;
  Result<std::vector<JobRecord>> jobs_of_run(std::int64_t run_id) override;
  Status scan_steps(std::span<const std::int64_t> job_ids,
                    const std::function<void(std::int64_t, const StepRecord&)>& visit) override;
  Result<JobUpsertStats> upsert_jobs(std::span<const JobRecord> jobs) override;
  Result<JobUpsertStats> commit_run_jobs(std::span<const RunJobs> fetched) override;
  Result<std::vector<JobsWanted>> runs_wanting_jobs(std::string_view repository, Timestamp since,
                                                    std::size_t limit) override;
  Result<std::int64_t> count_runs_wanting_jobs(std::string_view repository,
                                               Timestamp since) override;

  // The records of run_jobs (RunJobs without jobs), by run id above `after_run_id`, at most
  // `limit`: what `cipette db copy` copies besides the jobs (store_factory.h,
  // read_job_fetches). Not part of the port: only a copy needs them.
  Result<std::vector<RunJobs>> read_job_fetches(std::int64_t after_run_id, std::size_t limit);

  // The schema version this program writes (the number of migrations it knows).
  static int latest_schema_version();
  // The schema version of the connected schema.
  Result<int> schema_version();
  // The server process serving this store's connection (pg_backend_pid()), 0 when the
  // connection is lost; for tests that cut it.
  int backend_pid() const;

 private:
  explicit PostgresStore(std::unique_ptr<PgConnection> connection);
  Status ensure_connected();
  template <typename T>
  Result<T> with_retry(const std::function<Result<T>()>& attempt);
  Result<ChangeSeq> scan_snapshot(ChangeSeq since,
                                  const std::function<ScanStep(const RunRecord&)>& visit,
                                  bool& visited);

  std::unique_ptr<PgConnection> connection_;
  std::unique_ptr<PgRunWriter> writer_;
};

}  // namespace cipette::storage

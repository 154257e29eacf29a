#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/core/run_store.h"

struct sqlite3;

namespace cipette::storage {

// The SQLite adapter of the RunStore port: one database file in WAL mode with a busy timeout
// and foreign keys on, its schema versioned by migrations recorded in PRAGMA user_version.
// One object is one connection: use it from one thread at a time; open several objects on the
// same file for concurrent readers and a writer.
//
// Repository ids. A RunRecord's repository_id is GitHub's id when it is positive. When it is 0
// (or negative: unknown), the run joins the stored repository of the same full name (compared
// case-insensitively), or, when there is none, a new repository with a synthetic negative id
// (-1, -2, ...); scan_runs reports that id. When a run later names the same repository with
// its real id, the synthetic repository is merged into it. A repository's full name follows
// the newest run that names it (renames); if two ids claim one name, the id seen more recently
// keeps it and the other is shown as "name#id". A change of name, or of id, gives all runs of
// the repository a new change_seq, since scan_runs reports them differently from then on.
class SqliteStore final : public RunStore {
 public:
  enum class Mode { kReadWrite, kReadOnly };

  // Opens the database at `path`, creating it (and its parent directory) in kReadWrite mode,
  // and applies pending migrations. Fails with a message naming the path when the file cannot
  // be opened or created, is not a SQLite database (or is another program's), is corrupt, or
  // has a schema newer than this program knows. kReadOnly creates and migrates nothing, and
  // fails on a database whose schema is not the latest. ":memory:" opens a private in-memory
  // database (for tests).
  static Result<std::unique_ptr<SqliteStore>> open(const std::string& path,
                                                   Mode mode = Mode::kReadWrite);

  ~SqliteStore() override;
  SqliteStore(const SqliteStore&) = delete;
  SqliteStore& operator=(const SqliteStore&) = delete;

  // See RunWriter::upsert_runs. Writes one BEGIN IMMEDIATE transaction (waiting up to 5 s for
  // another writer); rows identical to the stored ones count as unchanged and keep their
  // change_seq. Workflows take their name and path from the newest run that names them.
  // A run id given twice in one batch is applied in order (the second counts as updated or
  // unchanged). Fails, writing nothing, on an invalid run or any database error.
  Result<UpsertStats> upsert_runs(std::span<const RunRecord> runs) override;
  // See RunWriter::upsert_attempts. One BEGIN IMMEDIATE transaction, as upsert_runs.
  Result<UpsertStats> upsert_attempts(std::span<const AttemptRecord> attempts) override;
  // See RunReader::scan_runs. Reads one snapshot (a read transaction): a batch written
  // concurrently by another connection is seen entirely or not at all. The earlier attempts of
  // a run are read by a second statement (one key range of the attempts table), only for runs
  // with run_attempt > 1: the others cost nothing more. `visit` must not use this object; if
  // it throws, the read transaction ends and the exception propagates.
  Result<ChangeSeq> scan_runs(ChangeSeq since,
                              const std::function<ScanStep(const RunRecord&)>& visit) override;
  Result<std::int64_t> count_runs() override;
  std::string describe() const override;
  // See SyncStateStore. The state lives in the sync_state, sync_pending and sync_rescan
  // tables; commit_sync writes runs and state in one BEGIN IMMEDIATE transaction.
  Result<std::optional<SyncState>> load_sync_state(std::string_view repository) override;
  Result<UpsertStats> commit_sync(std::string_view repository, std::span<const RunRecord> runs,
                                  const SyncState& state) override;
  // See SyncStateStore::missing_attempts and sqlite_attempts.h.
  Result<std::vector<AttemptKey>> missing_attempts(std::string_view repository,
                                                   std::size_t limit) override;
  Result<std::vector<std::string>> sync_repositories() override;
  // See LeaseStore. The leases live in the sync_leases table; the clock is this machine's
  // (every process sharing the file runs on it). acquire_lease is one BEGIN IMMEDIATE
  // transaction, so of two connections (or processes) asking at once exactly one gets it.
  Result<LeaseState> acquire_lease(std::string_view repository, std::string_view holder,
                                   std::chrono::seconds ttl) override;
  Status release_lease(std::string_view repository, std::string_view holder) override;

  // See JobStore (core/job_store.h) and sqlite_jobs.h. Writes are one BEGIN IMMEDIATE
  // transaction per call, as upsert_runs; scan_jobs reads one snapshot, as scan_runs.
  Result<ChangeSeq> scan_jobs(ChangeSeq since,
                              const std::function<ScanStep(const JobRecord&)>& visit) override;
  Result<ChangeSeq> scan_all_jobs(const std::function<ScanStep(const JobRecord&)>& visit) override;
  Result<std::optional<JobIdRange>> job_id_span() override;
  Result<ChangeSeq> scan_job_ranges(const std::function<std::optional<JobIdRange>()>& next_range,
                                    const std::function<void(const JobRecord&)>& visit) override;
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
  // The schema version of the open database.
  Result<int> schema_version();

 private:
  struct Connection;
  explicit SqliteStore(std::unique_ptr<Connection> connection);
  Status prepare_scan();

  std::unique_ptr<Connection> connection_;
};

}  // namespace cipette::storage

#pragma once

#include <sqlite3.h>

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "cipette/core/job.h"
#include "cipette/core/result.h"
#include "cipette/core/run_store.h"  // JobStore: job_store.h cannot come first (see there)
#include "cipette/storage/sqlite_handle.h"

namespace cipette::storage {

// SqliteStore's JobStore (core/job_store.h) over the tables of migration 5 (migrations.cc):
// jobs, steps, run_jobs and job_change_head. Keeps its prepared statements between calls.
// Does not own `db`.
//
// Writes: one BEGIN IMMEDIATE transaction per call. A new job is inserted (INSERT .. ON
// CONFLICT DO NOTHING) without reading anything; a stored one is decided by core's
// decide_job_write from the row's version and waited columns (its fields and steps are read
// only when the versions are equal). Steps are written with one statement per job (up to 16
// rows each); a batch's runs are looked up once each.
// Jobs given twice in a batch are applied in order.
class SqliteJobs {
 public:
  SqliteJobs(sqlite3* db, std::string path)
      : db_(db), path_(std::move(path)), writing_("writing jobs to " + path_) {}
  SqliteJobs(const SqliteJobs&) = delete;
  SqliteJobs& operator=(const SqliteJobs&) = delete;

  Result<JobUpsertStats> upsert(std::span<const JobRecord> jobs);
  Result<JobUpsertStats> commit_run_jobs(std::span<const RunJobs> fetched);
  // Reads one snapshot (a read transaction), as SqliteStore::scan_runs.
  Result<ChangeSeq> scan(ChangeSeq since, const std::function<ScanStep(const JobRecord&)>& visit);
  // As scan(0, visit), in table order rather than change order (JobReader::scan_all_jobs).
  Result<ChangeSeq> scan_all(const std::function<ScanStep(const JobRecord&)>& visit);
  // See JobReader::job_id_span and scan_job_ranges.
  Result<std::optional<JobIdRange>> id_span();
  Result<ChangeSeq> scan_ranges(const std::function<std::optional<JobIdRange>()>& next_range,
                                const std::function<void(const JobRecord&)>& visit);
  Result<std::vector<JobRecord>> jobs_of_run(std::int64_t run_id);
  Status scan_steps(std::span<const std::int64_t> job_ids,
                    const std::function<void(std::int64_t, const StepRecord&)>& visit);
  Result<std::vector<JobsWanted>> runs_wanting_jobs(std::string_view repository, Timestamp since,
                                                    std::size_t limit);
  Result<std::int64_t> count_runs_wanting_jobs(std::string_view repository, Timestamp since);
  // See SqliteStore::read_job_fetches.
  Result<std::vector<RunJobs>> read_fetches(std::int64_t after_run_id, std::size_t limit);

 private:
  enum class Change { kInserted, kUpdated, kUnchanged, kOrphaned };

  Status prepare_writes();
  Status prepare_reads();
  // Reads the rows of scan statement `stmt` (its ?1 bound to `since`) in one read transaction.
  Result<ChangeSeq> scan_with(sqlite3_stmt* stmt, ChangeSeq since,
                              const std::function<ScanStep(const JobRecord&)>& visit);
  // Writes `jobs` inside the open write transaction, adding to `stats`.
  Status write_jobs(std::span<const JobRecord> jobs, JobUpsertStats& stats);
  Result<Change> write_job(const JobRecord& job);
  Result<bool> run_stored(std::int64_t run_id);
  // Reads the stored version and waited flag of job `id`; false when none.
  Result<bool> read_version(std::int64_t id, StoredJob& stored);
  // Reads the stored row of job `id` into `job` (steps left alone); false when none.
  Result<bool> read_job(std::int64_t id, JobRecord& job);
  Status read_steps(std::int64_t job_id, std::vector<StepRecord>& steps);
  // Inserts `job` and its steps when no job with its id is stored; false when one is.
  Result<bool> insert_job(const JobRecord& job);
  Status store_job(const JobRecord& job, bool waited);
  void bind_job(sqlite3_stmt* stmt, const JobRecord& job, bool waited);
  Status insert_steps(const JobRecord& job);
  // The prepared INSERT of `rows` step rows (1 <= rows <= kStepRowsPerInsert).
  Result<sqlite3_stmt*> steps_insert(std::size_t rows);
  Status step_done(sqlite3_stmt* stmt, std::string_view doing);
  std::string doing(std::string_view what) const;

  sqlite3* db_;
  std::string path_;
  std::string writing_;        // "writing jobs to <path>", for errors
  std::int64_t last_seq_ = 0;  // the jobs' largest change_seq, within a batch
  std::unordered_map<std::int64_t, bool> runs_seen_;  // run id -> stored, within a batch
  std::string labels_;                                // the encoded labels of the job being bound
  bool expect_new_ = true;                            // the last job written was new (write_job)

  StatementPtr read_head_;
  StatementPtr write_head_;
  StatementPtr run_stored_;
  StatementPtr read_version_;
  StatementPtr read_job_;
  StatementPtr read_steps_;
  StatementPtr insert_job_;
  StatementPtr write_job_;
  StatementPtr mark_waited_;
  StatementPtr delete_steps_;
  static constexpr std::size_t kStepRowsPerInsert = 16;
  std::array<StatementPtr, kStepRowsPerInsert> insert_steps_;  // [rows - 1], prepared on use
  StatementPtr record_fetch_;
  StatementPtr scan_jobs_;
  StatementPtr scan_all_jobs_;
  StatementPtr scan_range_;
  StatementPtr read_max_seq_;
  StatementPtr jobs_of_run_;
};

}  // namespace cipette::storage

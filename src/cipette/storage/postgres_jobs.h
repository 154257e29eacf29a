#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string_view>
#include <vector>

#include "cipette/core/job.h"
#include "cipette/core/result.h"
#include "cipette/core/run_store.h"  // JobStore: job_store.h cannot come first (see there)
#include "cipette/storage/postgres_connection.h"

namespace cipette::storage {

// PostgresStore's JobStore (core/job_store.h) over the tables of migration 5
// (postgres_migrations.cc), with the rules of SqliteJobs (sqlite_jobs.h). A write is one
// transaction that first locks the row of job_change_head, so job writers take turns and hand
// out the jobs' change sequences in commit order; then, a few statements per batch whatever
// its size (values travel as arrays, unnest()ed by the server):
//   1. the batch's runs that are stored (jobs of the others are orphaned);
//   2. the stored rows of the batch's jobs, and the steps of those whose stored version equals
//      an incoming one (only then do the steps decide whether anything changed);
//   3. the rule applied in C++, in batch order (repeated ids apply in order);
//   4. one INSERT ... ON CONFLICT for the changed jobs, one DELETE and one INSERT for their
//      steps, and for commit_run_jobs one INSERT ... ON CONFLICT for the fetch records.
// Reads: scan_jobs reads a cursor in one REPEATABLE READ READ ONLY transaction, a page at a
// time, and closes it when `visit` stops the scan.
Result<JobUpsertStats> upsert_postgres_jobs(PgConnection& connection,
                                            std::span<const JobRecord> jobs);
Result<JobUpsertStats> commit_postgres_run_jobs(PgConnection& connection,
                                                std::span<const RunJobs> fetched);
// `visited` is set once `visit` has been called (the caller retries only before that).
Result<ChangeSeq> scan_postgres_jobs(PgConnection& connection, ChangeSeq since,
                                     const std::function<ScanStep(const JobRecord&)>& visit,
                                     bool& visited);
Result<std::vector<JobRecord>> postgres_jobs_of_run(PgConnection& connection, std::int64_t run_id);
Status scan_postgres_steps(PgConnection& connection, std::span<const std::int64_t> job_ids,
                           const std::function<void(std::int64_t, const StepRecord&)>& visit);
Result<std::vector<JobsWanted>> postgres_runs_wanting_jobs(PgConnection& connection,
                                                           std::string_view repository,
                                                           Timestamp since, std::size_t limit);
Result<std::int64_t> count_postgres_runs_wanting_jobs(PgConnection& connection,
                                                      std::string_view repository, Timestamp since);

// See PostgresStore::read_job_fetches.
Result<std::vector<RunJobs>> read_postgres_job_fetches(PgConnection& connection,
                                                       std::int64_t after_run_id,
                                                       std::size_t limit);

}  // namespace cipette::storage

#pragma once

// The storage port for job executions (docs/decisions.md, "Jobs in the store"). Adapters
// (SQLite, PostgreSQL) implement it through RunStore; the collector, `import`, the demo and
// the engine use only the parts they need.

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/change_log.h"
#include "cipette/core/job.h"
#include "cipette/core/result.h"

namespace cipette {

// A completed run whose jobs the store does not hold for its latest attempt: never fetched,
// or fetched when the run was at an earlier attempt.
struct JobsWanted {
  std::int64_t run_id = 0;
  std::int64_t run_attempt = 0;  // the stored run's attempt
  Timestamp created_at = 0;
  friend bool operator==(const JobsWanted&, const JobsWanted&) = default;
};

// Job ids first to last, both included.
struct JobIdRange {
  std::int64_t first = 0;
  std::int64_t last = 0;
  friend bool operator==(const JobIdRange&, const JobIdRange&) = default;
};

// What one fetch of a run's jobs (GET .../runs/{id}/jobs?filter=all, every page) found.
struct RunJobs {
  std::int64_t run_id = 0;
  std::int64_t run_attempt = 0;  // the run's attempt the fetch was made for (JobsWanted)
  // False when GitHub answered 404 (the run was deleted meanwhile): a recorded gap; the run is
  // not asked for again until a later attempt of it is stored.
  bool found = true;
  std::vector<JobRecord> jobs;  // every attempt's jobs (filter=all); empty when not found
  friend bool operator==(const RunJobs&, const RunJobs&) = default;
};

// What a job upsert did (counts of jobs, like UpsertStats for runs).
struct JobUpsertStats {
  std::int64_t inserted = 0;
  std::int64_t updated = 0;
  std::int64_t unchanged = 0;
  // Jobs left out because their run is not stored (`import` of a jobs page without its runs;
  // a webhook ahead of its run): reported, never an error for the rest.
  std::int64_t orphaned = 0;
  friend bool operator==(const JobUpsertStats&, const JobUpsertStats&) = default;
};

// Reading job executions: what the engine's job table is loaded from, and the run page.
class JobReader {
 public:
  virtual ~JobReader() = default;

  // Calls `visit` for every job whose change sequence is greater than `since` (0 = all), in
  // ascending change order, until it returns ScanStep::kStop; steps are left out (empty).
  // Returns the largest change sequence visited, or `since` when none was. Job change
  // sequences are their own, apart from the runs'. The JobRecord passed is reused between
  // calls.
  virtual Result<ChangeSeq> scan_jobs(ChangeSeq since,
                                      const std::function<ScanStep(const JobRecord&)>& visit) = 0;

  // Calls `visit` for every stored job, in the order the store reads fastest (not change
  // order), until it returns ScanStep::kStop; steps are left out. Returns the largest change
  // sequence visited (0 when none was). A full load's scan: one snapshot, as scan_jobs.
  virtual Result<ChangeSeq> scan_all_jobs(const std::function<ScanStep(const JobRecord&)>& visit) {
    return scan_jobs(0, visit);
  }

  // A full load split over connections (load_tables, docs/decisions.md "Jobs in the engine"):
  // the smallest and largest stored job id, or nullopt when no job is stored. Also nullopt
  // when the store does not read jobs by id range (the default): a full load then reads
  // scan_all_jobs on one connection.
  virtual Result<std::optional<JobIdRange>> job_id_span() { return std::optional<JobIdRange>(); }

  // One connection's part of a split full load, in one snapshot (a read transaction): calls
  // `visit` for every stored job whose id is in one of the ranges `next_range` hands out (until
  // it returns nullopt), range after range, each in id order. Reads only what the engine's job
  // table needs: steps, runner_name and html_url are left empty. Returns the largest change
  // sequence stored in the snapshot, of every job (in a range or not; 0 when none), so that
  // parts read in snapshots taken at different moments are joined under the smallest of
  // theirs. Only called when job_id_span() gave a span.
  virtual Result<ChangeSeq> scan_job_ranges(
      const std::function<std::optional<JobIdRange>()>& next_range,
      const std::function<void(const JobRecord&)>& visit) {
    (void)next_range;
    (void)visit;
    return fail("this store does not read jobs by id range");
  }

  // Every stored job of run `run_id`, with its steps (sorted by number), ordered by
  // run_attempt, then started_at (jobs without one last), then id.
  virtual Result<std::vector<JobRecord>> jobs_of_run(std::int64_t run_id) = 0;

  // The steps of the given jobs (ids not stored are skipped), for the step queries: calls
  // `visit(job_id, step)` for each step, jobs in the order given, steps by number.
  virtual Status scan_steps(std::span<const std::int64_t> job_ids,
                            const std::function<void(std::int64_t, const StepRecord&)>& visit) = 0;
};

// Writing job executions. A stored job is replaced only by a version that moves it forward
// (JobRecord::version() greater; or equal and different in some field), with its steps;
// `waited` stays true once written true.
class JobWriter {
 public:
  virtual ~JobWriter() = default;

  // Inserts or updates `jobs`, keyed by job id, in one transaction. Jobs of runs that are not
  // stored are left out and counted as orphaned. Fails without writing anything if a job
  // fails validate_job().
  virtual Result<JobUpsertStats> upsert_jobs(std::span<const JobRecord> jobs) = 0;

  // The collector's write, in one transaction per call: each fetch's jobs (as upsert_jobs)
  // and the record that the run's jobs were fetched at that attempt (found or not), so that a
  // process killed at any moment neither loses a fetch nor records one whose jobs are not
  // stored. A job whose run_id is not its fetch's run fails the whole call.
  virtual Result<JobUpsertStats> commit_run_jobs(std::span<const RunJobs> fetched) = 0;
};

// The backlog of runs whose jobs are wanted: durable by construction, since it is the set of
// stored completed runs without a fetch record at their attempt.
class JobBacklog {
 public:
  virtual ~JobBacklog() = default;

  // Completed runs of `repository` (compared case-insensitively) created at or after `since`
  // whose jobs were never fetched at their current run_attempt; newest first (created_at,
  // then id, descending); at most `limit`.
  virtual Result<std::vector<JobsWanted>> runs_wanting_jobs(std::string_view repository,
                                                            Timestamp since, std::size_t limit) = 0;

  // How many runs runs_wanting_jobs would return without a limit.
  virtual Result<std::int64_t> count_runs_wanting_jobs(std::string_view repository,
                                                       Timestamp since) = 0;
};

// The job parts of a store, as an adapter implements them.
class JobStore : public JobReader, public JobWriter, public JobBacklog {};

}  // namespace cipette

#pragma once

// The engine's private representation of a JobTable (docs/decisions.md, "Jobs in the engine").
// Only core/ includes this.

#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "cipette/core/engine/table_data.h"
#include "cipette/core/run_table.h"

namespace cipette::engine {

// One job execution as the table holds it: 20 bytes, its id in a column of its own.
struct CompactJob {
  static constexpr std::int32_t kNone = -1;
  std::int32_t queue = kNone;     // queue_seconds(), clamped to 32 bits; kNone: none
  std::int32_t duration = kNone;  // job_duration_seconds(), clamped; kNone: none
  NameId name = 0;                // index into JobTable's names
  std::uint16_t label_set = 0;    // index into JobTable's label sets
  std::uint16_t runner_group = 0;
  std::uint16_t attempt = 1;
  RunState state = RunState::kUnfinished;  // the job's outcome class once completed
  bool waited : 1 = false;                 // JobRecord::waited: its wait is no queue time
  // Set on one job of each job name of a run that failed in an attempt and succeeded in a
  // later one (a flaky job, docs/metrics.md): marked when the run's jobs are laid out
  // (mark_flaky_jobs), so that a query counts flaky jobs in the same pass as the rest.
  bool flaky : 1 = false;

  bool completed() const { return state != RunState::kUnfinished; }
};
static_assert(sizeof(CompactJob) == 20);

// Jobs grouped by run in the order of the run table's rows they were built for, then the runs
// that table does not hold (yet), by run id; within a run by (name, attempt, job id), so that the
// attempts of one job name follow each other (job flakiness is one pass). A workflow's period
// rows thus read one contiguous stretch of jobs. Row numbers change when the run table merges,
// so every build lays the jobs out again (docs/decisions.md, "Jobs in the engine").
struct JobData {
  std::vector<std::int64_t> id;  // per job
  std::vector<CompactJob> jobs;  // per job
  // Slots 0..rows-1 are the run table's rows; the later ones runs it does not hold.
  std::size_t rows = 0;
  std::vector<std::int64_t> slot_run;        // per slot: the run id
  std::vector<std::uint32_t> slot_begin{0};  // slot s's jobs: [slot_begin[s], slot_begin[s + 1])

  std::size_t size() const { return jobs.size(); }
  std::size_t slots() const { return slot_run.size(); }
  // The jobs of run-table row (or slot) `row`, empty when it has none.
  std::pair<std::size_t, std::size_t> jobs_of_row(std::size_t row) const {
    return {slot_begin[row], slot_begin[row + 1]};
  }
  std::size_t memory_bytes() const {
    return id.capacity() * sizeof(std::int64_t) + jobs.capacity() * sizeof(CompactJob) +
           slot_run.capacity() * sizeof(std::int64_t) +
           slot_begin.capacity() * sizeof(std::uint32_t);
  }
};

// Marks the flaky jobs among one run's `jobs` (ordered by name, then attempt): per job name
// that failed in an attempt and succeeded in a later one, its first failed job (completed, so
// counted with the executions); every other job's mark is cleared.
void mark_flaky_jobs(std::span<CompactJob> jobs);

}  // namespace cipette::engine

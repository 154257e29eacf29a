#pragma once

// The engine's private representation of a JobTable (docs/decisions.md, "Jobs in the engine").
// Only core/ includes this.

#include <cstdint>
#include <limits>
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
  bool waited = false;                     // JobRecord::waited: its wait is no queue time

  bool completed() const { return state != RunState::kUnfinished; }
};
static_assert(sizeof(CompactJob) == 20);

// Jobs ordered by (run id, name, attempt, job id): a run's jobs are one range, and within it
// the attempts of one job name follow each other (job flakiness is one pass). Run ids do not
// move when the run table merges, so a build from a base merges two sorted lists; only the map
// from the run table's rows to the runs here is rebuilt for every run table.
struct JobData {
  std::vector<std::int64_t> id;             // per job
  std::vector<CompactJob> jobs;             // per job
  std::vector<std::int64_t> run_ids;        // the distinct run ids, ascending
  std::vector<std::uint32_t> run_begin{0};  // run_ids[k]'s jobs: [run_begin[k], run_begin[k + 1])
  // Per row of the run table the jobs were mapped to: the index into run_ids of its run, or
  // kNoJobs. Jobs whose run is not in that table (not loaded yet) are kept, and unreached.
  static constexpr std::uint32_t kNoJobs = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> row_run;

  std::size_t size() const { return jobs.size(); }
  std::size_t runs() const { return run_ids.size(); }
  // The jobs of run-table row `row`, empty when it has none.
  std::pair<std::size_t, std::size_t> jobs_of_row(std::size_t row) const {
    std::uint32_t k = row_run[row];
    if (k == kNoJobs) return {0, 0};
    return {run_begin[k], run_begin[k + 1]};
  }
  std::size_t memory_bytes() const {
    return id.capacity() * sizeof(std::int64_t) + jobs.capacity() * sizeof(CompactJob) +
           run_ids.capacity() * sizeof(std::int64_t) +
           (run_begin.capacity() + row_run.capacity()) * sizeof(std::uint32_t);
  }
};

}  // namespace cipette::engine

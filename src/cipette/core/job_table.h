#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "cipette/core/job.h"
#include "cipette/core/job_store.h"
#include "cipette/core/result.h"
#include "cipette/core/run_table.h"

namespace cipette {

namespace engine {
struct JobData;  // the jobs as the engine holds them (core/engine/job_data.h)
}

// An immutable, compact, in-memory table of every stored job execution, beside a RunTable
// (docs/decisions.md, "Jobs in the engine"): about 30 bytes a job, steps never. Job names,
// runner label sets and runner groups are dictionary-encoded. A JobTable is built for one
// RunTable (it maps that table's rows to their jobs): the job_metrics.h functions REQUIRE the
// RunTable it was built for.
class JobTable {
 public:
  JobTable();
  ~JobTable();
  JobTable(JobTable&&) noexcept;
  JobTable& operator=(JobTable&&) noexcept;
  JobTable(const JobTable&) = delete;
  JobTable& operator=(const JobTable&) = delete;

  // Job executions held, including those of runs the run table does not hold (yet).
  std::size_t size() const;

  // Dictionaries. names()[i] is grouped under groups()[name_group()[i]] (job_group_name).
  const std::vector<std::string>& names() const { return names_; }
  const std::vector<NameId>& name_group() const { return name_group_; }
  const std::vector<std::string>& groups() const { return groups_; }
  // Label sets, each sorted without duplicates (label_set_key); index 0 is the empty set.
  const std::vector<std::vector<std::string>>& label_sets() const { return label_sets_; }
  // Runner group names; index 0 is "" (no runner assigned).
  const std::vector<std::string>& runner_groups() const { return runner_groups_; }

  // The job change sequence of the newest store row included (JobReader::scan_jobs).
  ChangeSeq watermark() const { return watermark_; }
  // The number of rows of the RunTable the table was built for.
  std::size_t run_rows() const;

  // Approximate heap bytes held, for the memory figures in docs and benchmarks.
  std::size_t memory_bytes() const;

  // The engine's columns (core/engine/job_data.h); for core/ only.
  const engine::JobData& data() const { return *data_; }

 private:
  friend class JobTableBuilder;

  std::vector<std::string> names_;
  std::vector<NameId> name_group_;
  std::vector<std::string> groups_;
  std::vector<std::vector<std::string>> label_sets_;
  std::vector<std::string> runner_groups_;
  std::unique_ptr<engine::JobData> data_;
  ChangeSeq watermark_ = 0;
};

// Builds a JobTable from jobs, either from nothing or from an earlier table plus changed jobs.
// A job whose id is already present replaces the earlier one.
class JobTableBuilder {
 public:
  JobTableBuilder();
  ~JobTableBuilder();
  JobTableBuilder(JobTableBuilder&&) noexcept;
  // Starts from `base` (read, never changed; it must outlive build()): its dictionaries keep
  // their ids, and build() merges the added jobs into a copy of its jobs.
  explicit JobTableBuilder(const JobTable& base);

  // Adds `job` (its steps are not read).
  void add(const JobRecord& job);

  // Adds the jobs of `other`, its dictionary ids mapped to this builder's (a split full load:
  // load_tables), and leaves `other` empty. A job id added to both is one job, as with add().
  // REQUIRES: `other` started from nothing.
  void merge(JobTableBuilder&& other);

  // Merges, maps the jobs to the rows of `runs` and returns the table. The builder is left
  // empty.
  JobTable build(const RunTable& runs, ChangeSeq watermark);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// Loads every job from `store` into a new table for `runs`; with `base`, loads only jobs changed
// since base->watermark() and merges them into a copy of base (also when only `runs` changed:
// the jobs are then mapped to its rows again).
Result<std::shared_ptr<const JobTable>> load_job_table(JobReader& store, const RunTable& runs,
                                                       const JobTable* base = nullptr);

// A run table and the job table built for it.
struct LoadedTables {
  std::shared_ptr<const RunTable> runs;
  std::shared_ptr<const JobTable> jobs;
};

// A full load of both tables from two connections to one store, each used by one thread
// (docs/decisions.md, "Jobs in the engine"): `run_store` and `run_store_jobs` are the first
// connection, `job_store` the second. The jobs (most of the work: millions of rows) are read
// by id range (JobReader::scan_job_ranges) on the second connection while the run table loads
// on the first, which then reads the ranges left; the two builders are merged and laid out for
// the run table. Each connection reads its own snapshot, and the table's watermark is the
// smaller of their largest sequences. A store that reads no id ranges is read by one
// scan_all_jobs on the second connection. A job whose run the run table does not hold yet is
// kept, as in any build.
Result<LoadedTables> load_tables(RunReader& run_store, JobReader& run_store_jobs,
                                 JobReader& job_store);

}  // namespace cipette

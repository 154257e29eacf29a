#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "cipette/core/large_allocator.h"
#include "cipette/core/result.h"
#include "cipette/core/run.h"
#include "cipette/core/run_store.h"
#include "cipette/core/wavelet_matrix.h"

namespace cipette {

// Index into one of a RunTable's dictionaries.
using NameId = std::uint32_t;

// An immutable, compact, in-memory table of every stored run, built from the store and shared
// read-only between threads (docs/decisions.md, "Metrics").
// Names (repositories, workflows, branches, events, actors) are dictionary-encoded.
class RunTable {
 public:
  // A workflow is identified by (repository, GitHub workflow id); its name and path are those
  // of the most recently updated run seen for it.
  struct Workflow {
    NameId repository = 0;
    std::int64_t workflow_id = 0;
    std::string name;
    std::string path;
  };

  struct Row {
    std::int64_t id = 0;
    Timestamp created_at = 0;
    Timestamp started_at = 0;    // run_started_at, or created_at where missing
    Timestamp completed_at = 0;  // updated_at (meaningful for completed runs)
    Timestamp updated_at = 0;
    NameId workflow = 0;  // index into workflows()
    NameId branch = 0;    // index into branches()
    NameId actor = 0;     // index into actors()
    std::int32_t run_number = 0;
    std::uint16_t event = 0;  // index into events()
    std::uint16_t run_attempt = 1;
    Outcome outcome = Outcome::kNeutral;
    bool completed = false;  // status == "completed"
  };

  // The completed runs again, as columns ordered by (workflow, created_at), ties by run id, with
  // what the metrics engine needs precomputed: a period is a binary search per workflow away, and
  // MTTR needs no walk over the streams unless an event filter changes them. Built with the table;
  // the engine uses rows() where this cannot answer (see usable()).
  struct PeriodIndex {
    // An incident of a stream of all completed runs (no event filter), placed at its first
    // failure (docs/metrics.md, "MTTR").
    struct Incident {
      Timestamp created_at = 0;    // of the first failure
      std::int64_t recovery = -1;  // seconds from it to the recovering success; -1 while open
      NameId branch = 0;
    };

    // Workflow w's entries are [workflow_begin[w], workflow_begin[w + 1]).
    std::vector<std::size_t> workflow_begin;
    LargeVector<Timestamp> created_at;
    LargeVector<std::int32_t> duration;  // completion - start, seconds; -1 when negative
    LargeVector<Outcome> outcome;
    LargeVector<NameId> branch;
    LargeVector<std::int64_t> id;  // of the run (an incremental refresh merges by it)
    // Workflow w's incidents, ordered by created_at: [incident_begin[w], incident_begin[w + 1]).
    std::vector<std::size_t> incident_begin;
    LargeVector<Incident> incidents;
    // False when a duration does not fit in `duration` (over 68 years).
    bool durations_fit = true;

    // The counts of a range of entries that the metrics need.
    struct Sums {
      std::int64_t success = 0;
      std::int64_t failed = 0;
      std::int64_t timed = 0;     // entries with a duration (>= 0)
      std::int64_t duration = 0;  // the sum of those durations
      bool operator==(const Sums&) const = default;
    };
    // Running sums every kSumStride entries: sums[j] covers entries [0, j * kSumStride), so
    // that sums_between() reads two of them and at most 2 * (kSumStride - 1) entries.
    static constexpr std::size_t kSumStride = 64;
    std::vector<Sums> sums;

    // The counts of entries [begin, end). REQUIRES: begin <= end <= entries, usable().
    Sums sums_between(std::size_t begin, std::size_t end) const;

    // Every entry's duration + 1, or 0 without one: the p50 and p95 of any union of entry
    // ranges (a period of several workflows) in O(ranges * bits), not O(entries).
    WaveletMatrix duration_ranks;

    // Whether the index covers a table of `workflows` workflows.
    bool usable(std::size_t workflows) const {
      return durations_fit && workflow_begin.size() == workflows + 1 &&
             incident_begin.size() == workflows + 1 &&
             sums.size() == created_at.size() / kSumStride + 1 &&
             duration_ranks.size() == created_at.size();
    }
  };

  RunTable() = default;

  // Rows sorted by (workflow, branch, completed_at, id): each workflow's rows are contiguous,
  // and within them each branch's stream is in completion order, as MTTR needs.
  std::span<const Row> rows() const { return rows_; }

  // The rows() that count in metrics, indexed by period (see PeriodIndex).
  const PeriodIndex& period_index() const { return period_index_; }

  // Dictionaries. Index 0 of branches/events/actors is the empty string.
  const std::vector<std::string>& repositories() const { return repositories_; }
  const std::vector<Workflow>& workflows() const { return workflows_; }
  const std::vector<std::string>& branches() const { return branches_; }
  const std::vector<std::string>& events() const { return events_; }
  const std::vector<std::string>& actors() const { return actors_; }

  // Web address of a repository ("https://github.com/owner/name"), derived from its runs'
  // html_url so that GitHub Enterprise hosts work; "" when unknown.
  const std::string& repository_html_base(NameId repository) const;

  // Id of a repository by name, compared case-insensitively as GitHub does.
  std::optional<NameId> find_repository(std::string_view name) const;

  // The change sequence of the newest store row included (see RunStore::scan_runs).
  ChangeSeq watermark() const { return watermark_; }

  std::size_t size() const { return rows_.size(); }
  // Approximate heap bytes held, for the memory figures in docs and benchmarks.
  std::size_t memory_bytes() const;

  // Readies memory for an incremental build on top of this table (room for 5% more runs; see
  // large_blocks::prepare), in place of the blocks the pool kept: a server calls it once after
  // loading, off the request path, so that its first refresh is as fast as the ones after it.
  void prepare_next_build() const;

 private:
  friend class RunTableBuilder;

  LargeVector<Row> rows_;
  std::vector<std::string> repositories_;
  std::vector<std::string> repository_html_bases_;
  std::vector<Workflow> workflows_;
  std::vector<std::string> branches_;
  std::vector<std::string> events_;
  std::vector<std::string> actors_;
  PeriodIndex period_index_;
  ChangeSeq watermark_ = 0;
};

// Builds a RunTable from runs, either from nothing or from an earlier table plus changed runs
// (an incremental refresh). A run whose id is already present replaces the earlier row.
class RunTableBuilder {
 public:
  RunTableBuilder() = default;
  // Starts from `base` (read, never changed; it must outlive build()): its dictionaries keep
  // their ids, and build() merges the added runs into a copy of its rows.
  explicit RunTableBuilder(const RunTable& base);

  // Adds `run`, unless its created_at is not a plausible time stamp (is_plausible_timestamp):
  // such runs, stored by versions that accepted them, are left out of every figure.
  void add(const RunRecord& run);

  // Sorts and returns the table. The builder is left empty.
  RunTable build(ChangeSeq watermark);

 private:
  NameId intern_repository(const RunRecord& run);
  NameId intern_workflow(NameId repository, const RunRecord& run);

  RunTable table_;                  // dictionaries; rows only when built from nothing
  const RunTable* base_ = nullptr;  // rows to merge into, when built from a base
  LargeVector<RunTable::Row> added_;
  // Lookup maps for the dictionaries, built lazily.
  struct Indexes;
  std::shared_ptr<Indexes> indexes_;
};

// Loads every run from `store` into a new table; with `base`, loads only runs changed since
// base->watermark() and merges them into a copy of base.
Result<std::shared_ptr<const RunTable>> load_run_table(RunReader& store,
                                                       const RunTable* base = nullptr);

}  // namespace cipette

#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cipette/core/result.h"
#include "cipette/core/run.h"
#include "cipette/core/run_store.h"

namespace cipette {

// Index into one of a RunTable's dictionaries.
using NameId = std::uint32_t;

namespace engine {
struct TableData;  // the columns and what the engine derives from them (core/engine/)
}

// An immutable, compact, in-memory table of every stored run, built from the store and shared
// read-only between threads (docs/decisions.md, "Metrics"). Names (repositories, workflows,
// branches, events, actors) are dictionary-encoded. Its columns and indexes are the engine's
// own: other code reads runs through row() and the compute functions of metrics.h and
// select_runs.h.
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

  // One run, as the table holds it.
  struct Row {
    std::int64_t id = 0;
    Timestamp created_at = 0;
    Timestamp started_at = 0;    // run_started_at, or created_at where missing
    Timestamp completed_at = 0;  // updated_at (meaningful for completed runs)
    NameId workflow = 0;         // index into workflows()
    NameId branch = 0;           // index into branches()
    NameId actor = 0;            // index into actors()
    std::int32_t run_number = 0;
    std::uint16_t event = 0;  // index into events()
    std::uint16_t run_attempt = 1;
    Outcome outcome = Outcome::kNeutral;
    bool completed = false;  // status == "completed"
    // Re-runs (summarize_attempts, docs/metrics.md "Re-runs and flakiness").
    std::optional<Outcome> first_attempt;  // the first attempt's outcome, once known
    bool flaky = false;                    // an attempt failed and a later one succeeded
    std::int64_t seconds_lost = 0;         // durations of the earlier attempts
  };

  // An earlier attempt of a run, as stored (AttemptRecord).
  struct Attempt {
    std::int64_t attempt = 0;
    bool found = true;  // false: GitHub answered 404, nothing else is known
    bool completed = false;
    Outcome outcome = Outcome::kNeutral;  // meaningful when completed
    std::optional<Timestamp> started_at;  // run_started_at
    Timestamp updated_at = 0;
  };

  RunTable();
  ~RunTable();
  RunTable(RunTable&&) noexcept;
  RunTable& operator=(RunTable&&) noexcept;
  RunTable(const RunTable&) = delete;
  RunTable& operator=(const RunTable&) = delete;

  // Runs are numbered 0..size()-1 ordered by (workflow, created_at, id): workflow w's runs are
  // the numbers in workflow_rows(w).
  std::size_t size() const;
  Row row(std::size_t i) const;
  std::pair<std::size_t, std::size_t> workflow_rows(NameId workflow) const;
  // Run i's earlier attempts known, in attempt order (its latest attempt is row(i)).
  std::vector<Attempt> earlier_attempts(std::size_t i) const;

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

  // The change sequence of the newest store row included (see RunReader::scan_runs).
  ChangeSeq watermark() const { return watermark_; }

  // Approximate heap bytes held, for the memory figures in docs and benchmarks.
  std::size_t memory_bytes() const;

  // The engine's columns and indexes (core/engine/table_data.h); for core/ only.
  const engine::TableData& data() const { return *data_; }

 private:
  friend class RunTableBuilder;

  std::vector<std::string> repositories_;
  std::vector<std::string> repository_html_bases_;
  std::vector<Workflow> workflows_;
  std::vector<Timestamp> workflow_named_at_;  // updated_at of the run that named each workflow
  std::vector<std::string> branches_;
  std::vector<std::string> events_;
  std::vector<std::string> actors_;
  std::unique_ptr<engine::TableData> data_;
  ChangeSeq watermark_ = 0;
};

// Builds a RunTable from runs, either from nothing or from an earlier table plus changed runs
// (an incremental refresh). A run whose id is already present replaces the earlier row.
class RunTableBuilder {
 public:
  RunTableBuilder();
  ~RunTableBuilder();
  RunTableBuilder(RunTableBuilder&&) noexcept;
  // Starts from `base` (read, never changed; it must outlive build()): its dictionaries keep
  // their ids, and build() merges the added runs into a copy of its runs.
  explicit RunTableBuilder(const RunTable& base);

  // Adds `run`, unless its created_at is not a plausible time stamp (is_plausible_timestamp):
  // such runs, stored by versions that accepted them, are left out of every figure.
  void add(const RunRecord& run);

  // Sorts, indexes and returns the table. The builder is left empty.
  RunTable build(ChangeSeq watermark);

 private:
  NameId intern_repository(const RunRecord& run);
  NameId intern_workflow(NameId repository, const RunRecord& run);

  RunTable table_;                  // dictionaries
  const RunTable* base_ = nullptr;  // runs to merge into, when built from a base
  std::vector<RunTable::Row> added_;
  // The earlier attempts of the added runs that have some, by run id (the run added last wins,
  // as for rows).
  std::map<std::int64_t, std::vector<RunTable::Attempt>> added_attempts_;
  struct Indexes;  // lookup maps for the dictionaries, built lazily
  std::unique_ptr<Indexes> indexes_;
};

// Loads every run from `store` into a new table; with `base`, loads only runs changed since
// base->watermark() and merges them into a copy of base.
Result<std::shared_ptr<const RunTable>> load_run_table(RunReader& store,
                                                       const RunTable* base = nullptr);

}  // namespace cipette

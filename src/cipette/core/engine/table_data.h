#pragma once

// The engine's private representation of a RunTable: its runs as columns, and the indexes the
// queries read. Only core/ includes this (docs/decisions.md, "Metrics").

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "cipette/core/engine/wavelet_matrix.h"
#include "cipette/core/run.h"
#include "cipette/core/run_table.h"

namespace cipette::engine {

// What a run counts as: its outcome once completed, nothing before (docs/metrics.md, "Terms").
enum class RunState : std::uint8_t {
  kSuccess = static_cast<std::uint8_t>(Outcome::kSuccess),
  kFailed = static_cast<std::uint8_t>(Outcome::kFailed),
  kNeutral = static_cast<std::uint8_t>(Outcome::kNeutral),
  kUnfinished,
};

inline RunState run_state(bool completed, Outcome outcome) {
  return completed ? static_cast<RunState>(outcome) : RunState::kUnfinished;
}

// A run's duration: completion - start in seconds, or -1 (none) when the run completed before
// it started (clock trouble: left out of duration figures).
inline std::int64_t run_duration(Timestamp started_at, Timestamp completed_at) {
  return completed_at >= started_at ? completed_at - started_at : -1;
}

// What a run's attempts add (core/run.h, summarize_attempts), as a row holds it.
struct RunHistory {
  bool rerun = false;  // more than one attempt
  bool flaky = false;
  RunState first = RunState::kUnfinished;  // the first attempt's state; kUnfinished: unknown
  std::int64_t seconds_lost = 0;
};

// The counts of a set of runs that the metrics read: the one rule for what a run adds.
struct Sums {
  std::int64_t completed = 0;
  std::int64_t success = 0;
  std::int64_t failed = 0;
  std::int64_t timed = 0;     // completed runs with a duration
  std::int64_t duration = 0;  // the sum of those durations
  // Re-runs and flakiness (docs/metrics.md), of the completed runs.
  std::int64_t reruns = 0;
  std::int64_t flaky = 0;
  std::int64_t first_success = 0;  // first attempt succeeded
  std::int64_t first_failed = 0;   // first attempt failed
  std::int64_t seconds_lost = 0;

  void add(RunState state, std::int64_t duration_or_none, const RunHistory& history) {
    if (state == RunState::kUnfinished) return;
    ++completed;
    success += state == RunState::kSuccess;
    failed += state == RunState::kFailed;
    timed += duration_or_none >= 0;
    duration += duration_or_none >= 0 ? duration_or_none : 0;
    reruns += history.rerun;
    flaky += history.flaky;
    first_success += history.first == RunState::kSuccess;
    first_failed += history.first == RunState::kFailed;
    seconds_lost += history.seconds_lost;
  }
  void add(const Sums& o) {
    completed += o.completed;
    success += o.success;
    failed += o.failed;
    timed += o.timed;
    duration += o.duration;
    reruns += o.reruns;
    flaky += o.flaky;
    first_success += o.first_success;
    first_failed += o.first_failed;
    seconds_lost += o.seconds_lost;
  }
  Sums minus(const Sums& o) const {
    return {completed - o.completed,
            success - o.success,
            failed - o.failed,
            timed - o.timed,
            duration - o.duration,
            reruns - o.reruns,
            flaky - o.flaky,
            first_success - o.first_success,
            first_failed - o.first_failed,
            seconds_lost - o.seconds_lost};
  }
  bool operator==(const Sums&) const = default;
};

// An earlier attempt of a run, as the run pages show it.
struct EarlierAttempt {
  Timestamp started_at = 0;    // run_started_at; kNoStart when GitHub gave none
  Timestamp completed_at = 0;  // updated_at
  std::uint16_t attempt = 0;
  RunState state = RunState::kUnfinished;  // kUnfinished also when not found
  bool found = true;
  static constexpr Timestamp kNoStart = std::numeric_limits<Timestamp>::min();
  bool operator==(const EarlierAttempt&) const = default;
};

// The earlier attempts of the runs that have some stored, by run id: a few percent of runs, so
// kept apart from the columns (and independent of the row order, which merges change).
struct Reruns {
  std::vector<std::int64_t> ids;           // sorted
  std::vector<std::int64_t> seconds_lost;  // per id (summarize_attempts)
  std::vector<std::uint32_t> begin{0};     // ids[k]'s attempts: [begin[k], begin[k + 1])
  std::vector<EarlierAttempt> attempts;

  // ids[k] == id, or none.
  std::optional<std::size_t> find(std::int64_t id) const;
  std::span<const EarlierAttempt> attempts_of(std::size_t k) const {
    return std::span(attempts).subspan(begin[k], begin[k + 1] - begin[k]);
  }
  void append(std::int64_t id, std::int64_t lost, std::span<const EarlierAttempt> earlier);
  std::size_t memory_bytes() const;
};

// An incident of a stream (docs/metrics.md, "MTTR"), placed at its first failure.
struct Incident {
  Timestamp created_at = 0;    // of the first failure
  std::int64_t recovery = -1;  // seconds from it to the recovering success; -1 while open
  NameId branch = 0;
};

// Rows are numbered 0..size()-1 in (workflow, created_at, id) order, and every column holds
// one value per row: a period of a workflow is a binary search away.
struct TableData {
  // Workflow w's rows are [workflow_begin[w], workflow_begin[w + 1]).
  std::vector<std::size_t> workflow_begin{0};
  std::vector<std::int64_t> id;
  std::vector<Timestamp> created_at;
  std::vector<Timestamp> started_at;
  std::vector<Timestamp> completed_at;
  std::vector<NameId> branch;
  std::vector<NameId> actor;
  std::vector<std::int32_t> run_number;
  std::vector<std::uint16_t> event;
  std::vector<std::uint16_t> attempt;
  std::vector<RunState> state;
  // The first attempt's state (bits 0-1, a RunState; kUnfinished: unknown) and whether the run
  // was flaky (bit 2): see RunHistory.
  std::vector<std::uint8_t> history;
  Reruns reruns;

  // Running sums every kSumStride rows: sums[j] covers rows [0, j * kSumStride).
  static constexpr std::size_t kSumStride = 64;
  std::vector<Sums> sums;
  // Every row's duration + 1, or 0 for an unfinished run or one without a duration: the exact
  // p50 and p95 of any union of row ranges in O(ranges * bits). Empty when a duration does
  // not fit in 32 bits (see ranks_durations()).
  WaveletMatrix duration_ranks;
  // Workflow w's rows in stream order (branch, completion time, id), as offsets from
  // workflow_begin[w]: [workflow_begin[w], workflow_begin[w + 1]) again. 4 bytes a run, so that
  // a walk over the streams (incidents under an event filter, streaks) needs no sort.
  std::vector<std::uint32_t> stream_order;
  // Workflow w's incidents over all its completed runs, by first failure's created_at:
  // [incident_begin[w], incident_begin[w + 1]).
  std::vector<std::size_t> incident_begin{0};
  std::vector<Incident> incidents;

  std::size_t size() const { return id.size(); }
  std::size_t workflows() const { return workflow_begin.size() - 1; }
  bool completed(std::size_t i) const { return state[i] != RunState::kUnfinished; }
  std::int64_t duration(std::size_t i) const {
    return run_duration(started_at[i], completed_at[i]);
  }
  bool ranks_durations() const { return duration_ranks.size() == size(); }
  RunHistory run_history(std::size_t i) const;
  // What row i adds to `sums` (Sums::add): every count of rows goes through here.
  void add_row(std::size_t i, Sums& to) const { to.add(state[i], duration(i), run_history(i)); }

  // Workflow `workflow`'s rows created in [lo, hi).
  std::pair<std::size_t, std::size_t> period_rows(NameId workflow, Timestamp lo,
                                                  Timestamp hi) const;
  // The sums of rows [begin, end), from two running sums and at most 2 * (kSumStride - 1) rows.
  Sums sums_between(std::size_t begin, std::size_t end) const;
  std::span<const Incident> incidents_of(NameId workflow) const;

  // Appends rows [begin, end) of `from`, or a new run, to the columns (not to reruns, which
  // the builder fills by id).
  void append(const TableData& from, std::size_t begin, std::size_t end);
  void append(const RunTable::Row& run);
  void reserve(std::size_t rows);

  // Derives sums, duration ranks and incidents from the columns. With `base` (the table this
  // one was merged from), the incidents of workflows not `touched` are copied from it.
  void index(const TableData* base, const std::vector<bool>& touched);

  std::size_t memory_bytes() const;
};

}  // namespace cipette::engine

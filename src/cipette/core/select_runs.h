#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "cipette/core/metrics.h"
#include "cipette/core/run_table.h"

namespace cipette {

// Where a failed run stands in its stream's failure streak (an incident, docs/metrics.md, "MTTR"):
// consecutive failures of one (repository, workflow, branch), neutral runs in between ignored.
struct StreakMark {
  int position = 0;   // 1-based position of this failure in the streak
  int length = 0;     // failures in the streak
  bool open = false;  // no success after it yet
};

// One listed run.
struct ListedRun {
  RunTable::Row row;
  std::optional<StreakMark> streak;                 // failed runs, when streaks were asked for
  std::vector<RunTable::Attempt> earlier_attempts;  // when asked for (ListOptions::attempts)
};

struct RunPage {
  std::int64_t total = 0;  // runs matching, over all pages
  int page = 1;
  int per_page = 50;
  std::vector<ListedRun> runs;  // this page, newest created_at first (ties: larger id first)
};

struct ListOptions {
  std::optional<Outcome> outcome;
  int page = 1;  // 1-based
  int per_page = 50;
  bool streaks = false;      // fill ListedRun::streak (walks every stream the scope touches)
  bool attempts = false;     // fill ListedRun::earlier_attempts
  bool reruns_only = false;  // runs with more than one attempt
  bool flaky_only = false;   // flaky runs (docs/metrics.md, "Re-runs and flakiness")
};

// The completed runs in `scope` (the same runs compute_metrics counts), optionally of one
// outcome, one page of them. REQUIRES: validate_scope(scope) succeeded; page, per_page >= 1.
RunPage select_runs(const RunTable& table, const Scope& scope, const ListOptions& options);

}  // namespace cipette

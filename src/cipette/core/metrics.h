#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "cipette/core/run_table.h"
#include "cipette/core/time.h"

namespace cipette {

// Limits of a query's period: days for "last N days", and the longest from/to range (the
// daily series has one point per day).
inline constexpr int kMaxPeriodDays = 3650;
inline constexpr std::int64_t kMaxRangeDays = 36525;

// Which runs a query covers, by created_at (docs/metrics.md, "Scope").
struct Period {
  enum class Kind { kDays, kAll, kRange };
  Kind kind = Kind::kDays;
  int days = 30;       // kDays: created_at >= now - days * 86400, 1..3650
  Timestamp from = 0;  // kRange: from <= created_at < to
  Timestamp to = 0;

  static Period last_days(int n) { return Period{Kind::kDays, n, 0, 0}; }
  static Period all() { return Period{Kind::kAll, 0, 0, 0}; }
  static Period range(Timestamp from, Timestamp to) { return Period{Kind::kRange, 0, from, to}; }
};

struct Scope {
  Period period;
  Timestamp now = 0;  // the reference time for kDays
  // Filters; empty means any. repository: "owner/name", case-insensitive. workflow: the
  // workflow's name, its file name ("ci.yml", as in its path) or its numeric id. branch, event:
  // exact.
  std::string repository;
  std::string workflow;
  std::string branch;
  std::string event;
};

// The workflows (ids into table.workflows(), ascending) that the scope's repository and
// workflow filters select: the one rule for what those filters match. The repository filter
// matches case-insensitively; the workflow filter matches a workflow's name, the file name of
// its path ("ci.yml") or its numeric id. Empty filters select everything.
std::vector<NameId> matching_workflows(const RunTable& table, const Scope& scope);

// Checks a scope: days within 1..3650, a range with from < to and at most 100 years long (the
// daily series has a point per day). Fails naming the field.
Status validate_scope(const Scope& scope);

struct DurationStats {
  std::int64_t count = 0;           // runs with a duration (completion >= start)
  std::optional<double> mean;       // seconds
  std::optional<std::int64_t> p50;  // nearest-rank, seconds
  std::optional<std::int64_t> p95;
};

struct MttrStats {
  std::int64_t recovered = 0;          // in-scope incidents that ended with a success
  std::int64_t open = 0;               // in-scope incidents with no success after them yet
  std::optional<double> mean;          // seconds, over recovered incidents
  std::optional<std::int64_t> median;  // nearest-rank p50, seconds
};

struct Metrics {
  std::int64_t total = 0;  // completed runs in scope
  std::int64_t success = 0;
  std::int64_t failed = 0;
  std::int64_t neutral = 0;
  std::optional<double> success_rate;  // percent, rounded to 2 decimals; none if no success/failed
  DurationStats duration;
  double throughput_per_day = 0;
  MttrStats mttr;
  // Re-runs and flakiness (docs/metrics.md), of the same completed runs.
  std::int64_t rerun_runs = 0;       // runs with more than one attempt
  std::optional<double> rerun_rate;  // percent of total, 2 decimals; none when total is 0
  std::int64_t flaky_runs = 0;       // an attempt failed, a later one succeeded
  std::optional<double> flaky_rate;  // percent of total, 2 decimals; none when total is 0
  // Percent of the runs whose first attempt's outcome is known and success or failed that
  // succeeded first time, 2 decimals; none when there are none.
  std::optional<double> first_attempt_success_rate;
  std::int64_t rerun_seconds_lost = 0;  // durations of the attempts that were re-run
  std::optional<Timestamp> first_run;   // earliest / latest created_at of the runs counted
  std::optional<Timestamp> last_run;
};

struct WorkflowMetrics {
  std::string repository;
  std::int64_t workflow_id = 0;
  std::string workflow;  // name
  std::string path;
  Metrics metrics;
};

struct MetricsReport {
  Scope scope;
  Timestamp start = 0;     // resolved period bounds: start <= created_at < end
  Timestamp end = 0;       // (kAll: the first run's created_at and one second past the last's;
                           // kDays: now, though runs created after it still count)
  double period_days = 0;  // the divisor used for throughput, of the totals and of every row
  std::vector<WorkflowMetrics> workflows;  // rows with total > 0 or an in-scope incident,
                                           // ordered by repository then workflow name
  Metrics totals;
};

// Computes every metric for the scope in one pass over the table (docs/metrics.md, "The
// metrics"). REQUIRES: validate_scope(scope) succeeded.
MetricsReport compute_metrics(const RunTable& table, const Scope& scope);

// One UTC day of the scope, for the trend charts.
struct DailyPoint {
  std::int64_t day = 0;  // days since 1970-01-01
  std::int64_t total = 0;
  std::int64_t success = 0;
  std::int64_t failed = 0;
  std::int64_t neutral = 0;
  std::optional<double> success_rate;
  std::optional<std::int64_t> duration_p50;
  std::optional<std::int64_t> duration_p95;
};

// Completed runs in scope per UTC day of created_at, one point for every day from the period's
// first to its last day (days without runs included, with zero counts): kDays from
// day_index(now - days) to day_index(now) (runs created later are left out); kAll from the day of
// the first to that of the last run in scope (empty when there is none), at most kMaxRangeDays
// days (the earlier ones are left out); kRange from
// day_index(from) to day_index(to - 1).
std::vector<DailyPoint> compute_daily_series(const RunTable& table, const Scope& scope);

// Nearest-rank percentile (1-based rank ceil(p/100 * n)) of `values`, which it reorders.
// REQUIRES: 0 < p <= 100. None for an empty list.
std::optional<std::int64_t> nearest_rank_percentile(std::span<std::int64_t> values, double p);

}  // namespace cipette

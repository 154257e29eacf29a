#include "cipette/core/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include "cipette/core/metrics_internal.h"

namespace cipette {

namespace mi = metrics_internal;

namespace {

constexpr Timestamp kMaxRangeSeconds = kMaxRangeDays * kSecondsPerDay;

// Counts of one (repository, workflow) row, or of all of them, before percentiles.
struct Tally {
  std::int64_t total = 0;
  std::int64_t success = 0;
  std::int64_t failed = 0;
  std::int64_t neutral = 0;
  std::int64_t duration_count = 0;
  std::int64_t duration_sum = 0;
  Timestamp first = std::numeric_limits<Timestamp>::max();
  Timestamp last = std::numeric_limits<Timestamp>::min();
  std::int64_t recovered = 0;
  std::int64_t open = 0;
  std::int64_t ttr_sum = 0;

  void add(const Tally& o) {
    total += o.total;
    success += o.success;
    failed += o.failed;
    neutral += o.neutral;
    duration_count += o.duration_count;
    duration_sum += o.duration_sum;
    first = std::min(first, o.first);
    last = std::max(last, o.last);
    recovered += o.recovered;
    open += o.open;
    ttr_sum += o.ttr_sum;
  }
};

// The incident state of one stream (repository, workflow, branch) as its runs go by in
// completion order.
struct IncidentTracker {
  bool failing = false;
  bool in_scope = false;  // whether the open incident's first failure is in the period
  Timestamp failed_at = 0;

  void step(const RunTable::Row& row, bool in_period, Tally& tally,
            std::vector<std::int64_t>& ttrs) {
    if (row.outcome == Outcome::kFailed && !failing) {
      failing = true;
      in_scope = in_period;
      failed_at = row.completed_at;
    } else if (row.outcome == Outcome::kSuccess && failing) {
      failing = false;
      if (!in_scope) return;
      std::int64_t ttr = row.completed_at - failed_at;
      ++tally.recovered;
      tally.ttr_sum += ttr;
      ttrs.push_back(ttr);
    }
  }

  // The stream ended: a failure never followed by a success is an open incident.
  void close(Tally& tally) {
    if (failing && in_scope) ++tally.open;
    failing = false;
  }
};

// One forward pass over a workflow's rows; durations and times to recovery are appended to
// vectors shared by all rows so that the totals' percentiles need no second pass.
class MetricsPass {
 public:
  explicit MetricsPass(const mi::ResolvedScope& scope) : scope_(scope) {}

  Tally scan(std::span<const RunTable::Row> rows) {
    Tally tally;
    IncidentTracker incident;
    NameId branch = std::numeric_limits<NameId>::max();
    for (const auto& row : rows) {
      if (!scope_.accepts(row)) continue;
      if (row.branch != branch) {
        incident.close(tally);
        branch = row.branch;
      }
      bool in_period = scope_.in_period(row.created_at);
      if (in_period) count(row, tally);
      incident.step(row, in_period, tally, ttrs);
    }
    incident.close(tally);
    return tally;
  }

  std::vector<std::int64_t> durations;
  std::vector<std::int64_t> ttrs;

 private:
  void count(const RunTable::Row& row, Tally& tally) {
    ++tally.total;
    tally.success += row.outcome == Outcome::kSuccess;
    tally.failed += row.outcome == Outcome::kFailed;
    tally.neutral += row.outcome == Outcome::kNeutral;
    tally.first = std::min(tally.first, row.created_at);
    tally.last = std::max(tally.last, row.created_at);
    std::int64_t duration = row.completed_at - row.started_at;
    if (duration < 0) return;  // clock trouble: left out of duration figures
    ++tally.duration_count;
    tally.duration_sum += duration;
    durations.push_back(duration);
  }

  const mi::ResolvedScope& scope_;
};

// The metrics of a tally whose durations and times to recovery are the given spans.
Metrics finish(const Tally& t, std::span<std::int64_t> durations, std::span<std::int64_t> ttrs,
               double period_days) {
  Metrics m;
  m.total = t.total;
  m.success = t.success;
  m.failed = t.failed;
  m.neutral = t.neutral;
  m.success_rate = mi::success_rate(t.success, t.failed);
  m.duration.count = t.duration_count;
  if (t.duration_count > 0) {
    m.duration.mean = static_cast<double>(t.duration_sum) / static_cast<double>(t.duration_count);
    auto p = mi::p50_p95(durations);
    m.duration.p50 = p.p50;
    m.duration.p95 = p.p95;
  }
  m.throughput_per_day = period_days > 0 ? static_cast<double>(t.total) / period_days : 0.0;
  m.mttr.recovered = t.recovered;
  m.mttr.open = t.open;
  if (t.recovered > 0) {
    m.mttr.mean = static_cast<double>(t.ttr_sum) / static_cast<double>(t.recovered);
    m.mttr.median = mi::p50_p95(ttrs).p50;
  }
  if (t.total > 0) {
    m.first_run = t.first;
    m.last_run = t.last;
  }
  return m;
}

// Fills the report's start, end and period_days once the runs in scope are known.
void resolve_period(const Scope& scope, const Tally& totals, MetricsReport& report) {
  const Period& p = scope.period;
  switch (p.kind) {
    case Period::Kind::kDays:
      report.start = scope.now - Timestamp{p.days} * kSecondsPerDay;
      report.end = scope.now;  // no upper bound: runs created after `now` still count
      report.period_days = p.days;
      return;
    case Period::Kind::kRange:
      report.start = p.from;
      report.end = p.to;
      report.period_days = static_cast<double>(p.to - p.from) / kSecondsPerDay;
      return;
    case Period::Kind::kAll:
      break;
  }
  report.start = totals.total > 0 ? totals.first : 0;
  report.end = totals.total > 0 ? totals.last + 1 : 0;
  double span_days = static_cast<double>(report.end - 1 - report.start) / kSecondsPerDay;
  report.period_days = std::max(1.0, totals.total > 0 ? span_days : 0.0);
}

// One report row per workflow, before the period divisor is known.
struct PendingRow {
  NameId workflow;
  Tally tally;
  std::size_t durations_begin, durations_end;
  std::size_t ttrs_begin, ttrs_end;
};

bool report_row_before(const WorkflowMetrics& a, const WorkflowMetrics& b) {
  if (a.repository != b.repository) return a.repository < b.repository;
  if (a.workflow != b.workflow) return a.workflow < b.workflow;
  return a.workflow_id < b.workflow_id;
}

WorkflowMetrics report_row(const RunTable& table, const PendingRow& pending, MetricsPass& pass,
                           double period_days) {
  const auto& workflow = table.workflows()[pending.workflow];
  WorkflowMetrics row;
  row.repository = table.repositories()[workflow.repository];
  row.workflow_id = workflow.workflow_id;
  row.workflow = workflow.name;
  row.path = workflow.path;
  auto durations =
      std::span(pass.durations)
          .subspan(pending.durations_begin, pending.durations_end - pending.durations_begin);
  auto ttrs =
      std::span(pass.ttrs).subspan(pending.ttrs_begin, pending.ttrs_end - pending.ttrs_begin);
  row.metrics = finish(pending.tally, durations, ttrs, period_days);
  return row;
}

}  // namespace

Status validate_scope(const Scope& scope) {
  const Period& p = scope.period;
  if (p.kind == Period::Kind::kDays && (p.days < 1 || p.days > kMaxPeriodDays)) {
    return fail(
        fmt::format("period: days must be between 1 and {}, got {}", kMaxPeriodDays, p.days));
  }
  if (p.kind == Period::Kind::kRange) {
    if (p.from >= p.to) {
      return fail(fmt::format("period: from ({}) must be before to ({})", format_timestamp(p.from),
                              format_timestamp(p.to)));
    }
    if (p.to - p.from > kMaxRangeSeconds) {
      return fail(fmt::format("period: the range from {} to {} is longer than 100 years",
                              format_timestamp(p.from), format_timestamp(p.to)));
    }
  }
  return {};
}

std::optional<std::int64_t> nearest_rank_percentile(std::vector<std::int64_t>& values, double p) {
  if (values.empty()) return std::nullopt;
  auto nth = values.begin() + static_cast<std::ptrdiff_t>(mi::nearest_rank(values.size(), p) - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

MetricsReport compute_metrics(const RunTable& table, const Scope& scope) {
  MetricsReport report;
  report.scope = scope;
  mi::ScopeBlocks resolved = mi::scope_blocks(table, scope);
  MetricsPass pass(resolved.scope);
  // One allocation up front: growing a million-entry vector would copy it ~20 times.
  std::size_t rows_in_blocks = 0;
  for (const mi::Block& block : resolved.blocks) rows_in_blocks += block.rows.size();
  pass.durations.reserve(rows_in_blocks);
  std::vector<PendingRow> pending;
  Tally totals;
  for (const mi::Block& block : resolved.blocks) {
    PendingRow row{block.workflow, {}, pass.durations.size(), 0, pass.ttrs.size(), 0};
    row.tally = pass.scan(block.rows);
    row.durations_end = pass.durations.size();
    row.ttrs_end = pass.ttrs.size();
    if (row.tally.total == 0 && row.tally.recovered + row.tally.open == 0) continue;
    totals.add(row.tally);
    pending.push_back(row);
  }
  resolve_period(scope, totals, report);
  report.workflows.reserve(pending.size());
  for (const PendingRow& row : pending) {
    report.workflows.push_back(report_row(table, row, pass, report.period_days));
  }
  std::sort(report.workflows.begin(), report.workflows.end(), report_row_before);
  // Last, because the per-row percentiles above reorder only their own segments.
  report.totals = finish(totals, pass.durations, pass.ttrs, report.period_days);
  return report;
}

namespace metrics_internal {

std::optional<double> success_rate(std::int64_t success, std::int64_t failed) {
  if (success + failed == 0) return std::nullopt;
  double ratio = static_cast<double>(success) / static_cast<double>(success + failed);
  return std::round(10000.0 * ratio) / 100.0;
}

std::size_t nearest_rank(std::size_t n, double p) {
  // p * n is exact for whole percentages, so ceil() sees 19 and not 19.000000000000004 for
  // the 95th of 20 values.
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(n) / 100.0));
  return std::clamp<std::size_t>(rank, 1, n);
}

Percentiles p50_p95(std::span<std::int64_t> values) {
  if (values.empty()) return {};
  std::size_t k50 = nearest_rank(values.size(), 50) - 1;
  std::size_t k95 = nearest_rank(values.size(), 95) - 1;
  auto begin = values.begin();
  std::nth_element(begin, begin + k50, values.end());
  // Everything after k50 is >= values[k50], so p95 only needs the upper part.
  if (k95 > k50) std::nth_element(begin + k50 + 1, begin + k95, values.end());
  return Percentiles{values[k50], values[k95]};
}

namespace {

// The file name a workflow filter may give: "ci.yml" for ".github/workflows/ci.yml@main".
std::string_view workflow_file_name(std::string_view path) {
  path = path.substr(0, path.find('@'));
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool workflow_matches(const RunTable::Workflow& workflow, std::string_view filter) {
  if (filter.empty()) return true;
  return workflow.name == filter || workflow_file_name(workflow.path) == filter ||
         fmt::format_int(workflow.workflow_id).str() == filter;
}

template <typename Id>
std::optional<Id> find_name(const std::vector<std::string>& names, std::string_view name) {
  auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) return std::nullopt;
  return static_cast<Id>(it - names.begin());
}

// Resolves the branch/event filters and the period; false when a filter names nothing known.
bool resolve(const RunTable& table, const Scope& scope, ResolvedScope& out) {
  if (!scope.branch.empty()) {
    out.branch = find_name<NameId>(table.branches(), scope.branch);
    if (!out.branch) return false;
  }
  if (!scope.event.empty()) {
    out.event = find_name<std::uint16_t>(table.events(), scope.event);
    if (!out.event) return false;
  }
  const Period& p = scope.period;
  if (p.kind == Period::Kind::kDays) out.lo = scope.now - Timestamp{p.days} * kSecondsPerDay;
  if (p.kind == Period::Kind::kRange) {
    out.lo = p.from;
    out.hi = p.to;
  }
  return true;
}

// The rows of `workflow` (of branch `branch` if set), found by binary search on the sort order.
std::span<const RunTable::Row> rows_of(std::span<const RunTable::Row> rows, NameId workflow,
                                       std::optional<NameId> branch) {
  auto lo = std::partition_point(rows.begin(), rows.end(), [&](const RunTable::Row& r) {
    return r.workflow < workflow || (r.workflow == workflow && branch && r.branch < *branch);
  });
  auto hi = std::partition_point(lo, rows.end(), [&](const RunTable::Row& r) {
    return r.workflow == workflow && (!branch || r.branch == *branch);
  });
  return {lo, hi};
}

}  // namespace

ScopeBlocks scope_blocks(const RunTable& table, const Scope& scope) {
  ScopeBlocks out;
  if (!resolve(table, scope, out.scope)) return out;
  std::optional<NameId> repository;
  if (!scope.repository.empty()) {
    repository = table.find_repository(scope.repository);
    if (!repository) return out;
  }
  const auto& workflows = table.workflows();
  for (std::size_t i = 0; i < workflows.size(); ++i) {
    if (repository && workflows[i].repository != *repository) continue;
    if (!workflow_matches(workflows[i], scope.workflow)) continue;
    auto rows = rows_of(table.rows(), static_cast<NameId>(i), out.scope.branch);
    if (!rows.empty()) out.blocks.push_back(Block{static_cast<NameId>(i), rows});
  }
  return out;
}

}  // namespace metrics_internal

}  // namespace cipette

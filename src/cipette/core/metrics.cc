#include "cipette/core/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string_view>

#include "cipette/core/engine/incidents.h"
#include "cipette/core/engine/scope.h"
#include "cipette/core/engine/table_data.h"

namespace cipette {

namespace {

using engine::Plan;
using engine::ResolvedScope;
using engine::Sums;
using engine::TableData;

constexpr Timestamp kMaxRangeSeconds = kMaxRangeDays * kSecondsPerDay;

// Counts of one (repository, workflow) row, or of all of them, before percentiles.
struct Tally {
  Sums runs;  // the completed runs in scope
  Timestamp first = std::numeric_limits<Timestamp>::max();
  Timestamp last = std::numeric_limits<Timestamp>::min();
  std::int64_t recovered = 0;
  std::int64_t open = 0;
  std::int64_t ttr_sum = 0;

  void add(const Tally& o) {
    runs.add(o.runs);
    first = std::min(first, o.first);
    last = std::max(last, o.last);
    recovered += o.recovered;
    open += o.open;
    ttr_sum += o.ttr_sum;
  }
  // Whether a workflow gets a report row: runs in scope, or an in-scope incident.
  bool reported() const { return runs.completed > 0 || recovered + open > 0; }
};

// Counts and ranks of one report row, or of the totals, before the period divisor is known.
struct Ranked {
  Tally tally;
  engine::Percentiles durations;
  std::optional<std::int64_t> ttr_median;
};

// One report row's part of the query: its rows in the period, and where its durations and
// times to recovery sit in the query's shared lists.
struct Part {
  NameId workflow = 0;
  WaveletMatrix::Range rows;
  std::size_t durations_begin = 0, durations_end = 0;
  std::size_t ttrs_begin = 0, ttrs_end = 0;
  Ranked ranked;
};

// The metrics of a resolved scope: each workflow's rows in the period are counted (from the
// running sums, or row by row where a filter or the plan asks), its incidents in the period
// counted (the precomputed ones, or walked again under an event filter), then everything is
// ranked (from the duration ranks, or from the durations collected).
class Query {
 public:
  Query(const TableData& data, const ResolvedScope& scope, Plan plan)
      : data_(data),
        scope_(scope),
        by_sums_(plan == Plan::kIndexed && !scope.filters_rows() && data.ranks_durations()),
        precomputed_incidents_(plan == Plan::kIndexed && !scope.event) {}

  std::vector<Part> parts;
  Ranked totals;

  void run() {
    std::vector<WaveletMatrix::Range> period;  // each workflow's rows in the period
    std::size_t rows = 0;
    for (NameId w : scope_.workflows) {
      period.push_back(scope_.rows_of(data_, w));
      rows += period.back().second - period.back().first;
    }
    // One allocation up front: growing a million-entry vector would copy it ~20 times.
    if (!by_sums_) durations_.reserve(rows);
    for (std::size_t i = 0; i < scope_.workflows.size(); ++i) {
      const NameId w = scope_.workflows[i];
      Part part{w, period[i], durations_.size(), 0, ttrs_.size(), 0, {}};
      Tally& tally = part.ranked.tally;
      if (by_sums_) {
        count_sums(part.rows, tally);
      } else {
        count_rows(part.rows, tally);
      }
      count_incidents(w, tally);
      if (!tally.reported()) {
        durations_.resize(part.durations_begin);
        ttrs_.resize(part.ttrs_begin);
        continue;
      }
      part.durations_end = durations_.size();
      part.ttrs_end = ttrs_.size();
      totals.tally.add(tally);
      parts.push_back(part);
    }
    std::vector<WaveletMatrix::Range> ranges;
    for (Part& part : parts) {
      ranges.push_back(part.rows);
      rank(part.ranked, {&part.rows, 1},
           std::span(durations_)
               .subspan(part.durations_begin, part.durations_end - part.durations_begin));
      part.ranked.ttr_median = nearest_rank_percentile(
          std::span(ttrs_).subspan(part.ttrs_begin, part.ttrs_end - part.ttrs_begin), 50);
    }
    // Last, because the parts' ranking above reorders only their own segments.
    rank(totals, ranges, durations_);
    totals.ttr_median = nearest_rank_percentile(ttrs_, 50);
  }

 private:
  // REQUIRES: the scope filters no rows (it accepts every completed one), as by_sums_ implies.
  void count_sums(WaveletMatrix::Range rows, Tally& tally) const {
    tally.runs = data_.sums_between(rows.first, rows.second);
    auto [begin, end] = scope_.accepted_ends(data_, rows);
    if (begin == end) return;
    tally.first = data_.created_at[begin];
    tally.last = data_.created_at[end - 1];
  }

  void count_rows(WaveletMatrix::Range rows, Tally& tally) {
    for (std::size_t i = rows.first; i < rows.second; ++i) {
      if (!scope_.accepts(data_, i)) continue;
      std::int64_t duration = data_.duration(i);
      data_.add_row(i, tally.runs);
      if (duration >= 0) durations_.push_back(duration);
      tally.first = std::min(tally.first, data_.created_at[i]);
      tally.last = std::max(tally.last, data_.created_at[i]);
    }
  }

  // The workflow's incidents whose first failure is in the period.
  void count_incidents(NameId workflow, Tally& tally) {
    std::span<const engine::Incident> incidents;
    if (precomputed_incidents_) {
      incidents = data_.incidents_of(workflow);
    } else {
      walked_.clear();
      engine::find_incidents(
          data_, workflow, [this](std::size_t i) { return scope_.accepts(data_, i); }, walked_);
      incidents = walked_;
    }
    auto before = [](const engine::Incident& incident, Timestamp t) {
      return incident.created_at < t;
    };
    auto begin = std::lower_bound(incidents.begin(), incidents.end(), scope_.lo, before);
    auto end = std::lower_bound(begin, incidents.end(), scope_.hi, before);
    for (auto it = begin; it != end; ++it) {
      if (scope_.branch && it->branch != *scope_.branch) continue;
      if (it->recovery < 0) {
        ++tally.open;
        continue;
      }
      ++tally.recovered;
      tally.ttr_sum += it->recovery;
      ttrs_.push_back(it->recovery);
    }
  }

  // The duration percentiles of `r`: from the duration ranks of `ranges` when counted by sums,
  // else of `durations` (reordered).
  void rank(Ranked& r, std::span<const WaveletMatrix::Range> ranges,
            std::span<std::int64_t> durations) const {
    if (!by_sums_) {
      r.durations = engine::p50_p95(durations);
      return;
    }
    const Sums& runs = r.tally.runs;
    if (runs.timed == 0) return;
    // Ranked as duration + 1, with 0 for the rows without one (unfinished runs too), so the
    // k-th smallest duration is the (untimed + k)-th smallest value.
    std::size_t rows = 0;
    for (auto [begin, end] : ranges) rows += end - begin;
    auto untimed = rows - static_cast<std::size_t>(runs.timed);
    auto at = [&](double p) {
      std::size_t k = untimed + engine::nearest_rank(static_cast<std::size_t>(runs.timed), p) - 1;
      return std::int64_t{data_.duration_ranks.kth_smallest(ranges, k)} - 1;
    };
    r.durations = engine::Percentiles{at(50), at(95)};
  }

  const TableData& data_;
  const ResolvedScope& scope_;
  const bool by_sums_;
  const bool precomputed_incidents_;
  std::vector<std::int64_t> durations_;  // collected when not counted by sums
  std::vector<std::int64_t> ttrs_;
  std::vector<engine::Incident> walked_;
};

// The metrics of a row or of the totals.
Metrics finish(const Ranked& ranked, double period_days) {
  const Tally& t = ranked.tally;
  const Sums& runs = t.runs;
  Metrics m;
  m.total = runs.completed;
  m.success = runs.success;
  m.failed = runs.failed;
  m.neutral = runs.completed - runs.success - runs.failed;
  m.success_rate = engine::success_rate(runs.success, runs.failed);
  m.duration.count = runs.timed;
  if (runs.timed > 0) {
    m.duration.mean = static_cast<double>(runs.duration) / static_cast<double>(runs.timed);
    m.duration.p50 = ranked.durations.p50;
    m.duration.p95 = ranked.durations.p95;
  }
  m.throughput_per_day = period_days > 0 ? static_cast<double>(runs.completed) / period_days : 0.0;
  m.mttr.recovered = t.recovered;
  m.mttr.open = t.open;
  if (t.recovered > 0) {
    m.mttr.mean = static_cast<double>(t.ttr_sum) / static_cast<double>(t.recovered);
    m.mttr.median = ranked.ttr_median;
  }
  m.rerun_runs = runs.reruns;
  m.rerun_rate = engine::share_percent(runs.reruns, runs.completed);
  m.flaky_runs = runs.flaky;
  m.flaky_rate = engine::share_percent(runs.flaky, runs.completed);
  m.first_attempt_success_rate = engine::success_rate(runs.first_success, runs.first_failed);
  m.rerun_seconds_lost = runs.seconds_lost;
  if (runs.completed > 0) {
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
  report.start = totals.runs.completed > 0 ? totals.first : 0;
  report.end = totals.runs.completed > 0 ? totals.last + 1 : 0;
  double span_days = static_cast<double>(report.end - 1 - report.start) / kSecondsPerDay;
  report.period_days = std::max(1.0, totals.runs.completed > 0 ? span_days : 0.0);
}

bool report_row_before(const WorkflowMetrics& a, const WorkflowMetrics& b) {
  if (a.repository != b.repository) return a.repository < b.repository;
  if (a.workflow != b.workflow) return a.workflow < b.workflow;
  return a.workflow_id < b.workflow_id;
}

WorkflowMetrics report_row(const RunTable& table, NameId workflow_id, const Ranked& ranked,
                           double period_days) {
  const auto& workflow = table.workflows()[workflow_id];
  WorkflowMetrics row;
  row.repository = table.repositories()[workflow.repository];
  row.workflow_id = workflow.workflow_id;
  row.workflow = workflow.name;
  row.path = workflow.path;
  row.metrics = finish(ranked, period_days);
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

std::optional<std::int64_t> nearest_rank_percentile(std::span<std::int64_t> values, double p) {
  if (values.empty()) return std::nullopt;
  auto nth =
      values.begin() + static_cast<std::ptrdiff_t>(engine::nearest_rank(values.size(), p) - 1);
  std::nth_element(values.begin(), nth, values.end());
  return *nth;
}

namespace engine {

MetricsReport compute_metrics(const RunTable& table, const Scope& scope, Plan plan) {
  MetricsReport report;
  report.scope = scope;
  ResolvedScope resolved = resolve_scope(table, scope);
  Query query(table.data(), resolved, plan);
  query.run();
  resolve_period(scope, query.totals.tally, report);
  report.workflows.reserve(query.parts.size());
  for (const Part& part : query.parts) {
    report.workflows.push_back(report_row(table, part.workflow, part.ranked, report.period_days));
  }
  std::sort(report.workflows.begin(), report.workflows.end(), report_row_before);
  report.totals = finish(query.totals, report.period_days);
  return report;
}

}  // namespace engine

MetricsReport compute_metrics(const RunTable& table, const Scope& scope) {
  return engine::compute_metrics(table, scope, engine::Plan::kIndexed);
}

}  // namespace cipette

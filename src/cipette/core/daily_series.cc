// compute_daily_series (metrics.h): counts, success rate and duration percentiles per UTC day.

#include <algorithm>
#include <limits>
#include <utility>

#include "cipette/core/metrics.h"
#include "cipette/core/metrics_internal.h"

namespace cipette {

namespace mi = metrics_internal;

namespace {

using Days = std::pair<std::int64_t, std::int64_t>;

// Earliest and latest created_at of the runs in scope, over rows().
std::pair<Timestamp, Timestamp> walk_first_last(const mi::ScopeBlocks& resolved) {
  Timestamp first = std::numeric_limits<Timestamp>::max();
  Timestamp last = std::numeric_limits<Timestamp>::min();
  for (const mi::Block& block : resolved.blocks) {
    for (const auto& row : block.rows) {
      if (!resolved.scope.accepts(row)) continue;
      first = std::min(first, row.created_at);
      last = std::max(last, row.created_at);
    }
  }
  return {first, last};
}

// The same from the period index, whose entries are in created_at order per workflow.
std::pair<Timestamp, Timestamp> indexed_first_last(const RunTable::PeriodIndex& index,
                                                   const mi::ScopeBlocks& resolved) {
  Timestamp first = std::numeric_limits<Timestamp>::max();
  Timestamp last = std::numeric_limits<Timestamp>::min();
  auto branch = resolved.scope.branch;
  for (const mi::Block& block : resolved.blocks) {
    std::size_t begin = index.workflow_begin[block.workflow];
    std::size_t end = index.workflow_begin[block.workflow + 1];
    while (begin < end && branch && index.branch[begin] != *branch) ++begin;
    while (end > begin && branch && index.branch[end - 1] != *branch) --end;
    if (begin == end) continue;
    first = std::min(first, index.created_at[begin]);
    last = std::max(last, index.created_at[end - 1]);
  }
  return {first, last};
}

// First and last UTC day of the series; none for `all` over an empty scope.
std::optional<Days> series_days(const RunTable& table, const mi::ScopeBlocks& resolved,
                                const Scope& scope) {
  const Period& p = scope.period;
  switch (p.kind) {
    case Period::Kind::kDays:
      // From the scope, not resolved.scope.lo: that is left unset when a filter names nothing.
      return Days{day_index(scope.now - Timestamp{p.days} * kSecondsPerDay), day_index(scope.now)};
    case Period::Kind::kRange:
      return Days{day_index(p.from), day_index(p.to - 1)};
    case Period::Kind::kAll:
      break;
  }
  auto [first, last] = mi::use_period_index(table, resolved.scope)
                           ? indexed_first_last(table.period_index(), resolved)
                           : walk_first_last(resolved);
  if (first > last) return std::nullopt;
  // At most as many days as a from/to range may have: the last 100 years of the runs.
  return Days{std::max(day_index(first), day_index(last) - kMaxRangeDays + 1), day_index(last)};
}

// A run's duration tagged with the offset of its day in the series.
struct DayDuration {
  std::uint32_t day;
  std::int64_t seconds;
};

// Counts runs per day into `points` and returns the durations to rank.
std::vector<DayDuration> count_days(const mi::ScopeBlocks& resolved,
                                    std::vector<DailyPoint>& points) {
  std::vector<DayDuration> durations;
  std::size_t rows_in_blocks = 0;
  for (const mi::Block& block : resolved.blocks) rows_in_blocks += block.rows.size();
  durations.reserve(rows_in_blocks);
  const std::int64_t first_day = points.front().day;
  for (const mi::Block& block : resolved.blocks) {
    for (const auto& row : block.rows) {
      if (!resolved.scope.accepts(row) || !resolved.scope.in_period(row.created_at)) continue;
      std::int64_t offset = day_index(row.created_at) - first_day;
      // Runs created after `now` (clock skew) fall past the last day of a `days` series.
      if (offset < 0 || offset >= static_cast<std::int64_t>(points.size())) continue;
      DailyPoint& point = points[static_cast<std::size_t>(offset)];
      ++point.total;
      point.success += row.outcome == Outcome::kSuccess;
      point.failed += row.outcome == Outcome::kFailed;
      point.neutral += row.outcome == Outcome::kNeutral;
      std::int64_t seconds = row.completed_at - row.started_at;
      if (seconds >= 0) durations.push_back({static_cast<std::uint32_t>(offset), seconds});
    }
  }
  return durations;
}

// Groups the durations by day (a counting sort) and ranks each day's.
void rank_days(const std::vector<DayDuration>& durations, std::vector<DailyPoint>& points) {
  std::vector<std::size_t> starts(points.size() + 1, 0);
  for (const auto& d : durations) ++starts[d.day + 1];
  for (std::size_t i = 1; i < starts.size(); ++i) starts[i] += starts[i - 1];
  std::vector<std::int64_t> grouped(durations.size());
  std::vector<std::size_t> next(starts.begin(), starts.end() - 1);
  for (const auto& d : durations) grouped[next[d.day]++] = d.seconds;
  for (std::size_t i = 0; i < points.size(); ++i) {
    auto day = std::span(grouped).subspan(starts[i], starts[i + 1] - starts[i]);
    auto p = mi::p50_p95(day);
    points[i].duration_p50 = p.p50;
    points[i].duration_p95 = p.p95;
  }
}

// The series from the period index: each workflow's entries are in created_at order, so a
// cursor per workflow walks the days in step and each day's durations are ranked as it ends.
void read_index(const RunTable::PeriodIndex& index, const mi::ScopeBlocks& resolved,
                std::vector<DailyPoint>& points) {
  std::vector<std::pair<std::size_t, std::size_t>> cursors;  // next entry, end
  for (const mi::Block& block : resolved.blocks) {
    cursors.push_back(mi::period_entries(index, block.workflow, resolved.scope));
  }
  auto branch = resolved.scope.branch;
  mi::HistogramRanker<std::int32_t> ranker;
  std::vector<std::int32_t> durations;
  for (DailyPoint& point : points) {
    // Entries before the first day's start are out of the period already; those after the
    // last day's end (created after `now`) are never reached.
    const Timestamp day_end = (point.day + 1) * kSecondsPerDay;
    durations.clear();
    std::int32_t max = -1;
    for (auto& [next, end] : cursors) {
      for (; next < end && index.created_at[next] < day_end; ++next) {
        if (branch && index.branch[next] != *branch) continue;
        ++point.total;
        point.success += index.outcome[next] == Outcome::kSuccess;
        point.failed += index.outcome[next] == Outcome::kFailed;
        std::int32_t duration = index.duration[next];
        if (duration < 0) continue;  // no duration: left out of duration figures
        durations.push_back(duration);
        max = std::max(max, duration);
      }
    }
    point.neutral = point.total - point.success - point.failed;
    auto p = ranker.p50_p95(durations, durations.size(), max);
    point.duration_p50 = p.p50;
    point.duration_p95 = p.p95;
  }
}

}  // namespace

std::vector<DailyPoint> compute_daily_series(const RunTable& table, const Scope& scope) {
  mi::ScopeBlocks resolved = mi::scope_blocks(table, scope);
  auto days = series_days(table, resolved, scope);
  if (!days || days->second < days->first) return {};
  std::vector<DailyPoint> points(static_cast<std::size_t>(days->second - days->first + 1));
  for (std::size_t i = 0; i < points.size(); ++i) {
    points[i].day = days->first + static_cast<std::int64_t>(i);
  }
  if (mi::use_period_index(table, resolved.scope)) {
    read_index(table.period_index(), resolved, points);
  } else {
    rank_days(count_days(resolved, points), points);
  }
  for (DailyPoint& point : points)
    point.success_rate = mi::success_rate(point.success, point.failed);
  return points;
}

}  // namespace cipette

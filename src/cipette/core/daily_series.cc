// compute_daily_series (metrics.h): counts, success rate and duration percentiles per UTC day.

#include <algorithm>
#include <limits>
#include <utility>

#include "cipette/core/engine/scope.h"
#include "cipette/core/engine/table_data.h"
#include "cipette/core/metrics.h"

namespace cipette {

namespace {

using Days = std::pair<std::int64_t, std::int64_t>;
using engine::ResolvedScope;
using engine::TableData;

// Earliest and latest created_at of the runs in scope.
std::pair<Timestamp, Timestamp> first_last(const TableData& data, const ResolvedScope& scope) {
  Timestamp first = std::numeric_limits<Timestamp>::max();
  Timestamp last = std::numeric_limits<Timestamp>::min();
  for (NameId w : scope.workflows) {
    auto [begin, end] = scope.accepted_ends(data, scope.rows_of(data, w));
    if (begin == end) continue;
    first = std::min(first, data.created_at[begin]);
    last = std::max(last, data.created_at[end - 1]);
  }
  return {first, last};
}

// First and last UTC day of the series; none for `all` over an empty scope.
std::optional<Days> series_days(const TableData& data, const ResolvedScope& resolved,
                                const Scope& scope) {
  const Period& p = scope.period;
  switch (p.kind) {
    case Period::Kind::kDays:
      return Days{day_index(scope.now - Timestamp{p.days} * kSecondsPerDay), day_index(scope.now)};
    case Period::Kind::kRange:
      return Days{day_index(p.from), day_index(p.to - 1)};
    case Period::Kind::kAll:
      break;
  }
  auto [first, last] = first_last(data, resolved);
  if (first > last) return std::nullopt;
  // At most as many days as a from/to range may have: the last 100 years of the runs.
  return Days{std::max(day_index(first), day_index(last) - kMaxRangeDays + 1), day_index(last)};
}

// Counts and ranks each day's runs: every workflow's rows are in created_at order, so a
// cursor per workflow walks the days in step, and each day's durations are ranked as it ends.
void count_days(const TableData& data, const ResolvedScope& scope,
                std::vector<DailyPoint>& points) {
  std::vector<std::pair<std::size_t, std::size_t>> cursors;  // next row, end
  for (NameId w : scope.workflows) {
    auto rows = scope.rows_of(data, w);
    // Rows before the first day (`all` keeps the last 100 years) are not in the series.
    Timestamp first_day_start = points.front().day * kSecondsPerDay;
    while (rows.first < rows.second && data.created_at[rows.first] < first_day_start) {
      ++rows.first;
    }
    cursors.push_back(rows);
  }
  std::vector<std::int64_t> durations;
  for (DailyPoint& point : points) {
    // Rows after the last day's end (created after `now`) are never reached.
    const Timestamp day_end = (point.day + 1) * kSecondsPerDay;
    durations.clear();
    engine::Sums day;
    for (auto& [next, end] : cursors) {
      for (; next < end && data.created_at[next] < day_end; ++next) {
        if (!scope.accepts(data, next)) continue;
        std::int64_t seconds = data.duration(next);
        data.add_row(next, day);
        if (seconds >= 0) durations.push_back(seconds);
      }
    }
    point.total = day.completed;
    point.success = day.success;
    point.failed = day.failed;
    auto p = engine::p50_p95(durations);
    point.duration_p50 = p.p50;
    point.duration_p95 = p.p95;
  }
}

}  // namespace

std::vector<DailyPoint> compute_daily_series(const RunTable& table, const Scope& scope) {
  const TableData& data = table.data();
  ResolvedScope resolved = engine::resolve_scope(table, scope);
  auto days = series_days(data, resolved, scope);
  if (!days || days->second < days->first) return {};
  std::vector<DailyPoint> points(static_cast<std::size_t>(days->second - days->first + 1));
  for (std::size_t i = 0; i < points.size(); ++i) {
    points[i].day = days->first + static_cast<std::int64_t>(i);
  }
  count_days(data, resolved, points);
  for (DailyPoint& point : points) {
    point.neutral = point.total - point.success - point.failed;
    point.success_rate = engine::success_rate(point.success, point.failed);
  }
  return points;
}

}  // namespace cipette

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

// Earliest and latest created_at of the runs in scope: each workflow's rows are in created_at
// order, so the first and last it accepts.
std::pair<Timestamp, Timestamp> first_last(const TableData& data, const ResolvedScope& scope) {
  Timestamp first = std::numeric_limits<Timestamp>::max();
  Timestamp last = std::numeric_limits<Timestamp>::min();
  for (NameId w : scope.workflows) {
    auto [begin, end] = scope.rows_of(data, w);
    while (begin < end && !scope.accepts(data, begin)) ++begin;
    while (end > begin && !scope.accepts(data, end - 1)) --end;
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

// A run's duration tagged with the offset of its day in the series.
struct DayDuration {
  std::uint32_t day;
  std::int64_t seconds;
};

// Counts runs per day into `points` and returns the durations to rank.
std::vector<DayDuration> count_days(const TableData& data, const ResolvedScope& scope,
                                    std::vector<DailyPoint>& points) {
  std::vector<DayDuration> durations;
  const std::int64_t first_day = points.front().day;
  const auto days = static_cast<std::int64_t>(points.size());
  for (NameId w : scope.workflows) {
    auto [begin, end] = scope.rows_of(data, w);
    for (std::size_t i = begin; i < end; ++i) {
      if (!scope.accepts(data, i)) continue;
      std::int64_t offset = day_index(data.created_at[i]) - first_day;
      // Runs created after `now` (clock skew) fall past the last day of a `days` series, and
      // `all` leaves out what is more than 100 years before the last run.
      if (offset < 0 || offset >= days) continue;
      engine::Sums day;
      std::int64_t seconds = data.duration(i);
      day.add(data.state[i], seconds);
      DailyPoint& point = points[static_cast<std::size_t>(offset)];
      point.total += day.completed;
      point.success += day.success;
      point.failed += day.failed;
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
    auto p = engine::p50_p95(day);
    points[i].duration_p50 = p.p50;
    points[i].duration_p95 = p.p95;
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
  rank_days(count_days(data, resolved, points), points);
  for (DailyPoint& point : points) {
    point.neutral = point.total - point.success - point.failed;
    point.success_rate = engine::success_rate(point.success, point.failed);
  }
  return points;
}

}  // namespace cipette

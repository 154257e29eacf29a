#include "cipette/collector/windows.h"

#include <algorithm>

namespace cipette::collector {

std::string created_filter(Timestamp from, std::optional<Timestamp> to) {
  if (!to) return ">=" + format_timestamp(from);
  return format_timestamp(from) + ".." + format_timestamp(*to);
}

Density density_of(std::span<const RunRecord> runs) {
  if (runs.size() < 2) return {};
  auto [oldest, newest] = std::minmax_element(
      runs.begin(), runs.end(),
      [](const RunRecord& a, const RunRecord& b) { return a.created_at < b.created_at; });
  return Density{static_cast<std::int64_t>(runs.size()),
                 newest->created_at - oldest->created_at + 1};
}

std::optional<Timestamp> newest_created(std::span<const RunRecord> runs) {
  std::optional<Timestamp> newest;
  for (const RunRecord& run : runs) {
    if (!newest || run.created_at > *newest) newest = run.created_at;
  }
  return newest;
}

Timestamp window_start(Timestamp lo, Timestamp anchor, Density density, std::int64_t target) {
  if (!density.known() || anchor <= lo) return lo;
  // In floating point: runs * seconds can overflow 64 bits for long, sparse histories.
  double span = static_cast<double>(target) * static_cast<double>(density.seconds) /
                static_cast<double>(density.runs);
  double start = static_cast<double>(anchor) - std::max(span, 1.0) + 1.0;
  if (start <= static_cast<double>(lo)) return lo;
  return std::min(anchor, static_cast<Timestamp>(start));
}

Timestamp shrink_window(Timestamp from, Timestamp to, std::int64_t total,
                        std::span<const RunRecord> first_page, std::int64_t target, bool halve) {
  Timestamp start = from;
  Density page = density_of(first_page);
  if (page.known()) {
    Timestamp anchor = std::clamp(newest_created(first_page).value_or(to), from, to);
    start = window_start(from, anchor, page, target);
  } else {
    start = window_start(from, to, Density{total, to - from + 1}, target);
  }
  if (halve) start = std::max(start, from + (to - from + 1) / 2);
  return std::clamp(start, from + 1, to);
}

}  // namespace cipette::collector

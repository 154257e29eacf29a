#pragma once

// Pieces shared by metrics.cc and daily_series.cc; not part of the public API.

#include <algorithm>
#include <bit>
#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <type_traits>
#include <utility>
#include <vector>

#include "cipette/core/metrics.h"
#include "cipette/core/run_table.h"

namespace cipette::metrics_internal {

// A scope's filters resolved to dictionary ids once, so that the pass over the rows compares
// integers only.
struct ResolvedScope {
  std::optional<NameId> branch;        // none: any branch
  std::optional<std::uint16_t> event;  // none: any event
  // The period as created_at bounds, lo <= created_at < hi (kAll: everything).
  Timestamp lo = std::numeric_limits<Timestamp>::min();
  Timestamp hi = std::numeric_limits<Timestamp>::max();

  // True for a completed run that passes the branch and event filters (the workflow and
  // repository filters are applied by choosing blocks, see scope_blocks()).
  bool accepts(const RunTable::Row& row) const {
    return row.completed && (!branch || row.branch == *branch) && (!event || row.event == *event);
  }
  bool in_period(Timestamp created_at) const { return created_at >= lo && created_at < hi; }
};

// The rows of one workflow that a scope may touch: all its rows, or those of the one branch
// the scope asks for. Rows are in stream order (branch, completion time, id).
struct Block {
  NameId workflow = 0;
  std::span<const RunTable::Row> rows;
};

// The scope resolved against `table`, and the blocks of the workflows that pass the repository
// and workflow filters, in workflow id order. A filter naming nothing known yields no blocks.
struct ScopeBlocks {
  ResolvedScope scope;
  std::vector<Block> blocks;
};
ScopeBlocks scope_blocks(const RunTable& table, const Scope& scope);

// 100 * success / (success + failed), rounded to 2 decimals; none when both are 0.
std::optional<double> success_rate(std::int64_t success, std::int64_t failed);

// 1-based nearest rank of the p-th percentile among n values: ceil(p/100 * n), within 1..n.
std::size_t nearest_rank(std::size_t n, double p);

struct Percentiles {
  std::optional<std::int64_t> p50;
  std::optional<std::int64_t> p95;
};

// p50 and p95 of `values` (reordered), with one partial sort for both.
Percentiles p50_p95(std::span<std::int64_t> values);

// Nearest-rank p50 and p95 of non-negative integers (durations, times to recovery) without
// reordering them: a histogram of the values' high bits finds the bucket each rank falls in,
// and only the values of those buckets are ranked exactly. Keeps its scratch space between
// calls. T: std::int32_t or std::int64_t.
template <typename T>
class HistogramRanker {
 public:
  // Over the values >= 0 of all `parts`; negative values (no duration) are left out. `count`
  // and `max`: how many values are >= 0, and the largest value (REQUIRES: exact).
  Percentiles p50_p95(std::span<const std::span<const T>> parts, std::size_t count, T max);
  Percentiles p50_p95(std::span<const T> values, std::size_t count, T max) {
    return p50_p95({&values, 1}, count, max);
  }

 private:
  using Unsigned = std::make_unsigned_t<T>;

  // The bucket that holds the value of 0-based rank `k`, and that value's rank within it.
  std::pair<std::size_t, std::size_t> bucket_of(std::size_t k) const {
    std::size_t below = 0;
    std::size_t bucket = 0;
    while (below + histogram_[bucket] <= k) below += histogram_[bucket++];
    return {bucket, k - below};
  }

  // The value of rank `k` among `values` (reordered).
  static T select(std::vector<T>& values, std::size_t k) {
    auto nth = values.begin() + static_cast<std::ptrdiff_t>(k);
    std::nth_element(values.begin(), nth, values.end());
    return *nth;
  }

  std::vector<std::uint32_t> histogram_;
  std::vector<T> bucket50_;
  std::vector<T> bucket95_;
};

template <typename T>
Percentiles HistogramRanker<T>::p50_p95(std::span<const std::span<const T>> parts, std::size_t n,
                                        T max) {
  if (n == 0) return {};
  // Up to about four buckets per value, at most 2^16 (measured faster than one per value):
  // exact buckets (shift 0, as for most durations) need no second look at the values.
  int bits = std::clamp(static_cast<int>(std::bit_width(n)) + 2, 4, 16);
  int shift = std::max(0, static_cast<int>(std::bit_width(static_cast<Unsigned>(max))) - bits);
  histogram_.assign((static_cast<Unsigned>(max) >> shift) + 1, 0);
  for (auto part : parts) {
    for (T value : part) {
      if (value >= 0) ++histogram_[static_cast<Unsigned>(value) >> shift];
    }
  }
  auto [bucket50, rank50] = bucket_of(nearest_rank(n, 50) - 1);
  auto [bucket95, rank95] = bucket_of(nearest_rank(n, 95) - 1);
  if (shift == 0) {
    return Percentiles{static_cast<std::int64_t>(bucket50), static_cast<std::int64_t>(bucket95)};
  }
  bucket50_.clear();
  bucket95_.clear();
  for (auto part : parts) {
    for (T value : part) {
      if (value < 0) continue;
      std::size_t bucket = static_cast<Unsigned>(value) >> shift;
      if (bucket == bucket50) bucket50_.push_back(value);
      if (bucket == bucket95) bucket95_.push_back(value);
    }
  }
  std::int64_t p50 = select(bucket50_, rank50);
  return Percentiles{p50, select(bucket95_, rank95)};
}

// Whether a query can be answered from table.period_index() rather than by walking rows():
// the index's incidents are those of streams of all completed runs, which an event filter
// would change.
bool use_period_index(const RunTable& table, const ResolvedScope& scope);

// The entries of `workflow` in `index` created within the scope's period, [first, second).
std::pair<std::size_t, std::size_t> period_entries(const RunTable::PeriodIndex& index,
                                                   NameId workflow, const ResolvedScope& scope);

}  // namespace cipette::metrics_internal

#pragma once

// Pieces shared by metrics.cc and daily_series.cc; not part of the public API.

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
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

}  // namespace cipette::metrics_internal

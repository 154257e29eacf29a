#pragma once

// A Scope resolved against a table, and the small ranking rules every query shares.

#include <cstdint>
#include <limits>
#include <optional>
#include <span>
#include <vector>

#include "cipette/core/engine/table_data.h"
#include "cipette/core/metrics.h"

namespace cipette::engine {

// A scope's filters resolved to dictionary ids once, so that a pass over the rows compares
// integers only.
struct ResolvedScope {
  std::vector<NameId> workflows;       // matching_workflows(), or none when a filter names
                                       // nothing known
  std::optional<NameId> branch;        // none: any branch
  std::optional<std::uint16_t> event;  // none: any event
  // The period as created_at bounds, lo <= created_at < hi (kAll: everything).
  Timestamp lo = std::numeric_limits<Timestamp>::min();
  Timestamp hi = std::numeric_limits<Timestamp>::max();

  bool filters_rows() const { return branch || event; }
  // True for a row that passes the branch and event filters, completed or not (the jobs of a
  // run still running count: docs/metrics.md, "Jobs, queue time and runners").
  bool passes_filters(const TableData& data, std::size_t i) const {
    return (!branch || data.branch[i] == *branch) && (!event || data.event[i] == *event);
  }
  // True for a completed row that passes the branch and event filters.
  bool accepts(const TableData& data, std::size_t i) const {
    return data.completed(i) && passes_filters(data, i);
  }
  // Workflow w's rows created in the period.
  std::pair<std::size_t, std::size_t> rows_of(const TableData& data, NameId w) const {
    return data.period_rows(w, lo, hi);
  }
  // `rows` (of one workflow) narrowed to run from the first row it accepts to the last, empty
  // when it accepts none: rows are in created_at order, so those are the earliest and latest.
  std::pair<std::size_t, std::size_t> accepted_ends(
      const TableData& data, std::pair<std::size_t, std::size_t> rows) const {
    auto [begin, end] = rows;
    while (begin < end && !accepts(data, begin)) ++begin;
    while (end > begin && !accepts(data, end - 1)) --end;
    return {begin, end};
  }
};

ResolvedScope resolve_scope(const RunTable& table, const Scope& scope);

// 100 * part / whole, rounded to 2 decimals; none when whole is 0.
std::optional<double> share_percent(std::int64_t part, std::int64_t whole);

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

// How compute_metrics reads the table. kIndexed (what metrics.h's compute_metrics does) takes
// the running sums, the duration ranks and the precomputed incidents wherever the scope
// allows; kScan reads every row in scope and walks the streams again. Both count with the same
// rules (Sums::add, walk_incidents), and a test holds them to the same answers.
enum class Plan { kIndexed, kScan };
MetricsReport compute_metrics(const RunTable& table, const Scope& scope, Plan plan);

}  // namespace cipette::engine

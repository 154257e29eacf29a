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
  std::int64_t duration_max = -1;
  Timestamp first = std::numeric_limits<Timestamp>::max();
  Timestamp last = std::numeric_limits<Timestamp>::min();
  std::int64_t recovered = 0;
  std::int64_t open = 0;
  std::int64_t ttr_sum = 0;
  std::int64_t ttr_max = -1;

  void add(const Tally& o) {
    total += o.total;
    success += o.success;
    failed += o.failed;
    neutral += o.neutral;
    duration_count += o.duration_count;
    duration_sum += o.duration_sum;
    duration_max = std::max(duration_max, o.duration_max);
    first = std::min(first, o.first);
    last = std::max(last, o.last);
    recovered += o.recovered;
    open += o.open;
    ttr_sum += o.ttr_sum;
    ttr_max = std::max(ttr_max, o.ttr_max);
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

// Counts and ranks of one report row, or of the totals, before the period divisor is known.
struct Ranked {
  Tally tally;
  mi::Percentiles durations;
  std::optional<std::int64_t> ttr_median;
};

// The report's rows by workflow id, and the totals.
struct RankedReport {
  std::vector<std::pair<NameId, Ranked>> rows;
  Ranked totals;
};

// The median time to recovery of `ttrs` (reordered), none without any.
std::optional<std::int64_t> ttr_median(std::span<std::int64_t> ttrs) {
  if (ttrs.empty()) return std::nullopt;
  auto nth = ttrs.begin() + static_cast<std::ptrdiff_t>(mi::nearest_rank(ttrs.size(), 50) - 1);
  std::nth_element(ttrs.begin(), nth, ttrs.end());
  return *nth;
}

// Ranks the durations and times to recovery of a tally from the period index.
class IndexRanker {
 public:
  explicit IndexRanker(const RunTable::PeriodIndex& index) : index_(index) {}

  // The durations of the entries of `ranges` (without a branch filter: every entry counts),
  // from the index's wavelet matrix.
  void rank(Ranked& r, std::span<const WaveletMatrix::Range> ranges,
            std::span<const std::int64_t> ttr_values) {
    const Tally& t = r.tally;
    if (t.duration_count > 0) {
      // Durations are ranked as duration + 1 and entries without one as 0, so the k-th
      // smallest duration is the (untimed + k)-th smallest value.
      auto untimed = static_cast<std::size_t>(t.total - t.duration_count);
      auto timed = static_cast<std::size_t>(t.duration_count);
      auto at = [&](double p) {
        std::size_t k = untimed + mi::nearest_rank(timed, p) - 1;
        return std::int64_t{index_.duration_ranks.kth_smallest(ranges, k)} - 1;
      };
      r.durations = mi::Percentiles{at(50), at(95)};
    }
    rank_ttrs(r, ttr_values);
  }

  // The durations given (with a branch filter: those of the branch's entries), whose maximum
  // (the tally's) fits in int32.
  void rank(Ranked& r, std::span<const std::span<const std::int32_t>> duration_parts,
            std::span<const std::int64_t> ttr_values) {
    const Tally& t = r.tally;
    r.durations = durations_.p50_p95(duration_parts, static_cast<std::size_t>(t.duration_count),
                                     static_cast<std::int32_t>(t.duration_max));
    rank_ttrs(r, ttr_values);
  }

 private:
  void rank_ttrs(Ranked& r, std::span<const std::int64_t> ttr_values) {
    const Tally& t = r.tally;
    r.ttr_median = ttrs_.p50_p95(ttr_values, static_cast<std::size_t>(t.recovered), t.ttr_max).p50;
  }

  const RunTable::PeriodIndex& index_;
  mi::HistogramRanker<std::int32_t> durations_;
  mi::HistogramRanker<std::int64_t> ttrs_;
};

// A tally of counts, before first/last and incidents.
Tally tally_of(std::size_t total, std::size_t success, std::size_t failed, std::size_t timed,
               std::int64_t duration_sum, std::int64_t duration_max) {
  Tally t;
  t.total = static_cast<std::int64_t>(total);
  t.success = static_cast<std::int64_t>(success);
  t.failed = static_cast<std::int64_t>(failed);
  t.neutral = t.total - t.success - t.failed;
  t.duration_count = static_cast<std::int64_t>(timed);
  t.duration_sum = duration_sum;
  t.duration_max = duration_max;
  return t;
}

// Whether a workflow gets a report row: runs in scope, or an in-scope incident.
bool reported(const Tally& t) { return t.total > 0 || t.recovered + t.open > 0; }

// One forward pass over a workflow's rows; durations and times to recovery are appended to
// vectors shared by all rows so that the totals' percentiles need no second pass. Used where
// the period index cannot answer (an event filter).
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

RankedReport walk_rows(const mi::ScopeBlocks& resolved) {
  MetricsPass pass(resolved.scope);
  // One allocation up front: growing a million-entry vector would copy it ~20 times.
  std::size_t rows_in_blocks = 0;
  for (const mi::Block& block : resolved.blocks) rows_in_blocks += block.rows.size();
  pass.durations.reserve(rows_in_blocks);
  struct Segments {
    std::size_t durations_begin, durations_end, ttrs_begin, ttrs_end;
  };
  RankedReport report;
  std::vector<Segments> segments;
  for (const mi::Block& block : resolved.blocks) {
    Segments at{pass.durations.size(), 0, pass.ttrs.size(), 0};
    Tally tally = pass.scan(block.rows);
    if (!reported(tally)) continue;
    segments.push_back(
        {at.durations_begin, pass.durations.size(), at.ttrs_begin, pass.ttrs.size()});
    report.totals.tally.add(tally);
    report.rows.push_back({block.workflow, Ranked{tally, {}, {}}});
  }
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const Segments& at = segments[i];
    Ranked& row = report.rows[i].second;
    row.durations =
        mi::p50_p95(std::span(pass.durations)
                        .subspan(at.durations_begin, at.durations_end - at.durations_begin));
    row.ttr_median =
        ttr_median(std::span(pass.ttrs).subspan(at.ttrs_begin, at.ttrs_end - at.ttrs_begin));
  }
  // Last, because the rows' percentiles above reorder only their own segments.
  report.totals.durations = mi::p50_p95(pass.durations);
  report.totals.ttr_median = ttr_median(pass.ttrs);
  return report;
}

// The metrics from table.period_index(): the entries in the period of each workflow, and its
// precomputed incidents.
class IndexedPass {
 public:
  IndexedPass(const RunTable::PeriodIndex& index, const mi::ResolvedScope& scope)
      : index_(index), scope_(scope) {}

  // Counts the workflow's `entries` (those in the period) and its incidents in the period;
  // with a branch filter, `durations` becomes the branch's durations (without one, the
  // durations are ranked from the index's wavelet matrix and `durations` is left alone).
  Tally scan(NameId workflow, std::pair<std::size_t, std::size_t> entries,
             std::span<const std::int32_t>& durations) {
    Tally tally = scope_.branch ? count_branch(entries, durations) : count_all(entries);
    count_incidents(workflow, tally);
    return tally;
  }

  // Durations of the entries of one branch, copied; the caller reserves room for every entry
  // scanned so that spans into it stay valid.
  std::vector<std::int32_t> branch_durations;
  std::vector<std::int64_t> ttrs;

 private:
  Tally count_all(std::pair<std::size_t, std::size_t> entries) {
    auto [begin, end] = entries;
    if (begin == end) return Tally{};
    RunTable::PeriodIndex::Sums sums = index_.sums_between(begin, end);
    // No maximum: the wavelet matrix ranks these durations without one.
    Tally tally = tally_of(end - begin, static_cast<std::size_t>(sums.success),
                           static_cast<std::size_t>(sums.failed),
                           static_cast<std::size_t>(sums.timed), sums.duration, -1);
    tally.first = index_.created_at[begin];  // entries are in created_at order
    tally.last = index_.created_at[end - 1];
    return tally;
  }

  // As count_all for the entries of the scope's branch, without branches in the loop (the
  // branches of a workflow's entries interleave unpredictably).
  Tally count_branch(std::pair<std::size_t, std::size_t> entries,
                     std::span<const std::int32_t>& durations) {
    auto [begin, end] = entries;
    const NameId branch = *scope_.branch;
    std::size_t from = branch_durations.size();
    branch_durations.resize(from + (end - begin));  // within the reserved room
    std::int32_t* out = branch_durations.data() + from;
    // Locals rather than the tally's fields, which the compiler would keep in memory.
    std::size_t total = 0, success = 0, failed = 0, kept = 0;
    std::int64_t sum = 0;
    std::int32_t max = -1;
    for (std::size_t i = begin; i < end; ++i) {
      bool match = index_.branch[i] == branch;
      Outcome outcome = index_.outcome[i];
      std::int32_t duration = index_.duration[i];
      bool timed = match & (duration >= 0);
      total += match;
      success += match & (outcome == Outcome::kSuccess);
      failed += match & (outcome == Outcome::kFailed);
      sum += timed ? duration : 0;
      max = timed ? std::max(max, duration) : max;
      out[kept] = duration;
      kept += timed;
    }
    branch_durations.resize(from + kept);
    Tally tally = tally_of(total, success, failed, kept, sum, max);
    durations = std::span(branch_durations).subspan(from);
    if (tally.total == 0) return tally;
    while (index_.branch[begin] != branch) ++begin;  // entries are in created_at order
    while (index_.branch[end - 1] != branch) --end;
    tally.first = index_.created_at[begin];
    tally.last = index_.created_at[end - 1];
    return tally;
  }

  // The workflow's incidents whose first failure is in the period.
  void count_incidents(NameId workflow, Tally& tally) {
    using Incident = RunTable::PeriodIndex::Incident;
    auto first = index_.incidents.begin();
    auto begin = first + static_cast<std::ptrdiff_t>(index_.incident_begin[workflow]);
    auto end = first + static_cast<std::ptrdiff_t>(index_.incident_begin[workflow + 1]);
    auto before = [](const Incident& incident, Timestamp t) { return incident.created_at < t; };
    begin = std::lower_bound(begin, end, scope_.lo, before);
    end = std::lower_bound(begin, end, scope_.hi, before);
    for (auto it = begin; it != end; ++it) {
      if (scope_.branch && it->branch != *scope_.branch) continue;
      if (it->recovery < 0) {
        ++tally.open;
        continue;
      }
      ++tally.recovered;
      tally.ttr_sum += it->recovery;
      tally.ttr_max = std::max(tally.ttr_max, it->recovery);
      ttrs.push_back(it->recovery);
    }
  }

  const RunTable::PeriodIndex& index_;
  const mi::ResolvedScope& scope_;
};

RankedReport read_index(const RunTable& table, const mi::ScopeBlocks& resolved) {
  const RunTable::PeriodIndex& index = table.period_index();
  IndexedPass pass(index, resolved.scope);
  std::vector<std::pair<std::size_t, std::size_t>> entries;
  std::size_t entry_count = 0;
  for (const mi::Block& block : resolved.blocks) {
    entries.push_back(mi::period_entries(index, block.workflow, resolved.scope));
    entry_count += entries.back().second - entries.back().first;
  }
  const bool branch = resolved.scope.branch.has_value();
  if (branch) pass.branch_durations.reserve(entry_count);
  RankedReport report;
  std::vector<WaveletMatrix::Range> ranges;              // per report row, without a branch
  std::vector<std::span<const std::int32_t>> durations;  // per report row, with a branch
  std::vector<std::size_t> ttrs_begin;
  for (std::size_t i = 0; i < resolved.blocks.size(); ++i) {
    std::span<const std::int32_t> row_durations;
    std::size_t at = pass.ttrs.size();
    Tally tally = pass.scan(resolved.blocks[i].workflow, entries[i], row_durations);
    if (!reported(tally)) continue;
    report.totals.tally.add(tally);
    report.rows.push_back({resolved.blocks[i].workflow, Ranked{tally, {}, {}}});
    if (branch) {
      durations.push_back(row_durations);
    } else {
      ranges.push_back(entries[i]);
    }
    ttrs_begin.push_back(at);
  }
  IndexRanker ranker(index);
  // Ranks report rows [first, first + count) together into `r`.
  auto rank = [&](Ranked& r, std::size_t first, std::size_t count,
                  std::span<const std::int64_t> ttrs) {
    if (branch) {
      ranker.rank(
          r, std::span<const std::span<const std::int32_t>>(durations).subspan(first, count), ttrs);
    } else {
      ranker.rank(r, std::span<const WaveletMatrix::Range>(ranges).subspan(first, count), ttrs);
    }
  };
  ttrs_begin.push_back(pass.ttrs.size());
  for (std::size_t i = 0; i < report.rows.size(); ++i) {
    auto ttrs = std::span(pass.ttrs).subspan(ttrs_begin[i], ttrs_begin[i + 1] - ttrs_begin[i]);
    rank(report.rows[i].second, i, 1, ttrs);
  }
  rank(report.totals, 0, report.rows.size(), pass.ttrs);
  return report;
}

// The metrics of a row or of the totals.
Metrics finish(const Ranked& ranked, double period_days) {
  const Tally& t = ranked.tally;
  Metrics m;
  m.total = t.total;
  m.success = t.success;
  m.failed = t.failed;
  m.neutral = t.neutral;
  m.success_rate = mi::success_rate(t.success, t.failed);
  m.duration.count = t.duration_count;
  if (t.duration_count > 0) {
    m.duration.mean = static_cast<double>(t.duration_sum) / static_cast<double>(t.duration_count);
    m.duration.p50 = ranked.durations.p50;
    m.duration.p95 = ranked.durations.p95;
  }
  m.throughput_per_day = period_days > 0 ? static_cast<double>(t.total) / period_days : 0.0;
  m.mttr.recovered = t.recovered;
  m.mttr.open = t.open;
  if (t.recovered > 0) {
    m.mttr.mean = static_cast<double>(t.ttr_sum) / static_cast<double>(t.recovered);
    m.mttr.median = ranked.ttr_median;
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
  RankedReport ranked = mi::use_period_index(table, resolved.scope) ? read_index(table, resolved)
                                                                    : walk_rows(resolved);
  resolve_period(scope, ranked.totals.tally, report);
  report.workflows.reserve(ranked.rows.size());
  for (const auto& [workflow, row] : ranked.rows) {
    report.workflows.push_back(report_row(table, workflow, row, report.period_days));
  }
  std::sort(report.workflows.begin(), report.workflows.end(), report_row_before);
  report.totals = finish(ranked.totals, report.period_days);
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

bool use_period_index(const RunTable& table, const ResolvedScope& scope) {
  return !scope.event && table.period_index().usable(table.workflows().size());
}

std::pair<std::size_t, std::size_t> period_entries(const RunTable::PeriodIndex& index,
                                                   NameId workflow, const ResolvedScope& scope) {
  auto first = index.created_at.begin();
  auto begin = first + static_cast<std::ptrdiff_t>(index.workflow_begin[workflow]);
  auto end = first + static_cast<std::ptrdiff_t>(index.workflow_begin[workflow + 1]);
  begin = std::lower_bound(begin, end, scope.lo);
  end = std::lower_bound(begin, end, scope.hi);
  return {static_cast<std::size_t>(begin - first), static_cast<std::size_t>(end - first)};
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
  for (NameId workflow : matching_workflows(table, scope)) {
    auto rows = rows_of(table.rows(), workflow, out.scope.branch);
    if (!rows.empty()) out.blocks.push_back(Block{workflow, rows});
  }
  return out;
}

}  // namespace metrics_internal

std::vector<NameId> matching_workflows(const RunTable& table, const Scope& scope) {
  std::vector<NameId> out;
  std::optional<NameId> repository;
  if (!scope.repository.empty()) {
    repository = table.find_repository(scope.repository);
    if (!repository) return out;
  }
  const auto& workflows = table.workflows();
  for (std::size_t i = 0; i < workflows.size(); ++i) {
    if (repository && workflows[i].repository != *repository) continue;
    if (mi::workflow_matches(workflows[i], scope.workflow)) out.push_back(static_cast<NameId>(i));
  }
  return out;
}

}  // namespace cipette

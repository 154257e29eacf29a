#include "cipette/core/job_metrics.h"

#include <algorithm>
#include <limits>
#include <map>
#include <span>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "cipette/core/engine/job_data.h"
#include "cipette/core/engine/scope.h"
#include "cipette/core/engine/table_data.h"
#include "cipette/core/text.h"
#include "cipette/core/time.h"

namespace cipette {

namespace {

using engine::CompactJob;
using engine::JobData;
using engine::RunState;

// The counts of a set of jobs: the one rule for what a job adds to every figure.
struct Tally {
  std::int64_t executions = 0;
  std::int64_t success = 0;
  std::int64_t failed = 0;
  std::int64_t approval_waits = 0;
  std::int64_t flaky = 0;
  std::int64_t billable = 0;
  std::int64_t duration_sum = 0;
  std::int64_t queue_sum = 0;
  // 32 bits, as the table holds them: half the memory to write and to rank.
  std::vector<std::int32_t> durations;
  std::vector<std::int32_t> queues;
  std::vector<NameId> names;  // the distinct job names seen (legs)

  void add(const CompactJob& job) {
    if (!job.completed()) return;
    ++executions;
    flaky += job.flaky;
    success += job.state == RunState::kSuccess;
    failed += job.state == RunState::kFailed;
    approval_waits += job.waited;
    if (job.duration != CompactJob::kNone) {
      durations.push_back(job.duration);
      duration_sum += job.duration;
      billable += billable_minutes(job.duration);
    }
    if (job.queue != CompactJob::kNone) {
      queues.push_back(job.queue);
      queue_sum += job.queue;
    }
  }
};

// The k50-th and k95-th smallest (0-based) of `values` (non-negative, k50 <= k95 <
// values.size()) by counting: values under 2^16 (seconds under 18 hours: nearly all) are
// counted in 2^16 fine and 2^8 coarse counters, so a rank is found by walking at most 256 of
// each; the rare larger values are ranked apart. The counters are kept zero between calls (a
// call takes back what it counted), so a call costs O(n + 512): a group of a few thousand jobs
// no longer pays for clearing 2^16 counters, and millions of values are several times faster
// than nth_element.
engine::Percentiles two_ranks_by_counting(std::span<const std::int32_t> values, std::size_t k50,
                                          std::size_t k95) {
  constexpr std::uint32_t kFine = std::uint32_t{1} << 16;
  struct Counters {
    std::vector<std::uint32_t> fine = std::vector<std::uint32_t>(kFine, 0);
    std::vector<std::uint32_t> coarse = std::vector<std::uint32_t>(kFine >> 8, 0);
  };
  thread_local Counters counters;
  std::vector<std::uint32_t>& fine = counters.fine;
  std::vector<std::uint32_t>& coarse = counters.coarse;
  std::vector<std::int32_t> large;
  // Past 2^16 values, walking all 2^16 fine counters (tens of microseconds) costs less than
  // keeping the coarse ones and clearing value by value: count the fine ones only, build the
  // coarse ones from them, and clear both whole.
  const bool many = values.size() >= kFine;
  for (std::int32_t v : values) {
    auto u = static_cast<std::uint32_t>(v);
    if (u < kFine) {
      ++fine[u];
      if (!many) ++coarse[u >> 8];
    } else {
      large.push_back(v);
    }
  }
  if (many) {
    for (std::uint32_t u = 0; u < kFine; ++u) coarse[u >> 8] += fine[u];
  }
  std::size_t counted = values.size() - large.size();
  auto rank = [&](std::size_t k) -> std::int64_t {
    if (k >= counted) {
      auto at = large.begin() + static_cast<std::ptrdiff_t>(k - counted);
      std::nth_element(large.begin(), at, large.end());
      return *at;
    }
    std::uint32_t block = 0;
    while (k >= coarse[block]) k -= coarse[block++];
    std::uint32_t value = block << 8;
    while (k >= fine[value]) k -= fine[value++];
    return value;
  };
  engine::Percentiles ranks{rank(k50), rank(k95)};
  if (many) {
    std::fill(fine.begin(), fine.end(), 0);
    std::fill(coarse.begin(), coarse.end(), 0);
    return ranks;
  }
  for (std::int32_t v : values) {
    auto u = static_cast<std::uint32_t>(v);
    if (u < kFine) {
      fine[u] = 0;
      coarse[u >> 8] = 0;
    }
  }
  return ranks;
}

// p50 and p95 (nearest rank, engine::nearest_rank) of `values` (reordered).
engine::Percentiles percentiles_of(std::vector<std::int32_t>& values) {
  if (values.empty()) return {};
  std::size_t k50 = engine::nearest_rank(values.size(), 50) - 1;
  std::size_t k95 = engine::nearest_rank(values.size(), 95) - 1;
  if (values.size() > 512) return two_ranks_by_counting(values, k50, k95);
  auto begin = values.begin();
  std::nth_element(begin, begin + static_cast<std::ptrdiff_t>(k50), values.end());
  std::int64_t p50 = values[k50];
  if (k95 > k50) {
    std::nth_element(begin + static_cast<std::ptrdiff_t>(k50 + 1),
                     begin + static_cast<std::ptrdiff_t>(k95), values.end());
  }
  return {p50, values[k95]};
}

JobStats stats_of(std::vector<std::int32_t>& values, std::int64_t sum) {
  JobStats stats;
  stats.count = static_cast<std::int64_t>(values.size());
  if (values.empty()) return stats;
  stats.mean = static_cast<double>(sum) / static_cast<double>(stats.count);
  engine::Percentiles p = percentiles_of(values);
  stats.p50 = p.p50;
  stats.p95 = p.p95;
  return stats;
}

// Calls `visit(first_job, end_job)` for the jobs in scope of workflow `w`: its period's jobs as
// one range when the scope filters no rows (a workflow's period rows are one stretch of jobs),
// else run by run.
template <typename Visit>
void for_each_job_range(const engine::TableData& rows, const JobData& jobs,
                        const engine::ResolvedScope& scope, NameId w, Visit&& visit) {
  auto [begin, end] = scope.rows_of(rows, w);
  if (begin == end) return;
  if (!scope.filters_rows()) {
    visit(std::size_t{jobs.slot_begin[begin]}, std::size_t{jobs.slot_begin[end]});
    return;
  }
  for (std::size_t i = begin; i < end; ++i) {
    auto [first, last] = jobs.jobs_of_row(i);
    if (first != last && scope.passes_filters(rows, i)) visit(first, last);
  }
}

// Tallies of one workflow's jobs by a key (a job group, or a job name), in first-seen order.
class KeyedTallies {
 public:
  explicit KeyedTallies(std::size_t keys) : slot_(keys, kFree) {}

  Tally& at(NameId key) {
    if (slot_[key] == kFree) {
      slot_[key] = static_cast<std::uint32_t>(tallies_.size());
      keys_.push_back(key);
      tallies_.emplace_back();
    }
    return tallies_[slot_[key]];
  }
  std::vector<NameId>& keys() { return keys_; }
  std::vector<Tally>& tallies() { return tallies_; }
  void clear() {
    for (NameId key : keys_) slot_[key] = kFree;
    keys_.clear();
    tallies_.clear();
  }

 private:
  static constexpr std::uint32_t kFree = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> slot_;
  std::vector<NameId> keys_;
  std::vector<Tally> tallies_;
};

JobRow job_row(const RunTable& runs, NameId w, std::string job, Tally& t) {
  const RunTable::Workflow& workflow = runs.workflows()[w];
  JobRow row;
  row.repository = runs.repositories()[workflow.repository];
  row.workflow_id = workflow.workflow_id;
  row.workflow = workflow.name;
  row.job = std::move(job);
  row.executions = t.executions;
  row.success = t.success;
  row.failed = t.failed;
  row.neutral = t.executions - t.success - t.failed;
  row.success_rate = engine::success_rate(t.success, t.failed);
  row.duration = stats_of(t.durations, t.duration_sum);
  row.queue = stats_of(t.queues, t.queue_sum);
  row.approval_waits = t.approval_waits;
  row.flaky_jobs = t.flaky;
  return row;
}

// What a job-row query counts: the workflows, and the key of a job (its group or its name), or
// none to leave it out.
struct JobQuery {
  std::vector<NameId> workflows;
  bool by_name = false;              // key by name (legs) rather than by group
  std::optional<NameId> only_group;  // legs: only this group's jobs
};

// The rows of `query`, one per workflow and key with completed jobs, in key order per workflow.
std::vector<JobRow> job_rows(const RunTable& runs, const JobTable& table,
                             const engine::ResolvedScope& scope, const JobQuery& query) {
  const JobData& jobs = table.data();
  const auto& group_of = table.name_group();
  auto key_of = [&](NameId name) { return query.by_name ? name : group_of[name]; };
  KeyedTallies tallies(query.by_name ? table.names().size() : table.groups().size());
  std::vector<bool> name_seen(table.names().size(), false);
  std::vector<JobRow> out;
  for (NameId w : query.workflows) {
    for_each_job_range(runs.data(), jobs, scope, w, [&](std::size_t first, std::size_t last) {
      for (std::size_t j = first; j < last; ++j) {
        const CompactJob& job = jobs.jobs[j];
        if (!job.completed() || (query.only_group && group_of[job.name] != *query.only_group)) {
          continue;
        }
        Tally& t = tallies.at(key_of(job.name));
        t.add(job);
        if (!name_seen[job.name]) {
          name_seen[job.name] = true;
          t.names.push_back(job.name);
        }
      }
    });
    for (std::size_t k = 0; k < tallies.keys().size(); ++k) {
      Tally& t = tallies.tallies()[k];
      NameId key = tallies.keys()[k];
      for (NameId name : t.names) name_seen[name] = false;
      if (t.executions == 0) continue;
      JobRow row = job_row(runs, w, query.by_name ? table.names()[key] : table.groups()[key], t);
      if (!query.by_name) {
        bool matrix = std::any_of(t.names.begin(), t.names.end(),
                                  [&](NameId name) { return table.names()[name] != row.job; });
        if (matrix) {
          for (NameId name : t.names) row.legs.push_back(table.names()[name]);
          std::sort(row.legs.begin(), row.legs.end());
        }
      }
      out.push_back(std::move(row));
    }
    tallies.clear();
  }
  return out;
}

void sort_job_rows(std::vector<JobRow>& rows) {
  std::sort(rows.begin(), rows.end(), [](const JobRow& a, const JobRow& b) {
    return std::tie(a.repository, a.workflow, a.workflow_id, a.job) <
           std::tie(b.repository, b.workflow, b.workflow_id, b.job);
  });
}

}  // namespace

std::vector<JobRow> compute_job_metrics(const RunTable& runs, const JobTable& jobs,
                                        const Scope& scope) {
  if (jobs.run_rows() != runs.size()) return {};  // not built for this table
  engine::ResolvedScope resolved = engine::resolve_scope(runs, scope);
  JobQuery query;
  query.workflows = resolved.workflows;
  std::vector<JobRow> rows = job_rows(runs, jobs, resolved, query);
  sort_job_rows(rows);
  return rows;
}

std::vector<JobRow> compute_job_legs(const RunTable& runs, const JobTable& jobs, const Scope& scope,
                                     const std::string& repository, std::int64_t workflow_id,
                                     const std::string& group) {
  if (jobs.run_rows() != runs.size()) return {};
  auto group_id = std::find(jobs.groups().begin(), jobs.groups().end(), group);
  if (group_id == jobs.groups().end()) return {};
  engine::ResolvedScope resolved = engine::resolve_scope(runs, scope);
  JobQuery query;
  query.by_name = true;
  query.only_group = static_cast<NameId>(group_id - jobs.groups().begin());
  for (NameId w : resolved.workflows) {
    const RunTable::Workflow& workflow = runs.workflows()[w];
    if (workflow.workflow_id == workflow_id &&
        equal_ignoring_case(runs.repositories()[workflow.repository], repository)) {
      query.workflows.push_back(w);
    }
  }
  std::vector<JobRow> rows = job_rows(runs, jobs, resolved, query);
  sort_job_rows(rows);
  return rows;
}

std::vector<RunnerRow> compute_runner_metrics(const RunTable& runs, const JobTable& table,
                                              const Scope& scope) {
  if (table.run_rows() != runs.size()) return {};
  engine::ResolvedScope resolved = engine::resolve_scope(runs, scope);
  const JobData& jobs = table.data();
  // Label sets and runner groups are a few dozen each: one dense slot per pair.
  std::size_t groups = table.runner_groups().size();
  std::unordered_map<std::uint32_t, Tally> by_pair;
  std::vector<Tally> dense;
  bool use_dense = table.label_sets().size() * groups <= (std::size_t{1} << 20);
  if (use_dense) dense.resize(table.label_sets().size() * groups);
  for (NameId w : resolved.workflows) {
    for_each_job_range(runs.data(), jobs, resolved, w, [&](std::size_t first, std::size_t last) {
      for (std::size_t j = first; j < last; ++j) {
        const CompactJob& job = jobs.jobs[j];
        if (!job.completed()) continue;
        std::size_t key = std::size_t{job.label_set} * groups + job.runner_group;
        (use_dense ? dense[key] : by_pair[static_cast<std::uint32_t>(key)]).add(job);
      }
    });
  }
  std::vector<RunnerRow> out;
  auto emit = [&](std::size_t key, Tally& t) {
    if (t.executions == 0) return;
    RunnerRow row;
    row.labels = table.label_sets()[key / groups];
    row.runner_group = table.runner_groups()[key % groups];
    row.executions = t.executions;
    row.queue = stats_of(t.queues, t.queue_sum);
    row.duration = stats_of(t.durations, t.duration_sum);
    row.billable_minutes = t.billable;
    out.push_back(std::move(row));
  };
  for (std::size_t key = 0; key < dense.size(); ++key) emit(key, dense[key]);
  for (auto& [key, t] : by_pair) emit(key, t);
  std::sort(out.begin(), out.end(), [](const RunnerRow& a, const RunnerRow& b) {
    return std::tie(a.labels, a.runner_group) < std::tie(b.labels, b.runner_group);
  });
  return out;
}

std::optional<std::int64_t> step_duration_seconds(const StepRecord& step) {
  if (!step.started_at || !step.completed_at || *step.completed_at < *step.started_at) {
    return std::nullopt;
  }
  return *step.completed_at - *step.started_at;
}

std::vector<StepRow> compute_step_metrics(std::span<const StepRecord> steps) {
  std::map<std::string_view, std::pair<std::vector<std::int32_t>, std::int64_t>> by_name;
  for (const StepRecord& step : steps) {
    auto seconds = step_duration_seconds(step);
    if (!seconds || step.conclusion == "skipped") continue;
    auto clamped = static_cast<std::int32_t>(
        std::min<std::int64_t>(*seconds, std::numeric_limits<std::int32_t>::max()));
    auto& [values, sum] = by_name[step.name];
    values.push_back(clamped);
    sum += clamped;
  }
  std::vector<StepRow> out;
  out.reserve(by_name.size());
  for (auto& [name, tally] : by_name) {
    out.push_back(StepRow{std::string(name), stats_of(tally.first, tally.second)});
  }
  std::stable_sort(out.begin(), out.end(), [](const StepRow& a, const StepRow& b) {
    return a.duration.p95.value_or(0) > b.duration.p95.value_or(0);
  });
  return out;
}

JobTotals compute_job_totals(const RunTable& runs, const JobTable& table, const Scope& scope) {
  if (table.run_rows() != runs.size()) return {};
  engine::ResolvedScope resolved = engine::resolve_scope(runs, scope);
  const JobData& jobs = table.data();
  Tally t;
  for (NameId w : resolved.workflows) {
    for_each_job_range(runs.data(), jobs, resolved, w, [&](std::size_t first, std::size_t last) {
      for (std::size_t j = first; j < last; ++j) t.add(jobs.jobs[j]);
    });
  }
  return JobTotals{t.executions, stats_of(t.queues, t.queue_sum),
                   stats_of(t.durations, t.duration_sum)};
}

std::vector<DailyQueuePoint> compute_daily_queue(const RunTable& runs, const JobTable& table,
                                                 const Scope& scope) {
  if (table.run_rows() != runs.size()) return {};
  engine::ResolvedScope resolved = engine::resolve_scope(runs, scope);
  const JobData& jobs = table.data();
  const engine::TableData& rows = runs.data();
  // The queue times by day, from the first day of a run in scope: one bucket a day rather
  // than one sort of every (day, queue time) pair (3M in a 90-day period at 1M runs).
  std::vector<std::vector<std::int32_t>> by_day;
  std::int64_t bucket_day = 0;  // the day of by_day[0]
  for (NameId w : resolved.workflows) {
    auto [begin, end] = resolved.rows_of(rows, w);
    for (std::size_t i = begin; i < end; ++i) {
      auto [first, last] = jobs.jobs_of_row(i);
      if (first == last || !resolved.passes_filters(rows, i)) continue;
      std::int64_t day = day_index(rows.created_at[i]);
      if (by_day.empty()) bucket_day = day;
      if (day < bucket_day) {
        by_day.insert(by_day.begin(), static_cast<std::size_t>(bucket_day - day), {});
        bucket_day = day;
      }
      auto offset = static_cast<std::size_t>(day - bucket_day);
      if (offset >= by_day.size()) by_day.resize(offset + 1);
      std::vector<std::int32_t>& bucket = by_day[offset];
      for (std::size_t j = first; j < last; ++j) {
        const CompactJob& job = jobs.jobs[j];
        if (job.completed() && job.queue != CompactJob::kNone) bucket.push_back(job.queue);
      }
    }
  }
  auto bucket_of = [&](std::int64_t day) -> std::vector<std::int32_t>* {
    if (day < bucket_day || day - bucket_day >= static_cast<std::int64_t>(by_day.size())) {
      return nullptr;
    }
    return &by_day[static_cast<std::size_t>(day - bucket_day)];
  };
  std::int64_t first_day = 0;
  std::int64_t last_day = -1;
  const Period& p = scope.period;
  if (p.kind == Period::Kind::kDays) {
    first_day = day_index(scope.now - Timestamp{p.days} * kSecondsPerDay);
    last_day = day_index(scope.now);
  } else if (p.kind == Period::Kind::kRange) {
    first_day = day_index(p.from);
    last_day = day_index(p.to - 1);
  } else {
    std::int64_t day = bucket_day + static_cast<std::int64_t>(by_day.size()) - 1;
    for (; day >= bucket_day && bucket_of(day)->empty(); --day) {
    }
    last_day = day;
    for (day = bucket_day; day < last_day && bucket_of(day)->empty(); ++day) {
    }
    first_day = std::max(day, last_day - kMaxRangeDays + 1);
  }
  std::vector<DailyQueuePoint> points;
  std::vector<std::int32_t> none;
  for (std::int64_t day = first_day; day <= last_day; ++day) {
    std::vector<std::int32_t>* values = bucket_of(day);
    if (values == nullptr) values = &none;
    engine::Percentiles ranks = percentiles_of(*values);
    points.push_back({day, static_cast<std::int64_t>(values->size()), ranks.p50, ranks.p95});
  }
  return points;
}

}  // namespace cipette

#include "cipette/core/job_metrics.h"

#include <algorithm>
#include <array>
#include <deque>
#include <future>
#include <limits>
#include <map>
#include <memory>
#include <span>
#include <thread>
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

// Blocks of 256 counters for RankCounter, zeroed, reused within a query.
class FineBlocks {
 public:
  using Block = std::array<std::uint32_t, 256>;

  Block* take() {
    if (free_.empty()) {
      all_.push_back(std::make_unique<Block>());
      return all_.back().get();
    }
    Block* block = free_.back();
    free_.pop_back();
    return block;
  }
  void give(Block* block) {
    block->fill(0);
    free_.push_back(block);
  }

 private:
  std::vector<std::unique_ptr<Block>> all_;
  std::vector<Block*> free_;
};

// The exact nearest-rank p50 and p95 (engine::nearest_rank) and the mean of a stream of
// non-negative 32-bit values (seconds) in one pass, without storing them: each value is counted
// in its bin of 256 seconds and, in a block of 256 counters that bin takes on its first value,
// second by second. Values of 2^16 s (18 hours) and more are rare and kept apart. A counter
// costs ~3 KB and 1 KB per bin in use (a few: most jobs take minutes), whatever the number of
// values, so a query writes no buffer per value (docs/decisions.md, "Jobs in the engine").
class RankCounter {
 public:
  explicit RankCounter(FineBlocks& blocks) : blocks_(&blocks) {}
  RankCounter(const RankCounter&) = delete;
  RankCounter& operator=(const RankCounter&) = delete;
  ~RankCounter() {
    for (FineBlocks::Block* block : fine_) {
      if (block != nullptr) blocks_->give(block);
    }
  }

  [[gnu::always_inline]] void count(std::int32_t value) {
    ++count_;
    sum_ += value;
    auto u = static_cast<std::uint32_t>(value);
    if (u < kFineLimit) [[likely]] {
      std::uint32_t bin = u >> kBinBits;
      ++coarse_[bin];
      FineBlocks::Block* block = fine_[bin];
      if (block == nullptr) [[unlikely]]
        block = open(bin);
      ++(*block)[u & kBinMask];
    } else {
      add_large(value);
    }
  }

  bool empty() const { return count_ == 0; }

  // Adds what `other` counted (a part of the same query counted on another core).
  void merge(const RankCounter& other) {
    count_ += other.count_;
    sum_ += other.sum_;
    for (std::uint32_t bin = 0; bin < kBins; ++bin) {
      coarse_[bin] += other.coarse_[bin];
      if (other.fine_[bin] == nullptr) continue;
      FineBlocks::Block* block = fine_[bin] != nullptr ? fine_[bin] : open(bin);
      for (std::uint32_t i = 0; i < kBins; ++i) (*block)[i] += (*other.fine_[bin])[i];
    }
    large_.insert(large_.end(), other.large_.begin(), other.large_.end());
  }

  JobStats stats() {
    JobStats stats;
    stats.count = count_;
    if (count_ == 0) return stats;
    stats.mean = static_cast<double>(sum_) / static_cast<double>(count_);
    auto n = static_cast<std::size_t>(count_);
    stats.p50 = value_at(engine::nearest_rank(n, 50) - 1);
    stats.p95 = value_at(engine::nearest_rank(n, 95) - 1);
    return stats;
  }

 private:
  static constexpr std::uint32_t kBinBits = 8;
  static constexpr std::uint32_t kBins = 256;
  static constexpr std::uint32_t kBinMask = kBins - 1;
  static constexpr std::uint32_t kFineLimit = kBins << kBinBits;  // 2^16

  [[gnu::noinline]] FineBlocks::Block* open(std::uint32_t bin) {
    return fine_[bin] = blocks_->take();
  }
  [[gnu::noinline]] void add_large(std::int32_t value) { large_.push_back(value); }

  // The k-th smallest value (0-based, k < count_).
  std::int64_t value_at(std::size_t k) {
    std::size_t small = static_cast<std::size_t>(count_) - large_.size();
    if (k >= small) {
      auto at = large_.begin() + static_cast<std::ptrdiff_t>(k - small);
      std::nth_element(large_.begin(), at, large_.end());
      return *at;
    }
    std::uint32_t bin = 0;
    while (k >= coarse_[bin]) k -= coarse_[bin++];
    const FineBlocks::Block& fine = *fine_[bin];
    std::uint32_t offset = 0;
    while (k >= fine[offset]) k -= fine[offset++];
    return std::int64_t{bin << kBinBits} + offset;
  }

  FineBlocks* blocks_;
  std::int64_t count_ = 0;
  std::int64_t sum_ = 0;
  std::array<std::uint32_t, kBins> coarse_{};
  std::array<FineBlocks::Block*, kBins> fine_{};
  std::vector<std::int32_t> large_;
};

// The counts of a set of jobs: the one rule for what a job adds to every figure.
struct Tally {
  explicit Tally(FineBlocks& blocks) : durations(blocks), queues(blocks) {}

  std::int64_t executions = 0;
  std::int64_t success = 0;
  std::int64_t failed = 0;
  std::int64_t approval_waits = 0;
  std::int64_t flaky = 0;
  std::int64_t billable = 0;
  RankCounter durations;
  RankCounter queues;
  std::vector<NameId> names;  // the distinct job names seen (legs)

  [[gnu::always_inline]] void add(const CompactJob& job) {
    if (!job.completed()) return;
    ++executions;
    flaky += job.flaky;
    success += job.state == RunState::kSuccess;
    failed += job.state == RunState::kFailed;
    approval_waits += job.waited;
    if (job.duration != CompactJob::kNone) {
      durations.count(job.duration);
      billable += billable_minutes(job.duration);
    }
    add_queue(job);
  }
  // What a job adds to the queue times alone (the daily queue series).
  [[gnu::always_inline]] void add_queue(const CompactJob& job) {
    if (job.completed() && job.queue != CompactJob::kNone) queues.count(job.queue);
  }

  // Adds what `other` counted (the names are not merged: a workflow's jobs are counted on one
  // core, see split_workflows).
  void merge(const Tally& other) {
    executions += other.executions;
    success += other.success;
    failed += other.failed;
    approval_waits += other.approval_waits;
    flaky += other.flaky;
    billable += other.billable;
    durations.merge(other.durations);
    queues.merge(other.queues);
  }
};

// The stats of `values` (the slowest-steps view), by the same counting.
JobStats stats_of(std::span<const std::int32_t> values) {
  FineBlocks blocks;
  RankCounter counter(blocks);
  for (std::int32_t v : values) counter.count(v);
  return counter.stats();
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

// Below this many jobs in its workflows' periods, a query runs on one core: a thread costs more
// than it saves.
constexpr std::size_t kJobsForTwoCores = 50'000;

// The scope's workflows in parts to count on cores of their own, each with about the same number
// of jobs: two on a machine of two cores or more when there are enough jobs, else one. A query
// is bound by reading its jobs from memory (docs/performance.md), so a second core nearly halves
// it; each part counts whole workflows, so a workflow's rows never need merging.
std::vector<std::span<const NameId>> split_workflows(const engine::TableData& rows,
                                                     const JobData& jobs,
                                                     const engine::ResolvedScope& scope,
                                                     std::span<const NameId> workflows) {
  std::vector<std::size_t> sizes;
  std::size_t total = 0;
  for (NameId w : workflows) {
    auto [begin, end] = scope.rows_of(rows, w);
    sizes.push_back(jobs.slot_begin[end] - jobs.slot_begin[begin]);
    total += sizes.back();
  }
  // Asked once: glibc reads /sys for it on every call.
  static const unsigned cores = std::thread::hardware_concurrency();
  if (total < kJobsForTwoCores || workflows.size() < 2 || cores < 2) {
    return {workflows};
  }
  std::size_t cut = 0;
  for (std::size_t half = 0; cut + 1 < workflows.size() && half + sizes[cut] <= total / 2; ++cut) {
    half += sizes[cut];
  }
  cut = std::max<std::size_t>(cut, 1);
  return {workflows.first(cut), workflows.subspan(cut)};
}

// `count(part)` for each part of split_workflows, the first one on a thread of its own; the
// results in the order of the parts.
template <typename Count>
auto count_in_parts(const std::vector<std::span<const NameId>>& parts, Count count) {
  using Result = decltype(count(parts[0]));
  std::vector<Result> results;
  if (parts.size() == 1) {
    results.push_back(count(parts[0]));
    return results;
  }
  auto first = std::async(std::launch::async, [&] { return count(parts[0]); });
  Result second = count(parts[1]);
  results.push_back(first.get());
  results.push_back(std::move(second));
  return results;
}

// Tallies by a key (a job group, a job name, a runner pair), in first-seen order: a slot per
// possible key, or a hash map when the keys could be too many for that (runner pairs).
class KeyedTallies {
 public:
  explicit KeyedTallies(std::size_t keys) {
    if (keys <= kMaxDense) slot_.assign(keys, nullptr);
  }

  [[gnu::always_inline]] Tally& at(std::uint32_t key) {
    if (!slot_.empty()) [[likely]] {
      Tally* t = slot_[key];
      if (t != nullptr) [[likely]]
        return *t;
    }
    return add(key);
  }
  // The tally of `key`, or none when it has counted nothing.
  Tally* find(std::uint32_t key) {
    if (!slot_.empty()) return key < slot_.size() ? slot_[key] : nullptr;
    auto it = sparse_.find(key);
    return it == sparse_.end() ? nullptr : it->second;
  }
  std::vector<std::uint32_t>& keys() { return keys_; }
  std::deque<Tally>& tallies() { return tallies_; }
  // Adds the tallies of `other`, of the same keys.
  void merge(const KeyedTallies& other) {
    for (std::size_t k = 0; k < other.keys_.size(); ++k) {
      at(other.keys_[k]).merge(other.tallies_[k]);
    }
  }
  void clear() {
    for (std::uint32_t key : keys_) (slot_.empty() ? sparse_[key] : slot_[key]) = nullptr;
    keys_.clear();
    tallies_.clear();
  }

 private:
  static constexpr std::size_t kMaxDense = std::size_t{1} << 20;

  [[gnu::noinline]] Tally& add(std::uint32_t key) {
    Tally*& t = slot_.empty() ? sparse_[key] : slot_[key];
    if (t == nullptr) {
      keys_.push_back(key);
      t = &tallies_.emplace_back(blocks_);
    }
    return *t;
  }

  std::vector<Tally*> slot_;
  std::unordered_map<std::uint32_t, Tally*> sparse_;
  std::vector<std::uint32_t> keys_;
  FineBlocks blocks_;          // outlives the tallies that use it
  std::deque<Tally> tallies_;  // a Tally is ~6 KB: never moved, its address kept in a slot
};

// The tallies of count_in_parts' parts, merged into the first.
KeyedTallies& merged(std::vector<std::unique_ptr<KeyedTallies>>& parts) {
  for (std::size_t i = 1; i < parts.size(); ++i) parts[0]->merge(*parts[i]);
  return *parts[0];
}

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
  row.duration = t.durations.stats();
  row.queue = t.queues.stats();
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
  // The key of each job name, looked up once per job: its group, or itself; kSkip for the
  // names outside the one group asked for.
  constexpr std::uint32_t kSkip = std::numeric_limits<std::uint32_t>::max();
  std::vector<std::uint32_t> key_of(table.names().size());
  for (NameId name = 0; name < key_of.size(); ++name) {
    NameId group = table.name_group()[name];
    bool wanted = !query.only_group || group == *query.only_group;
    key_of[name] = !wanted ? kSkip : query.by_name ? name : group;
  }
  auto count = [&](std::span<const NameId> workflows) {
    KeyedTallies tallies(query.by_name ? table.names().size() : table.groups().size());
    std::vector<std::uint8_t> name_seen(table.names().size(), 0);
    std::vector<JobRow> out;
    for (NameId w : workflows) {
      for_each_job_range(runs.data(), jobs, scope, w, [&](std::size_t first, std::size_t last) {
        const CompactJob* data = jobs.jobs.data();
        const std::uint32_t* keys = key_of.data();
        std::uint8_t* seen = name_seen.data();
        for (std::size_t j = first; j < last; ++j) {
          const CompactJob& job = data[j];
          if (!job.completed() || keys[job.name] == kSkip) continue;
          Tally& t = tallies.at(keys[job.name]);
          t.add(job);
          if (seen[job.name] == 0) {
            seen[job.name] = 1;
            t.names.push_back(job.name);
          }
        }
      });
      for (std::size_t k = 0; k < tallies.keys().size(); ++k) {
        Tally& t = tallies.tallies()[k];
        NameId key = tallies.keys()[k];
        for (NameId name : t.names) name_seen[name] = 0;
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
  };
  auto parts = count_in_parts(split_workflows(runs.data(), jobs, scope, query.workflows), count);
  std::vector<JobRow> out = std::move(parts[0]);
  for (std::size_t i = 1; i < parts.size(); ++i) {
    std::move(parts[i].begin(), parts[i].end(), std::back_inserter(out));
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

namespace {

// What a runner query counts, in one pass over the jobs in scope: per runner pair and per day.
struct RunnerCounts {
  std::vector<std::unique_ptr<KeyedTallies>> pairs;  // (label set, runner group): merged(pairs)
  std::vector<std::unique_ptr<KeyedTallies>> days;   // day - first_day: merged(days)
  std::int64_t first_day = 0;                        // the day of key 0 of `days`
  std::int64_t end_day = 0;  // the day after the last one that can have a key
};

// Counts per runner pair (`by_pair`) and per UTC day of the run's created_at (`by_day`).
RunnerCounts count_runners(const RunTable& runs, const JobTable& table, const Scope& scope,
                           bool by_pair, bool by_day) {
  RunnerCounts counts;
  engine::ResolvedScope resolved = engine::resolve_scope(runs, scope);
  const JobData& jobs = table.data();
  const engine::TableData& rows = runs.data();
  // The days from the first one of the workflows' periods (a workflow's period rows are in the
  // order they were created).
  std::int64_t first_day = std::numeric_limits<std::int64_t>::max();
  std::int64_t end_day = std::numeric_limits<std::int64_t>::min();
  for (NameId w : resolved.workflows) {
    auto [begin, end] = resolved.rows_of(rows, w);
    if (begin == end) continue;
    first_day = std::min(first_day, day_index(rows.created_at[begin]));
    end_day = std::max(end_day, day_index(rows.created_at[end - 1]) + 1);
  }
  if (end_day <= first_day) first_day = end_day = 0;  // no rows in scope
  counts.first_day = first_day;
  counts.end_day = end_day;
  std::size_t pairs = table.label_sets().size() * table.runner_groups().size();
  auto width = static_cast<std::uint32_t>(table.runner_groups().size());
  auto count = [&](std::span<const NameId> workflows) {
    auto pair_tallies = std::make_unique<KeyedTallies>(by_pair ? pairs : 0);
    auto day_tallies =
        std::make_unique<KeyedTallies>(by_day ? static_cast<std::size_t>(end_day - first_day) : 0);
    const CompactJob* data = jobs.jobs.data();
    auto add_pairs = [&](std::size_t first, std::size_t last) {
      for (std::size_t j = first; j < last; ++j) {
        const CompactJob& job = data[j];
        if (job.completed()) {
          pair_tallies->at(std::uint32_t{job.label_set} * width + job.runner_group).add(job);
        }
      }
    };
    for (NameId w : workflows) {
      if (!by_day) {
        for_each_job_range(rows, jobs, resolved, w, add_pairs);
        continue;
      }
      auto [begin, end] = resolved.rows_of(rows, w);
      for (std::size_t i = begin; i < end; ++i) {
        auto [first, last] = jobs.jobs_of_row(i);
        if (first == last || !resolved.passes_filters(rows, i)) continue;
        Tally& day =
            day_tallies->at(static_cast<std::uint32_t>(day_index(rows.created_at[i]) - first_day));
        for (std::size_t j = first; j < last; ++j) day.add_queue(data[j]);
        if (by_pair) add_pairs(first, last);
      }
    }
    return std::make_pair(std::move(pair_tallies), std::move(day_tallies));
  };
  for (auto& [pair_tallies, day_tallies] :
       count_in_parts(split_workflows(rows, jobs, resolved, resolved.workflows), count)) {
    counts.pairs.push_back(std::move(pair_tallies));
    counts.days.push_back(std::move(day_tallies));
  }
  return counts;
}

std::vector<RunnerRow> runner_rows(const JobTable& table, KeyedTallies& tallies) {
  std::size_t groups = table.runner_groups().size();
  std::vector<RunnerRow> out;
  for (std::size_t k = 0; k < tallies.keys().size(); ++k) {
    Tally& t = tallies.tallies()[k];
    std::size_t key = tallies.keys()[k];
    RunnerRow row;
    row.labels = table.label_sets()[key / groups];
    row.runner_group = table.runner_groups()[key % groups];
    row.executions = t.executions;
    row.queue = t.queues.stats();
    row.duration = t.durations.stats();
    row.billable_minutes = t.billable;
    out.push_back(std::move(row));
  }
  std::sort(out.begin(), out.end(), [](const RunnerRow& a, const RunnerRow& b) {
    return std::tie(a.labels, a.runner_group) < std::tie(b.labels, b.runner_group);
  });
  return out;
}

// One point a day (compute_daily_queue) from the counts per day.
std::vector<DailyQueuePoint> daily_points(RunnerCounts& counts, const Scope& scope) {
  KeyedTallies& by_day = merged(counts.days);
  // The queue times of `day`: none outside the days counted.
  auto bucket_of = [&](std::int64_t day) -> RankCounter* {
    if (day < counts.first_day || day >= counts.end_day) return nullptr;
    Tally* t = by_day.find(static_cast<std::uint32_t>(day - counts.first_day));
    return t == nullptr ? nullptr : &t->queues;
  };
  auto empty = [&](std::int64_t day) {
    RankCounter* counter = bucket_of(day);
    return counter == nullptr || counter->empty();
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
    std::int64_t day = counts.end_day - 1;
    for (; day >= counts.first_day && empty(day); --day) {
    }
    last_day = day;
    for (day = counts.first_day; day < last_day && empty(day); ++day) {
    }
    first_day = std::max(day, last_day - kMaxRangeDays + 1);
  }
  std::vector<DailyQueuePoint> points;
  for (std::int64_t day = first_day; day <= last_day; ++day) {
    RankCounter* counter = bucket_of(day);
    JobStats stats = counter != nullptr ? counter->stats() : JobStats{};
    points.push_back({day, stats.count, stats.p50, stats.p95});
  }
  return points;
}

}  // namespace

std::vector<RunnerRow> compute_runner_metrics(const RunTable& runs, const JobTable& table,
                                              const Scope& scope) {
  if (table.run_rows() != runs.size()) return {};
  RunnerCounts counts = count_runners(runs, table, scope, true, false);
  return runner_rows(table, merged(counts.pairs));
}

RunnerReport compute_runner_report(const RunTable& runs, const JobTable& table,
                                   const Scope& scope) {
  if (table.run_rows() != runs.size()) return {};
  RunnerCounts counts = count_runners(runs, table, scope, true, true);
  RunnerReport report;
  report.days = daily_points(counts, scope);
  KeyedTallies& pairs = merged(counts.pairs);
  report.rows = runner_rows(table, pairs);
  // Every job in scope is in one pair: the pairs pooled are the totals.
  FineBlocks blocks;
  Tally all(blocks);
  for (const Tally& t : pairs.tallies()) all.merge(t);
  report.totals = JobTotals{all.executions, all.queues.stats(), all.durations.stats()};
  return report;
}

std::optional<std::int64_t> step_duration_seconds(const StepRecord& step) {
  if (!step.started_at || !step.completed_at || *step.completed_at < *step.started_at) {
    return std::nullopt;
  }
  return *step.completed_at - *step.started_at;
}

std::vector<StepRow> compute_step_metrics(std::span<const StepRecord> steps) {
  std::map<std::string_view, std::vector<std::int32_t>> by_name;
  for (const StepRecord& step : steps) {
    auto seconds = step_duration_seconds(step);
    if (!seconds || step.conclusion == "skipped") continue;
    by_name[step.name].push_back(static_cast<std::int32_t>(
        std::min<std::int64_t>(*seconds, std::numeric_limits<std::int32_t>::max())));
  }
  std::vector<StepRow> out;
  out.reserve(by_name.size());
  for (auto& [name, values] : by_name) out.push_back(StepRow{std::string(name), stats_of(values)});
  std::stable_sort(out.begin(), out.end(), [](const StepRow& a, const StepRow& b) {
    return a.duration.p95.value_or(0) > b.duration.p95.value_or(0);
  });
  return out;
}

JobTotals compute_job_totals(const RunTable& runs, const JobTable& table, const Scope& scope) {
  if (table.run_rows() != runs.size()) return {};
  engine::ResolvedScope resolved = engine::resolve_scope(runs, scope);
  const JobData& jobs = table.data();
  // One key: every job together.
  auto count = [&](std::span<const NameId> workflows) {
    auto tallies = std::make_unique<KeyedTallies>(1);
    Tally& t = tallies->at(0);
    for (NameId w : workflows) {
      for_each_job_range(runs.data(), jobs, resolved, w, [&](std::size_t first, std::size_t last) {
        for (std::size_t j = first; j < last; ++j) t.add(jobs.jobs[j]);
      });
    }
    return tallies;
  };
  auto parts =
      count_in_parts(split_workflows(runs.data(), jobs, resolved, resolved.workflows), count);
  Tally& t = merged(parts).at(0);
  return JobTotals{t.executions, t.queues.stats(), t.durations.stats()};
}

std::vector<DailyQueuePoint> compute_daily_queue(const RunTable& runs, const JobTable& table,
                                                 const Scope& scope) {
  if (table.run_rows() != runs.size()) return {};
  RunnerCounts counts = count_runners(runs, table, scope, false, true);
  return daily_points(counts, scope);
}

}  // namespace cipette

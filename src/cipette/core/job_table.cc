#include "cipette/core/job_table.h"

#include <algorithm>
#include <limits>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "cipette/core/engine/job_data.h"
#include "cipette/core/engine/table_data.h"

namespace cipette {

using engine::CompactJob;
using engine::JobData;

namespace {

template <typename T>
T clamp_to(std::int64_t value) {
  return static_cast<T>(std::clamp<std::int64_t>(value, std::numeric_limits<T>::min(),
                                                 std::numeric_limits<T>::max()));
}

std::int32_t seconds_or_none(std::optional<std::int64_t> seconds) {
  return seconds ? clamp_to<std::int32_t>(*seconds) : CompactJob::kNone;
}

// A job on its way into the table.
struct Entry {
  std::int64_t run_id = 0;
  std::int64_t id = 0;
  CompactJob job;
};

// The table's order: run, name, attempt, job id.
bool entry_before(const Entry& a, const Entry& b) {
  return std::tie(a.run_id, a.job.name, a.job.attempt, a.id) <
         std::tie(b.run_id, b.job.name, b.job.attempt, b.id);
}

// Keeps, for every id in `entries`, only the entry added last.
void drop_superseded(std::vector<Entry>& entries) {
  std::vector<std::pair<std::int64_t, std::size_t>> order(entries.size());
  for (std::size_t i = 0; i < entries.size(); ++i) order[i] = {entries[i].id, i};
  std::sort(order.begin(), order.end());
  std::vector<Entry> kept;
  kept.reserve(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    if (i + 1 == order.size() || order[i + 1].first != order[i].first) {
      kept.push_back(entries[order[i].second]);
    }
  }
  entries = std::move(kept);
}

template <typename T>
std::size_t vector_bytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

std::size_t string_bytes(const std::string& s) { return s.capacity() > 15 ? s.capacity() + 1 : 0; }

std::size_t strings_bytes(const std::vector<std::string>& v) {
  std::size_t bytes = vector_bytes(v);
  for (const auto& s : v) bytes += string_bytes(s);
  return bytes;
}

// A run's jobs in `base`: its slot's range.
struct BaseRun {
  std::int64_t run_id = 0;
  std::uint32_t begin = 0, end = 0;
  bool operator<(const BaseRun& o) const { return run_id < o.run_id; }
};

// The runs of `base` that have jobs, by run id.
std::vector<BaseRun> base_runs(const JobData* base) {
  std::vector<BaseRun> runs;
  if (base == nullptr) return runs;
  for (std::size_t s = 0; s < base->slots(); ++s) {
    if (base->slot_begin[s] == base->slot_begin[s + 1]) continue;
    runs.push_back(BaseRun{base->slot_run[s], base->slot_begin[s], base->slot_begin[s + 1]});
  }
  std::sort(runs.begin(), runs.end());
  return runs;
}

// Lays out the jobs of `base` (may be null) and `added` (sorted by entry_before, one entry per
// id), run by run: a run's base jobs are copied as they are unless jobs of it were added; then
// its base jobs not replaced and the added ones are sorted again.
class Layout {
 public:
  Layout(const JobData* base, const std::vector<Entry>& added)
      : base_(base),
        runs_(base_runs(base)),
        added_(added),
        runs_used_(runs_.size(), false),
        added_used_(added.size(), false) {
    std::size_t jobs = (base != nullptr ? base->size() : 0) + added.size();
    out_.id.reserve(jobs);
    out_.jobs.reserve(jobs);
  }

  // Appends the slot of run `run_id` (empty when it has no jobs).
  void add_slot(std::int64_t run_id) {
    auto run = std::lower_bound(runs_.begin(), runs_.end(), BaseRun{run_id, 0, 0});
    bool in_base = run != runs_.end() && run->run_id == run_id;
    auto [first, last] =
        std::equal_range(added_.begin(), added_.end(), Entry{run_id, 0, {}},
                         [](const Entry& a, const Entry& b) { return a.run_id < b.run_id; });
    if (in_base) runs_used_[static_cast<std::size_t>(run - runs_.begin())] = true;
    if (first != last) added_used_[static_cast<std::size_t>(first - added_.begin())] = true;
    if (first == last && in_base) {
      copy(*run);
    } else if (first != last) {
      merge(in_base ? &*run : nullptr, first, last);
    }
    out_.slot_run.push_back(run_id);
    out_.slot_begin.push_back(static_cast<std::uint32_t>(out_.size()));
  }

  // Appends a slot for every run not laid out yet, by run id, and returns the jobs.
  JobData finish(std::size_t rows) {
    std::vector<std::int64_t> left;
    for (std::size_t k = 0; k < runs_.size(); ++k) {
      if (!runs_used_[k]) left.push_back(runs_[k].run_id);
    }
    for (std::size_t k = 0; k < added_.size(); ++k) {
      bool first_of_run = k == 0 || added_[k - 1].run_id != added_[k].run_id;
      if (first_of_run && !added_used_[k]) left.push_back(added_[k].run_id);
    }
    std::sort(left.begin(), left.end());
    left.erase(std::unique(left.begin(), left.end()), left.end());
    for (std::int64_t run_id : left) add_slot(run_id);
    out_.rows = rows;
    out_.slot_run.shrink_to_fit();
    out_.slot_begin.shrink_to_fit();
    return std::move(out_);
  }

 private:
  void copy(const BaseRun& run) {
    auto begin = static_cast<std::ptrdiff_t>(run.begin);
    auto end = static_cast<std::ptrdiff_t>(run.end);
    out_.id.insert(out_.id.end(), base_->id.begin() + begin, base_->id.begin() + end);
    out_.jobs.insert(out_.jobs.end(), base_->jobs.begin() + begin, base_->jobs.begin() + end);
  }

  void merge(const BaseRun* run, std::vector<Entry>::const_iterator first,
             std::vector<Entry>::const_iterator last) {
    run_.assign(first, last);
    if (run != nullptr) {
      for (std::size_t j = run->begin; j < run->end; ++j) {
        bool replaced =
            std::any_of(first, last, [&](const Entry& e) { return e.id == base_->id[j]; });
        if (!replaced) run_.push_back(Entry{run->run_id, base_->id[j], base_->jobs[j]});
      }
      std::sort(run_.begin(), run_.end(), entry_before);
    }
    for (const Entry& e : run_) {
      out_.id.push_back(e.id);
      out_.jobs.push_back(e.job);
    }
  }

  const JobData* base_;
  std::vector<BaseRun> runs_;
  const std::vector<Entry>& added_;
  std::vector<bool> runs_used_;
  std::vector<bool> added_used_;  // at the first entry of each run
  std::vector<Entry> run_;        // scratch: one run's jobs being merged
  JobData out_;
};

// The jobs of `base` and `added` laid out for the rows of `runs`.
JobData lay_out(const JobData* base, const std::vector<Entry>& added, const RunTable& runs) {
  Layout layout(base, added);
  const engine::TableData& rows = runs.data();
  for (std::size_t i = 0; i < rows.size(); ++i) layout.add_slot(rows.id[i]);
  return layout.finish(rows.size());
}

NameId intern(std::string_view name, std::vector<std::string>& names,
              std::unordered_map<std::string, NameId>& index) {
  auto [it, inserted] = index.try_emplace(std::string(name), static_cast<NameId>(names.size()));
  if (inserted) names.emplace_back(name);
  return it->second;
}

void index_names(const std::vector<std::string>& names,
                 std::unordered_map<std::string, NameId>& index) {
  for (std::size_t i = 0; i < names.size(); ++i) index.emplace(names[i], static_cast<NameId>(i));
}

}  // namespace

JobTable::JobTable() : data_(std::make_unique<JobData>()) {}
JobTable::~JobTable() = default;
JobTable::JobTable(JobTable&&) noexcept = default;
JobTable& JobTable::operator=(JobTable&&) noexcept = default;

std::size_t JobTable::size() const { return data_->size(); }
std::size_t JobTable::run_rows() const { return data_->rows; }

std::size_t JobTable::memory_bytes() const {
  std::size_t bytes = data_->memory_bytes() + strings_bytes(names_) + vector_bytes(name_group_) +
                      strings_bytes(groups_) + strings_bytes(runner_groups_) +
                      vector_bytes(label_sets_);
  for (const auto& set : label_sets_) bytes += strings_bytes(set);
  return bytes;
}

// The table being built (its dictionaries), name -> id maps for them, and the added jobs.
struct JobTableBuilder::State {
  JobTable table;
  const JobTable* base = nullptr;
  std::unordered_map<std::string, NameId> names;
  std::unordered_map<std::string, NameId> groups;
  std::unordered_map<std::string, NameId> label_sets;  // by label_set_key
  std::unordered_map<std::string, NameId> runner_groups;
  std::vector<Entry> added;

  State() {
    table.label_sets_.emplace_back();
    table.runner_groups_.emplace_back();
    index();
  }
  explicit State(const JobTable& from) : base(&from) {
    table.names_ = from.names_;
    table.name_group_ = from.name_group_;
    table.groups_ = from.groups_;
    table.label_sets_ = from.label_sets_;
    table.runner_groups_ = from.runner_groups_;
    table.watermark_ = from.watermark_;
    index();
  }

  void index() {
    index_names(table.names_, names);
    index_names(table.groups_, groups);
    index_names(table.runner_groups_, runner_groups);
    for (std::size_t i = 0; i < table.label_sets_.size(); ++i) {
      label_sets.emplace(label_set_key(table.label_sets_[i]), static_cast<NameId>(i));
    }
  }

  NameId name_id(const std::string& name) {
    std::size_t before = table.names_.size();
    NameId id = intern(name, table.names_, names);
    if (table.names_.size() != before) {
      table.name_group_.push_back(intern(job_group_name(name), table.groups_, groups));
    }
    return id;
  }

  NameId label_set_id(const std::vector<std::string>& labels) {
    auto [it, inserted] = label_sets.try_emplace(label_set_key(labels),
                                                 static_cast<NameId>(table.label_sets_.size()));
    if (inserted) {
      std::vector<std::string> sorted = labels;
      std::sort(sorted.begin(), sorted.end());
      sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
      table.label_sets_.push_back(std::move(sorted));
    }
    return it->second;
  }
};

JobTableBuilder::JobTableBuilder() : state_(std::make_unique<State>()) {}
JobTableBuilder::~JobTableBuilder() = default;
JobTableBuilder::JobTableBuilder(JobTableBuilder&&) noexcept = default;
JobTableBuilder::JobTableBuilder(const JobTable& base) : state_(std::make_unique<State>(base)) {}

void JobTableBuilder::add(const JobRecord& job) {
  State& s = *state_;
  Entry e;
  e.run_id = job.run_id;
  e.id = job.id;
  e.job.queue = seconds_or_none(queue_seconds(job));
  e.job.duration = seconds_or_none(job_duration_seconds(job));
  e.job.name = s.name_id(job.name);
  // A few dozen label sets and runner groups in practice; ids past 16 bits would only come from
  // garbage, and share the last id.
  e.job.label_set = clamp_to<std::uint16_t>(s.label_set_id(job.labels));
  e.job.runner_group = clamp_to<std::uint16_t>(
      intern(job.runner_group_name, s.table.runner_groups_, s.runner_groups));
  e.job.attempt = clamp_to<std::uint16_t>(job.run_attempt);
  e.job.state = engine::run_state(job.completed(), classify_conclusion(job.conclusion));
  e.job.waited = job.waited;
  s.added.push_back(e);
}

JobTable JobTableBuilder::build(const RunTable& runs, ChangeSeq watermark) {
  State& s = *state_;
  drop_superseded(s.added);
  std::sort(s.added.begin(), s.added.end(), entry_before);
  const JobData* base = s.base != nullptr ? &s.base->data() : nullptr;
  auto data = std::make_unique<JobData>(lay_out(base, s.added, runs));
  s.added = {};
  s.table.data_ = std::move(data);
  s.table.watermark_ = std::max(watermark, s.table.watermark_);
  JobTable result = std::move(s.table);
  state_ = std::make_unique<State>();
  return result;
}

Result<std::shared_ptr<const JobTable>> load_job_table(JobReader& store, const RunTable& runs,
                                                       const JobTable* base) {
  JobTableBuilder builder = base ? JobTableBuilder(*base) : JobTableBuilder();
  ChangeSeq since = base ? base->watermark() : 0;
  auto last = store.scan_jobs(since, [&](const JobRecord& job) {
    builder.add(job);
    return ScanStep::kContinue;
  });
  if (!last) return fail("loading jobs: ", last.error().message);
  return std::shared_ptr<const JobTable>(std::make_shared<JobTable>(builder.build(runs, *last)));
}

}  // namespace cipette

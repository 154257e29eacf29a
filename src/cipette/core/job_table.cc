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

// Appends base runs [from, to) (indexes into base.run_ids) with all their jobs.
void copy_runs(const JobData& base, std::size_t from, std::size_t to, JobData& out) {
  if (from >= to) return;
  std::size_t first = base.run_begin[from];
  std::size_t last = base.run_begin[to];
  auto offset = static_cast<std::int64_t>(out.size()) - static_cast<std::int64_t>(first);
  out.id.insert(out.id.end(), base.id.begin() + static_cast<std::ptrdiff_t>(first),
                base.id.begin() + static_cast<std::ptrdiff_t>(last));
  out.jobs.insert(out.jobs.end(), base.jobs.begin() + static_cast<std::ptrdiff_t>(first),
                  base.jobs.begin() + static_cast<std::ptrdiff_t>(last));
  for (std::size_t k = from; k < to; ++k) {
    out.run_ids.push_back(base.run_ids[k]);
    out.run_begin.push_back(static_cast<std::uint32_t>(base.run_begin[k + 1] + offset));
  }
}

// Appends one run's jobs, `entries` (sorted by entry_before, all of the run).
void append_run(std::span<const Entry> entries, JobData& out) {
  if (entries.empty()) return;
  for (const Entry& e : entries) {
    out.id.push_back(e.id);
    out.jobs.push_back(e.job);
  }
  out.run_ids.push_back(entries.front().run_id);
  out.run_begin.push_back(static_cast<std::uint32_t>(out.size()));
}

// The jobs of `base` (may be null) and `added` (sorted, one entry per id) in table order: the
// base runs without added jobs are copied in blocks; a run with added jobs is sorted again from
// its base jobs not replaced and its added ones.
JobData merge_jobs(const JobData* base, const std::vector<Entry>& added) {
  JobData out;
  std::size_t rows = (base != nullptr ? base->size() : 0) + added.size();
  out.id.reserve(rows);
  out.jobs.reserve(rows);
  std::size_t k = 0;  // next base run
  std::size_t base_runs = base != nullptr ? base->runs() : 0;
  std::vector<Entry> run;
  for (auto it = added.begin(); it != added.end();) {
    std::int64_t run_id = it->run_id;
    auto next = std::find_if(it, added.end(), [&](const Entry& e) { return e.run_id != run_id; });
    if (base != nullptr) {
      auto stop = std::lower_bound(base->run_ids.begin() + static_cast<std::ptrdiff_t>(k),
                                   base->run_ids.end(), run_id);
      auto stop_k = static_cast<std::size_t>(stop - base->run_ids.begin());
      copy_runs(*base, k, stop_k, out);
      k = stop_k;
    }
    run.assign(it, next);
    if (k < base_runs && base->run_ids[k] == run_id) {
      for (std::size_t j = base->run_begin[k]; j < base->run_begin[k + 1]; ++j) {
        bool replaced = std::any_of(it, next, [&](const Entry& e) { return e.id == base->id[j]; });
        if (!replaced) run.push_back(Entry{run_id, base->id[j], base->jobs[j]});
      }
      std::sort(run.begin(), run.end(), entry_before);
      ++k;
    }
    append_run(run, out);
    it = next;
  }
  if (base != nullptr) copy_runs(*base, k, base_runs, out);
  out.id.shrink_to_fit();
  out.jobs.shrink_to_fit();
  out.run_ids.shrink_to_fit();
  out.run_begin.shrink_to_fit();
  return out;
}

// Maps every row of `runs` to its run in `data`.
void map_rows(const RunTable& runs, JobData& data) {
  const engine::TableData& rows = runs.data();
  data.row_run.assign(rows.size(), JobData::kNoJobs);
  for (std::size_t i = 0; i < rows.size(); ++i) {
    auto it = std::lower_bound(data.run_ids.begin(), data.run_ids.end(), rows.id[i]);
    if (it != data.run_ids.end() && *it == rows.id[i]) {
      data.row_run[i] = static_cast<std::uint32_t>(it - data.run_ids.begin());
    }
  }
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
std::size_t JobTable::run_rows() const { return data_->row_run.size(); }

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
  auto data = std::make_unique<JobData>(merge_jobs(base, s.added));
  s.added = {};
  map_rows(runs, *data);
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

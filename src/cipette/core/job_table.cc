#include "cipette/core/job_table.h"

#include <algorithm>
#include <atomic>
#include <limits>
#include <optional>
#include <span>
#include <string_view>
#include <thread>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "cipette/core/engine/job_data.h"
#include "cipette/core/engine/table_data.h"

namespace cipette {

void engine::mark_flaky_jobs(std::span<CompactJob> jobs) {
  constexpr std::size_t kNoFailure = std::numeric_limits<std::size_t>::max();
  for (std::size_t j = 0; j < jobs.size();) {
    NameId name = jobs[j].name;
    std::size_t failed = kNoFailure;  // the name's first failed job (attempts ascend)
    bool found = false;
    for (; j < jobs.size() && jobs[j].name == name; ++j) {
      CompactJob& job = jobs[j];
      job.flaky = false;
      if (job.state == engine::RunState::kFailed && failed == kNoFailure) failed = j;
      found = found || (job.state == engine::RunState::kSuccess && failed != kNoFailure &&
                        job.attempt > jobs[failed].attempt);
    }
    if (found) jobs[failed].flaky = true;
  }
}

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

// The added jobs of one run: [begin, end) of the added entries.
struct AddedRun {
  std::int64_t run_id = 0;
  std::uint32_t begin = 0, end = 0;
};

// The runs of `added` (sorted by entry_before), by run id.
std::vector<AddedRun> added_runs(const std::vector<Entry>& added) {
  std::vector<AddedRun> runs;
  for (std::size_t k = 0; k < added.size(); ++k) {
    if (k == 0 || added[k - 1].run_id != added[k].run_id) {
      runs.push_back(AddedRun{added[k].run_id, static_cast<std::uint32_t>(k), 0});
    }
    runs.back().end = static_cast<std::uint32_t>(k + 1);
  }
  return runs;
}

// Lays out the jobs of `base` (may be null) and `added` (sorted by entry_before, one entry per
// id) for the run table rows `row_run` (their run ids), run by run: a run's base jobs are copied
// as they are unless jobs of it were added; then its base jobs not replaced and the added ones
// are sorted again. Each row's run is found among the base's and the added runs by one merge in
// run id order, not by a search per row (a full load lays out 1M rows).
class Layout {
 public:
  static constexpr std::uint32_t kNone = std::numeric_limits<std::uint32_t>::max();

  Layout(const JobData* base, const std::vector<Entry>& added,
         const std::vector<std::int64_t>& row_run)
      : base_(base),
        runs_(base_runs(base)),
        added_(added),
        added_runs_(added_runs(added)),
        runs_used_(runs_.size(), false),
        added_used_(added_runs_.size(), false) {
    std::size_t jobs = (base != nullptr ? base->size() : 0) + added.size();
    out_.id.reserve(jobs);
    out_.jobs.reserve(jobs);
    out_.slot_run.reserve(row_run.size());
    out_.slot_begin.reserve(row_run.size() + 1);
    match_rows(row_run);
  }

  // Appends the slot of each run table row, in row order.
  void add_rows(const std::vector<std::int64_t>& row_run) {
    for (std::size_t r = 0; r < row_run.size(); ++r) {
      add_slot(row_run[r], row_base_[r], row_added_[r]);
    }
  }

  // Appends a slot for every run not laid out yet, by run id, and returns the jobs.
  JobData finish(std::size_t rows) {
    std::size_t b = 0;
    std::size_t a = 0;
    auto next_unused = [](std::size_t k, const std::vector<bool>& used) {
      while (k < used.size() && used[k]) ++k;
      return k;
    };
    for (;;) {
      b = next_unused(b, runs_used_);
      a = next_unused(a, added_used_);
      if (b == runs_.size() && a == added_runs_.size()) break;
      std::int64_t base_id = b < runs_.size() ? runs_[b].run_id : 0;
      std::int64_t added_id = a < added_runs_.size() ? added_runs_[a].run_id : 0;
      bool take_base = b < runs_.size() && (a == added_runs_.size() || base_id <= added_id);
      bool take_added = a < added_runs_.size() && (b == runs_.size() || added_id <= base_id);
      add_slot(take_base ? base_id : added_id, take_base ? static_cast<std::uint32_t>(b) : kNone,
               take_added ? static_cast<std::uint32_t>(a) : kNone);
    }
    out_.rows = rows;
    out_.slot_run.shrink_to_fit();
    out_.slot_begin.shrink_to_fit();
    return std::move(out_);
  }

 private:
  // Finds each row's run among the base's runs and the added runs (kNone: not there).
  void match_rows(const std::vector<std::int64_t>& row_run) {
    std::vector<std::uint32_t> order(row_run.size());
    for (std::size_t r = 0; r < order.size(); ++r) order[r] = static_cast<std::uint32_t>(r);
    std::sort(order.begin(), order.end(),
              [&](std::uint32_t x, std::uint32_t y) { return row_run[x] < row_run[y]; });
    row_base_.assign(row_run.size(), kNone);
    row_added_.assign(row_run.size(), kNone);
    std::size_t b = 0;
    std::size_t a = 0;
    for (std::uint32_t r : order) {
      std::int64_t id = row_run[r];
      while (b < runs_.size() && runs_[b].run_id < id) ++b;
      if (b < runs_.size() && runs_[b].run_id == id) row_base_[r] = static_cast<std::uint32_t>(b);
      while (a < added_runs_.size() && added_runs_[a].run_id < id) ++a;
      if (a < added_runs_.size() && added_runs_[a].run_id == id) {
        row_added_[r] = static_cast<std::uint32_t>(a);
      }
    }
  }

  // Appends the slot of run `run_id`: its base run `base` and added run `added` (kNone: none).
  void add_slot(std::int64_t run_id, std::uint32_t base, std::uint32_t added) {
    if (base != kNone) runs_used_[base] = true;
    if (added != kNone) added_used_[added] = true;
    if (added != kNone) {
      const AddedRun& run = added_runs_[added];
      std::size_t first = out_.size();
      merge(base != kNone ? &runs_[base] : nullptr, added_.begin() + run.begin,
            added_.begin() + run.end);
      engine::mark_flaky_jobs(std::span(out_.jobs).subspan(first));
    } else if (base != kNone) {  // laid out and marked before
      copy(runs_[base]);
    }
    out_.slot_run.push_back(run_id);
    out_.slot_begin.push_back(static_cast<std::uint32_t>(out_.size()));
  }

  void copy(const BaseRun& run) {
    auto begin = static_cast<std::ptrdiff_t>(run.begin);
    auto end = static_cast<std::ptrdiff_t>(run.end);
    out_.id.insert(out_.id.end(), base_->id.begin() + begin, base_->id.begin() + end);
    out_.jobs.insert(out_.jobs.end(), base_->jobs.begin() + begin, base_->jobs.begin() + end);
  }

  // Appends the added jobs [first, last) of a run, with its base jobs not replaced by one of
  // them when it has some (`run`), in the table's order.
  void merge(const BaseRun* run, std::vector<Entry>::const_iterator first,
             std::vector<Entry>::const_iterator last) {
    if (run != nullptr) {
      run_.assign(first, last);
      for (std::size_t j = run->begin; j < run->end; ++j) {
        bool replaced =
            std::any_of(first, last, [&](const Entry& e) { return e.id == base_->id[j]; });
        if (!replaced) run_.push_back(Entry{run->run_id, base_->id[j], base_->jobs[j]});
      }
      std::sort(run_.begin(), run_.end(), entry_before);
      first = run_.cbegin();
      last = run_.cend();
    }
    for (auto e = first; e != last; ++e) {
      out_.id.push_back(e->id);
      out_.jobs.push_back(e->job);
    }
  }

  const JobData* base_;
  std::vector<BaseRun> runs_;
  const std::vector<Entry>& added_;
  std::vector<AddedRun> added_runs_;
  std::vector<bool> runs_used_;
  std::vector<bool> added_used_;
  std::vector<std::uint32_t> row_base_;   // per row: its run in runs_, or kNone
  std::vector<std::uint32_t> row_added_;  // per row: its run in added_runs_, or kNone
  std::vector<Entry> run_;                // scratch: one run's jobs being merged
  JobData out_;
};

// The jobs of `base` and `added` laid out for the rows of `runs`.
JobData lay_out(const JobData* base, const std::vector<Entry>& added, const RunTable& runs) {
  const std::vector<std::int64_t>& row_run = runs.data().id;
  Layout layout(base, added, row_run);
  layout.add_rows(row_run);
  return layout.finish(row_run.size());
}

// A name -> id map looked up by string_view: a full load looks up millions of names that are
// nearly all known, without building a string for each.
struct NameHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};
using NameIndex = std::unordered_map<std::string, NameId, NameHash, std::equal_to<>>;

NameId intern(std::string_view name, std::vector<std::string>& names, NameIndex& index) {
  if (auto found = index.find(name); found != index.end()) return found->second;
  auto id = static_cast<NameId>(names.size());
  index.emplace(std::string(name), id);
  names.emplace_back(name);
  return id;
}

void index_names(const std::vector<std::string>& names, NameIndex& index) {
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

namespace {

// Added jobs in blocks of kBlock entries: 40 MB each, past glibc's largest threshold for
// allocating by mmap (32 MB), so that a block freed is returned to the system at once.
struct Part {
  static constexpr std::size_t kBlock = std::size_t{1} << 20;
  std::vector<std::vector<Entry>> blocks;
  std::size_t count = 0;
  // The ids came in strictly increasing order (a table-order scan, by range or not).
  bool ids_increasing = true;

  void add(const Entry& e) {
    ids_increasing = ids_increasing && (count == 0 || blocks.back().back().id < e.id);
    if (blocks.empty() || blocks.back().size() == kBlock) blocks.emplace_back().reserve(kBlock);
    blocks.back().push_back(e);
    ++count;
  }
};

// The entries of `parts` in one vector, freeing their blocks as they are copied. When every
// part's ids increase, the parts are merged by id (the ranges of a split load, taken in turns
// by two connections, come back in one increasing order, as a single table-order scan gives
// them); `distinct` tells whether the ids then strictly increase throughout, so that no id came
// twice. Otherwise the parts are appended and `distinct` is false.
std::vector<Entry> flatten(std::vector<Part>& parts, bool& distinct) {
  std::size_t total = 0;
  distinct = true;
  for (const Part& part : parts) {
    total += part.count;
    distinct = distinct && part.ids_increasing;
  }
  std::vector<Entry> out;
  out.reserve(total);
  // A cursor per part: its block and the entry in it.
  struct Cursor {
    Part* part;
    std::size_t block = 0;
    std::size_t at = 0;
    bool done() const { return block == part->blocks.size(); }
    const Entry& entry() const { return part->blocks[block][at]; }
    void advance() {
      if (++at < part->blocks[block].size()) return;
      std::vector<Entry>().swap(part->blocks[block]);  // copied: freed
      ++block;
      at = 0;
    }
  };
  std::vector<Cursor> cursors;
  for (Part& part : parts) {
    if (part.count > 0) cursors.push_back(Cursor{&part});
  }
  bool by_id = distinct;
  while (!cursors.empty()) {
    std::size_t next = 0;
    for (std::size_t c = 1; by_id && c < cursors.size(); ++c) {
      if (cursors[c].entry().id < cursors[next].entry().id) next = c;
    }
    const Entry& e = cursors[next].entry();
    distinct = distinct && (out.empty() || out.back().id < e.id);
    out.push_back(e);
    cursors[next].advance();
    if (cursors[next].done()) cursors.erase(cursors.begin() + static_cast<std::ptrdiff_t>(next));
  }
  parts.assign(1, Part{});
  return out;
}

}  // namespace

// The table being built (its dictionaries), name -> id maps for them, and the added jobs.
struct JobTableBuilder::State {
  JobTable table;
  const JobTable* base = nullptr;
  NameIndex names;
  NameIndex groups;
  NameIndex label_sets;  // by label_set_key
  NameIndex runner_groups;
  // The added jobs: this builder's own (parts[0]), then those of each merged builder. A full
  // load adds millions, and one growing vector would copy them at each doubling and, at its
  // last, hold 1.5 times their bytes beside the copy (the start-up's peak memory); so each
  // part is a list of blocks, and merge() moves blocks.
  std::vector<Part> parts{
      1};  // The labels of the last job added and their id: the jobs of a run mostly share one set.
  std::vector<std::string> last_labels;
  NameId last_label_set = 0;

  State() {
    table.label_sets_.emplace_back();  // id 0, last_label_set's first value: no labels
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
    if (labels == last_labels) return last_label_set;
    last_labels = labels;
    last_label_set = label_set_id_of_key(labels);
    return last_label_set;
  }

  NameId label_set_id_of_key(const std::vector<std::string>& labels) {
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
  s.parts.front().add(e);
}

void JobTableBuilder::merge(JobTableBuilder&& other) {
  State& s = *state_;
  State& o = *other.state_;
  // The other's dictionary ids in this builder's dictionaries.
  std::vector<NameId> names(o.table.names_.size());
  for (std::size_t i = 0; i < names.size(); ++i) names[i] = s.name_id(o.table.names_[i]);
  std::vector<NameId> label_sets(o.table.label_sets_.size());
  for (std::size_t i = 0; i < label_sets.size(); ++i) {
    label_sets[i] = s.label_set_id_of_key(o.table.label_sets_[i]);
  }
  std::vector<NameId> runner_groups(o.table.runner_groups_.size());
  for (std::size_t i = 0; i < runner_groups.size(); ++i) {
    runner_groups[i] = intern(o.table.runner_groups_[i], s.table.runner_groups_, s.runner_groups);
  }
  for (Part& part : o.parts) {
    for (std::vector<Entry>& block : part.blocks) {
      for (Entry& e : block) {
        e.job.name = names[e.job.name];
        e.job.label_set = clamp_to<std::uint16_t>(label_sets[e.job.label_set]);
        e.job.runner_group = clamp_to<std::uint16_t>(runner_groups[e.job.runner_group]);
      }
    }
    s.parts.push_back(std::move(part));
  }
  other.state_ = std::make_unique<State>();
}

JobTable JobTableBuilder::build(const RunTable& runs, ChangeSeq watermark) {
  State& s = *state_;
  bool distinct = true;
  std::vector<Entry> added = flatten(s.parts, distinct);
  if (!distinct) drop_superseded(added);
  std::sort(added.begin(), added.end(), entry_before);
  const JobData* base = s.base != nullptr ? &s.base->data() : nullptr;
  auto data = std::make_unique<JobData>(lay_out(base, added, runs));
  added = {};
  s.table.data_ = std::move(data);
  s.table.watermark_ = std::max(watermark, s.table.watermark_);
  JobTable result = std::move(s.table);
  state_ = std::make_unique<State>();
  return result;
}

namespace {

// The first half of a load: reads the jobs (all, or those changed since base's watermark) into
// `builder`; needs no run table.
Result<ChangeSeq> read_jobs(JobReader& store, JobTableBuilder& builder, const JobTable* base) {
  auto add = [&](const JobRecord& job) {
    builder.add(job);
    return ScanStep::kContinue;
  };
  // A full load reads in the store's fastest order: the table holds no order of change.
  auto last = base ? store.scan_jobs(base->watermark(), add) : store.scan_all_jobs(add);
  if (!last) return fail("loading jobs: ", last.error().message);
  return *last;
}

}  // namespace

Result<std::shared_ptr<const JobTable>> load_job_table(JobReader& store, const RunTable& runs,
                                                       const JobTable* base) {
  JobTableBuilder builder = base ? JobTableBuilder(*base) : JobTableBuilder();
  auto last = read_jobs(store, builder, base);
  if (!last) return last.error();
  return std::shared_ptr<const JobTable>(std::make_shared<JobTable>(builder.build(runs, *last)));
}

namespace {

// The id ranges of a split load, handed out in increasing order to whichever connection asks
// next, so that the two finish together however the ids are spread. The first range starts at
// the smallest id there can be and the last ends at the largest: a job stored after the span
// was read, with an id past it, is still in a range.
class IdChunks {
 public:
  static constexpr std::int64_t kChunks = 64;

  explicit IdChunks(JobIdRange span)
      : first_(span.first), width_((span.last - span.first) / kChunks + 1) {}

  std::optional<JobIdRange> next() {
    std::int64_t k = next_.fetch_add(1);
    if (k >= kChunks) return std::nullopt;
    constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
    constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
    return JobIdRange{k == 0 ? kMin : first_ + k * width_,
                      k == kChunks - 1 ? kMax : first_ + (k + 1) * width_ - 1};
  }

  // No more ranges: the load failed elsewhere.
  void stop() { next_ = kChunks; }

 private:
  std::int64_t first_;
  std::int64_t width_;
  std::atomic<std::int64_t> next_{0};
};

// One connection's part of a split load, into `builder`; the snapshot's largest sequence.
Result<ChangeSeq> read_chunks(JobReader& store, IdChunks& chunks, JobTableBuilder& builder) {
  auto head = store.scan_job_ranges([&] { return chunks.next(); },
                                    [&](const JobRecord& job) { builder.add(job); });
  if (!head) {
    chunks.stop();
    return fail("loading jobs: ", head.error().message);
  }
  return *head;
}

}  // namespace

Result<LoadedTables> load_tables(RunReader& run_store, JobReader& run_store_jobs,
                                 JobReader& job_store) {
  auto span = job_store.job_id_span();
  if (!span) return fail("loading jobs: ", span.error().message);
  JobTableBuilder builder;
  if (!*span) {  // no job, or a store that reads no id ranges: one scan on the second connection
    Result<ChangeSeq> read_jobs_result = ChangeSeq{0};
    std::thread reader([&] { read_jobs_result = read_jobs(job_store, builder, nullptr); });
    auto runs = load_run_table(run_store);
    reader.join();
    if (!runs) return runs.error();
    if (!read_jobs_result) return read_jobs_result.error();
    auto jobs = std::make_shared<JobTable>(builder.build(**runs, *read_jobs_result));
    return LoadedTables{*runs, std::move(jobs)};
  }
  IdChunks chunks(**span);
  JobTableBuilder second;
  Result<ChangeSeq> second_head = ChangeSeq{0};
  std::thread reader([&] { second_head = read_chunks(job_store, chunks, second); });
  auto runs = load_run_table(run_store);
  Result<ChangeSeq> first_head = ChangeSeq{0};
  if (runs) {
    first_head = read_chunks(run_store_jobs, chunks, builder);
  } else {
    chunks.stop();
  }
  reader.join();
  if (!runs) return runs.error();
  if (!first_head) return first_head.error();
  if (!second_head) return second_head.error();
  builder.merge(std::move(second));
  // The two snapshots may differ (a write committed between them). Under the smaller of their
  // largest sequences, every change up to it is in the table, and a refresh reads every later
  // one again (jobs the later snapshot already held are replaced by themselves): a job changed
  // during the load is never missed.
  ChangeSeq watermark = std::min(*first_head, *second_head);
  auto jobs = std::make_shared<JobTable>(builder.build(**runs, watermark));
  return LoadedTables{*runs, std::move(jobs)};
}

}  // namespace cipette

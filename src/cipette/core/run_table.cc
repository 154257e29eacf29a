#include "cipette/core/run_table.h"

#include <algorithm>
#include <cctype>
#include <limits>
#include <map>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "cipette/core/text.h"

namespace cipette {

namespace {

// The order every table keeps its rows in: each workflow's rows together, and within them each
// branch's stream in completion order (ties by id), so that MTTR is one forward pass.
bool row_before(const RunTable::Row& a, const RunTable::Row& b) {
  if (a.workflow != b.workflow) return a.workflow < b.workflow;
  if (a.branch != b.branch) return a.branch < b.branch;
  if (a.completed_at != b.completed_at) return a.completed_at < b.completed_at;
  return a.id < b.id;
}

// "https://github.com/o/r/actions/runs/1" -> "https://github.com/o/r"; "" when the address
// does not have that shape.
std::string html_base_of(std::string_view html_url) {
  auto pos = html_url.find("/actions/runs/");
  if (pos == std::string_view::npos) return {};
  return std::string(html_url.substr(0, pos));
}

template <typename T>
T clamp_to(std::int64_t value) {
  return static_cast<T>(std::clamp<std::int64_t>(value, std::numeric_limits<T>::min(),
                                                 std::numeric_limits<T>::max()));
}

template <typename T, typename Allocator>
std::size_t vector_bytes(const std::vector<T, Allocator>& v) {
  return v.capacity() * sizeof(T);
}

std::size_t strings_bytes(const std::vector<std::string>& v) {
  std::size_t bytes = vector_bytes(v);
  for (const auto& s : v) {
    if (s.capacity() > 15) bytes += s.capacity() + 1;  // beyond the small-string buffer
  }
  return bytes;
}

// Keeps, for every id in `rows`, only the row added last, and returns the kept ids sorted.
std::vector<std::int64_t> drop_superseded(LargeVector<RunTable::Row>& rows) {
  std::vector<std::pair<std::int64_t, std::size_t>> order(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) order[i] = {rows[i].id, i};
  std::sort(order.begin(), order.end());
  std::vector<char> keep(rows.size(), 0);
  std::vector<std::int64_t> ids;
  ids.reserve(order.size());
  for (std::size_t i = 0; i < order.size(); ++i) {
    bool last_of_id = i + 1 == order.size() || order[i + 1].first != order[i].first;
    if (!last_of_id) continue;
    keep[order[i].second] = 1;
    ids.push_back(order[i].first);
  }
  if (ids.size() != rows.size()) {
    std::size_t out = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      if (keep[i]) rows[out++] = rows[i];
    }
    rows.resize(out);
  }
  return ids;
}

// The ids of replaced runs: a sorted list behind a bitmap of the ids' low bits, so that the
// usual answer (not replaced) costs one read of a small, cached array.
class IdSet {
 public:
  explicit IdSet(std::vector<std::int64_t> sorted) : ids_(std::move(sorted)), bits_(kSlots / 64) {
    for (std::int64_t id : ids_) bits_[slot(id) / 64] |= std::uint64_t{1} << (slot(id) % 64);
  }
  bool contains(std::int64_t id) const {
    std::size_t s = slot(id);
    if (((bits_[s / 64] >> (s % 64)) & 1U) == 0) return false;
    return std::binary_search(ids_.begin(), ids_.end(), id);
  }

 private:
  static constexpr std::size_t kSlots = std::size_t{1} << 16;
  static std::size_t slot(std::int64_t id) { return static_cast<std::uint64_t>(id) % kSlots; }
  std::vector<std::int64_t> ids_;
  std::vector<std::uint64_t> bits_;
};

// The rows of `base` whose id is not `replaced`, merged with `added` (sorted), in one pass
// into a new vector. Keys are unique because ids are.
LargeVector<RunTable::Row> merge_rows(std::span<const RunTable::Row> base, const IdSet& replaced,
                                      const LargeVector<RunTable::Row>& added) {
  LargeVector<RunTable::Row> rows;
  rows.reserve(base.size() + added.size());
  auto next = added.begin();
  for (const RunTable::Row& row : base) {
    if (replaced.contains(row.id)) continue;
    while (next != added.end() && row_before(*next, row)) rows.push_back(*next++);
    rows.push_back(row);
  }
  rows.insert(rows.end(), next, added.end());
  return rows;
}

using PeriodIndex = RunTable::PeriodIndex;

// Appends a completed row to the columns of `index`.
void append_entry(PeriodIndex& index, const RunTable::Row& row) {
  index.created_at.push_back(row.created_at);
  std::int64_t duration = row.completed_at - row.started_at;
  if (duration > std::numeric_limits<std::int32_t>::max()) index.durations_fit = false;
  index.duration.push_back(duration < 0 ? -1 : clamp_to<std::int32_t>(duration));
  index.outcome.push_back(row.outcome);
  index.branch.push_back(row.branch);
  index.id.push_back(row.id);
}

// Appends entry k of `from` to the columns of `index`.
void append_entry(PeriodIndex& index, const PeriodIndex& from, std::size_t k) {
  index.created_at.push_back(from.created_at[k]);
  index.duration.push_back(from.duration[k]);
  index.outcome.push_back(from.outcome[k]);
  index.branch.push_back(from.branch[k]);
  index.id.push_back(from.id[k]);
}

void reserve_columns(PeriodIndex& index, std::size_t entries) {
  index.created_at.reserve(entries);
  index.duration.reserve(entries);
  index.outcome.reserve(entries);
  index.branch.reserve(entries);
  index.id.reserve(entries);
}

// The order of a workflow's entries: by created_at, ties by run id.
struct EntryKey {
  Timestamp created_at;
  std::int64_t id;
  auto operator<=>(const EntryKey&) const = default;
};

// Sorts entries of equal created_at (adjacent after sorting by it) by run id.
void order_ties_by_id(std::span<const RunTable::Row> rows,
                      std::span<std::pair<Timestamp, std::size_t>> order) {
  auto by_id = [&](const auto& a, const auto& b) { return rows[a.second].id < rows[b.second].id; };
  for (std::size_t i = 0; i < order.size();) {
    std::size_t j = i + 1;
    while (j < order.size() && order[j].first == order[i].first) ++j;
    if (j - i > 1) std::sort(order.begin() + i, order.begin() + j, by_id);
    i = j;
  }
}

// Fills the columns of `index` from the completed rows, each workflow's by (created_at, id).
void index_columns(std::span<const RunTable::Row> rows, std::size_t workflows, PeriodIndex& index) {
  index.workflow_begin.assign(workflows + 1, 0);
  // (created_at, position), sorted by created_at and then, where equal, by id.
  LargeVector<std::pair<Timestamp, std::size_t>> order;
  order.reserve(rows.size());
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (!rows[i].completed) continue;
    order.emplace_back(rows[i].created_at, i);
    ++index.workflow_begin[rows[i].workflow + 1];
  }
  for (std::size_t w = 0; w < workflows; ++w) {
    index.workflow_begin[w + 1] += index.workflow_begin[w];
    // Rows are grouped by workflow, so each workflow's entries are contiguous already.
    std::span<std::pair<Timestamp, std::size_t>> entries(
        order.data() + index.workflow_begin[w],
        index.workflow_begin[w + 1] - index.workflow_begin[w]);
    std::sort(entries.begin(), entries.end());
    order_ties_by_id(rows, entries);
  }
  reserve_columns(index, order.size());
  for (const auto& [created_at, position] : order) append_entry(index, rows[position]);
}

// The columns of `base` without the entries of `replaced` runs, merged workflow by workflow
// with the completed rows of `added` (an incremental refresh): the columns index_columns
// would build from the merged rows, in a pass instead of a sort.
void merge_columns(const PeriodIndex& base, const IdSet& replaced,
                   const LargeVector<RunTable::Row>& added, std::size_t workflows,
                   PeriodIndex& index) {
  std::vector<const RunTable::Row*> fresh;
  for (const RunTable::Row& row : added) {
    if (row.completed) fresh.push_back(&row);
  }
  std::sort(fresh.begin(), fresh.end(), [](const RunTable::Row* a, const RunTable::Row* b) {
    return std::tuple(a->workflow, a->created_at, a->id) <
           std::tuple(b->workflow, b->created_at, b->id);
  });
  index.workflow_begin.assign(workflows + 1, 0);
  index.durations_fit = base.durations_fit;
  reserve_columns(index, base.created_at.size() + fresh.size());
  std::size_t base_workflows = base.workflow_begin.size() - 1;
  auto next = fresh.begin();
  for (std::size_t w = 0; w < workflows; ++w) {
    std::size_t k = w < base_workflows ? base.workflow_begin[w] : 0;
    std::size_t end = w < base_workflows ? base.workflow_begin[w + 1] : 0;
    for (;;) {
      while (k < end && replaced.contains(base.id[k])) ++k;
      bool fresh_left = next != fresh.end() && (*next)->workflow == w;
      if (fresh_left && (k == end || EntryKey{(*next)->created_at, (*next)->id} <
                                         EntryKey{base.created_at[k], base.id[k]})) {
        append_entry(index, **next++);
      } else if (k < end) {
        append_entry(index, base, k++);
      } else {
        break;
      }
    }
    index.workflow_begin[w + 1] = index.created_at.size();
  }
}

// Appends the incidents of one workflow's rows (in stream order) to `out`, as the MTTR walk
// over streams of all completed runs sees them.
void find_incidents(std::span<const RunTable::Row> rows, LargeVector<PeriodIndex::Incident>& out) {
  const RunTable::Row* first_failure = nullptr;  // of the incident under way
  for (const RunTable::Row& row : rows) {
    if (!row.completed) continue;
    if (first_failure != nullptr && row.branch != first_failure->branch) {
      out.push_back({first_failure->created_at, -1, first_failure->branch});  // stream ended
      first_failure = nullptr;
    }
    if (row.outcome == Outcome::kFailed && first_failure == nullptr) {
      first_failure = &row;
    } else if (row.outcome == Outcome::kSuccess && first_failure != nullptr) {
      out.push_back({first_failure->created_at, row.completed_at - first_failure->completed_at,
                     first_failure->branch});
      first_failure = nullptr;
    }
  }
  if (first_failure != nullptr) {
    out.push_back({first_failure->created_at, -1, first_failure->branch});  // still open
  }
}

void index_incidents(std::span<const RunTable::Row> rows, std::size_t workflows,
                     PeriodIndex& index) {
  index.incident_begin.assign(workflows + 1, 0);
  std::size_t begin = 0;
  for (std::size_t w = 0; w < workflows; ++w) {
    std::size_t end = begin;
    while (end < rows.size() && rows[end].workflow == w) ++end;
    auto first = static_cast<std::ptrdiff_t>(index.incidents.size());
    find_incidents(rows.subspan(begin, end - begin), index.incidents);
    std::sort(index.incidents.begin() + first, index.incidents.end(),
              [](const PeriodIndex::Incident& a, const PeriodIndex::Incident& b) {
                return a.created_at < b.created_at;
              });
    index.incident_begin[w + 1] = index.incidents.size();
    begin = end;
  }
}

// Adds to `sums` the entries [begin, end) of `index`.
void add_entries(const PeriodIndex& index, std::size_t begin, std::size_t end,
                 PeriodIndex::Sums& sums) {
  for (std::size_t i = begin; i < end; ++i) {
    sums.success += index.outcome[i] == Outcome::kSuccess;
    sums.failed += index.outcome[i] == Outcome::kFailed;
    std::int32_t duration = index.duration[i];
    sums.timed += duration >= 0;
    sums.duration += duration >= 0 ? duration : 0;
  }
}

void index_sums(PeriodIndex& index) {
  constexpr std::size_t kStride = PeriodIndex::kSumStride;
  std::size_t entries = index.created_at.size();
  index.sums.assign(entries / kStride + 1, {});
  for (std::size_t j = 1; j < index.sums.size(); ++j) {
    index.sums[j] = index.sums[j - 1];
    add_entries(index, (j - 1) * kStride, j * kStride, index.sums[j]);
  }
}

void index_duration_ranks(PeriodIndex& index) {
  if (!index.durations_fit) return;  // not usable() anyway
  LargeVector<std::uint32_t> values;
  values.reserve(large_blocks::pooled_capacity(index.duration.size(), sizeof(std::uint32_t)));
  values.resize(index.duration.size());
  std::uint32_t max = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    values[i] = static_cast<std::uint32_t>(index.duration[i] + 1);  // -1 (none) becomes 0
    max = std::max(max, values[i]);
  }
  index.duration_ranks = WaveletMatrix(values, WaveletMatrix::bits_for(max));
}

// What index_periods and reindex_periods derive from the columns.
void index_derived(PeriodIndex& index) {
  index_sums(index);
  index_duration_ranks(index);
}

PeriodIndex index_periods(std::span<const RunTable::Row> rows, std::size_t workflows) {
  PeriodIndex index;
  index_columns(rows, workflows, index);
  index_derived(index);
  index_incidents(rows, workflows, index);
  return index;
}

// index_periods for `rows`, the rows of a table indexed by `base` with the `replaced` runs
// taken out and `added` merged in: the columns are merged, the incidents found again (a pass).
PeriodIndex reindex_periods(const PeriodIndex& base, std::size_t base_workflows,
                            const IdSet& replaced, const LargeVector<RunTable::Row>& added,
                            std::span<const RunTable::Row> rows, std::size_t workflows) {
  if (!base.usable(base_workflows) || base.id.size() != base.created_at.size()) {
    return index_periods(rows, workflows);
  }
  PeriodIndex index;
  merge_columns(base, replaced, added, workflows, index);
  index_derived(index);
  index_incidents(rows, workflows, index);
  return index;
}

}  // namespace

const std::string& RunTable::repository_html_base(NameId repository) const {
  static const std::string kEmpty;
  if (repository >= repository_html_bases_.size()) return kEmpty;
  return repository_html_bases_[repository];
}

std::optional<NameId> RunTable::find_repository(std::string_view name) const {
  for (std::size_t i = 0; i < repositories_.size(); ++i) {
    if (equal_ignoring_case(repositories_[i], name)) return static_cast<NameId>(i);
  }
  return std::nullopt;
}

std::size_t RunTable::memory_bytes() const {
  std::size_t bytes = vector_bytes(rows_) + strings_bytes(repositories_) +
                      strings_bytes(repository_html_bases_) + strings_bytes(branches_) +
                      strings_bytes(events_) + strings_bytes(actors_) + vector_bytes(workflows_);
  const PeriodIndex& index = period_index_;
  bytes += vector_bytes(index.workflow_begin) + vector_bytes(index.created_at) +
           vector_bytes(index.duration) + vector_bytes(index.outcome) + vector_bytes(index.branch) +
           vector_bytes(index.id) + vector_bytes(index.incident_begin) +
           vector_bytes(index.incidents) + vector_bytes(index.sums) +
           index.duration_ranks.memory_bytes();
  for (const auto& w : workflows_) {
    if (w.name.capacity() > 15) bytes += w.name.capacity() + 1;
    if (w.path.capacity() > 15) bytes += w.path.capacity() + 1;
  }
  return bytes;
}

RunTable::PeriodIndex::Sums RunTable::PeriodIndex::sums_between(std::size_t begin,
                                                                std::size_t end) const {
  // The running sums up to the stride before each end, plus the entries after it.
  auto sums_to = [this](std::size_t end_at) {
    Sums at = sums[end_at / kSumStride];
    add_entries(*this, end_at / kSumStride * kSumStride, end_at, at);
    return at;
  };
  Sums to_end = sums_to(end);
  Sums to_begin = sums_to(begin);
  return Sums{to_end.success - to_begin.success, to_end.failed - to_begin.failed,
              to_end.timed - to_begin.timed, to_end.duration - to_begin.duration};
}

void RunTable::prepare_next_build() const {
  auto grown = [](std::size_t count) { return count + count / 20; };
  const PeriodIndex& index = period_index_;
  std::size_t entries = grown(index.created_at.size());
  std::vector<std::size_t> sizes{
      grown(rows_.size()) * sizeof(Row), entries * sizeof(Timestamp),
      entries * sizeof(std::int32_t), entries * sizeof(Outcome), entries * sizeof(NameId),
      entries * sizeof(std::int64_t), grown(index.incidents.size()) * sizeof(PeriodIndex::Incident),
      // The wavelet matrix's input (see index_duration_ranks), then its own buffers.
      large_blocks::pooled_capacity(entries, sizeof(std::uint32_t)) * sizeof(std::uint32_t)};
  auto wavelet = WaveletMatrix::build_buffers(entries, std::max(1, index.duration_ranks.bits()));
  sizes.insert(sizes.end(), wavelet.begin(), wavelet.end());
  // What the pool kept (the growth of this table's columns, mostly) would not serve that.
  large_blocks::release_kept();
  large_blocks::prepare(sizes);
}

namespace {

void index_names(const std::vector<std::string>& names,
                 std::unordered_map<std::string, NameId>& index) {
  index.reserve(names.size());
  for (std::size_t i = 0; i < names.size(); ++i) index.emplace(names[i], static_cast<NameId>(i));
}

NameId intern_name(std::string_view name, std::vector<std::string>& names,
                   std::unordered_map<std::string, NameId>& index) {
  auto [it, inserted] = index.try_emplace(std::string(name), static_cast<NameId>(names.size()));
  if (inserted) names.emplace_back(name);
  return it->second;
}

void ensure_empty_first(std::vector<std::string>& names) {
  if (names.empty()) names.emplace_back();
}

// The columns of a row that need no dictionary.
RunTable::Row row_of(const RunRecord& run) {
  RunTable::Row row;
  row.id = run.id;
  row.created_at = run.created_at;
  row.started_at = run.started();
  row.completed_at = run.updated_at;
  row.updated_at = run.updated_at;
  row.run_number = clamp_to<std::int32_t>(run.run_number);
  row.run_attempt = clamp_to<std::uint16_t>(run.run_attempt);
  row.outcome = classify_conclusion(run.conclusion);
  row.completed = run.completed();
  return row;
}

}  // namespace

// Name -> id maps for the dictionaries of the table being built.
struct RunTableBuilder::Indexes {
  std::unordered_map<std::string, NameId> repositories;  // keyed by lower-case name
  std::map<std::pair<NameId, std::int64_t>, NameId> workflows;
  std::vector<Timestamp> workflow_named_at;  // updated_at of the run that named each workflow
  std::unordered_map<std::string, NameId> branches;
  std::unordered_map<std::string, NameId> events;
  std::unordered_map<std::string, NameId> actors;

  void index_repositories(const std::vector<std::string>& names) {
    for (std::size_t i = 0; i < names.size(); ++i) {
      repositories.emplace(ascii_lower(names[i]), static_cast<NameId>(i));
    }
  }

  void index_workflows(const std::vector<RunTable::Workflow>& list,
                       std::span<const RunTable::Row> rows) {
    workflow_named_at.assign(list.size(), std::numeric_limits<Timestamp>::min());
    for (std::size_t i = 0; i < list.size(); ++i) {
      workflows.emplace(std::pair{list[i].repository, list[i].workflow_id}, static_cast<NameId>(i));
    }
    for (const auto& row : rows) {
      workflow_named_at[row.workflow] = std::max(workflow_named_at[row.workflow], row.updated_at);
    }
  }
};

RunTableBuilder::RunTableBuilder(const RunTable& base) : base_(&base) {
  // Everything but the rows (merged by build()) and the period index (rebuilt by build()).
  table_.repositories_ = base.repositories_;
  table_.repository_html_bases_ = base.repository_html_bases_;
  table_.workflows_ = base.workflows_;
  table_.branches_ = base.branches_;
  table_.events_ = base.events_;
  table_.actors_ = base.actors_;
  table_.watermark_ = base.watermark_;
}

void RunTableBuilder::add(const RunRecord& run) {
  // Stored before import and collect refused such dates: left out of every figure.
  if (!is_plausible_timestamp(run.created_at)) return;
  if (!indexes_) {
    // Built on first use so that copying a base table costs nothing more until runs arrive.
    ensure_empty_first(table_.branches_);
    ensure_empty_first(table_.events_);
    ensure_empty_first(table_.actors_);
    indexes_ = std::make_shared<Indexes>();
    indexes_->index_repositories(table_.repositories_);
    indexes_->index_workflows(table_.workflows_, base_ != nullptr ? base_->rows() : table_.rows());
    index_names(table_.branches_, indexes_->branches);
    index_names(table_.events_, indexes_->events);
    index_names(table_.actors_, indexes_->actors);
  }
  RunTable::Row row = row_of(run);
  row.workflow = intern_workflow(intern_repository(run), run);
  row.branch = intern_name(run.head_branch, table_.branches_, indexes_->branches);
  row.actor = intern_name(run.actor, table_.actors_, indexes_->actors);
  // GitHub has a few dozen event names; ids past 16 bits would only come from garbage.
  row.event = clamp_to<std::uint16_t>(intern_name(run.event, table_.events_, indexes_->events));
  added_.push_back(row);
}

NameId RunTableBuilder::intern_repository(const RunRecord& run) {
  auto [it, inserted] = indexes_->repositories.try_emplace(
      ascii_lower(run.repository), static_cast<NameId>(table_.repositories_.size()));
  if (inserted) {
    table_.repositories_.push_back(run.repository);
    table_.repository_html_bases_.emplace_back();
  }
  std::string base = html_base_of(run.html_url);
  if (!base.empty()) table_.repository_html_bases_[it->second] = std::move(base);
  return it->second;
}

NameId RunTableBuilder::intern_workflow(NameId repository, const RunRecord& run) {
  auto [it, inserted] = indexes_->workflows.try_emplace(
      std::pair{repository, run.workflow_id}, static_cast<NameId>(table_.workflows_.size()));
  auto& named_at = indexes_->workflow_named_at;
  if (inserted) {
    table_.workflows_.push_back(RunTable::Workflow{repository, run.workflow_id, {}, {}});
    named_at.push_back(std::numeric_limits<Timestamp>::min());
  }
  NameId id = it->second;
  // The newest run names the workflow (a rename shows up everywhere at once); ties go to the
  // run seen last, which the store hands over in change order.
  if (run.updated_at >= named_at[id]) {
    named_at[id] = run.updated_at;
    table_.workflows_[id].name = run.workflow_name;
    table_.workflows_[id].path = run.path;
  }
  return id;
}

RunTable RunTableBuilder::build(ChangeSeq watermark) {
  ensure_empty_first(table_.branches_);
  ensure_empty_first(table_.events_);
  ensure_empty_first(table_.actors_);
  std::vector<std::int64_t> added_ids = drop_superseded(added_);
  std::sort(added_.begin(), added_.end(), row_before);
  auto& rows = table_.rows_;
  std::size_t workflows = table_.workflows_.size();
  if (base_ == nullptr) {
    rows = std::move(added_);
    table_.period_index_ = index_periods(rows, workflows);
  } else {
    IdSet replaced(std::move(added_ids));
    rows = merge_rows(base_->rows(), replaced, added_);
    table_.period_index_ = reindex_periods(base_->period_index_, base_->workflows_.size(), replaced,
                                           added_, rows, workflows);
    base_ = nullptr;
  }
  table_.watermark_ = std::max(watermark, table_.watermark_);
  RunTable result = std::move(table_);
  table_ = RunTable();
  added_ = {};
  indexes_.reset();
  return result;
}

Result<std::shared_ptr<const RunTable>> load_run_table(RunReader& store, const RunTable* base) {
  RunTableBuilder builder = base ? RunTableBuilder(*base) : RunTableBuilder();
  ChangeSeq since = base ? base->watermark() : 0;
  auto last = store.scan_runs(since, [&](const RunRecord& run) {
    builder.add(run);
    return ScanStep::kContinue;
  });
  if (!last) {
    return fail("loading runs from ", store.describe(), ": ", last.error().message);
  }
  return std::shared_ptr<const RunTable>(std::make_shared<RunTable>(builder.build(*last)));
}

}  // namespace cipette

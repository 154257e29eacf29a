#include "cipette/core/run_table.h"

#include <algorithm>
#include <limits>
#include <map>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "cipette/core/engine/table_data.h"
#include "cipette/core/text.h"

namespace cipette {

using engine::TableData;
using Row = RunTable::Row;

namespace {

// The order of a table's rows: by workflow, then creation time, ties by run id.
bool row_before(const Row& a, const Row& b) {
  return std::tie(a.workflow, a.created_at, a.id) < std::tie(b.workflow, b.created_at, b.id);
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

std::size_t strings_bytes(const std::vector<std::string>& v) {
  std::size_t bytes = v.capacity() * sizeof(std::string);
  for (const auto& s : v) {
    if (s.capacity() > 15) bytes += s.capacity() + 1;  // beyond the small-string buffer
  }
  return bytes;
}

// Keeps, for every id in `rows`, only the row added last, and returns the kept ids sorted.
std::vector<std::int64_t> drop_superseded(std::vector<Row>& rows) {
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

// The columns of `added` (sorted by row_before) alone, or merged workflow by workflow into the
// rows of `base` that are not `replaced`: a pass instead of a sort. `touched` marks the
// workflows whose rows changed.
TableData merge_rows(const TableData* base, const IdSet& replaced, const std::vector<Row>& added,
                     std::size_t workflows, std::vector<bool>& touched) {
  TableData data;
  data.reserve((base != nullptr ? base->size() : 0) + added.size());
  data.workflow_begin.assign(workflows + 1, 0);
  touched.assign(workflows, false);
  std::size_t base_workflows = base != nullptr ? base->workflows() : 0;
  auto next = added.begin();
  for (NameId w = 0; w < workflows; ++w) {
    std::size_t k = w < base_workflows ? base->workflow_begin[w] : 0;
    std::size_t end = w < base_workflows ? base->workflow_begin[w + 1] : 0;
    for (;;) {
      while (k < end && replaced.contains(base->id[k])) {
        touched[w] = true;
        ++k;
      }
      bool added_left = next != added.end() && next->workflow == w;
      // The base rows before the next added one (or the next replaced one), copied at once.
      std::size_t kept = k;
      while (kept < end && !replaced.contains(base->id[kept]) &&
             (!added_left || std::tie(base->created_at[kept], base->id[kept]) <
                                 std::tie(next->created_at, next->id))) {
        ++kept;
      }
      if (kept > k) {
        data.append(*base, k, kept);
        k = kept;
      } else if (added_left) {
        touched[w] = true;
        data.append(*next++);
      } else if (k == end) {
        break;
      }
    }
    data.workflow_begin[w + 1] = data.size();
  }
  return data;
}

}  // namespace

RunTable::RunTable() : data_(std::make_unique<TableData>()) {}
RunTable::~RunTable() = default;
RunTable::RunTable(RunTable&&) noexcept = default;
RunTable& RunTable::operator=(RunTable&&) noexcept = default;

std::size_t RunTable::size() const { return data_->size(); }

std::pair<std::size_t, std::size_t> RunTable::workflow_rows(NameId workflow) const {
  return {data_->workflow_begin[workflow], data_->workflow_begin[workflow + 1]};
}

Row RunTable::row(std::size_t i) const {
  const TableData& d = *data_;
  auto next = std::upper_bound(d.workflow_begin.begin(), d.workflow_begin.end(), i);
  Row row;
  row.id = d.id[i];
  row.created_at = d.created_at[i];
  row.started_at = d.started_at[i];
  row.completed_at = d.completed_at[i];
  row.workflow = static_cast<NameId>(next - d.workflow_begin.begin() - 1);
  row.branch = d.branch[i];
  row.actor = d.actor[i];
  row.run_number = d.run_number[i];
  row.event = d.event[i];
  row.run_attempt = d.attempt[i];
  row.completed = d.completed(i);
  row.outcome = row.completed ? static_cast<Outcome>(d.state[i]) : Outcome::kNeutral;
  engine::RunHistory history = d.run_history(i);
  if (history.first != engine::RunState::kUnfinished) {
    row.first_attempt = static_cast<Outcome>(history.first);
  }
  row.flaky = history.flaky;
  row.seconds_lost = history.seconds_lost;
  return row;
}

std::vector<RunTable::Attempt> RunTable::earlier_attempts(std::size_t i) const {
  std::vector<Attempt> attempts;
  const TableData& d = *data_;
  if (d.attempt[i] <= 1) return attempts;
  auto k = d.reruns.find(d.id[i]);
  if (!k) return attempts;
  for (const engine::EarlierAttempt& e : d.reruns.attempts_of(*k)) {
    Attempt a;
    a.attempt = e.attempt;
    a.found = e.found;
    a.completed = e.state != engine::RunState::kUnfinished;
    a.outcome = a.completed ? static_cast<Outcome>(e.state) : Outcome::kNeutral;
    if (e.started_at != engine::EarlierAttempt::kNoStart) a.started_at = e.started_at;
    a.updated_at = e.completed_at;
    attempts.push_back(a);
  }
  return attempts;
}

const std::string& RunTable::repository_html_base(NameId repository) const {
  static const std::string empty;
  if (repository >= repository_html_bases_.size()) return empty;
  return repository_html_bases_[repository];
}

std::optional<NameId> RunTable::find_repository(std::string_view name) const {
  for (std::size_t i = 0; i < repositories_.size(); ++i) {
    if (equal_ignoring_case(repositories_[i], name)) return static_cast<NameId>(i);
  }
  return std::nullopt;
}

std::size_t RunTable::memory_bytes() const {
  std::size_t bytes =
      data_->memory_bytes() + strings_bytes(repositories_) + strings_bytes(repository_html_bases_) +
      strings_bytes(branches_) + strings_bytes(events_) + strings_bytes(actors_) +
      workflows_.capacity() * sizeof(Workflow) + workflow_named_at_.capacity() * sizeof(Timestamp);
  for (const auto& w : workflows_) {
    if (w.name.capacity() > 15) bytes += w.name.capacity() + 1;
    if (w.path.capacity() > 15) bytes += w.path.capacity() + 1;
  }
  return bytes;
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
Row row_of(const RunRecord& run) {
  Row row;
  row.id = run.id;
  row.created_at = run.created_at;
  row.started_at = run.started();
  row.completed_at = run.updated_at;
  row.run_number = clamp_to<std::int32_t>(run.run_number);
  row.run_attempt = clamp_to<std::uint16_t>(run.run_attempt);
  row.outcome = classify_conclusion(run.conclusion);
  row.completed = run.completed();
  AttemptSummary summary = summarize_attempts(run);
  row.first_attempt = summary.first;
  row.flaky = summary.flaky;
  row.seconds_lost = summary.seconds_lost;
  return row;
}

std::vector<RunTable::Attempt> attempts_of(const RunRecord& run) {
  std::vector<RunTable::Attempt> attempts;
  for (const AttemptRecord& e : run.earlier_attempts) {
    if (e.attempt >= run.run_attempt) continue;
    RunTable::Attempt a;
    a.attempt = e.attempt;
    a.found = e.found;
    a.completed = e.completed();
    a.outcome = classify_conclusion(e.conclusion);
    a.started_at = e.run_started_at;
    a.updated_at = e.updated_at;
    attempts.push_back(a);
  }
  return attempts;
}

engine::EarlierAttempt earlier_attempt_of(const RunTable::Attempt& a) {
  engine::EarlierAttempt e;
  e.started_at = a.started_at.value_or(engine::EarlierAttempt::kNoStart);
  e.completed_at = a.updated_at;
  e.attempt = clamp_to<std::uint16_t>(a.attempt);
  e.state = engine::run_state(a.completed, a.outcome);
  e.found = a.found;
  return e;
}

// The earlier attempts of `base`'s runs that were not replaced, and of the added runs, by id.
engine::Reruns merge_reruns(const TableData* base, const IdSet& replaced,
                            const std::map<std::int64_t, std::vector<RunTable::Attempt>>& added,
                            const std::vector<Row>& rows) {
  std::unordered_map<std::int64_t, std::int64_t> lost;
  for (const Row& row : rows) {
    if (added.count(row.id) != 0) lost[row.id] = row.seconds_lost;
  }
  engine::Reruns reruns;
  std::vector<engine::EarlierAttempt> converted;
  auto from_added = added.begin();
  auto add_new_until = [&](std::int64_t id) {
    for (; from_added != added.end() && from_added->first < id; ++from_added) {
      converted.clear();
      for (const RunTable::Attempt& a : from_added->second) {
        converted.push_back(earlier_attempt_of(a));
      }
      reruns.append(from_added->first, lost[from_added->first], converted);
    }
  };
  if (base != nullptr) {
    const engine::Reruns& old = base->reruns;
    for (std::size_t k = 0; k < old.ids.size(); ++k) {
      if (replaced.contains(old.ids[k])) continue;
      add_new_until(old.ids[k]);
      reruns.append(old.ids[k], old.seconds_lost[k], old.attempts_of(k));
    }
  }
  add_new_until(std::numeric_limits<std::int64_t>::max());
  return reruns;
}

}  // namespace

// Name -> id maps for the dictionaries of the table being built.
struct RunTableBuilder::Indexes {
  std::unordered_map<std::string, NameId> repositories;  // keyed by lower-case name
  std::map<std::pair<NameId, std::int64_t>, NameId> workflows;
  std::unordered_map<std::string, NameId> branches;
  std::unordered_map<std::string, NameId> events;
  std::unordered_map<std::string, NameId> actors;
};

RunTableBuilder::RunTableBuilder() = default;
RunTableBuilder::~RunTableBuilder() = default;
RunTableBuilder::RunTableBuilder(RunTableBuilder&&) noexcept = default;

RunTableBuilder::RunTableBuilder(const RunTable& base) : base_(&base) {
  // Everything but the runs, which build() merges.
  table_.repositories_ = base.repositories_;
  table_.repository_html_bases_ = base.repository_html_bases_;
  table_.workflows_ = base.workflows_;
  table_.workflow_named_at_ = base.workflow_named_at_;
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
    indexes_ = std::make_unique<Indexes>();
    for (std::size_t i = 0; i < table_.repositories_.size(); ++i) {
      indexes_->repositories.emplace(ascii_lower(table_.repositories_[i]), static_cast<NameId>(i));
    }
    for (std::size_t i = 0; i < table_.workflows_.size(); ++i) {
      const RunTable::Workflow& w = table_.workflows_[i];
      indexes_->workflows.emplace(std::pair{w.repository, w.workflow_id}, static_cast<NameId>(i));
    }
    index_names(table_.branches_, indexes_->branches);
    index_names(table_.events_, indexes_->events);
    index_names(table_.actors_, indexes_->actors);
  }
  Row row = row_of(run);
  row.workflow = intern_workflow(intern_repository(run), run);
  row.branch = intern_name(run.head_branch, table_.branches_, indexes_->branches);
  row.actor = intern_name(run.actor, table_.actors_, indexes_->actors);
  // GitHub has a few dozen event names; ids past 16 bits would only come from garbage.
  row.event = clamp_to<std::uint16_t>(intern_name(run.event, table_.events_, indexes_->events));
  added_.push_back(row);
  std::vector<RunTable::Attempt> earlier = attempts_of(run);
  if (earlier.empty()) {
    added_attempts_.erase(run.id);
  } else {
    added_attempts_[run.id] = std::move(earlier);
  }
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
  auto& named_at = table_.workflow_named_at_;
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
  IdSet replaced(drop_superseded(added_));
  std::sort(added_.begin(), added_.end(), row_before);
  const TableData* base = base_ != nullptr ? &base_->data() : nullptr;
  std::vector<bool> touched;
  auto data = std::make_unique<TableData>(
      merge_rows(base, replaced, added_, table_.workflows_.size(), touched));
  data->reruns = merge_reruns(base, replaced, added_attempts_, added_);
  added_ = {};  // before indexing, which needs memory of its own
  added_attempts_ = {};
  data->index(base, touched);
  table_.data_ = std::move(data);
  table_.watermark_ = std::max(watermark, table_.watermark_);
  RunTable result = std::move(table_);
  table_ = RunTable();
  base_ = nullptr;
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

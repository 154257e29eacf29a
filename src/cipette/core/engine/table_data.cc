#include "cipette/core/engine/table_data.h"

#include <algorithm>
#include <limits>

#include "cipette/core/engine/incidents.h"

namespace cipette::engine {

namespace {

template <typename T>
std::size_t vector_bytes(const std::vector<T>& v) {
  return v.capacity() * sizeof(T);
}

// Sums of rows [begin, end), one at a time.
void add_rows(const TableData& data, std::size_t begin, std::size_t end, Sums& sums) {
  for (std::size_t i = begin; i < end; ++i) data.add_row(i, sums);
}

void index_sums(TableData& data) {
  constexpr std::size_t kStride = TableData::kSumStride;
  data.sums.assign(data.size() / kStride + 1, {});
  for (std::size_t j = 1; j < data.sums.size(); ++j) {
    data.sums[j] = data.sums[j - 1];
    add_rows(data, (j - 1) * kStride, j * kStride, data.sums[j]);
  }
}

// Ranks durations + 1 (0: none, or unfinished); leaves the matrix empty when one is too long.
void index_duration_ranks(TableData& data) {
  std::vector<std::uint32_t> values(data.size());
  std::uint32_t max = 0;
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::int64_t duration = data.completed(i) ? data.duration(i) : -1;
    if (duration >= std::int64_t{std::numeric_limits<std::uint32_t>::max()}) {
      data.duration_ranks = WaveletMatrix();
      return;
    }
    values[i] = static_cast<std::uint32_t>(duration + 1);
    max = std::max(max, values[i]);
  }
  data.duration_ranks = WaveletMatrix(values, WaveletMatrix::bits_for(max));
}

// The stream order and the incidents of each workflow; those of a workflow whose rows did not
// change are copied from `base`.
void index_streams(TableData& data, const TableData* base, const std::vector<bool>& touched) {
  data.stream_order.resize(data.size());
  data.incident_begin.assign(data.workflows() + 1, 0);
  data.incidents.clear();
  for (NameId w = 0; w < data.workflows(); ++w) {
    if (base != nullptr && w < base->workflows() && !touched[w]) {
      std::copy(
          base->stream_order.begin() + static_cast<std::ptrdiff_t>(base->workflow_begin[w]),
          base->stream_order.begin() + static_cast<std::ptrdiff_t>(base->workflow_begin[w + 1]),
          data.stream_order.begin() + static_cast<std::ptrdiff_t>(data.workflow_begin[w]));
      auto kept = base->incidents_of(w);
      data.incidents.insert(data.incidents.end(), kept.begin(), kept.end());
    } else {
      order_streams(data, w);
      find_incidents(data, w, {}, data.incidents);
    }
    data.incident_begin[w + 1] = data.incidents.size();
  }
  data.incidents.shrink_to_fit();
}

}  // namespace

constexpr std::uint8_t kFirstMask = 0x3;
constexpr std::uint8_t kFlakyBit = 0x4;

std::optional<std::size_t> Reruns::find(std::int64_t id) const {
  auto it = std::lower_bound(ids.begin(), ids.end(), id);
  if (it == ids.end() || *it != id) return std::nullopt;
  return static_cast<std::size_t>(it - ids.begin());
}

void Reruns::append(std::int64_t id, std::int64_t lost, std::span<const EarlierAttempt> earlier) {
  ids.push_back(id);
  seconds_lost.push_back(lost);
  attempts.insert(attempts.end(), earlier.begin(), earlier.end());
  begin.push_back(static_cast<std::uint32_t>(attempts.size()));
}

std::size_t Reruns::memory_bytes() const {
  return vector_bytes(ids) + vector_bytes(seconds_lost) + vector_bytes(begin) +
         vector_bytes(attempts);
}

RunHistory TableData::run_history(std::size_t i) const {
  RunHistory h;
  h.rerun = attempt[i] > 1;
  h.flaky = (history[i] & kFlakyBit) != 0;
  h.first = static_cast<RunState>(history[i] & kFirstMask);
  if (h.rerun) {
    if (auto k = reruns.find(id[i])) h.seconds_lost = reruns.seconds_lost[*k];
  }
  return h;
}

std::pair<std::size_t, std::size_t> TableData::period_rows(NameId workflow, Timestamp lo,
                                                           Timestamp hi) const {
  auto first = created_at.begin();
  auto begin = first + static_cast<std::ptrdiff_t>(workflow_begin[workflow]);
  auto end = first + static_cast<std::ptrdiff_t>(workflow_begin[workflow + 1]);
  begin = std::lower_bound(begin, end, lo);
  end = std::lower_bound(begin, end, hi);
  return {static_cast<std::size_t>(begin - first), static_cast<std::size_t>(end - first)};
}

Sums TableData::sums_between(std::size_t begin, std::size_t end) const {
  // The running sums up to the stride before each end, plus the rows after it.
  auto sums_to = [this](std::size_t end_at) {
    Sums at = sums[end_at / kSumStride];
    add_rows(*this, end_at / kSumStride * kSumStride, end_at, at);
    return at;
  };
  return sums_to(end).minus(sums_to(begin));
}

std::span<const Incident> TableData::incidents_of(NameId workflow) const {
  return std::span(incidents).subspan(incident_begin[workflow],
                                      incident_begin[workflow + 1] - incident_begin[workflow]);
}

void TableData::append(const TableData& from, std::size_t begin, std::size_t end) {
  auto copy = [&](auto& to, const auto& column) {
    to.insert(to.end(), column.begin() + static_cast<std::ptrdiff_t>(begin),
              column.begin() + static_cast<std::ptrdiff_t>(end));
  };
  copy(id, from.id);
  copy(created_at, from.created_at);
  copy(started_at, from.started_at);
  copy(completed_at, from.completed_at);
  copy(branch, from.branch);
  copy(actor, from.actor);
  copy(run_number, from.run_number);
  copy(event, from.event);
  copy(attempt, from.attempt);
  copy(state, from.state);
  copy(history, from.history);
}

void TableData::append(const RunTable::Row& run) {
  id.push_back(run.id);
  created_at.push_back(run.created_at);
  started_at.push_back(run.started_at);
  completed_at.push_back(run.completed_at);
  branch.push_back(run.branch);
  actor.push_back(run.actor);
  run_number.push_back(run.run_number);
  event.push_back(run.event);
  attempt.push_back(run.run_attempt);
  state.push_back(run_state(run.completed, run.outcome));
  RunState first =
      run.first_attempt ? static_cast<RunState>(*run.first_attempt) : RunState::kUnfinished;
  history.push_back(
      static_cast<std::uint8_t>(static_cast<std::uint8_t>(first) | (run.flaky ? kFlakyBit : 0)));
}

void TableData::reserve(std::size_t rows) {
  id.reserve(rows);
  created_at.reserve(rows);
  started_at.reserve(rows);
  completed_at.reserve(rows);
  branch.reserve(rows);
  actor.reserve(rows);
  run_number.reserve(rows);
  event.reserve(rows);
  attempt.reserve(rows);
  state.reserve(rows);
  history.reserve(rows);
}

void TableData::index(const TableData* base, const std::vector<bool>& touched) {
  index_sums(*this);
  index_duration_ranks(*this);
  index_streams(*this, base, touched);
}

std::size_t TableData::memory_bytes() const {
  return vector_bytes(workflow_begin) + vector_bytes(id) + vector_bytes(created_at) +
         vector_bytes(started_at) + vector_bytes(completed_at) + vector_bytes(branch) +
         vector_bytes(actor) + vector_bytes(run_number) + vector_bytes(event) +
         vector_bytes(attempt) + vector_bytes(state) + vector_bytes(history) +
         reruns.memory_bytes() + vector_bytes(sums) + duration_ranks.memory_bytes() +
         vector_bytes(stream_order) + vector_bytes(incident_begin) + vector_bytes(incidents);
}

}  // namespace cipette::engine

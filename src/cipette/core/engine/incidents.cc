#include "cipette/core/engine/incidents.h"

#include <algorithm>
#include <tuple>

namespace cipette::engine {

void walk_incidents(const TableData& data, NameId workflow, const RowFilter& accept,
                    const IncidentVisitor& visit) {
  const std::size_t begin = data.workflow_begin[workflow];
  std::vector<std::size_t> stream;
  for (std::size_t k = begin; k < data.workflow_begin[workflow + 1]; ++k) {
    std::size_t i = begin + data.stream_order[k];
    if (data.completed(i) && (!accept || accept(i))) stream.push_back(i);
  }
  std::span<const std::size_t> rows(stream);
  std::size_t first = rows.size();  // the open incident's first failure; size(): none
  for (std::size_t k = 0; k < rows.size(); ++k) {
    std::size_t row = rows[k];
    if (first < k && data.branch[row] != data.branch[rows[first]]) {
      visit(rows.subspan(first, k - first), false);  // its stream ended
      first = rows.size();
    }
    if (data.state[row] == RunState::kFailed && first == rows.size()) {
      first = k;
    } else if (data.state[row] == RunState::kSuccess && first < k) {
      visit(rows.subspan(first, k + 1 - first), true);
      first = rows.size();
    }
  }
  if (first < rows.size()) visit(rows.subspan(first), false);
}

void order_streams(TableData& data, NameId workflow) {
  // Sorted by a copy of the keys rather than through the columns: one cache line per
  // comparison instead of three.
  struct Key {
    NameId branch;
    Timestamp completed_at;
    std::int64_t id;
    std::uint32_t offset;
  };
  const std::size_t begin = data.workflow_begin[workflow];
  const std::size_t end = data.workflow_begin[workflow + 1];
  std::vector<Key> keys;
  keys.reserve(end - begin);
  for (std::size_t i = begin; i < end; ++i) {
    keys.push_back(
        {data.branch[i], data.completed_at[i], data.id[i], static_cast<std::uint32_t>(i - begin)});
  }
  std::sort(keys.begin(), keys.end(), [](const Key& a, const Key& b) {
    return std::tie(a.branch, a.completed_at, a.id) < std::tie(b.branch, b.completed_at, b.id);
  });
  for (std::size_t k = 0; k < keys.size(); ++k) data.stream_order[begin + k] = keys[k].offset;
}

void find_incidents(const TableData& data, NameId workflow, const RowFilter& accept,
                    std::vector<Incident>& out) {
  auto begin = static_cast<std::ptrdiff_t>(out.size());
  walk_incidents(data, workflow, accept, [&](std::span<const std::size_t> rows, bool recovered) {
    std::size_t failure = rows.front();
    std::int64_t recovery =
        recovered ? data.completed_at[rows.back()] - data.completed_at[failure] : -1;
    out.push_back(Incident{data.created_at[failure], recovery, data.branch[failure]});
  });
  std::stable_sort(out.begin() + begin, out.end(), [](const Incident& a, const Incident& b) {
    return a.created_at < b.created_at;
  });
}

}  // namespace cipette::engine

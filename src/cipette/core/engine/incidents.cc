#include "cipette/core/engine/incidents.h"

#include <algorithm>
#include <tuple>

namespace cipette::engine {

void walk_incidents(const TableData& data, NameId workflow, const RowFilter& accept,
                    const IncidentVisitor& visit) {
  std::vector<std::size_t> stream;
  for (std::size_t i = data.workflow_begin[workflow]; i < data.workflow_begin[workflow + 1]; ++i) {
    if (data.completed(i) && (!accept || accept(i))) stream.push_back(i);
  }
  std::sort(stream.begin(), stream.end(), [&](std::size_t a, std::size_t b) {
    return std::tie(data.branch[a], data.completed_at[a], data.id[a]) <
           std::tie(data.branch[b], data.completed_at[b], data.id[b]);
  });
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

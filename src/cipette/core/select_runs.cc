#include "cipette/core/select_runs.h"

#include <algorithm>
#include <unordered_map>

#include "cipette/core/engine/incidents.h"
#include "cipette/core/engine/scope.h"
#include "cipette/core/engine/table_data.h"

namespace cipette {

namespace {

using engine::TableData;

// Marks the failures of every incident of the workflow's streams in scope.
void mark_streaks(const TableData& data, NameId workflow, const engine::ResolvedScope& scope,
                  std::unordered_map<std::size_t, StreakMark>& marks) {
  engine::walk_incidents(
      data, workflow, [&](std::size_t i) { return scope.accepts(data, i); },
      [&](std::span<const std::size_t> rows, bool recovered) {
        auto failed = [&](std::size_t i) { return data.state[i] == engine::RunState::kFailed; };
        auto length = static_cast<int>(std::count_if(rows.begin(), rows.end(), failed));
        int position = 0;
        for (std::size_t i : rows) {
          if (failed(i)) marks[i] = StreakMark{++position, length, !recovered};
        }
      });
}

}  // namespace

RunPage select_runs(const RunTable& table, const Scope& scope, const ListOptions& options) {
  const TableData& data = table.data();
  engine::ResolvedScope resolved = engine::resolve_scope(table, scope);
  std::vector<std::size_t> matching;
  std::unordered_map<std::size_t, StreakMark> marks;
  for (NameId w : resolved.workflows) {
    if (options.streaks) mark_streaks(data, w, resolved, marks);
    auto [begin, end] = resolved.rows_of(data, w);
    for (std::size_t i = begin; i < end; ++i) {
      if (!resolved.accepts(data, i)) continue;
      if (options.outcome && data.state[i] != engine::run_state(true, *options.outcome)) continue;
      if (options.reruns_only && data.attempt[i] <= 1) continue;
      if (options.flaky_only && !data.run_history(i).flaky) continue;
      matching.push_back(i);
    }
  }
  RunPage page;
  page.total = static_cast<std::int64_t>(matching.size());
  page.page = options.page;
  page.per_page = options.per_page;
  auto skip =
      static_cast<std::size_t>(options.page - 1) * static_cast<std::size_t>(options.per_page);
  if (skip >= matching.size()) return page;
  std::size_t end = std::min(matching.size(), skip + static_cast<std::size_t>(options.per_page));
  auto newer_first = [&](std::size_t a, std::size_t b) {
    return std::tie(data.created_at[a], data.id[a]) > std::tie(data.created_at[b], data.id[b]);
  };
  std::partial_sort(matching.begin(), matching.begin() + static_cast<std::ptrdiff_t>(end),
                    matching.end(), newer_first);
  for (std::size_t i = skip; i < end; ++i) {
    ListedRun run{table.row(matching[i]), std::nullopt, {}};
    if (options.attempts) run.earlier_attempts = table.earlier_attempts(matching[i]);
    if (auto found = marks.find(matching[i]); found != marks.end()) run.streak = found->second;
    page.runs.push_back(run);
  }
  return page;
}

}  // namespace cipette

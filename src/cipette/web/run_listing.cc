#include "cipette/web/run_listing.h"

#include <algorithm>
#include <unordered_map>

#include "cipette/core/metrics_internal.h"

namespace cipette::web {

namespace {

namespace mi = metrics_internal;

using StreakMap = std::unordered_map<const RunTable::Row*, StreakMark>;

// Marks the failures of one block's streams: rows are in (branch, completion, id) order.
void mark_streaks(std::span<const RunTable::Row> rows, const mi::ResolvedScope& scope,
                  StreakMap& marks) {
  std::vector<const RunTable::Row*> streak;
  auto close = [&](bool open) {
    for (std::size_t i = 0; i < streak.size(); ++i) {
      marks[streak[i]] = StreakMark{static_cast<int>(i + 1), static_cast<int>(streak.size()), open};
    }
    streak.clear();
  };
  const RunTable::Row* previous = nullptr;
  for (const RunTable::Row& row : rows) {
    if (!scope.accepts(row)) continue;
    if (previous != nullptr && previous->branch != row.branch) close(true);
    previous = &row;
    if (row.outcome == Outcome::kFailed) streak.push_back(&row);
    if (row.outcome == Outcome::kSuccess) close(false);
  }
  close(true);
}

bool newer_first(const RunTable::Row* a, const RunTable::Row* b) {
  if (a->created_at != b->created_at) return a->created_at > b->created_at;
  return a->id > b->id;
}

}  // namespace

RunPage list_runs(const RunTable& table, const Scope& scope, const ListOptions& options) {
  mi::ScopeBlocks blocks = mi::scope_blocks(table, scope);
  std::vector<const RunTable::Row*> matching;
  StreakMap marks;
  for (const mi::Block& block : blocks.blocks) {
    if (options.streaks) mark_streaks(block.rows, blocks.scope, marks);
    for (const RunTable::Row& row : block.rows) {
      if (!blocks.scope.accepts(row) || !blocks.scope.in_period(row.created_at)) continue;
      if (options.outcome && row.outcome != *options.outcome) continue;
      matching.push_back(&row);
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
  std::partial_sort(matching.begin(), matching.begin() + static_cast<std::ptrdiff_t>(end),
                    matching.end(), newer_first);
  for (std::size_t i = skip; i < end; ++i) {
    ListedRun run{matching[i], std::nullopt};
    if (auto found = marks.find(matching[i]); found != marks.end()) run.streak = found->second;
    page.runs.push_back(run);
  }
  return page;
}

std::string safe_repository_url(const RunTable& table, NameId repository) {
  const std::string& base = table.repository_html_base(repository);
  if (!base.starts_with("https://") && !base.starts_with("http://")) return "";
  return base;
}

std::string run_html_url(const RunTable& table, const RunTable::Row& row) {
  std::string base = safe_repository_url(table, table.workflows()[row.workflow].repository);
  if (base.empty()) return "";
  return base + "/actions/runs/" + std::to_string(row.id);
}

}  // namespace cipette::web

#include "cipette/core/engine/scope.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>

namespace cipette {

namespace {

// The file name a workflow filter may give: "ci.yml" for ".github/workflows/ci.yml@main".
std::string_view workflow_file_name(std::string_view path) {
  path = path.substr(0, path.find('@'));
  auto slash = path.rfind('/');
  return slash == std::string_view::npos ? path : path.substr(slash + 1);
}

bool workflow_matches(const RunTable::Workflow& workflow, std::string_view filter) {
  if (filter.empty()) return true;
  return workflow.name == filter || workflow_file_name(workflow.path) == filter ||
         fmt::format_int(workflow.workflow_id).str() == filter;
}

template <typename Id>
std::optional<Id> find_name(const std::vector<std::string>& names, std::string_view name) {
  auto it = std::find(names.begin(), names.end(), name);
  if (it == names.end()) return std::nullopt;
  return static_cast<Id>(it - names.begin());
}

}  // namespace

std::vector<NameId> matching_workflows(const RunTable& table, const Scope& scope) {
  std::vector<NameId> out;
  std::optional<NameId> repository;
  if (!scope.repository.empty()) {
    repository = table.find_repository(scope.repository);
    if (!repository) return out;
  }
  const auto& workflows = table.workflows();
  for (std::size_t i = 0; i < workflows.size(); ++i) {
    if (repository && workflows[i].repository != *repository) continue;
    if (workflow_matches(workflows[i], scope.workflow)) out.push_back(static_cast<NameId>(i));
  }
  return out;
}

namespace engine {

ResolvedScope resolve_scope(const RunTable& table, const Scope& scope) {
  ResolvedScope out;
  const Period& p = scope.period;
  if (p.kind == Period::Kind::kDays) out.lo = scope.now - Timestamp{p.days} * kSecondsPerDay;
  if (p.kind == Period::Kind::kRange) {
    out.lo = p.from;
    out.hi = p.to;
  }
  if (!scope.branch.empty()) {
    out.branch = find_name<NameId>(table.branches(), scope.branch);
    if (!out.branch) return out;  // names nothing: no workflows
  }
  if (!scope.event.empty()) {
    out.event = find_name<std::uint16_t>(table.events(), scope.event);
    if (!out.event) return out;
  }
  out.workflows = matching_workflows(table, scope);
  return out;
}

std::optional<double> share_percent(std::int64_t part, std::int64_t whole) {
  if (whole == 0) return std::nullopt;
  double ratio = static_cast<double>(part) / static_cast<double>(whole);
  return std::round(10000.0 * ratio) / 100.0;
}

std::optional<double> success_rate(std::int64_t success, std::int64_t failed) {
  return share_percent(success, success + failed);
}

std::size_t nearest_rank(std::size_t n, double p) {
  // p * n is exact for whole percentages, so ceil() sees 19 and not 19.000000000000004 for
  // the 95th of 20 values.
  auto rank = static_cast<std::size_t>(std::ceil(p * static_cast<double>(n) / 100.0));
  return std::clamp<std::size_t>(rank, 1, n);
}

Percentiles p50_p95(std::span<std::int64_t> values) {
  if (values.empty()) return {};
  std::size_t k50 = nearest_rank(values.size(), 50) - 1;
  std::size_t k95 = nearest_rank(values.size(), 95) - 1;
  auto begin = values.begin();
  std::nth_element(begin, begin + k50, values.end());
  // Everything after k50 is >= values[k50], so p95 only needs the upper part.
  if (k95 > k50) std::nth_element(begin + k50 + 1, begin + k95, values.end());
  return Percentiles{values[k50], values[k95]};
}

}  // namespace engine
}  // namespace cipette

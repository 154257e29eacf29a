#include "cipette/web/page_parts.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>

#include "cipette/core/format.h"
#include "cipette/core/time.h"
#include "cipette/web/html.h"

namespace cipette::web::page_parts {

namespace {

constexpr std::size_t kMaxBranchSuggestions = 200;

mstch::array period_options(const ScopeQuery& query) {
  mstch::array options;
  auto add = [&](const std::string& value, const std::string& label) {
    options.push_back(
        mstch::map{{"value", value}, {"label", label}, {"selected", query.period == value}});
  };
  add("7", "Last 7 days");
  add("30", "Last 30 days");
  add("90", "Last 90 days");
  bool standard = query.period == "7" || query.period == "30" || query.period == "90" ||
                  query.period == "all" || query.period == "custom";
  if (!standard) add(query.period, "Last " + query.period + " days");
  add("all", "All time");
  add("custom", "Custom range");
  return options;
}

mstch::array repository_options(const RunTable& table, const std::string& selected) {
  std::vector<std::string> names = table.repositories();
  std::sort(names.begin(), names.end());
  std::optional<NameId> chosen = selected.empty() ? std::nullopt : table.find_repository(selected);
  mstch::array options;
  for (const std::string& name : names) {
    bool is_selected = chosen && table.repositories()[*chosen] == name;
    options.push_back(mstch::map{{"name", name}, {"selected", is_selected}});
  }
  return options;
}

mstch::array name_options(const std::vector<std::string>& names, const std::string& selected) {
  std::set<std::string> sorted(names.begin(), names.end());
  sorted.erase("");
  mstch::array options;
  for (const std::string& name : sorted) {
    options.push_back(mstch::map{{"name", name}, {"selected", name == selected}});
  }
  return options;
}

mstch::array branch_suggestions(const RunTable& table) {
  mstch::array list;
  for (const std::string& branch : table.branches()) {
    if (branch.empty()) continue;
    if (list.size() >= kMaxBranchSuggestions) break;
    list.emplace_back(branch);
  }
  return list;
}

}  // namespace

std::string optional_duration(const std::optional<std::int64_t>& seconds) {
  return seconds ? format_duration(static_cast<double>(*seconds)) : "N/A";
}

std::string optional_key(const std::optional<std::int64_t>& value) {
  return value ? std::to_string(*value) : std::string();
}

mstch::map card(std::string id, std::string label, std::string value, std::string detail,
                std::string value_class) {
  return mstch::map{{"id", std::move(id)},
                    {"label", std::move(label)},
                    {"value", std::move(value)},
                    {"detail", std::move(detail)},
                    {"value_class", std::move(value_class)}};
}

std::string state_symbol(std::string_view state) {
  if (state == "success") return "✓";
  if (state == "failed") return "✗";
  if (state == "neutral") return "–";
  if (state == "unfinished") return "…";
  return "?";
}

std::string sort_key(std::optional<double> value) {
  return value ? fmt::format("{}", *value) : std::string();
}

mstch::map chrome(std::string title, const SnapshotState* state, std::string link_query,
                  bool auth_enabled) {
  std::string note;
  if (state != nullptr) {
    note = fmt::format("{} runs loaded {} UTC",
                       format_count(static_cast<std::int64_t>(state->table->size())),
                       format_timestamp(state->loaded_at).substr(0, 16));
  }
  return mstch::map{{"title", std::move(title)},
                    {"link_query", std::move(link_query)},
                    {"auth_enabled", auth_enabled},
                    {"data_note", std::move(note)}};
}

mstch::map filters(const RunTable& table, const ScopeQuery& query, FilterSetup setup) {
  const Scope& scope = query.scope;
  bool custom = scope.period.kind == Period::Kind::kRange;
  return mstch::map{
      {"form_action", setup.form_action},
      {"hidden", std::move(setup.hidden)},
      {"reset_url", setup.reset_url},
      {"periods", period_options(query)},
      {"from", custom ? format_date(scope.period.from) : std::string()},
      {"to", custom ? format_date(scope.period.to - 1) : std::string()},
      {"show_repository", setup.show_repository},
      {"repositories", repository_options(table, scope.repository)},
      {"branch", scope.branch},
      {"branches", branch_suggestions(table)},
      {"events", name_options(table.events(), scope.event)},
  };
}

mstch::array cards(const Metrics& m) {
  std::string mttr = m.mttr.mean ? format_mttr(*m.mttr.mean) : "N/A";
  std::string mttr_detail =
      fmt::format("{} recovered · {} open", format_count(m.mttr.recovered), m.mttr.open);
  if (m.mttr.median)
    mttr_detail =
        "median " + format_mttr(static_cast<double>(*m.mttr.median)) + " · " + mttr_detail;
  std::string mean = m.duration.mean ? "mean " + format_duration(*m.duration.mean) : "";
  return mstch::array{
      card("runs", "Runs", format_count(m.total),
           fmt::format("{} success · {} failed · {} neutral", format_count(m.success),
                       format_count(m.failed), format_count(m.neutral))),
      card("success-rate", "Success rate", format_rate(m.success_rate),
           "first attempt " + format_rate(m.first_attempt_success_rate),
           std::string(rate_class(m.success_rate))),
      card("flaky-rate", "Flaky rate", format_rate(m.flaky_rate), rerun_summary(m)),
      card("median-duration", "Median duration", optional_duration(m.duration.p50), mean),
      card("p95-duration", "p95 duration", optional_duration(m.duration.p95),
           fmt::format("{} timed runs", format_count(m.duration.count))),
      card("mttr", "MTTR", mttr, mttr_detail),
      card("throughput", "Throughput", format_throughput(m.throughput_per_day) + "/day",
           "completed runs per day"),
  };
}

std::string rerun_summary(const Metrics& m) {
  return fmt::format("{} run{} re-run, {} flaky, {} lost", format_count(m.rerun_runs),
                     m.rerun_runs == 1 ? "" : "s", format_count(m.flaky_runs),
                     format_mttr(static_cast<double>(m.rerun_seconds_lost)));
}

mstch::node rerun_badge(const Metrics& m) {
  if (m.rerun_runs == 0) return false;
  return mstch::map{{"count", format_count(m.rerun_runs)}, {"title", rerun_summary(m)}};
}

std::string scope_title(const Scope& scope) {
  switch (scope.period.kind) {
    case Period::Kind::kDays:
      return fmt::format("Last {} days", scope.period.days);
    case Period::Kind::kAll:
      return "All time";
    case Period::Kind::kRange:
      return "Custom range";
  }
  return "";
}

std::string scope_range(const MetricsReport& report) {
  if (report.end <= report.start) return "no runs";
  return format_date(report.start) + " – " + format_date(report.end - 1) + " (UTC)";
}

std::string workflow_query(const std::string& repository, std::int64_t workflow_id,
                           const ScopeQuery& query) {
  return query_string({{"repository", repository},
                       {"workflow", std::to_string(workflow_id)},
                       {"period", query.period},
                       {"from", query.from},
                       {"to", query.to},
                       {"branch", query.scope.branch},
                       {"event", query.scope.event}});
}

void merge(mstch::map& into, const mstch::map& from) {
  for (const auto& [key, value] : from) into.insert_or_assign(key, value);
}

}  // namespace cipette::web::page_parts

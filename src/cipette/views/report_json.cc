#include "cipette/views/report_json.h"

#include <cmath>

#include "cipette/core/format.h"
#include "cipette/core/time.h"

namespace cipette::views {

namespace {

using nlohmann::json;

// Means are reported to two decimals: finer digits are noise for durations in seconds.
json rounded(const std::optional<double>& value) {
  if (!value) return nullptr;
  return std::round(*value * 100.0) / 100.0;
}

json optional_string(const std::string& value) {
  return value.empty() ? json(nullptr) : json(value);
}

json metrics_object(const Metrics& m) {
  return json{
      {"runs", m.total},
      {"success", m.success},
      {"failed", m.failed},
      {"neutral", m.neutral},
      {"success_rate", optional_json(m.success_rate)},
      {"success_rate_class", rate_class(m.success_rate)},
      {"duration", stats_json(m.duration)},
      {"throughput_per_day", std::round(m.throughput_per_day * 1000.0) / 1000.0},
      {"mttr",
       {{"mean_seconds", rounded(m.mttr.mean)},
        {"median_seconds", optional_json(m.mttr.median)},
        {"recovered_incidents", m.mttr.recovered},
        {"open_incidents", m.mttr.open}}},
      {"first_run", optional_time_json(m.first_run)},
      {"last_run", optional_time_json(m.last_run)},
      {"rerun_runs", m.rerun_runs},
      {"rerun_rate", optional_json(m.rerun_rate)},
      {"flaky_runs", m.flaky_runs},
      {"flaky_rate", optional_json(m.flaky_rate)},
      {"first_attempt_success_rate", optional_json(m.first_attempt_success_rate)},
      {"rerun_seconds_lost", m.rerun_seconds_lost},
  };
}

}  // namespace

std::string json_text(const json& document, int indent) {
  return document.dump(indent, ' ', false, json::error_handler_t::replace);
}

json stats_json(const DurationStats& stats) {
  return json{{"count", stats.count},
              {"mean_seconds", rounded(stats.mean)},
              {"p50_seconds", optional_json(stats.p50)},
              {"p95_seconds", optional_json(stats.p95)}};
}

json scope_json(const Scope& scope) {
  json period;
  switch (scope.period.kind) {
    case Period::Kind::kDays:
      period = {{"kind", "days"}, {"days", scope.period.days}};
      break;
    case Period::Kind::kAll:
      period = {{"kind", "all"}};
      break;
    case Period::Kind::kRange:
      period = {{"kind", "range"},
                {"from", format_timestamp(scope.period.from)},
                {"to", format_timestamp(scope.period.to)}};
      break;
  }
  return json{{"period", period},
              {"now", format_timestamp(scope.now)},
              {"repository", optional_string(scope.repository)},
              {"workflow", optional_string(scope.workflow)},
              {"branch", optional_string(scope.branch)},
              {"event", optional_string(scope.event)}};
}

json metrics_json(const MetricsReport& report) {
  json rows = json::array();
  for (const WorkflowMetrics& row : report.workflows) {
    json item = {{"repository", row.repository},
                 {"workflow_id", row.workflow_id},
                 {"workflow", row.workflow},
                 {"path", row.path}};
    item.update(metrics_object(row.metrics));
    rows.push_back(std::move(item));
  }
  return json{{"schema_version", kSchemaVersion},
              {"scope", scope_json(report.scope)},
              {"window",
               {{"start", format_timestamp(report.start)},
                {"end", format_timestamp(report.end)},
                {"days", report.period_days}}},
              {"totals", metrics_object(report.totals)},
              {"workflows", std::move(rows)}};
}

json trends_json(const Scope& scope, const std::vector<DailyPoint>& points) {
  json days = json::array();
  for (const DailyPoint& p : points) {
    days.push_back({{"date", format_date(p.day * kSecondsPerDay)},
                    {"runs", p.total},
                    {"success", p.success},
                    {"failed", p.failed},
                    {"neutral", p.neutral},
                    {"success_rate", optional_json(p.success_rate)},
                    {"duration_p50_seconds", optional_json(p.duration_p50)},
                    {"duration_p95_seconds", optional_json(p.duration_p95)}});
  }
  return json{
      {"schema_version", kSchemaVersion}, {"scope", scope_json(scope)}, {"days", std::move(days)}};
}

}  // namespace cipette::views

#include "cipette/views/job_report_json.h"

#include "cipette/core/format.h"
#include "cipette/core/time.h"
#include "cipette/views/report_json.h"

namespace cipette::views {

namespace {

using nlohmann::json;

json job_row_json(const JobRow& row) {
  return json{{"repository", row.repository},
              {"workflow_id", row.workflow_id},
              {"workflow", row.workflow},
              {"job", row.job},
              {"executions", row.executions},
              {"success", row.success},
              {"failed", row.failed},
              {"neutral", row.neutral},
              {"success_rate", optional_json(row.success_rate)},
              {"success_rate_class", rate_class(row.success_rate)},
              {"duration", stats_json(row.duration)},
              {"queue", stats_json(row.queue)},
              {"approval_waits", row.approval_waits},
              {"flaky_jobs", row.flaky_jobs},
              {"legs", row.legs}};
}

json runner_row_json(const RunnerRow& row, const RunnerRates& rates) {
  json out{{"labels", row.labels},
           {"runner_group", row.runner_group},
           {"executions", row.executions},
           {"queue", stats_json(row.queue)},
           {"duration", stats_json(row.duration)},
           {"billable_minutes_estimate", row.billable_minutes}};
  if (rates.empty()) return out;
  auto estimate = estimate_cost(rates, row);
  out["cost_rate_label"] = estimate ? json(estimate->rate->label) : json();
  out["cost_rate_per_minute"] = estimate ? json(estimate->rate->per_minute()) : json();
  out["estimated_cost"] = estimate ? json(estimate->cost) : json();
  return out;
}

json rates_json(const RunnerRates& rates) {
  json list = json::array();
  for (const RunnerRate& rate : rates) {
    list.push_back({{"label", rate.label}, {"per_minute", rate.per_minute()}});
  }
  return list;
}

json queue_day_json(const DailyQueuePoint& point) {
  return json{{"date", format_date(point.day * kSecondsPerDay)},
              {"jobs", point.count},
              {"p50_seconds", optional_json(point.p50)},
              {"p95_seconds", optional_json(point.p95)}};
}

}  // namespace

json jobs_json(const Scope& scope, const std::vector<JobRow>& rows,
               const std::optional<std::string>& legs_of) {
  json list = json::array();
  for (const JobRow& row : rows) list.push_back(job_row_json(row));
  return json{{"schema_version", kSchemaVersion},
              {"scope", scope_json(scope)},
              {"legs_of", optional_json(legs_of)},
              {"jobs", std::move(list)}};
}

json runners_json(const Scope& scope, const std::vector<RunnerRow>& rows,
                  const std::vector<DailyQueuePoint>& days, const RunnerRates& rates) {
  json list = json::array();
  for (const RunnerRow& row : rows) list.push_back(runner_row_json(row, rates));
  json points = json::array();
  for (const DailyQueuePoint& point : days) points.push_back(queue_day_json(point));
  json document{{"schema_version", kSchemaVersion},
                {"scope", scope_json(scope)},
                {"billable_note", kBillableNote},
                {"runners", std::move(list)},
                {"queue_days", std::move(points)}};
  if (!rates.empty()) {
    document["cost_note"] = kCostNote;
    document["runner_rates"] = rates_json(rates);
  }
  return document;
}

}  // namespace cipette::views

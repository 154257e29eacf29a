#include "cipette/views/job_report_text.h"

#include <fmt/format.h>

#include "cipette/core/format.h"
#include "cipette/views/report_text.h"
#include "cipette/views/text_cells.h"

namespace cipette::views {

namespace {

constexpr const char* kNoJobs =
    "\nNo completed jobs in this scope. Run `cipette collect` (jobs are fetched for completed\n"
    "runs) or `cipette demo` first, or widen the scope (--period all).\n";

// count, mean, p50, p95 as four CSV cells.
std::vector<std::string> stats_cells(const JobStats& stats) {
  return {std::to_string(stats.count), csv_optional(stats.mean), csv_optional(stats.p50),
          csv_optional(stats.p95)};
}

void append(std::vector<std::string>& cells, std::vector<std::string> more) {
  cells.insert(cells.end(), std::make_move_iterator(more.begin()),
               std::make_move_iterator(more.end()));
}

std::string stats_header(std::string_view name) {
  return fmt::format("{0}_count,{0}_mean_seconds,{0}_p50_seconds,{0}_p95_seconds", name);
}

std::string labels_text(const std::vector<std::string>& labels) {
  return fmt::format("{}", fmt::join(labels, ", "));
}

// The rate label, rate and estimated cost of `row` as CSV cells, empty when no rate applies.
std::vector<std::string> cost_cells(const RunnerRates& rates, const RunnerRow& row) {
  auto estimate = estimate_cost(rates, row);
  if (!estimate) return {"", "", ""};
  return {csv_cell(estimate->rate->label), format_amount(estimate->rate->per_minute()),
          format_amount(estimate->cost)};
}

// The rate and estimated cost of `row` as table cells, "-" when no rate applies.
std::vector<std::string> cost_table_cells(const RunnerRates& rates, const RunnerRow& row) {
  auto estimate = estimate_cost(rates, row);
  if (!estimate) return {"-", "-"};
  return {fmt::format("{} ({})", format_amount(estimate->rate->per_minute()),
                      name_cell(estimate->rate->label)),
          format_amount(estimate->cost)};
}

template <typename Row>
std::int64_t total_executions(const std::vector<Row>& rows) {
  std::int64_t total = 0;
  for (const Row& row : rows) total += row.executions;
  return total;
}

}  // namespace

std::string jobs_csv(const std::vector<JobRow>& rows) {
  std::string out = fmt::format(
      "repository,workflow_id,workflow,job,executions,success,failed,neutral,success_rate,{},{},"
      "approval_waits,flaky_jobs,legs\r\n",
      stats_header("duration"), stats_header("queue"));
  for (const JobRow& row : rows) {
    std::vector<std::string> cells = {
        csv_cell(row.repository),       std::to_string(row.workflow_id),
        csv_cell(row.workflow),         csv_cell(row.job),
        std::to_string(row.executions), std::to_string(row.success),
        std::to_string(row.failed),     std::to_string(row.neutral),
        csv_optional(row.success_rate)};
    append(cells, stats_cells(row.duration));
    append(cells, stats_cells(row.queue));
    append(cells, {std::to_string(row.approval_waits), std::to_string(row.flaky_jobs),
                   csv_cell(fmt::format("{}", fmt::join(row.legs, "; ")))});
    out += csv_line(cells);
  }
  return out;
}

std::string runners_csv(const std::vector<RunnerRow>& rows, const RunnerRates& rates) {
  std::string out =
      fmt::format("labels,runner_group,executions,{},{},billable_minutes_estimate{}\r\n",
                  stats_header("queue"), stats_header("duration"),
                  rates.empty() ? "" : ",cost_rate_label,cost_rate_per_minute,estimated_cost");
  for (const RunnerRow& row : rows) {
    std::vector<std::string> cells = {csv_cell(labels_text(row.labels)), csv_cell(row.runner_group),
                                      std::to_string(row.executions)};
    append(cells, stats_cells(row.queue));
    append(cells, stats_cells(row.duration));
    cells.push_back(std::to_string(row.billable_minutes));
    if (!rates.empty()) append(cells, cost_cells(rates, row));
    out += csv_line(cells);
  }
  return out;
}

std::string jobs_table(const Scope& scope, const std::vector<JobRow>& rows) {
  std::vector<std::vector<std::string>> lines = {{"REPOSITORY", "WORKFLOW", "JOB", "RUNS", "OK",
                                                  "FAILED", "SUCCESS", "DURATION P50", "P95",
                                                  "QUEUE P50", "P95", "FLAKY", "LEGS"}};
  for (const JobRow& row : rows) {
    lines.push_back(
        {name_cell(row.repository), name_cell(row.workflow), name_cell(row.job),
         format_count(row.executions), format_count(row.success), format_count(row.failed),
         format_rate(row.success_rate), duration_cell(row.duration.p50),
         duration_cell(row.duration.p95), duration_cell(row.queue.p50),
         duration_cell(row.queue.p95), format_count(row.flaky_jobs),
         row.legs.empty() ? "-" : format_count(static_cast<std::int64_t>(row.legs.size()))});
  }
  std::string out = fmt::format("CIPette jobs, {} ({} job executions)\n\n", describe_scope(scope),
                                format_count(total_executions(rows)));
  out += aligned_columns(lines, 3);
  if (rows.empty()) out += kNoJobs;
  return out;
}

std::string runners_table(const Scope& scope, const std::vector<RunnerRow>& rows,
                          const RunnerRates& rates) {
  std::vector<std::vector<std::string>> lines = {{"LABELS", "RUNNER GROUP", "JOBS", "QUEUE P50",
                                                  "P95", "DURATION P50", "P95",
                                                  "BILLABLE MIN (EST.)"}};
  if (!rates.empty()) append(lines.front(), {"RATE/MIN", "COST (EST.)"});
  for (const RunnerRow& row : rows) {
    lines.push_back({row.labels.empty() ? "(none)" : name_cell(labels_text(row.labels)),
                     row.runner_group.empty() ? "-" : name_cell(row.runner_group),
                     format_count(row.executions), duration_cell(row.queue.p50),
                     duration_cell(row.queue.p95), duration_cell(row.duration.p50),
                     duration_cell(row.duration.p95), format_count(row.billable_minutes)});
    if (!rates.empty()) append(lines.back(), cost_table_cells(rates, row));
  }
  std::string out = fmt::format("CIPette runners, {} ({} job executions)\n\n",
                                describe_scope(scope), format_count(total_executions(rows)));
  out += aligned_columns(lines, 2);
  if (rows.empty()) {
    out += kNoJobs;
  } else {
    out +=
        "\nBillable minutes are an estimate: each job's duration rounded up to a whole minute\n"
        "(GitHub bills by its own clock, per runner size, and not for self-hosted runners).\n";
    if (!rates.empty()) {
      out +=
          "The cost is an estimate too: billable minutes times the configured per-minute rate\n"
          "(CIPETTE_RUNNER_RATES) of the first configured label in the row's labels; \"-\": "
          "none.\n";
    }
  }
  return out;
}

}  // namespace cipette::views

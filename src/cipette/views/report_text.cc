#include "cipette/views/report_text.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <string_view>
#include <vector>

#include "cipette/core/format.h"
#include "cipette/core/time.h"
#include "cipette/views/text_cells.h"

namespace cipette::views {

namespace {

std::string optional_seconds(const std::optional<double>& s, std::string (*format)(double)) {
  return s ? format(*s) : "-";
}

std::string optional_seconds(const std::optional<std::int64_t>& s, std::string (*format)(double)) {
  return s ? format(static_cast<double>(*s)) : "-";
}

constexpr std::size_t kColumns = 13;
constexpr std::size_t kSuccessRateColumn = 5;
using Line = std::array<std::string, kColumns>;

// "2 (1.50%)": flaky runs and their share of the runs.
std::string flaky_cell(const Metrics& m) {
  return fmt::format("{} ({})", format_count(m.flaky_runs), format_rate(m.flaky_rate));
}

Line line_for(const std::string& repository, const std::string& workflow, const Metrics& m) {
  return Line{name_cell(repository),
              name_cell(workflow),
              format_count(m.total),
              format_count(m.success),
              format_count(m.failed),
              format_rate(m.success_rate),
              format_rate(m.first_attempt_success_rate),
              flaky_cell(m),
              optional_seconds(m.duration.mean, format_duration),
              optional_seconds(m.duration.p95, format_duration),
              optional_seconds(m.mttr.mean, format_mttr),
              format_count(m.mttr.open),
              format_throughput(m.throughput_per_day)};
}

std::string colourise(const std::string& cell, std::optional<double> rate) {
  std::string_view band = rate_class(rate);
  const char* code = band == "high" ? "\x1b[32m" : band == "medium" ? "\x1b[33m" : "\x1b[31m";
  return code + cell + "\x1b[0m";
}

// Left-aligns the two name columns and right-aligns the numbers.
std::string render_line(const Line& line, const std::array<std::size_t, kColumns>& widths,
                        const std::optional<double>* rate) {
  std::string out;
  for (std::size_t c = 0; c < kColumns; ++c) {
    std::string pad(widths[c] - display_width(line[c]), ' ');
    std::string cell = line[c];
    if (rate != nullptr && c == kSuccessRateColumn) cell = colourise(cell, *rate);
    out += c < 2 ? cell + pad : pad + cell;
    out += c + 1 < kColumns ? "  " : "\n";
  }
  return out;
}

std::string csv_row(const std::string& repository, std::int64_t workflow_id,
                    const std::string& workflow, const std::string& path, const Metrics& m) {
  std::vector<std::string> cells = {csv_cell(repository),
                                    workflow_id > 0 ? std::to_string(workflow_id) : "",
                                    csv_cell(workflow),
                                    csv_cell(path),
                                    std::to_string(m.total),
                                    std::to_string(m.success),
                                    std::to_string(m.failed),
                                    std::to_string(m.neutral),
                                    csv_optional(m.success_rate),
                                    csv_optional(m.duration.mean),
                                    csv_optional(m.duration.p50),
                                    csv_optional(m.duration.p95),
                                    fmt::format("{:.3f}", m.throughput_per_day),
                                    csv_optional(m.mttr.mean),
                                    csv_optional(m.mttr.median),
                                    std::to_string(m.mttr.recovered),
                                    std::to_string(m.mttr.open),
                                    m.first_run ? format_timestamp(*m.first_run) : "",
                                    m.last_run ? format_timestamp(*m.last_run) : "",
                                    std::to_string(m.rerun_runs),
                                    csv_optional(m.rerun_rate),
                                    std::to_string(m.flaky_runs),
                                    csv_optional(m.flaky_rate),
                                    csv_optional(m.first_attempt_success_rate),
                                    std::to_string(m.rerun_seconds_lost)};
  return csv_line(cells);
}

}  // namespace

std::string describe_scope(const Scope& scope) {
  std::string text;
  switch (scope.period.kind) {
    case Period::Kind::kDays:
      text = fmt::format("last {} day{}", scope.period.days, scope.period.days == 1 ? "" : "s");
      break;
    case Period::Kind::kAll:
      text = "all time";
      break;
    case Period::Kind::kRange:
      text = fmt::format("{} to {}", format_timestamp(scope.period.from),
                         format_timestamp(scope.period.to));
      break;
  }
  auto add = [&](std::string_view name, const std::string& value) {
    if (!value.empty()) text += fmt::format(", {} {}", name, printable(value));
  };
  add("repository", scope.repository);
  add("workflow", scope.workflow);
  add("branch", scope.branch);
  add("event", scope.event);
  return text;
}

std::string metrics_csv(const MetricsReport& report) {
  std::string out =
      "repository,workflow_id,workflow,path,runs,success,failed,neutral,success_rate,"
      "duration_mean_seconds,duration_p50_seconds,duration_p95_seconds,throughput_per_day,"
      "mttr_mean_seconds,mttr_median_seconds,recovered_incidents,open_incidents,first_run,"
      "last_run,rerun_runs,rerun_rate,flaky_runs,flaky_rate,first_attempt_success_rate,"
      "rerun_seconds_lost\r\n";
  for (const WorkflowMetrics& row : report.workflows) {
    out += csv_row(row.repository, row.workflow_id, row.workflow, row.path, row.metrics);
  }
  out += csv_row("TOTAL", 0, "", "", report.totals);
  return out;
}

std::string metrics_table(const MetricsReport& report, bool colour) {
  std::vector<Line> lines;
  lines.push_back(Line{"REPOSITORY", "WORKFLOW", "RUNS", "OK", "FAILED", "SUCCESS", "1ST TRY",
                       "FLAKY", "MEAN", "P95", "MTTR", "OPEN", "RUNS/DAY"});
  for (const WorkflowMetrics& row : report.workflows) {
    lines.push_back(line_for(row.repository, row.workflow, row.metrics));
  }
  lines.push_back(line_for("TOTAL", "", report.totals));
  std::array<std::size_t, kColumns> widths{};
  for (const Line& line : lines) {
    for (std::size_t c = 0; c < kColumns; ++c)
      widths[c] = std::max(widths[c], display_width(line[c]));
  }
  std::string out = fmt::format("CIPette metrics, {} ({} runs)\n\n", describe_scope(report.scope),
                                format_count(report.totals.total));
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const std::optional<double>* rate = nullptr;
    if (colour && i > 0) {
      rate = i + 1 < lines.size() ? &report.workflows[i - 1].metrics.success_rate
                                  : &report.totals.success_rate;
    }
    if (i + 1 == lines.size()) out += "\n";
    out += render_line(lines[i], widths, rate);
  }
  if (report.workflows.empty()) {
    out +=
        "\nNo completed runs in this scope. Run `cipette collect` or `cipette demo` first,\n"
        "or widen the scope (--period all).\n";
  }
  return out;
}

}  // namespace cipette::views

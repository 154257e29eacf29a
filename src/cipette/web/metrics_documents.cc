#include "cipette/web/metrics_documents.h"

#include <cmath>

#include "cipette/core/format.h"
#include "cipette/views/report_json.h"  // kSchemaVersion
#include "cipette/web/json_writer.h"

namespace cipette::web {

namespace {

// Every object below writes its keys in the order nlohmann keeps them in (std::map: sorted
// bytewise), which is the order dump() writes them in.

// Means are reported to two decimals (as views::metrics_json rounds them).
std::optional<double> rounded(const std::optional<double>& value) {
  if (!value) return std::nullopt;
  return std::round(*value * 100.0) / 100.0;
}

void optional_time(JsonWriter& w, const std::optional<Timestamp>& t) {
  if (t) {
    w.timestamp(*t);
  } else {
    w.null();
  }
}

void optional_string(JsonWriter& w, const std::string& text) {
  if (text.empty()) {
    w.null();
  } else {
    w.value(text);
  }
}

void write_period(JsonWriter& w, const Period& period) {
  w.begin_object();
  switch (period.kind) {
    case Period::Kind::kDays:
      w.key("days");
      w.value(period.days);
      w.key("kind");
      w.value("days");
      break;
    case Period::Kind::kAll:
      w.key("kind");
      w.value("all");
      break;
    case Period::Kind::kRange:
      w.key("from");
      w.timestamp(period.from);
      w.key("kind");
      w.value("range");
      w.key("to");
      w.timestamp(period.to);
      break;
  }
  w.end_object();
}

// views::scope_json.
void write_scope(JsonWriter& w, const Scope& scope) {
  w.begin_object();
  w.key("branch");
  optional_string(w, scope.branch);
  w.key("event");
  optional_string(w, scope.event);
  w.key("now");
  w.timestamp(scope.now);
  w.key("period");
  write_period(w, scope.period);
  w.key("repository");
  optional_string(w, scope.repository);
  w.key("workflow");
  optional_string(w, scope.workflow);
  w.end_object();
}

void write_duration(JsonWriter& w, const DurationStats& d) {
  w.begin_object();
  w.key("count");
  w.value(d.count);
  w.key("mean_seconds");
  w.value(rounded(d.mean));
  w.key("p50_seconds");
  w.value(d.p50);
  w.key("p95_seconds");
  w.value(d.p95);
  w.end_object();
}

void write_mttr(JsonWriter& w, const MttrStats& m) {
  w.begin_object();
  w.key("mean_seconds");
  w.value(rounded(m.mean));
  w.key("median_seconds");
  w.value(m.median);
  w.key("open_incidents");
  w.value(m.open);
  w.key("recovered_incidents");
  w.value(m.recovered);
  w.end_object();
}

// The members of a metrics object (views::metrics_json's metrics_object), merged in key order
// with those of a workflow row when `row` is given.
void write_metrics(JsonWriter& w, const Metrics& m, const WorkflowMetrics* row) {
  w.begin_object();
  w.key("duration");
  write_duration(w, m.duration);
  w.key("failed");
  w.value(m.failed);
  w.key("first_attempt_success_rate");
  w.value(m.first_attempt_success_rate);
  w.key("first_run");
  optional_time(w, m.first_run);
  w.key("flaky_rate");
  w.value(m.flaky_rate);
  w.key("flaky_runs");
  w.value(m.flaky_runs);
  w.key("last_run");
  optional_time(w, m.last_run);
  w.key("mttr");
  write_mttr(w, m.mttr);
  w.key("neutral");
  w.value(m.neutral);
  if (row) {
    w.key("path");
    w.value(row->path);
    w.key("repository");
    w.value(row->repository);
  }
  w.key("rerun_rate");
  w.value(m.rerun_rate);
  w.key("rerun_runs");
  w.value(m.rerun_runs);
  w.key("rerun_seconds_lost");
  w.value(m.rerun_seconds_lost);
  w.key("runs");
  w.value(m.total);
  w.key("success");
  w.value(m.success);
  w.key("success_rate");
  w.value(m.success_rate);
  w.key("success_rate_class");
  w.value(rate_class(m.success_rate));
  w.key("throughput_per_day");
  w.value(std::round(m.throughput_per_day * 1000.0) / 1000.0);
  if (row) {
    w.key("workflow");
    w.value(row->workflow);
    w.key("workflow_id");
    w.value(row->workflow_id);
  }
  w.end_object();
}

void write_window(JsonWriter& w, const MetricsReport& report) {
  w.begin_object();
  w.key("days");
  w.value(report.period_days);
  w.key("end");
  w.timestamp(report.end);
  w.key("start");
  w.timestamp(report.start);
  w.end_object();
}

void write_day(JsonWriter& w, const DailyPoint& p) {
  w.begin_object();
  w.key("date");
  w.date(p.day * kSecondsPerDay);
  w.key("duration_p50_seconds");
  w.value(p.duration_p50);
  w.key("duration_p95_seconds");
  w.value(p.duration_p95);
  w.key("failed");
  w.value(p.failed);
  w.key("neutral");
  w.value(p.neutral);
  w.key("runs");
  w.value(p.total);
  w.key("success");
  w.value(p.success);
  w.key("success_rate");
  w.value(p.success_rate);
  w.end_object();
}

// A generous first guess of a document's size, so that the string grows once or twice.
constexpr std::size_t kBytesPerRow = 800;

}  // namespace

std::string metrics_json_text(const MetricsReport& report) {
  std::string out;
  out.reserve((report.workflows.size() + 2) * kBytesPerRow);
  JsonWriter w(out);
  w.begin_object();
  w.key("schema_version");
  w.value(views::kSchemaVersion);
  w.key("scope");
  write_scope(w, report.scope);
  w.key("totals");
  write_metrics(w, report.totals, nullptr);
  w.key("window");
  write_window(w, report);
  w.key("workflows");
  w.begin_array();
  for (const WorkflowMetrics& row : report.workflows) write_metrics(w, row.metrics, &row);
  w.end_array();
  w.end_object();
  return out;
}

std::string trends_json_text(const Scope& scope, const std::vector<DailyPoint>& points) {
  std::string out;
  out.reserve(kBytesPerRow + points.size() * 200);
  JsonWriter w(out);
  w.begin_object();
  w.key("days");
  w.begin_array();
  for (const DailyPoint& p : points) write_day(w, p);
  w.end_array();
  w.key("schema_version");
  w.value(views::kSchemaVersion);
  w.key("scope");
  write_scope(w, scope);
  w.end_object();
  return out;
}

}  // namespace cipette::web

#include "cipette/web/pages.h"

#include <fmt/format.h>

#include "cipette/core/format.h"
#include "cipette/core/time.h"
#include "cipette/web/html.h"
#include "cipette/web/job_pages.h"
#include "cipette/web/page_parts.h"

namespace cipette::web {

namespace {

namespace parts = page_parts;

std::string date_or_blank(const std::optional<Timestamp>& t) {
  return t ? format_date(*t) : std::string();
}

// "2024-03-01 10:05" (UTC).
std::string created_text(Timestamp t) {
  return format_timestamp(t).substr(0, 16).replace(10, 1, " ");
}

mstch::map workflow_row(const RunTable& table, const WorkflowMetrics& row, const ScopeQuery& q) {
  const Metrics& m = row.metrics;
  auto repository = table.find_repository(row.repository);
  std::string workflow_query = parts::workflow_query(row.repository, row.workflow_id, q);
  return mstch::map{
      {"repository", row.repository},
      {"repository_url", repository ? safe_repository_url(table, *repository) : std::string()},
      {"workflow", row.workflow.empty() ? row.path : row.workflow},
      {"workflow_query", workflow_query},
      {"runs", parts::format_count(m.total)},
      {"runs_value", std::to_string(m.total)},
      {"rate", format_rate(m.success_rate)},
      {"rate_value", parts::sort_key(m.success_rate)},
      {"rate_class", std::string(rate_class(m.success_rate))},
      {"flaky_rate", format_rate(m.flaky_rate)},
      {"flaky_value", parts::sort_key(m.flaky_rate)},
      {"reruns", parts::rerun_badge(m)},
      {"mean", m.duration.mean ? format_duration(*m.duration.mean) : "N/A"},
      {"mean_value", parts::sort_key(m.duration.mean)},
      {"p95", parts::optional_duration(m.duration.p95)},
      {"p95_value", parts::optional_key(m.duration.p95)},
      {"mttr", m.mttr.mean ? format_mttr(*m.mttr.mean) : "N/A"},
      {"mttr_value", parts::sort_key(m.mttr.mean)},
      {"open", m.mttr.open > 0 ? std::to_string(m.mttr.open) : std::string()},
      {"throughput", parts::format_throughput(m.throughput_per_day)},
      {"throughput_value", fmt::format("{}", m.throughput_per_day)},
      {"success", parts::format_count(m.success)},
      {"success_value", std::to_string(m.success)},
      {"failed", parts::format_count(m.failed)},
      {"failed_value", std::to_string(m.failed)},
      {"first_run", date_or_blank(m.first_run)},
      {"last_run", date_or_blank(m.last_run)},
  };
}

std::string streak_text(const StreakMark& mark) {
  if (mark.length == 1) return mark.open ? "failing" : "single failure";
  return fmt::format("{} of {} in a row", mark.position, mark.length);
}

// `scope_query`: the workflow page's scope, for the link to the run page.
mstch::map run_row(const RunTable& table, const ListedRun& run, const std::string& scope_query) {
  const RunTable::Row& row = run.row;
  bool timed = row.completed_at >= row.started_at;
  mstch::map item{
      {"url", run_html_url(table, row)},
      {"run_page", "/run?id=" + std::to_string(row.id) + "&" + scope_query},
      {"number", std::to_string(row.run_number)},
      {"attempt", row.run_attempt > 1 ? std::to_string(row.run_attempt) : std::string()},
      {"outcome", std::string(outcome_name(row.outcome))},
      {"branch", table.branches()[row.branch]},
      {"event", table.events()[row.event]},
      {"actor", table.actors()[row.actor]},
      {"created", created_text(row.created_at)},
      {"duration",
       timed ? format_duration(static_cast<double>(row.completed_at - row.started_at)) : "N/A"},
      {"row_class", run.streak ? "streak" : ""},
  };
  if (run.streak) {
    item.emplace("streak",
                 mstch::map{{"text", streak_text(*run.streak)}, {"open", run.streak->open}});
  }
  return item;
}

// One attempt of a flaky run, as the attempt list shows it.
mstch::map attempt_item(const RunTable& table, const RunTable::Row& row, std::int64_t number,
                        const std::string& state, std::string label) {
  return mstch::map{{"number", std::to_string(number)},
                    {"state", state},
                    {"symbol", parts::state_symbol(state)},
                    {"label", std::move(label)},
                    {"url", attempt_html_url(table, row, number)}};
}

mstch::map attempt_item(const RunTable& table, const RunTable::Row& row,
                        const RunTable::Attempt& attempt) {
  if (!attempt.completed) {
    std::string status(attempt_status(attempt));
    return attempt_item(table, row, attempt.attempt, status, status);
  }
  std::string outcome(outcome_name(attempt.outcome));
  return attempt_item(table, row, attempt.attempt, outcome, outcome);
}

// Attempts 1 .. run_attempt of a listed run in order: the earlier ones as stored (an attempt the
// collector has not read yet is "not collected"), then the run itself.
mstch::array attempt_items(const RunTable& table, const ListedRun& run) {
  mstch::array items;
  auto stored = run.earlier_attempts.begin();
  for (std::int64_t k = 1; k < run.row.run_attempt; ++k) {
    while (stored != run.earlier_attempts.end() && stored->attempt < k) ++stored;
    if (stored != run.earlier_attempts.end() && stored->attempt == k) {
      items.emplace_back(attempt_item(table, run.row, *stored));
    } else {
      items.emplace_back(attempt_item(table, run.row, k, "unknown", "not collected"));
    }
  }
  RunTable::Attempt latest;
  latest.attempt = run.row.run_attempt;
  latest.completed = run.row.completed;
  latest.outcome = run.row.outcome;
  items.emplace_back(attempt_item(table, run.row, latest));
  return items;
}

mstch::map flaky_row(const RunTable& table, const ListedRun& run) {
  const RunTable::Row& row = run.row;
  return mstch::map{
      {"url", run_html_url(table, row)},
      {"number", std::to_string(row.run_number)},
      {"branch", table.branches()[row.branch]},
      {"created", created_text(row.created_at)},
      {"lost", format_duration(static_cast<double>(row.seconds_lost))},
      {"attempts", attempt_items(table, run)},
  };
}

// The workflow page's "Flaky runs" section: the runs of `flaky`, and how many there are.
mstch::map flaky_section(const RunTable& table, const RunPage& flaky) {
  mstch::array rows;
  for (const ListedRun& run : flaky.runs) rows.push_back(flaky_row(table, run));
  return mstch::map{{"flaky_total", parts::format_count(flaky.total)},
                    {"flaky_more", flaky.total > std::ssize(flaky.runs)},
                    {"flaky_shown", std::to_string(flaky.runs.size())},
                    {"no_flaky", flaky.runs.empty()},
                    {"flaky", std::move(rows)}};
}

// "/workflow?...&page=N" for the pager, or "" past either end.
std::string page_url(const ListQuery& query, const RunTable::Workflow& workflow,
                     const std::string& repository, int page, std::int64_t pages) {
  if (page < 1 || page > pages) return "";
  return "/workflow?" + parts::workflow_query(repository, workflow.workflow_id, query.scope) +
         "&page=" + std::to_string(page);
}

std::string workflow_file_url(const RunTable& table, const RunTable::Workflow& workflow) {
  std::string base = safe_repository_url(table, workflow.repository);
  std::string_view path = workflow.path;
  path = path.substr(0, path.find('@'));
  std::string_view file = path.substr(path.find_last_of('/') + 1);
  if (base.empty() || file.empty()) return "";
  return base + "/actions/workflows/" + url_encode(file);
}

}  // namespace

std::string render_dashboard(const SnapshotState& state, const ScopeQuery& query,
                             const MetricsReport& report, bool auth_enabled) {
  const RunTable& table = *state.table;
  mstch::map context = parts::chrome("Dashboard", &state, query.link_query, auth_enabled);
  parts::FilterSetup setup;
  if (!query.scope.workflow.empty()) {
    setup.hidden.push_back(
        mstch::map{{"name", std::string("workflow")}, {"value", query.scope.workflow}});
  }
  parts::merge(context, parts::filters(table, query, std::move(setup)));
  mstch::array rows;
  for (const WorkflowMetrics& row : report.workflows) {
    rows.push_back(workflow_row(table, row, query));
  }
  context.insert_or_assign("empty_store", table.size() == 0);
  context.insert_or_assign("no_runs", report.workflows.empty());
  context.insert_or_assign("scope_title", parts::scope_title(query.scope));
  context.insert_or_assign("scope_range", parts::scope_range(report));
  mstch::array cards = parts::cards(report.totals);
  cards.push_back(queue_card(compute_job_totals(table, *state.jobs, query.scope)));
  context.insert_or_assign("on_dashboard", true);
  context.insert_or_assign("cards", std::move(cards));
  context.insert_or_assign("rows", std::move(rows));
  return render_template("dashboard", context);
}

std::string render_workflow(const SnapshotState& state, const ListQuery& query,
                            const WorkflowPageData& data, bool auth_enabled) {
  const RunTable& table = *state.table;
  const RunTable::Workflow& workflow = table.workflows()[data.workflow];
  const std::string& repository = table.repositories()[workflow.repository];
  std::string name = workflow.name.empty() ? workflow.path : workflow.name;
  mstch::map context = parts::chrome(name, &state, query.scope.link_query, auth_enabled);
  parts::FilterSetup setup{"/workflow", false, {}, ""};
  setup.hidden.push_back(mstch::map{{"name", std::string("repository")}, {"value", repository}});
  setup.hidden.push_back(mstch::map{{"name", std::string("workflow")},
                                    {"value", std::to_string(workflow.workflow_id)}});
  setup.reset_url =
      "/workflow?" + query_string({{"repository", repository},
                                   {"workflow", std::to_string(workflow.workflow_id)}});
  parts::merge(context, parts::filters(table, query.scope, std::move(setup)));
  std::string scope_query = parts::workflow_query(repository, workflow.workflow_id, query.scope);
  mstch::array runs;
  for (const ListedRun& run : data.runs->runs) runs.push_back(run_row(table, run, scope_query));
  if (data.jobs != nullptr) {
    parts::merge(context, job_section(table, *state.jobs, query.scope.scope, *data.jobs));
  }
  context.insert_or_assign("show_jobs", data.jobs != nullptr);
  std::int64_t pages = page_count(data.runs->total, query.per_page);
  context.insert_or_assign("repository", repository);
  context.insert_or_assign("workflow", name);
  context.insert_or_assign("path", workflow.path);
  context.insert_or_assign("workflow_url", workflow_file_url(table, workflow));
  context.insert_or_assign("back_query", query_string({{"period", query.scope.period},
                                                       {"from", query.scope.from},
                                                       {"to", query.scope.to},
                                                       {"repository", repository}}));
  context.insert_or_assign("scope_title", parts::scope_title(query.scope.scope));
  context.insert_or_assign("scope_range", parts::scope_range(*data.report));
  context.insert_or_assign("cards", parts::cards(data.report->totals));
  parts::merge(context, flaky_section(table, *data.flaky));
  context.insert_or_assign("no_runs", data.runs->total == 0);
  context.insert_or_assign("runs", std::move(runs));
  context.insert_or_assign("runs_total", parts::format_count(data.runs->total));
  context.insert_or_assign("page", std::to_string(query.page));
  context.insert_or_assign("pages", std::to_string(pages));
  context.insert_or_assign("newer_url",
                           page_url(query, workflow, repository, query.page - 1, pages));
  context.insert_or_assign("older_url",
                           page_url(query, workflow, repository, query.page + 1, pages));
  return render_template("workflow", context);
}

std::string render_error(int status, const std::string& message, const std::string& parameter,
                         bool auth_enabled) {
  std::string heading = status == 400   ? "Bad request"
                        : status == 404 ? "Page not found"
                        : status == 401 ? "Sign-in required"
                                        : "Something went wrong";
  mstch::map context = parts::chrome(heading, nullptr, "", auth_enabled);
  context.insert_or_assign("status", std::to_string(status));
  context.insert_or_assign("heading", heading);
  context.insert_or_assign("message", message);
  context.insert_or_assign("parameter", parameter);
  return render_template("error", context);
}

std::string render_login(const std::string& next, bool failed) {
  mstch::map context = parts::chrome("Sign in", nullptr, "", false);
  context.insert_or_assign("next", next);
  context.insert_or_assign("failed", failed);
  return render_template("login", context);
}

}  // namespace cipette::web

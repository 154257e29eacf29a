#include "cipette/web/job_pages.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <limits>
#include <map>
#include <set>

#include "cipette/core/format.h"
#include "cipette/core/time.h"
#include "cipette/web/html.h"
#include "cipette/web/page_parts.h"
#include "cipette/web/run_listing.h"

namespace cipette::web {

namespace {

namespace parts = page_parts;

// "1 leg", "2 legs".
std::string counted(std::int64_t n, std::string_view noun) {
  return fmt::format("{} {}{}", parts::format_count(n), noun, n == 1 ? "" : "s");
}

mstch::array label_chips(const std::vector<std::string>& labels) {
  mstch::array chips;
  for (const std::string& label : labels) chips.emplace_back(label);
  return chips;
}

// ---- Runners view -----------------------------------------------------------------------------

// The row's estimated cost (estimate_cost), for the column shown when rates are configured.
void add_cost(mstch::map& item, const RunnerRates& rates, const RunnerRow& row) {
  auto estimate = estimate_cost(rates, row);
  item.emplace("cost_value",
               parts::sort_key(estimate ? std::optional(estimate->cost) : std::optional<double>()));
  if (!estimate) return;
  item.emplace("cost", format_amount(estimate->cost));
  item.emplace("rate", format_amount(estimate->rate->per_minute()));
  item.emplace("rate_label", estimate->rate->label);
}

mstch::map runner_row(const RunnerRow& row, const RunnerRates& rates) {
  mstch::map item{
      {"labels", label_chips(row.labels)},
      {"labels_key", fmt::format("{}", fmt::join(row.labels, ", "))},
      {"no_labels", row.labels.empty()},
      {"runner_group", row.runner_group},
      {"executions", parts::format_count(row.executions)},
      {"executions_value", std::to_string(row.executions)},
      {"queue_p50", parts::optional_duration(row.queue.p50)},
      {"queue_p50_value", parts::optional_key(row.queue.p50)},
      {"queue_p95", parts::optional_duration(row.queue.p95)},
      {"queue_p95_value", parts::optional_key(row.queue.p95)},
      {"duration_p50", parts::optional_duration(row.duration.p50)},
      {"duration_p50_value", parts::optional_key(row.duration.p50)},
      {"duration_p95", parts::optional_duration(row.duration.p95)},
      {"duration_p95_value", parts::optional_key(row.duration.p95)},
      {"billable", parts::format_count(row.billable_minutes)},
      {"billable_value", std::to_string(row.billable_minutes)},
  };
  if (!rates.empty()) add_cost(item, rates, row);
  return item;
}

// The chart's points as the JSON app.js reads from the page: [[day start (UTC seconds), p50,
// p95], ...], null where a day has no queue time. Numbers only: nothing from GitHub.
std::string queue_points_json(const std::vector<DailyQueuePoint>& days) {
  std::string out = "[";
  auto value = [](const std::optional<std::int64_t>& v) {
    return v ? std::to_string(*v) : std::string("null");
  };
  for (const DailyQueuePoint& point : days) {
    if (out.size() > 1) out += ',';
    out += fmt::format("[{},{},{},{}]", point.day * kSecondsPerDay, point.count, value(point.p50),
                       value(point.p95));
  }
  return out + "]";
}

// ---- Workflow page ----------------------------------------------------------------------------

mstch::map job_row_context(const JobRow& row) {
  return mstch::map{
      {"job", row.job},
      {"executions", parts::format_count(row.executions)},
      {"executions_value", std::to_string(row.executions)},
      {"rate", format_rate(row.success_rate)},
      {"rate_value", parts::sort_key(row.success_rate)},
      {"rate_class", std::string(rate_class(row.success_rate))},
      {"duration_p50", parts::optional_duration(row.duration.p50)},
      {"duration_p50_value", parts::optional_key(row.duration.p50)},
      {"duration_p95", parts::optional_duration(row.duration.p95)},
      {"duration_p95_value", parts::optional_key(row.duration.p95)},
      {"queue_p50", parts::optional_duration(row.queue.p50)},
      {"queue_p50_value", parts::optional_key(row.queue.p50)},
      {"queue_p95", parts::optional_duration(row.queue.p95)},
      {"queue_p95_value", parts::optional_key(row.queue.p95)},
      {"flaky", parts::format_count(row.flaky_jobs)},
      {"flaky_value", std::to_string(row.flaky_jobs)},
      {"approval_waits", row.approval_waits > 0 ? parts::format_count(row.approval_waits) : ""},
  };
}

mstch::array slowest_steps(const StepsByGroup& steps, const std::string& group) {
  auto found = std::find_if(steps.begin(), steps.end(),
                            [&](const GroupSteps& entry) { return entry.group == group; });
  mstch::array out;
  if (found == steps.end()) return out;
  std::vector<StepRow> rows = compute_step_metrics(found->steps);
  if (rows.size() > kSlowestStepsShown) rows.resize(kSlowestStepsShown);
  for (const StepRow& row : rows) {
    out.push_back(mstch::map{{"name", row.name},
                             {"count", parts::format_count(row.duration.count)},
                             {"p50", parts::optional_duration(row.duration.p50)},
                             {"p95", parts::optional_duration(row.duration.p95)}});
  }
  return out;
}

// ---- Run page ---------------------------------------------------------------------------------

// A percentage of the timeline's span, for an SVG attribute ("12.5%").
std::string percent(Timestamp offset, Timestamp span) {
  double value =
      100.0 * static_cast<double>(offset) / static_cast<double>(std::max<Timestamp>(span, 1));
  return fmt::format("{:.2f}%", std::clamp(value, 0.0, 100.0));
}

// The state a job or step shows: its outcome class when completed (success, failed, neutral),
// else "unfinished"; and the word shown beside its symbol (GitHub's conclusion or status).
struct ShownState {
  std::string state;
  std::string text;
};

ShownState shown_state(const std::string& status, const std::string& conclusion) {
  if (status != "completed") return {"unfinished", status.empty() ? "unknown" : status};
  std::string state(outcome_name(classify_conclusion(conclusion)));
  return {state, conclusion.empty() ? "no conclusion" : conclusion};
}

// The first and last instants of an attempt's jobs: its timeline's span.
std::pair<Timestamp, Timestamp> attempt_span(const std::vector<const JobRecord*>& jobs) {
  Timestamp first = std::numeric_limits<Timestamp>::max();
  Timestamp last = std::numeric_limits<Timestamp>::min();
  for (const JobRecord* job : jobs) {
    for (const auto& t : {job->created_at, job->started_at, job->completed_at}) {
      if (!t) continue;
      first = std::min(first, *t);
      last = std::max(last, *t);
    }
  }
  if (first > last) return {0, 0};
  return {first, last};
}

mstch::array step_items(const JobRecord& job) {
  mstch::array items;
  for (const StepRecord& step : job.steps) {
    ShownState shown = shown_state(step.status, step.conclusion);
    auto seconds = step_duration_seconds(step);
    items.push_back(mstch::map{
        {"name", step.name},
        {"state", shown.state},
        {"symbol", parts::state_symbol(shown.state)},
        {"state_text", shown.text},
        {"duration", seconds ? format_duration(static_cast<double>(*seconds)) : std::string()}});
  }
  return items;
}

// One job of the timeline: its bar's segments (x and width in percent of the attempt's span)
// and what the bar shows in words.
mstch::map job_item(const JobRecord& job, Timestamp origin, Timestamp span) {
  ShownState shown = shown_state(job.status, job.conclusion);
  auto queue = queue_seconds(job);
  auto duration = job_duration_seconds(job);
  mstch::map item{{"name", job.name},
                  {"url", safe_http_url(job.html_url)},
                  {"state", shown.state},
                  {"symbol", parts::state_symbol(shown.state)},
                  {"state_text", shown.text},
                  {"runner", job.runner_name},
                  {"labels", label_chips(job.labels)},
                  {"waited", job.waited},
                  {"steps", step_items(job)},
                  {"step_count", counted(std::ssize(job.steps), "step")},
                  {"has_steps", !job.steps.empty()}};
  std::vector<std::string> words;
  if (job.created_at && job.started_at && *job.started_at >= *job.created_at) {
    item.emplace("queued_x", percent(*job.created_at - origin, span));
    item.emplace("queued_width", percent(*job.started_at - *job.created_at, span));
    // A wait for an approval is not queue time (queue_seconds): it is named for what it was.
    words.push_back(queue ? "queued " + format_duration(static_cast<double>(*queue))
                          : "waited for approval " + format_duration(static_cast<double>(
                                                         *job.started_at - *job.created_at)));
  }
  if (duration) {
    item.emplace("running_x", percent(*job.started_at - origin, span));
    item.emplace("running_width", percent(*duration, span));
    words.push_back("ran " + format_duration(static_cast<double>(*duration)));
  } else if (job.started_at) {
    words.push_back("started " + format_timestamp(*job.started_at).substr(11, 8) + " UTC");
  }
  if (words.empty()) words.emplace_back("not started");
  item.emplace("timing", fmt::format("{}", fmt::join(words, " · ")));
  return item;
}

mstch::map attempt_section(const RunTable& table, const RunTable::Row& row, std::int64_t attempt,
                           const std::vector<const JobRecord*>& jobs) {
  auto [origin, end] = attempt_span(jobs);
  Timestamp span = end - origin;
  mstch::array items;
  for (const JobRecord* job : jobs) items.push_back(job_item(*job, origin, span));
  std::string summary = jobs.empty()
                            ? "no jobs stored for this attempt"
                            : fmt::format("{} · {} from the first job created to the last finished",
                                          counted(std::ssize(jobs), "job"),
                                          format_duration(static_cast<double>(span)));
  return mstch::map{{"attempt", std::to_string(attempt)},
                    {"url", attempt_html_url(table, row, attempt)},
                    {"latest", attempt == row.run_attempt},
                    {"summary", summary},
                    {"start", jobs.empty() ? "" : format_timestamp(origin).substr(11, 8)},
                    {"end", jobs.empty() ? "" : format_timestamp(end).substr(11, 8)},
                    {"jobs", std::move(items)},
                    {"no_jobs", jobs.empty()}};
}

mstch::array attempt_sections(const RunTable& table, const RunTable::Row& row,
                              const std::vector<JobRecord>& jobs) {
  std::int64_t last = row.run_attempt;
  for (const JobRecord& job : jobs) last = std::max(last, job.run_attempt);
  std::map<std::int64_t, std::vector<const JobRecord*>> by_attempt;
  for (const JobRecord& job : jobs) by_attempt[job.run_attempt].push_back(&job);
  mstch::array sections;
  // Newest attempt first: the one a visitor comes for.
  for (std::int64_t attempt = last; attempt >= 1; --attempt) {
    sections.push_back(attempt_section(table, row, attempt, by_attempt[attempt]));
  }
  return sections;
}

}  // namespace

mstch::map queue_card(const JobTotals& totals) {
  if (totals.executions == 0) {
    return parts::card("queue-time", "Queue time (p50)", "no job data",
                       "run cipette collect to fetch jobs", "muted");
  }
  if (totals.queue.count == 0) {
    return parts::card("queue-time", "Queue time (p50)", "N/A",
                       "no queue times in " + counted(totals.executions, "job"));
  }
  return parts::card("queue-time", "Queue time (p50)", parts::optional_duration(totals.queue.p50),
                     fmt::format("p95 {} · {}", parts::optional_duration(totals.queue.p95),
                                 counted(totals.queue.count, "job")));
}

std::string render_runners(const SnapshotState& state, const JobTable& jobs,
                           const ScopeQuery& query, bool auth_enabled, const RunnerRates& rates) {
  const RunTable& table = *state.table;
  mstch::map context = parts::chrome("Runners", &state, query.link_query, auth_enabled);
  parts::FilterSetup setup{"/runners", true, {}, "/runners"};
  if (!query.scope.workflow.empty()) {
    setup.hidden.push_back(
        mstch::map{{"name", std::string("workflow")}, {"value", query.scope.workflow}});
  }
  parts::merge(context, parts::filters(table, query, std::move(setup)));
  RunnerReport report = compute_runner_report(table, jobs, query.scope);
  mstch::array items;
  for (const RunnerRow& row : report.rows) items.push_back(runner_row(row, rates));
  context.insert_or_assign("on_runners", true);
  context.insert_or_assign("back_query", query.link_query);
  context.insert_or_assign("scope_title", parts::scope_title(query.scope));
  context.insert_or_assign("cards", mstch::array{queue_card(report.totals)});
  context.insert_or_assign("no_jobs", report.rows.empty());
  context.insert_or_assign("rows", std::move(items));
  context.insert_or_assign("has_rates", !rates.empty());
  context.insert_or_assign("queue_points", queue_points_json(report.days));
  return render_template("runners", context);
}

std::vector<std::int64_t> step_sample_runs(const RunTable& runs, const Scope& scope,
                                           NameId workflow) {
  Scope of_workflow = scope;
  of_workflow.workflow = std::to_string(runs.workflows()[workflow].workflow_id);
  RunPage newest = select_runs(runs, of_workflow, ListOptions{std::nullopt, 1, kStepRunsRead});
  std::vector<std::int64_t> ids;
  ids.reserve(newest.runs.size());
  for (const ListedRun& run : newest.runs) ids.push_back(run.row.id);
  return ids;
}

Result<StepsByGroup> read_group_steps(JobReader& store, const std::vector<std::int64_t>& runs) {
  std::map<std::string, GroupSteps> by_group;
  for (std::int64_t run : runs) {
    auto jobs = store.jobs_of_run(run);
    if (!jobs) return jobs.error();
    for (JobRecord& job : *jobs) {
      if (!job.completed()) continue;
      std::string group(job_group_name(job.name));
      GroupSteps& entry = by_group[group];
      entry.group = std::move(group);
      ++entry.jobs;
      std::move(job.steps.begin(), job.steps.end(), std::back_inserter(entry.steps));
    }
  }
  StepsByGroup out;
  out.reserve(by_group.size());
  for (auto& [name, entry] : by_group) out.push_back(std::move(entry));
  return out;
}

mstch::map job_section(const RunTable& runs, const JobTable& jobs, const Scope& scope,
                       const JobSectionData& data) {
  const RunTable::Workflow& workflow = runs.workflows()[data.workflow];
  const std::string& repository = runs.repositories()[workflow.repository];
  mstch::array rows;
  mstch::array groups;
  int index = 0;
  for (const JobRow& row : compute_job_metrics(runs, jobs, scope)) {
    if (row.workflow_id != workflow.workflow_id || row.repository != repository) continue;
    mstch::map item = job_row_context(row);
    std::string anchor = "job-group-" + std::to_string(++index);
    mstch::array legs;
    if (!row.legs.empty()) {
      for (const JobRow& leg :
           compute_job_legs(runs, jobs, scope, repository, workflow.workflow_id, row.job)) {
        legs.push_back(job_row_context(leg));
      }
    }
    mstch::array steps = data.steps ? slowest_steps(*data.steps, row.job) : mstch::array{};
    item.emplace("anchor", anchor);
    item.emplace("leg_count", legs.empty() ? std::string() : counted(std::ssize(legs), "leg"));
    rows.push_back(item);
    groups.push_back(mstch::map{{"job", row.job},
                                {"anchor", anchor},
                                {"legs", legs},
                                {"has_legs", !legs.empty()},
                                {"leg_count", counted(std::ssize(legs), "leg")},
                                {"steps", steps},
                                {"no_steps", steps.empty()}});
  }
  return mstch::map{{"job_rows", std::move(rows)},
                    {"job_groups", std::move(groups)},
                    {"no_jobs", index == 0},
                    {"steps_error", data.steps ? std::string() : data.steps_error},
                    {"step_runs", std::to_string(data.step_runs)}};
}

Parsed<std::int64_t> parse_run_id(std::string_view text) {
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  // GitHub's run ids have 10 or 11 digits; 18 keeps every id clear of the int64 limit.
  if (text.empty() || text.size() > 18 || ec != std::errc() || end != text.data() + text.size() ||
      id <= 0) {
    std::string shown(text.substr(0, 64));
    if (!is_valid_utf8(shown)) shown = "(not UTF-8)";
    return ParamProblem{"id", "expected a run id (a positive whole number); got \"" + shown + "\""};
  }
  return id;
}

Parsed<RunQuery> parse_run_query(const QueryParams& params, Timestamp now) {
  if (params.count("id") != 1) {
    return ParamProblem{"id", params.count("id") == 0
                                  ? "required: the page shows the run with that id (/run?id=ID)"
                                  : "given more than once"};
  }
  RunQuery query;
  auto id = parse_run_id(params.find("id")->second);
  if (!id) return id.error();
  query.id = *id;
  QueryParams rest = params;
  rest.erase("id");
  auto scope = parse_scope_query(rest, now, UnknownParameters::kIgnore);
  if (!scope) return scope.error();
  query.scope = *scope;
  return query;
}

std::optional<RunTable::Row> find_run(const std::shared_ptr<const RunTable>& runs,
                                      RunFinder& finder, const RunQuery& query) {
  auto found = finder.find(runs, query.id);
  if (!found) return std::nullopt;
  RunTable::Row row = runs->row(*found);
  const Scope& hint = query.scope.scope;
  if (!hint.repository.empty() || !hint.workflow.empty()) {
    std::vector<NameId> workflows = matching_workflows(*runs, hint);
    if (std::find(workflows.begin(), workflows.end(), row.workflow) == workflows.end()) {
      return std::nullopt;
    }
  }
  return row;
}

std::string render_run(const SnapshotState& state, const RunQuery& query, const RunTable::Row& row,
                       const Result<std::vector<JobRecord>>& jobs, bool auth_enabled) {
  const RunTable& table = *state.table;
  const RunTable::Workflow& workflow = table.workflows()[row.workflow];
  std::string name = workflow.name.empty() ? workflow.path : workflow.name;
  std::string title = fmt::format("{} #{}", name, row.run_number);
  mstch::map context = parts::chrome(title, &state, query.scope.link_query, auth_enabled);
  ShownState shown = row.completed ? ShownState{std::string(outcome_name(row.outcome)),
                                                std::string(outcome_name(row.outcome))}
                                   : ShownState{"unfinished", "in progress"};
  context.insert_or_assign("heading", title);
  context.insert_or_assign("repository", table.repositories()[workflow.repository]);
  context.insert_or_assign("workflow", name);
  context.insert_or_assign("workflow_query",
                           parts::workflow_query(table.repositories()[workflow.repository],
                                                 workflow.workflow_id, query.scope));
  context.insert_or_assign("back_query", query.scope.link_query);
  context.insert_or_assign("state", shown.state);
  context.insert_or_assign("symbol", parts::state_symbol(shown.state));
  context.insert_or_assign("state_text", shown.text);
  context.insert_or_assign("branch", table.branches()[row.branch]);
  context.insert_or_assign("event", table.events()[row.event]);
  context.insert_or_assign("created", format_timestamp(row.created_at));
  context.insert_or_assign("url", run_html_url(table, row));
  if (!jobs) {
    context.insert_or_assign("jobs_error", jobs.error().message);
    return render_template("run", context);
  }
  context.insert_or_assign("no_jobs", jobs->empty());
  context.insert_or_assign("attempts", attempt_sections(table, row, *jobs));
  return render_template("run", context);
}

}  // namespace cipette::web

// The job, runner, step and run routes of the API (routes.h): the job table of the snapshot for
// the rows, a pooled store connection for what stays in the store (a run's jobs, steps).
#include <fmt/format.h>

#include <stdexcept>

#include "cipette/core/job_metrics.h"
#include "cipette/views/job_report_json.h"
#include "cipette/views/job_report_text.h"
#include "cipette/web/api_documents.h"
#include "cipette/web/job_documents.h"
#include "cipette/web/job_pages.h"
#include "cipette/web/route_support.h"
#include "cipette/web/routes.h"
#include "cipette/web/run_finder.h"
#include "cipette/web/store_pool.h"

namespace cipette::web {

namespace {

CachedResponse json_response(int status, const nlohmann::json& document) {
  return make_response(status, kJson, dump_json(document));
}

CachedResponse no_workflow(const Scope& scope) {
  return json_response(404, error_json(404, "The repository " + scope.repository +
                                                " has no workflow \"" + scope.workflow + "\"."));
}

// A list query with job=NAME allowed, its scope validated.
Parsed<ListQuery> job_query(const QueryParams& params, Timestamp now) {
  QueryRules rules;
  rules.job = true;
  auto query = parse_list_query(params, rules, now);
  if (!query) return query;
  if (auto problem = scope_problem(query->scope.scope)) return *problem;
  return query;
}

// Repository and workflow name the job group of `job`: both are required with it.
std::optional<ParamProblem> require_workflow_of_job(const ListQuery& query) {
  for (const auto& [name, value] : {std::pair{"repository", &query.scope.scope.repository},
                                    {"workflow", &query.scope.scope.workflow}}) {
    if (value->empty()) {
      return ParamProblem{name, fmt::format("required with job (the job group's workflow); got "
                                            "job=\"{}\" without it",
                                            query.job.substr(0, 64))};
    }
  }
  return std::nullopt;
}

CachedResponse job_rows(const SnapshotState& state, const ListQuery& query) {
  const Scope& scope = query.scope.scope;
  if (query.job.empty()) {
    return json_response(
        200, views::jobs_json(scope, compute_job_metrics(*state.table, *state.jobs, scope)));
  }
  auto workflow = find_workflow(*state.table, scope);
  if (!workflow) return no_workflow(scope);
  const RunTable::Workflow& w = state.table->workflows()[*workflow];
  auto legs = compute_job_legs(*state.table, *state.jobs, scope,
                               state.table->repositories()[w.repository], w.workflow_id, query.job);
  return json_response(200, views::jobs_json(scope, legs, query.job));
}

// The steps of the group's jobs in the newest completed runs of the workflow in scope.
CachedResponse job_steps_response(const SnapshotState& state, const ListQuery& query,
                                  StorePool& stores) {
  Scope scope = query.scope.scope;
  auto workflow = find_workflow(*state.table, scope);
  if (!workflow) return no_workflow(scope);
  const RunTable::Workflow& w = state.table->workflows()[*workflow];
  StepSample sample;
  Status read = stores.with_jobs([&](JobReader* reader) -> Status {
    if (reader == nullptr) return {};
    std::vector<std::int64_t> runs = step_sample_runs(*state.table, scope, *workflow);
    auto groups = read_group_steps(*reader, runs);
    if (!groups) return groups.error();
    sample.runs = static_cast<std::int64_t>(runs.size());
    for (GroupSteps& group : *groups) {
      if (group.group != query.job) continue;
      sample.jobs = group.jobs;
      sample.steps = std::move(group.steps);
    }
    return {};
  });
  if (!read)
    throw std::runtime_error("reading the steps of job " + query.job + ": " + read.error().message);
  StepDocument document{scope,         state.table->repositories()[w.repository],
                        w.workflow_id, w.name,
                        query.job,     kStepRunsRead};
  return json_response(200, steps_json(document, sample));
}

// The id of /api/v1/runs/{id}: a positive whole number.
Parsed<std::int64_t> run_id_of(std::string_view path) {
  return parse_run_id(path.substr(kRunDetailPrefix.size()));
}

CachedResponse run_detail_response(const std::shared_ptr<const RunTable>& table, RunFinder& finder,
                                   StorePool& stores, std::int64_t id) {
  auto row = finder.find(table, id);
  if (!row) {
    return json_response(404,
                         error_json(404, "No run with id " + std::to_string(id) + " is stored."));
  }
  ListedRun run{table->row(*row), std::nullopt, table->earlier_attempts(*row)};
  std::vector<JobRecord> jobs;
  Status read = stores.with_jobs([&](JobReader* reader) -> Status {
    if (reader == nullptr) return {};
    auto found = reader->jobs_of_run(id);
    if (!found) return found.error();
    jobs = std::move(*found);
    return {};
  });
  if (!read) {
    throw std::runtime_error("reading the jobs of run " + std::to_string(id) + ": " +
                             read.error().message);
  }
  return json_response(200, run_detail_json(*table, run, jobs));
}

}  // namespace

Answer Routes::jobs(const HttpRequest& req) const {
  auto query = job_query(req.params, ctx_.clock());
  if (!query) return problem(req, query.error());
  if (!query->job.empty()) {
    if (auto p = require_workflow_of_job(*query)) return problem(req, *p);
  }
  return cached_render(
      "jobs?" + query->cache_key, query->scope.scope.now,
      [query = *query](const SnapshotState& state) { return job_rows(state, query); });
}

Answer Routes::jobs_csv(const HttpRequest& req) const {
  auto query = valid_scope(parse_scope_query(req.params, ctx_.clock()));
  if (!query) return problem(req, query.error());
  Answer answer = cached_render(
      "jobs.csv?" + query->cache_key, query->scope.now,
      [scope = query->scope](const SnapshotState& state) {
        return make_response(
            200, kCsv, views::jobs_csv(compute_job_metrics(*state.table, *state.jobs, scope)));
      });
  add_header(answer, "Content-Disposition", "attachment; filename=\"cipette-jobs.csv\"");
  return answer;
}

Answer Routes::job_steps(const HttpRequest& req) const {
  auto query = job_query(req.params, ctx_.clock());
  if (!query) return problem(req, query.error());
  if (query->job.empty())
    return problem(req,
                   ParamProblem{"job", "required: the name of one of the workflow's job groups"});
  if (auto p = require_workflow_of_job(*query)) return problem(req, *p);
  if (ctx_.stores == nullptr) return error(503, req, "This server has no store connection.");
  return cached_render("jobs/steps?" + query->cache_key, query->scope.scope.now,
                       [query = *query, stores = ctx_.stores](const SnapshotState& state) {
                         return job_steps_response(state, query, *stores);
                       });
}

Answer Routes::runners(const HttpRequest& req) const {
  auto query = valid_scope(parse_scope_query(req.params, ctx_.clock()));
  if (!query) return problem(req, query.error());
  return cached_render(
      "runners?" + query->cache_key, query->scope.now,
      [scope = query->scope, rates = &ctx_.options.runner_rates](const SnapshotState& state) {
        RunnerReport report = compute_runner_report(*state.table, *state.jobs, scope);
        return json_response(200, views::runners_json(scope, report.rows, report.days, *rates));
      });
}

Answer Routes::runners_csv(const HttpRequest& req) const {
  auto query = valid_scope(parse_scope_query(req.params, ctx_.clock()));
  if (!query) return problem(req, query.error());
  Answer answer = cached_render(
      "runners.csv?" + query->cache_key, query->scope.now,
      [scope = query->scope, rates = &ctx_.options.runner_rates](const SnapshotState& state) {
        return make_response(
            200, kCsv,
            views::runners_csv(compute_runner_metrics(*state.table, *state.jobs, scope), *rates));
      });
  add_header(answer, "Content-Disposition", "attachment; filename=\"cipette-runners.csv\"");
  return answer;
}

Answer Routes::run_detail(const HttpRequest& req) const {
  auto id = run_id_of(req.path);
  if (!id) return problem(req, id.error());
  if (auto p = reject_any_parameter(req.params)) return problem(req, *p);
  if (ctx_.stores == nullptr) return error(503, req, "This server has no store connection.");
  return cached_render(
      "runs/" + std::to_string(*id), 0,
      [id = *id, finder = run_finder_, stores = ctx_.stores](const SnapshotState& state) {
        return run_detail_response(state.table, *finder, *stores, id);
      });
}

}  // namespace cipette::web
